// The phone's own .tflite reader against files written with the flatbuffers Builder (and,
// where node-tflite is built, checked by the real TensorFlow Lite runtime).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { convReluModel, tinyCnnModel } from './tflite-builder.js';
import { readTflite, TfliteFormatError } from './tflite-reader.js';
import { opCost } from './op-cost.js';

test('reads back ops, options, tensors and io of a hand-built model', () => {
  const m = readTflite(tinyCnnModel());
  assert.equal(m.version, 3);
  assert.deepEqual(m.operators.map((o) => o.name), ['CONV_2D', 'DEPTHWISE_CONV_2D', 'CONV_2D', 'MAX_POOL_2D', 'AVERAGE_POOL_2D', 'ADD', 'CONCATENATION', 'MEAN', 'FULLY_CONNECTED', 'SOFTMAX']);
  assert.deepEqual(m.operators[0]?.options, { padding: 'SAME', strideW: 2, strideH: 2, activation: 'RELU6', dilationW: 1, dilationH: 1 });
  assert.equal(m.operators[3]?.options.filterW, 2);
  assert.equal(m.operators[6]?.options.axis, 3);
  assert.equal(m.tensors[m.inputs[0] ?? -1]?.name, 'image');
  assert.equal(m.tensors[m.outputs[0] ?? -1]?.name, 'prob/Softmax');
  assert.equal(m.tensors.find((t) => t.name === 'c1/w')?.isConstant, true);
  assert.equal(m.tensors.find((t) => t.name === 'c1/Relu6')?.isConstant, false);
});

test('FLOPs and bytes follow the shapes', () => {
  const m = readTflite(convReluModel({ size: 32, cin: 8, cout: 16, kernel: 3 }));
  const conv = opCost(m, m.operators[0] ?? assert.fail());
  assert.equal(conv.cls, 'conv');
  assert.equal(conv.flops, 2 * 32 * 32 * 16 * 3 * 3 * 8 + 32 * 32 * 16);
  assert.equal(conv.weightBytes, (16 * 3 * 3 * 8 + 16) * 4);
  assert.equal(conv.actBytes, (32 * 32 * 8 + 32 * 32 * 16) * 4);
  const relu = opCost(m, m.operators[1] ?? assert.fail());
  assert.equal(relu.flops, 32 * 32 * 16);
});

test('rejects what TFLite rejects, with its wording', () => {
  assert.throws(() => readTflite(Buffer.from('abc')), /must have at least 7 bytes/);
  assert.throws(() => readTflite(Buffer.from('xxxxABCDyyyy')), { name: 'TfliteFormatError', message: "Model provided has model identifier 'ABCD', should be 'TFL3'" });
  const junk = Buffer.alloc(64, 0xff);
  junk.write('TFL3', 4, 'latin1');
  assert.throws(() => readTflite(junk), TfliteFormatError);
});

test('the real TFLite runtime (node-tflite) loads and runs the hand-built models', (t) => {
  const require = createRequire(import.meta.url);
  // node-tflite is an optional native dev dependency: skip where it did not build. Its
  // package also ships index.ts, which tsx would pick for the bare name: load the JS.
  let tflite: { Interpreter: new (model: Uint8Array) => { allocateTensors(): void; invoke(): void; outputs: Array<{ dims: number[] }> } };
  try {
    tflite = require('node-tflite/index.js') as typeof tflite;
  } catch {
    t.skip('node-tflite is not available');
    return;
  }
  for (const model of [convReluModel(), tinyCnnModel()]) {
    const it = new tflite.Interpreter(model);
    it.allocateTensors();
    it.invoke();
    assert.ok(it.outputs[0]?.dims.length);
  }
  const tiny = new tflite.Interpreter(tinyCnnModel());
  tiny.allocateTensors();
  assert.deepEqual(tiny.outputs[0]?.dims, [1, 10]);
});
