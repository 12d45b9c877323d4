/** What the TFLite writer tests share: node-tflite to run an artifact, and the structural checks every artifact must pass. */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import type { Network } from '../app/workloads/ir.js';
import type { TfliteArtifact } from '../native-runners/android-tflite/tflite-writer.js';
import { HELPER_SUFFIXES } from '../native-runners/android-tflite/tflite-emit.js';
import { readTflite, type TfliteModelInfo } from '../native-runners/android-tflite/tflite-reader.js';

/**
 * node-tflite, loaded by file: the package ships index.ts and index.d.ts beside index.js, and
 * both tsx (bare name -> index.d.ts, an empty module) and tsc (index.js -> index.ts, which
 * does not compile under this project's settings) take the wrong one. So it is required as
 * a file and typed here with what the tests use.
 */
interface TfliteTensor {
  readonly dims: number[];
  copyFrom(data: ArrayBufferView): void;
  copyTo(data: ArrayBufferView): void;
}
interface TfliteInterpreter {
  readonly inputs: TfliteTensor[];
  readonly outputs: TfliteTensor[];
  allocateTensors(): void;
  invoke(): void;
}
const { Interpreter } = createRequire(import.meta.url)('node-tflite/index.js') as {
  Interpreter: new (model: ArrayBufferView, options?: { numThreads?: number }) => TfliteInterpreter;
};


export const numel = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** Runs an artifact once in node-tflite with the given inputs (default: all 0.1). */
export function run(art: TfliteArtifact, feeds?: readonly Float32Array[]): { dims: number[]; values: Float32Array }[] {
  const it = new Interpreter(art.bytes, { numThreads: 1 });
  it.allocateTensors();
  it.inputs.forEach((t, i) => {
    assert.deepEqual(t.dims, [...art.inputs[i]!.shape], `input ${art.inputs[i]!.name}`);
    t.copyFrom(feeds?.[i] ?? new Float32Array(numel(t.dims)).fill(0.1));
  });
  it.invoke();
  return it.outputs.map((t) => {
    const values = new Float32Array(numel(t.dims));
    t.copyTo(values);
    return { dims: t.dims, values };
  });
}

/** Structural checks every artifact must pass, read back from the bytes. */
export function checkStructure(net: Network, art: TfliteArtifact): TfliteModelInfo {
  const m = readTflite(art.bytes);
  assert.equal(m.identifier, 'TFL3');
  assert.equal(m.version, 3);
  assert.equal(m.bufferSizes[0], 0, 'buffer 0 is the empty sentinel');
  const constants = m.tensors.filter((t) => t.buffer !== 0);
  assert.equal(new Set(constants.map((t) => t.buffer)).size, constants.length, 'one buffer per constant tensor');
  assert.equal(m.bufferSizes.length, constants.length + 1);
  for (const t of constants) {
    assert.equal(m.bufferSizes[t.buffer], numel(t.shape) * 4, `${t.name}: buffer holds the tensor`);
    assert.equal(m.bufferOffsets[t.buffer]! % 16, 0, `${t.name}: data is 16-byte aligned`);
  }
  assert.equal(m.operators.length, art.opLayers.length);
  const layerNames = new Set(net.layers.map((l) => l.name));
  m.operators.forEach((o, i) => {
    assert.equal(o.op, art.opTypes[i]);
    const outs = o.outputs.map((t) => m.tensors[t]!.name);
    assert.deepEqual(outs, art.opAllOutputs[i], `operator ${i} outputs`);
    assert.equal(outs.at(-1), art.opOutputs[i], `operator ${i} output name`);
    const kernel = art.opKernelLayers[i]!;
    if (layerNames.has(outs.at(-1)!)) {
      // An operator that ends a group writes the tensor named after the group's last layer
      // (a SPLIT one per slice, in channel order).
      assert.equal(art.opLayers[i], outs.at(-1));
      if (o.op === 'SPLIT') assert.deepEqual([...outs].sort(), [...kernel].sort());
      else assert.equal(kernel.at(-1), outs.at(-1));
    } else {
      assert.match(outs[0]!, new RegExp(`^${art.opLayers[i]}/(${HELPER_SUFFIXES.join('|')})$`), `helper output ${outs[0]}`);
      assert.deepEqual(kernel, [art.opLayers[i]]);
    }
  });
  // Every IR layer is implemented by some operator, once.
  const groups = art.opKernelLayers.filter((k, i) => layerNames.has(art.opOutputs[i]!) && k.length > 0);
  assert.deepEqual(groups.flat().sort(), [...layerNames].sort());
  assert.deepEqual(m.outputs.map((i) => m.tensors[i]!.name), [...art.outputs]);
  assert.deepEqual(m.inputs.map((i) => m.tensors[i]!.name), art.inputs.map((i) => i.name));
  return m;
}
