/**
 * Conformance of the TFLite artifacts against a real runtime (node-tflite 0.0.2, which bundles
 * libtensorflowlite_c 2.2.0): every zoo network, written by buildTflite, loads, allocates and
 * runs, with the output shape that the IR's shape inference predicts (NHWC); single-layer
 * artifacts of every op do the same; and a few layers are checked value by value against a
 * reference computed here from the weights read back out of the file, so the weight layouts
 * (OHWI, 1HWC, [O,I]) and the PAD/SAME/VALID choices are the ones TFLite expects.
 * Values and the deployed (folded, fused) graph are checked in tflite-writer-values.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeNetwork } from '../../app/workloads/analyze.js';
import { ZOO_NAMES, zooNetwork } from '../../app/workloads/zoo/index.js';
import { layerPlan } from '../../app/workloads/units.js';
import { NetworkBuilder } from '../../app/workloads/builder.js';
import { buildTflite } from './tflite-writer.js';
import { nhwcShape, tflitePadding } from './tflite-emit.js';
import { readTflite } from './tflite-reader.js';
import { checkStructure, run } from '../../test/tflite-support.js';

/** Small inputs so the whole zoo runs in seconds; each still exercises every op it has. */
const SMALL: Record<string, number> = { vgg16: 64, alexnet: 96, nin: 64, overfeat: 135, mobilenetv2: 64, 'spnas-space': 64 };

const zooTimes: string[] = [];

for (const name of ZOO_NAMES) {
  test(`${name}: TFLite runs it and its output shape equals the IR's`, () => {
    const net = zooNetwork(name, SMALL[name] ? { resolution: SMALL[name] } : {});
    const t0 = performance.now();
    const art = buildTflite(net);
    const t1 = performance.now();
    checkStructure(net, art);
    const [out] = run(art);
    const t2 = performance.now();
    zooTimes.push(`${name}: write ${(t1 - t0).toFixed(0)} ms, load+run ${(t2 - t1).toFixed(0)} ms, ${art.opLayers.length} ops, ${(art.bytes.length / 1e6).toFixed(1)} MB`);
    const a = analyzeNetwork(net);
    assert.deepEqual(out!.dims, nhwcShape(net.batch, a.outputShape));
    assert.ok(out!.values.every((v) => Number.isFinite(v)), 'no NaN or Inf from the seeded weights');
    // Every zoo network ends in a softmax: its outputs sum to 1.
    assert.ok(Math.abs(out!.values.reduce((s, v) => s + v, 0) - 1) < 1e-3);
  });
}

test('zoo timings', (t) => {
  for (const line of zooTimes) t.diagnostic(line);
});

test('every op runs alone in TFLite with the IR output shape', () => {
  const b = new NetworkBuilder('ops', [8, 16, 16]);
  b.conv(8, 3, { name: 'c' });
  b.bn({ name: 'bn' });
  const r = b.relu({ name: 'r' });
  b.dwconv(3, { name: 'dw' });
  b.relu6({ name: 'r6' });
  const pw = b.pwconv(8, { name: 'pw' });
  b.addOf([r, pw], { name: 'add' });
  b.addOf([r, pw, r], { name: 'add3' });
  const mp = b.maxpool(2, { name: 'mp' });
  const ap = b.avgpool(3, { from: r, stride: 2, pad: 1, name: 'ap' });
  b.concatOf([mp, ap], { name: 'cat' });
  b.conv(16, 3, { stride: 2, pad: 1, name: 'c_s2' });
  b.conv(16, 3, { groups: 16, name: 'c_dw' });
  b.fc(12, { name: 'fc_map' });
  b.bn({ name: 'bn_vec' });
  b.softmax({ name: 'sm_vec' });
  b.gap({ from: 'cat', name: 'gap' });
  b.flatten({ name: 'fl' });
  b.fc(10, { name: 'fc' });
  b.concatOf(['fc', 'fc'], { name: 'cat_vec' });
  b.softmax({ name: 'sm' });
  b.softmax({ from: 'c', name: 'sm_map' });
  b.act('sigmoid', { from: 'c', name: 'sig' });
  b.act('hardswish', { from: 'c', name: 'hsw' });
  b.act('hardsigmoid', { from: 'c', name: 'hsig' });
  b.act('swish', { from: 'c', name: 'sw' });
  const pool = b.gap({ from: 'c', name: 'se_pool' });
  b.mulOf(['c', pool], { name: 'se' });
  b.mulOf(['c', 'r'], { name: 'mul' });
  b.slice(2, 6, { from: 'c', name: 'sl' });
  b.shuffle(4, { from: 'c', name: 'shuf' });
  b.resize(2, 'nearest', { from: 'c', name: 'up' });
  b.resize(3, 'linear', { from: 'c', name: 'up_lin' });
  const net = b.build();
  const plan = layerPlan('ops', net);
  assert.equal(plan.units.length, net.layers.length);
  const seen = new Set<string>();
  for (const unit of plan.units) {
    const art = buildTflite(unit.network);
    checkStructure(unit.network, art);
    art.opTypes.forEach((o) => seen.add(o));
    const outs = run(art);
    const a = analyzeNetwork(unit.network);
    assert.equal(outs.length, 1, unit.key);
    assert.deepEqual(outs[0]!.dims, nhwcShape(unit.network.batch, a.outputShape), unit.key);
    assert.ok(outs[0]!.values.every((v) => Number.isFinite(v)), unit.key);
    if (unit.network.layers[0]!.op === 'softmax') {
      const classes = outs[0]!.dims.at(-1)!;
      for (let i = 0; i < outs[0]!.values.length; i += classes) {
        const s = outs[0]!.values.subarray(i, i + classes).reduce((x, y) => x + y, 0);
        assert.ok(Math.abs(s - 1) < 1e-4, `${unit.key}: softmax sums to 1`);
      }
    }
  }
  assert.deepEqual(
    [...seen].sort(),
    [
      'ADD', 'ADD_N', 'AVERAGE_POOL_2D', 'CONCATENATION', 'CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED', 'HARD_SWISH', 'LOGISTIC', 'MAX_POOL_2D', 'MEAN', 'MUL', 'PAD',
      'RELU', 'RELU6', 'RESHAPE', 'RESIZE_BILINEAR', 'RESIZE_NEAREST_NEIGHBOR', 'SOFTMAX', 'STRIDED_SLICE', 'TRANSPOSE',
    ],
  );
});

test('helper operators: PAD, BN as MUL + ADD, RESHAPE before an fc on a feature map', () => {
  const b = new NetworkBuilder('helpers', [3, 16, 16]);
  b.conv(4, 3, { stride: 2, pad: 1, name: 'down' }); // 16 -> 8: TF 'same' pads (0,1), the IR (1,1)
  b.bn({ name: 'bn' });
  b.conv(4, 3, { pad: 1, name: 'same' });
  b.maxpool(3, { stride: 1, pad: 0, name: 'valid' });
  b.fc(5, { name: 'fc' });
  const art = buildTflite(b.build(), { fuse: false });
  assert.deepEqual(art.opTypes, ['PAD', 'CONV_2D', 'MUL', 'ADD', 'CONV_2D', 'MAX_POOL_2D', 'RESHAPE', 'FULLY_CONNECTED']);
  assert.deepEqual(art.opOutputs, ['down/pad', 'down', 'bn/mul', 'bn', 'same', 'valid', 'fc/flatten', 'fc']);
  assert.deepEqual(art.opLayers, ['down', 'down', 'bn', 'bn', 'same', 'valid', 'fc', 'fc']);
  assert.deepEqual(art.opKernelLayers, art.opLayers.map((l) => [l]));
  assert.deepEqual(art.opInputs[1], ['down/pad']);
  const m = readTflite(art.bytes);
  const pad = m.tensors[m.operators[0]!.outputs[0]!]!;
  assert.deepEqual(pad.shape, [1, 17, 17, 3], 'pads only what the windows read: (1,0) per axis');
  // Deployed (the default): BN folded into the conv before it, which now writes `bn`.
  const fused = buildTflite(b.build());
  assert.deepEqual(fused.opTypes, ['PAD', 'CONV_2D', 'CONV_2D', 'MAX_POOL_2D', 'RESHAPE', 'FULLY_CONNECTED']);
  assert.deepEqual(fused.opOutputs, ['down/pad', 'bn', 'same', 'valid', 'fc/flatten', 'fc']);
  assert.deepEqual(fused.opLayers, ['down', 'bn', 'same', 'valid', 'fc', 'fc']);
  assert.deepEqual(fused.opKernelLayers, [['down'], ['down', 'bn'], ['same'], ['valid'], ['fc'], ['fc']]);
});

test('tflitePadding: SAME and VALID where TFLite has them, explicit pads otherwise', () => {
  assert.equal(tflitePadding(32, 32, 3, 1, 1), 'SAME');
  assert.equal(tflitePadding(32, 32, 5, 1, 2), 'SAME');
  assert.equal(tflitePadding(33, 33, 3, 2, 1), 'SAME', 'odd input, stride 2: TF pads (1,1) like the IR');
  assert.deepEqual(tflitePadding(32, 32, 3, 2, 1), { h: [1, 0], w: [1, 0] }, 'even input, stride 2: TF pads (0,1), the IR (1,1)');
  assert.equal(tflitePadding(32, 32, 2, 2, 0), 'VALID');
  assert.equal(tflitePadding(7, 7, 3, 2, 'valid'), 'VALID');
  assert.equal(tflitePadding(7, 7, 3, 2, 'same'), 'SAME');
  assert.deepEqual(tflitePadding(96, 96, 11, 4, 2), { h: [2, 1], w: [2, 1] }, 'AlexNet conv1 at 96');
  assert.deepEqual(tflitePadding(16, 16, 3, 1, 2), { h: [2, 2], w: [2, 2] }, 'more padding than same');
});

test('the same seed writes the same bytes; another seed other weights', () => {
  const net = zooNetwork('cifar10-6conv');
  assert.deepEqual(buildTflite(net, { seed: 7 }).bytes, buildTflite(net, { seed: 7 }).bytes);
  assert.notDeepEqual(buildTflite(net, { seed: 7 }).bytes, buildTflite(net, { seed: 8 }).bytes);
});

test('a layer named like a helper tensor is refused', () => {
  const b = new NetworkBuilder('clash', [3, 8, 8]);
  b.relu({ name: 'x/mul' });
  b.bn({ name: 'x' });
  assert.throws(() => buildTflite(b.build()), { code: 'INVALID_WORKLOAD' });
});
