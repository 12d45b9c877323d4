/**
 * The ONNX importer against three references: our own writer (every zoo network, and a
 * network of every newer layer, comes back layer for layer), PyTorch's exporter
 * (fixtures/make_torch_fixtures.py: torchvision's families from their own blocks; MACs as
 * torch's profiler counts them, parameters as torch counts them), and onnxruntime, which runs
 * each original model and gives the shape of every tensor that became a layer: the IR's
 * shape inference must agree with all of them. Models written node by node (what neither
 * exporter writes) are in onnx-import-handwritten.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { analyzeNetwork } from './analyze.js';
import type { Layer, Network } from './ir.js';
import { importOnnx } from './onnx-import.js';
import { layerPlan } from './units.js';
import { NetworkBuilder } from './builder.js';
import { ZOO_NAMES, zooNetwork } from './zoo/index.js';
import { buildOnnx } from '../../native-runners/onnxruntime/artifact.js';
import { assertShapesMatchOrt, fixture } from '../../test/onnx-support.js';

/** Small inputs, as artifact.test.ts uses them, so that the whole zoo runs in seconds. */
const SMALL: Record<string, number> = { vgg16: 64, alexnet: 96, nin: 64, overfeat: 135, mobilenetv2: 64, 'spnas-space': 64 };

const opCounts = (n: Network): Record<string, number> => n.layers.reduce<Record<string, number>>((c, l) => ({ ...c, [l.op]: (c[l.op] ?? 0) + 1 }), {});

/** Per layer, what the cost model sees: wiring, op, shape and cost (not how pads are spelled). */
function costs(n: Network): unknown[] {
  return analyzeNetwork(n).layers.map((a) => ({ name: a.layer.name, op: a.layer.op, inputs: a.layer.inputs, out: a.outputShape, macs: a.macs, params: a.params, flops: a.flops }));
}

function assertSameCosts(original: Network, imported: Network): void {
  const a = analyzeNetwork(original);
  const b = analyzeNetwork(imported);
  assert.deepEqual(b.total, a.total);
  assert.deepEqual(opCounts(imported), opCounts(original));
  assert.deepEqual(costs(imported), costs(original));
  assert.deepEqual(imported.input, original.input);
  assert.deepEqual(imported.extraInputs, original.extraInputs);
  assert.equal(imported.batch, original.batch);
}

for (const name of ZOO_NAMES) {
  test(`${name}: our ONNX comes back with the same layers, MACs and params`, () => {
    const net = zooNetwork(name, SMALL[name] ? { resolution: SMALL[name] } : {});
    const imported = importOnnx(buildOnnx(net).bytes, name);
    assert.equal(imported.name, name);
    assertSameCosts(net, imported);
  });
}

test('every new layer comes back from our ONNX: names, ops, fields and wiring; ORT agrees on every shape', async () => {
  const b = new NetworkBuilder('new-layers', [8, 12, 12], 2);
  b.conv(16, 3, { name: 'stem' });
  b.act('hardswish', { name: 'stem/hswish' });
  b.dwconv(3, { name: 'dw' });
  const sw = b.act('swish', { name: 'dw/swish' });
  // Squeeze-and-excitation: a [C,1,1] gate scales the [C,H,W] map.
  b.gap({ name: 'se/pool' });
  b.pwconv(4, { name: 'se/reduce', bias: true });
  b.relu({ name: 'se/relu' });
  b.pwconv(16, { name: 'se/expand', bias: true });
  const gate = b.act('hardsigmoid', { name: 'se/gate' });
  const scaled = b.mulOf([sw, gate], { name: 'se/scale' });
  const left = b.slice(0, 8, { name: 'split/left', from: scaled });
  const right = b.slice(8, 16, { name: 'split/right', from: scaled });
  b.conv(8, 3, { name: 'left/conv', from: left });
  // A sigmoid read by a product with another tensor stays a sigmoid (x * sigmoid(x) would be a swish).
  const s = b.act('sigmoid', { name: 'left/sigmoid' });
  const gated = b.mulOf([right, s], { name: 'gated' });
  b.concatOf([left, gated], { name: 'cat' });
  b.shuffle(2, { name: 'shuffle' });
  b.resize(2, 'nearest', { name: 'up/nearest' });
  b.resize(3, 'linear', { name: 'up/linear' });
  b.gap({ name: 'pool' });
  b.flatten({ name: 'flat' });
  b.fc(5, { name: 'fc' });
  b.softmax({ name: 'probs' });
  const net = b.build();
  const bytes = buildOnnx(net).bytes;
  const imported = importOnnx(bytes, 'new-layers');
  assert.deepEqual(imported.layers, net.layers);
  assertSameCosts(net, imported);
  await assertShapesMatchOrt(bytes, imported);
});

test('batch, single-layer units with two inputs, and an fc reading a feature map come back too', () => {
  const net = zooNetwork('mobilenetv2', { resolution: 32, batch: 3 });
  assertSameCosts(net, importOnnx(buildOnnx(net).bytes, 'mnv2-b3'));
  for (const unit of layerPlan('mobilenetv2', zooNetwork('mobilenetv2', { resolution: 32 })).units) {
    assertSameCosts(unit.network, importOnnx(buildOnnx(unit.network).bytes, unit.key));
  }
  // Grouped conv, 'same' pads that are asymmetric, a 1x1 conv with stride (not a pwconv), a
  // three-way add (Sum), and an fc straight on a feature map (the writer's Flatten + Gemm).
  const b = new NetworkBuilder('mixed', [6, 15, 15], 2);
  const c = b.conv(6, 3, { stride: 2, pad: 'same', groups: 3 });
  const d = b.dwconv(5, { pad: 'same', bias: true });
  const e = b.conv(6, 1, { stride: 2, pad: 0, from: c });
  b.addOf([c, d, c], { name: 'sum3' });
  const mp = b.maxpool(3, { stride: 2, pad: 'same' });
  b.concatOf([mp, e]);
  b.avgpool(2, { stride: 1, pad: 0 });
  b.fc(7, { bias: false });
  b.relu6();
  b.bn();
  b.softmax();
  const mixed = b.build();
  assertSameCosts(mixed, importOnnx(buildOnnx(mixed).bytes, 'mixed'));
});


const TORCH = JSON.parse(readFileSync(fileURLToPath(new URL('./fixtures/torch-fixtures.json', import.meta.url)), 'utf8')) as {
  torch: string;
  fixtures: Record<string, { opset: number; params: number; paramsKept: boolean; macs: number; torchOutputShape: number[] }>;
};

/** Layers per op of each PyTorch fixture (make_torch_fixtures.py says what each model is). */
const TORCH_EXPECTED: Record<string, Record<string, number>> = {
  'torch-cnn-op13.onnx': { conv: 2, bn: 4, relu: 3, relu6: 2, dwconv: 1, pwconv: 2, add: 1, maxpool: 2, concat: 1, avgpool: 1, gap: 1, flatten: 1, fc: 1, softmax: 1 },
  'torch-mlp-op9.onnx': { conv: 1, relu: 2, maxpool: 1, flatten: 1, fc: 2, relu6: 1, bn: 1, softmax: 1 },
  'torch-nofold-op11.onnx': { conv: 1, relu6: 1, flatten: 1, fc: 1 },
  'torch-resize-op13.onnx': { conv: 2, resize: 1 },
  // 11 blocks, 9 with SE (hardsigmoid gate, mul); hardswish in the stem, 8 blocks' expand and
  // depthwise convs, the last conv and the classifier. At width 0.1 two more blocks have no
  // expand conv (expanded = input channels) and one more has a residual than at full width.
  'torch-mobilenetv3-small-op13.onnx': { conv: 1, hardswish: 19, dwconv: 11, relu: 12, gap: 10, pwconv: 38, hardsigmoid: 9, mul: 9, add: 7, flatten: 1, fc: 2 },
  'torch-mobilenetv3-blocks-op14.onnx': { conv: 1, hardswish: 4, pwconv: 6, dwconv: 2, gap: 2, relu: 3, hardsigmoid: 1, mul: 1, add: 1, flatten: 1, fc: 1 },
  // 4 MBConvs: SiLU after stem, expand (3 of them), depthwise, inside SE and the last conv; SE gates are sigmoids.
  'torch-efficientnet-op13.onnx': { conv: 1, swish: 13, dwconv: 4, gap: 5, pwconv: 16, sigmoid: 4, mul: 4, add: 2, flatten: 1, fc: 1 },
  // 3 stride-2 units (two branches) and 3 stride-1 units (chunk in two slices), each ending in a shuffle.
  'torch-shufflenetv2-op13.onnx': { conv: 1, relu: 17, maxpool: 1, dwconv: 9, pwconv: 16, concat: 6, shuffle: 6, slice: 6, gap: 1, flatten: 1, fc: 1 },
  'torch-regnety-op13.onnx': { conv: 8, relu: 17, pwconv: 16, gap: 5, sigmoid: 4, mul: 4, add: 4, flatten: 1, fc: 1 },
  // Each dense layer is BN-ReLU-1x1-BN-ReLU-3x3; the first layer of a block concats one tensor (no layer).
  'torch-densenet-op13.onnx': { conv: 5, bn: 11, relu: 11, maxpool: 1, pwconv: 5, concat: 4, avgpool: 1, gap: 1, flatten: 1, fc: 1 },
  'torch-inception-op13.onnx': { conv: 5, relu: 13, maxpool: 4, pwconv: 8, concat: 2, gap: 1, flatten: 1, fc: 1 },
  'torch-byhand-op9.onnx': { conv: 3, hardswish: 2, gap: 1, pwconv: 2, hardsigmoid: 1, mul: 2, slice: 4, sigmoid: 1, concat: 1, resize: 2 },
  'torch-byhand-op11.onnx': { conv: 3, hardswish: 2, gap: 1, pwconv: 2, hardsigmoid: 1, mul: 2, slice: 4, sigmoid: 1, concat: 1, resize: 2 },
  'torch-byhand-op17.onnx': { conv: 3, hardswish: 2, gap: 1, pwconv: 2, hardsigmoid: 1, mul: 2, slice: 4, sigmoid: 1, concat: 1, resize: 2 },
};

for (const [file, ops] of Object.entries(TORCH_EXPECTED)) {
  test(`${file} (PyTorch ${TORCH.torch}): imports; MACs as torch counts them; every layer's shape as ORT runs it, and our artifact of it too`, async () => {
    const bytes = fixture(file);
    const torch = TORCH.fixtures[file]!;
    const net = importOnnx(bytes, file);
    assert.deepEqual(opCounts(net), ops);
    const a = analyzeNetwork(net);
    assert.equal(a.total.macs, torch.macs);
    // A BatchNorm folded into the Conv before it leaves a bias behind: counts then differ.
    if (torch.paramsKept) assert.equal(a.total.params, torch.params);
    assert.deepEqual(a.outputShape, torch.torchOutputShape.slice(1));
    await assertShapesMatchOrt(bytes, net);
    // And what we import, our writer can export and ORT can run.
    await assertShapesMatchOrt(buildOnnx(net).bytes, net);
  });
}

/** Layers without names: op, fields, and which earlier layer (by index) each input is. */
function structure(n: Network): unknown[] {
  const index = new Map(n.layers.map((l, i) => [l.name, i]));
  return n.layers.map(({ name: _n, inputs, ...rest }) => ({ ...rest, inputs: inputs.map((i) => index.get(i) ?? i) }));
}

test("PyTorch's torchvision blocks: SE scale, hardswish and swish folded into one layer each, channel split and shuffle", () => {
  const layers = (file: string): Map<string, Layer> => new Map(importOnnx(fixture(file), file).layers.map((l) => [l.name, l]));
  // MobileNetV3 at opset 13: hardswish is HardSigmoid + Mul, named after the Mul; the SE
  // scale is Mul(hardsigmoid, x) in the file, the full-size tensor first in the IR.
  const mv3 = layers('torch-mobilenetv3-small-op13.onnx');
  assert.deepEqual(mv3.get('/features/features.0/features.0.2/Mul'), {
    op: 'hardswish',
    inputs: ['/features/features.0/features.0.0/Conv'],
    name: '/features/features.0/features.0.2/Mul',
  });
  assert.deepEqual(mv3.get('/features/features.1/block/block.1/Mul')?.inputs, [
    '/features/features.1/block/block.0/block.0.2/Relu',
    '/features/features.1/block/block.1/scale_activation/HardSigmoid',
  ]);
  // EfficientNet: SiLU is Sigmoid + Mul (one swish); the SE gate's Sigmoid is read by a Mul of
  // another tensor, so it stays a sigmoid.
  const eff = layers('torch-efficientnet-op13.onnx');
  assert.deepEqual(eff.get('/features/features.0/features.0.2/Mul'), { op: 'swish', inputs: ['/features/features.0/features.0.0/Conv'], name: '/features/features.0/features.0.2/Mul' });
  assert.equal(eff.get('/features/features.1/features.1.0/block/block.1/scale_activation/Sigmoid')?.op, 'sigmoid');
  // ShuffleNetV2: x.chunk(2, dim=1) is shape arithmetic and two Slices; the shuffle is named after the second Reshape.
  const sh = layers('torch-shufflenetv2-op13.onnx');
  assert.deepEqual(sh.get('/stage2/stage2.1/Slice'), { op: 'slice', inputs: ['/stage2/stage2.0/Reshape_1'], start: 0, end: 8, name: '/stage2/stage2.1/Slice' });
  assert.deepEqual(sh.get('/stage2/stage2.1/Slice_1'), { op: 'slice', inputs: ['/stage2/stage2.0/Reshape_1'], start: 8, end: 16, name: '/stage2/stage2.1/Slice_1' });
  assert.deepEqual(sh.get('/stage2/stage2.0/Reshape_1'), { op: 'shuffle', inputs: ['/stage2/stage2.0/Concat'], groups: 2, name: '/stage2/stage2.0/Reshape_1' });
  // Written by hand: x * relu6(x + 3) / 6 at three opsets (Clip's bounds as attributes, inputs,
  // and cast; Split's sizes as an attribute and an input; Upsample and Resize): the same network.
  const byHand = importOnnx(fixture('torch-byhand-op11.onnx'), 'byhand');
  assert.deepEqual(
    byHand.layers.map((l) => `${l.op}(${l.inputs.join(', ')})`),
    [
      'conv(input)',
      'hardswish(/stem/Conv)',
      'gap(/Div)',
      'pwconv(/GlobalAveragePool)',
      'hardsigmoid(/se/Conv)',
      'mul(/Div, /Div_1)',
      'slice(/Mul_1)',
      'slice(/Mul_1)',
      'conv(/Split:0)',
      'sigmoid(/left/Conv)',
      'pwconv(/Split:1)',
      'mul(/Sigmoid, /right/Conv)',
      'hardswish(/Mul_2)',
      'slice(/Mul_3)',
      'slice(/Mul_1)',
      'concat(/Slice, /Slice_1)',
      'resize(/Concat)',
      'conv(/Resize)',
      'resize(/head/Conv)',
    ],
  );
  for (const file of ['torch-byhand-op9.onnx', 'torch-byhand-op17.onnx']) assert.deepEqual(structure(importOnnx(fixture(file), file)), structure(byHand), file);
});

test('PyTorch specifics: relu6 as Relu + Clip, MatMul + Add as one fc, initializers listed as inputs, symbolic batch', () => {
  const mlp = importOnnx(fixture('torch-mlp-op9.onnx'), 'mlp');
  assert.equal(mlp.batch, 1, 'batch dim is symbolic: 1');
  assert.deepEqual(mlp.input, [1, 12, 12]);
  assert.equal(mlp.extraInputs, undefined, 'weights listed as graph inputs are not inputs');
  assert.deepEqual(
    mlp.layers.map((l) => [l.name, l.op, 'bias' in l ? l.bias : null]),
    [
      ['/conv/Conv', 'conv', true],
      ['/Relu', 'relu', null],
      ['/MaxPool', 'maxpool', null],
      ['/Reshape', 'flatten', null],
      ['/MatMul', 'fc', true],
      ['/Relu_1', 'relu', null],
      ['/Clip', 'relu6', null],
      ['/bn/BatchNormalization', 'bn', null],
      ['/out/Gemm', 'fc', true],
      ['/Softmax', 'softmax', null],
    ],
  );
  const cnn = importOnnx(fixture('torch-cnn-op13.onnx'), 'cnn');
  const byName = new Map(cnn.layers.map((l) => [l.name, l]));
  assert.deepEqual(byName.get('/group/Conv'), { op: 'conv', inputs: ['/Clip'], out: 16, kernel: 3, stride: 1, pad: 1, groups: 2, bias: true, name: '/group/Conv' });
  assert.equal(byName.get('/dw/Conv')?.op, 'dwconv');
  assert.equal(byName.get('/pw/Conv')?.op, 'pwconv');
  // avg_pool2d(3, 2, padding=1, ceil_mode=True) is exported as Pad + AveragePool(ceil_mode): 16 -> 9.
  assert.deepEqual(byName.get('/AveragePool'), { op: 'avgpool', inputs: ['/cat_bn/BatchNormalization'], kernel: 3, stride: 2, pad: 2, name: '/AveragePool' });
  // max_pool2d(2, 2, ceil_mode=True) on 9x9 keeps the partial last window: TF-style 'same'.
  const mp = byName.get('/MaxPool_1');
  assert.ok(mp?.op === 'maxpool');
  assert.equal(mp.pad, 'same');
});
