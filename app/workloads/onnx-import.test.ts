/**
 * The ONNX importer against three references: our own writer (every zoo network, and a
 * network of every newer layer, comes back layer for layer), PyTorch's exporter
 * (fixtures/make_torch_fixtures.py: torchvision's families from their own blocks; MACs as
 * torch's profiler counts them, parameters as torch counts them), and onnxruntime, which runs
 * each original model and gives the shape of every tensor that became a layer: the IR's
 * shape inference must agree with all of them. Models written node by node with onnx-proto
 * below cover what neither exporter writes (auto_pad, a Pad before a Conv, Identity/Dropout,
 * Sum, Squeeze, ReduceMean, dead nodes, other opsets' Resize and Split).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import onnxProto from 'onnx-proto';
import { analyzeNetwork } from './analyze.js';
import type { Layer, Network } from './ir.js';
import { importOnnx } from './onnx-import.js';
import { layerPlan } from './units.js';
import { NetworkBuilder } from './builder.js';
import { ZOO_NAMES, zooNetwork } from './zoo/index.js';
import { LabbenchError } from '../api/errors.js';
import { buildOnnx } from '../../native-runners/onnxruntime/artifact.js';
import { loadOrt } from '../../native-runners/onnxruntime/runner.js';

const { onnx } = onnxProto;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;
/** Decoded messages always carry their repeated fields; the generated types do not say so. */
function decode(bytes: Uint8Array): { model: onnxProto.onnx.ModelProto; graph: onnxProto.onnx.GraphProto } {
  const model = onnx.ModelProto.decode(bytes);
  return { model, graph: model.graph as onnxProto.onnx.GraphProto };
}
const fixture = (name: string): Uint8Array => readFileSync(fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url)));

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

/** Shapes ORT gives every node output that became a layer (graph outputs added for them). */
async function ortLayerShapes(bytes: Uint8Array, net: Network): Promise<Map<string, readonly number[]>> {
  const ort = loadOrt();
  const { model, graph } = decode(bytes);
  const layerNames = new Set(net.layers.map((l) => l.name));
  const byTensor = new Map<string, string>();
  // A ReduceMean without keepdims is two layers (gap, flatten): its tensor is the second's.
  for (const n of graph.node) {
    const t = n.output?.[0];
    if (n.name && layerNames.has(n.name) && t && n.opType !== 'ReduceMean') byTensor.set(t, n.name);
    // A Split's outputs are the slices `<node>:<k>`.
    n.output?.forEach((o, k) => {
      if (o && layerNames.has(`${n.name}:${k}`)) byTensor.set(o, `${n.name}:${k}`);
    });
  }
  for (const t of byTensor.keys()) {
    if (!graph.output.some((o) => o.name === t)) graph.output.push(onnx.ValueInfoProto.create({ name: t, type: { tensorType: { elemType: FLOAT } } }));
  }
  const initializers = new Set(graph.initializer.map((t) => t.name ?? ''));
  const inputs = graph.input.filter((i) => !initializers.has(i.name ?? ''));
  const shapes = [net.input, ...Object.values(net.extraInputs ?? {})];
  const feeds = Object.fromEntries(
    inputs.map((i, k) => {
      const shape = [net.batch, ...shapes[k]!];
      return [i.name ?? '', new ort.Tensor('float32', new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(0.5), shape)];
    }),
  );
  const session = await ort.InferenceSession.create(onnx.ModelProto.encode(model).finish(), { graphOptimizationLevel: 'disabled', logSeverityLevel: 3 });
  try {
    const out = await session.run(feeds);
    const result = new Map<string, readonly number[]>();
    for (const [t, v] of Object.entries(out)) result.set(byTensor.get(t) ?? t, v.dims);
    result.set('', out[graph.output[0]!.name ?? '']!.dims);
    return result;
  } finally {
    await session.release();
  }
}

/** The IR's shape of every layer that is an ONNX node, and the network's output, equal ORT's. */
async function assertShapesMatchOrt(bytes: Uint8Array, net: Network): Promise<void> {
  const ort = await ortLayerShapes(bytes, net);
  const a = analyzeNetwork(net);
  assert.deepEqual(ort.get(''), [net.batch, ...a.outputShape], 'network output');
  let compared = 0;
  for (const l of a.layers) {
    const dims = ort.get(l.layer.name);
    if (!dims) continue;
    compared += 1;
    // An IR vector [F] is ORT's [N, F]; a flatten-free fc after a map is still [N, F].
    assert.deepEqual(dims, [net.batch, ...l.outputShape], `layer ${l.layer.name} (${l.layer.op})`);
  }
  assert.ok(compared >= a.layers.length - 2, `compared ${compared} of ${a.layers.length} layers`);
}

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

// ---- models written node by node ------------------------------------------------------

type Attr = onnxProto.onnx.IAttributeProto;
const ints = (name: string, v: number[]): Attr => ({ name, type: onnx.AttributeProto.AttributeType.INTS, ints: v });
const int = (name: string, v: number): Attr => ({ name, type: onnx.AttributeProto.AttributeType.INT, i: v });
const str = (name: string, v: string): Attr => ({ name, type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode(v) });
const float = (name: string, v: number): Attr => ({ name, type: onnx.AttributeProto.AttributeType.FLOAT, f: v });
const tensorAttr = (name: string, t: onnxProto.onnx.ITensorProto): Attr => ({ name, type: onnx.AttributeProto.AttributeType.TENSOR, t });

function floatTensor(name: string, dims: number[], value = 0.01): onnxProto.onnx.ITensorProto {
  return { name, dims, dataType: FLOAT, floatData: Array<number>(dims.reduce((a, b) => a * b, 1)).fill(value) };
}
function int64Tensor(name: string, values: number[]): onnxProto.onnx.ITensorProto {
  return { name, dims: [values.length], dataType: INT64, int64Data: values };
}

interface Spec {
  opset: number;
  input: { name: string; dims: (number | string)[] };
  initializers: onnxProto.onnx.ITensorProto[];
  /** Initializers also listed as graph inputs, as old exporters did. */
  initializersAsInputs?: boolean;
  nodes: [op: string, name: string, inputs: string[], outputs: string[], attrs?: Attr[]][];
  output: string;
}

function write(spec: Spec): Uint8Array {
  const vi = (name: string, dims: (number | string)[]): onnxProto.onnx.IValueInfoProto => ({
    name,
    type: { tensorType: { elemType: FLOAT, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  });
  const inputs = [vi(spec.input.name, spec.input.dims)];
  if (spec.initializersAsInputs) {
    inputs.push(...spec.initializers.map((t) => ({ ...vi(t.name!, (t.dims ?? []).map(Number)), type: { tensorType: { elemType: t.dataType!, shape: { dim: (t.dims ?? []).map((d) => ({ dimValue: d })) } } } })));
  }
  const model: onnxProto.onnx.IModelProto = {
    irVersion: 6,
    producerName: 'onnx-import.test',
    opsetImport: [{ domain: '', version: spec.opset }],
    graph: {
      name: 'handwritten',
      node: spec.nodes.map(([opType, name, input, output, attribute]) => ({ opType, name, input, output, attribute: attribute ?? [] })),
      initializer: spec.initializers,
      input: inputs,
      output: [{ name: spec.output, type: { tensorType: { elemType: FLOAT } } }],
    },
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}

/** A TF-converter-like model: auto_pad, asymmetric 'same' pads, a Pad node, Identity, Dropout, Sum, ReduceMean. */
const TF_LIKE: Spec = {
  opset: 12,
  input: { name: 'image:0', dims: ['N', 3, 16, 16] },
  initializersAsInputs: true,
  initializers: [
    floatTensor('w1', [8, 3, 3, 3]),
    floatTensor('b1', [8]),
    floatTensor('wdw', [8, 1, 3, 3]),
    floatTensor('bdw', [8]),
    floatTensor('wg', [8, 4, 1, 1]),
    floatTensor('w5', [8, 8, 3, 3]),
    floatTensor('wfc', [16, 10]),
    floatTensor('bfc', [1, 10]),
    floatTensor('wg2', [10, 6]),
    floatTensor('cg2', [6]),
    floatTensor('scale', [8], 1),
    floatTensor('shift', [8]),
    floatTensor('mean', [8]),
    floatTensor('var', [8], 1),
  ],
  nodes: [
    ['Constant', 'zero', [], ['zero:0'], [tensorAttr('value', floatTensor('', [], 0))]],
    ['Constant', 'six', [], ['six:0'], [tensorAttr('value', floatTensor('', [], 6))]],
    // 3x3/2 on 16x16 with pads (0, 1): TF-style 'same'.
    ['Conv', 'conv1/Conv2D', ['image:0', 'w1', 'b1'], ['c1'], [ints('kernel_shape', [3, 3]), ints('strides', [2, 2]), ints('pads', [0, 0, 1, 1])]],
    ['BatchNormalization', 'conv1/bn', ['c1', 'scale', 'shift', 'mean', 'var'], ['bn1']],
    ['Clip', 'conv1/Relu6', ['bn1', 'zero:0', 'six:0'], ['r1']],
    ['Identity', 'conv1/Identity', ['r1'], ['r1id']],
    ['Conv', 'dw/depthwise', ['r1id', 'wdw', 'bdw'], ['dw'], [ints('kernel_shape', [3, 3]), int('group', 8), str('auto_pad', 'SAME_UPPER')]],
    ['Relu', 'dw/Relu', ['dw'], ['dwr']],
    ['Conv', 'grouped1x1', ['dwr', 'wg'], ['g'], [int('group', 2)]],
    ['Sum', 'sum3', ['r1id', 'dwr', 'g'], ['s']],
    ['Dropout', 'drop', ['s'], ['sd', 'mask']],
    // A Pad node in front of a Conv: its pads become the conv's.
    ['Pad', 'pad5', ['sd', 'pads5'], ['p5'], [str('mode', 'constant')]],
    ['Conv', 'conv5', ['p5', 'w5'], ['c5'], [ints('kernel_shape', [3, 3])]],
    ['MaxPool', 'pool', ['c5'], ['mp', 'argmax'], [ints('kernel_shape', [3, 3]), ints('strides', [2, 2]), int('ceil_mode', 1)]],
    ['Concat', 'cat', ['mp', 'mp'], ['cat'], [int('axis', -3)]],
    ['ReduceMean', 'mean', ['cat'], ['m'], [ints('axes', [-1, -2]), int('keepdims', 0)]],
    ['MatMul', 'dense/MatMul', ['m', 'wfc'], ['mm']],
    ['Add', 'dense/BiasAdd', ['mm', 'bfc'], ['fc']],
    ['Gemm', 'logits', ['fc', 'wg2', 'cg2'], ['lg']],
    ['Softmax', 'probs', ['lg'], ['probs'], [int('axis', -1)]],
    // Dead code: no output depends on it, so its operator does not matter.
    ['Sigmoid', 'unused_sigmoid', ['c1'], ['dead']],
  ],
  output: 'probs',
};
TF_LIKE.initializers.push(int64Tensor('pads5', [0, 0, 1, 1, 0, 0, 1, 1]));

test('a TF-converter-like model: auto_pad, same pads, Pad, Identity, Dropout, Sum, ReduceMean, MatMul + Add', async () => {
  const bytes = write(TF_LIKE);
  const net = importOnnx(bytes, 'tf-like');
  assert.equal(net.batch, 1);
  assert.deepEqual(net.input, [3, 16, 16]);
  assert.deepEqual(
    net.layers.map((l) => {
      const { name, op, inputs, ...rest } = l;
      return [name, op, inputs.join('+'), JSON.stringify(rest)];
    }),
    [
      ['conv1/Conv2D', 'conv', 'input', '{"out":8,"kernel":3,"stride":2,"pad":"same","groups":1,"bias":true}'],
      ['conv1/bn', 'bn', 'conv1/Conv2D', '{}'],
      ['conv1/Relu6', 'relu6', 'conv1/bn', '{}'],
      ['dw/depthwise', 'dwconv', 'conv1/Relu6', '{"kernel":3,"stride":1,"pad":1,"bias":true}'],
      ['dw/Relu', 'relu', 'dw/depthwise', '{}'],
      ['grouped1x1', 'conv', 'dw/Relu', '{"out":8,"kernel":1,"stride":1,"pad":0,"groups":2,"bias":false}'],
      ['sum3', 'add', 'conv1/Relu6+dw/Relu+grouped1x1', '{}'],
      ['conv5', 'conv', 'sum3', '{"out":8,"kernel":3,"stride":1,"pad":1,"groups":1,"bias":false}'],
      ['pool', 'maxpool', 'conv5', '{"kernel":3,"stride":2,"pad":"same"}'],
      ['cat', 'concat', 'pool+pool', '{}'],
      ['mean', 'gap', 'cat', '{}'],
      ['mean/flatten', 'flatten', 'mean', '{}'],
      ['dense/MatMul', 'fc', 'mean/flatten', '{"out":10,"bias":true}'],
      ['logits', 'fc', 'dense/MatMul', '{"out":6,"bias":true}'],
      ['probs', 'softmax', 'logits', '{}'],
    ],
  );
  await assertShapesMatchOrt(bytes, net);
  await assertShapesMatchOrt(buildOnnx(net).bytes, net);
});

test('Squeeze and Reshape [0, -1] flatten; Constant value_ints; Gemm with transB = 0', async () => {
  const spec: Spec = {
    opset: 13,
    input: { name: 'x', dims: [2, 4, 5, 5] },
    initializers: [floatTensor('w', [6, 4, 3, 3]), floatTensor('k', [6, 3]), floatTensor('k2', [3, 5])],
    nodes: [
      ['Conv', '', ['x', 'w'], ['conv_out'], [ints('kernel_shape', [3, 3]), ints('pads', [1, 1, 1, 1])]],
      ['GlobalAveragePool', 'gap', ['conv_out'], ['g']],
      ['Constant', 'axes', [], ['axes'], [ints('value_ints', [2, 3])]],
      ['Squeeze', 'squeeze', ['g', 'axes'], ['sq']],
      ['Gemm', 'fc1', ['sq', 'k'], ['f1']],
      ['Constant', 'shape', [], ['shape'], [ints('value_ints', [0, -1])]],
      ['Reshape', 'reshape', ['f1', 'shape'], ['r']],
      ['MatMul', 'fc2', ['r', 'k2'], ['f2']],
      ['Softmax', 'sm', ['f2'], ['y']],
    ],
    output: 'y',
  };
  const bytes = write(spec);
  const net = importOnnx(bytes, 'squeeze');
  assert.equal(net.batch, 2);
  assert.deepEqual(
    net.layers.map((l) => [l.name, l.op]),
    [
      ['conv_out', 'conv'],
      ['gap', 'gap'],
      ['squeeze', 'flatten'],
      ['fc1', 'fc'],
      ['reshape', 'flatten'],
      ['fc2', 'fc'],
      ['sm', 'softmax'],
    ],
  );
  await assertShapesMatchOrt(bytes, net);
});

test('opset variants: Upsample with scales as an attribute (opset 8), Resize with scales (opset 10) or sizes, Split into equal parts or by num_outputs (opset 18)', async () => {
  const x = { name: 'x', dims: [1, 6, 4, 4] };
  const check = async (spec: Spec, expected: string[]): Promise<void> => {
    const bytes = write(spec);
    const net = importOnnx(bytes, `opset${spec.opset}`);
    assert.deepEqual(
      net.layers.map(({ name, op, inputs, ...rest }) => `${name} ${op}(${inputs.join(', ')}) ${JSON.stringify(rest)}`),
      expected,
    );
    await assertShapesMatchOrt(bytes, net);
  };
  await check(
    {
      opset: 8,
      input: x,
      initializers: [],
      nodes: [['Upsample', 'up', ['x'], ['y'], [str('mode', 'linear'), { name: 'scales', type: onnx.AttributeProto.AttributeType.FLOATS, floats: [1, 1, 2, 2] }]]],
      output: 'y',
    },
    ['up resize(input) {"scale":2,"mode":"linear"}'],
  );
  await check(
    {
      opset: 10,
      input: x,
      initializers: [],
      nodes: [
        ['Constant', 'k', [], ['scales2'], [tensorAttr('value', { name: '', dims: [4], dataType: FLOAT, floatData: [1, 1, 2, 2] })]],
        ['Resize', 'up', ['x', 'scales2'], ['y'], [str('mode', 'nearest')]],
      ],
      output: 'y',
    },
    ['up resize(input) {"scale":2,"mode":"nearest"}'],
  );
  await check(
    {
      opset: 13,
      input: x,
      initializers: [int64Tensor('sizes', [1, 6, 12, 12])],
      nodes: [['Resize', 'up', ['x', '', '', 'sizes'], ['y'], [str('mode', 'linear')]]],
      output: 'y',
    },
    ['up resize(input) {"scale":3,"mode":"linear"}'],
  );
  // Three equal parts, the middle one unread: slices 0 and 2 only.
  await check(
    {
      opset: 13,
      input: x,
      initializers: [],
      nodes: [
        ['Split', 'thirds', ['x'], ['a', 'b', 'c'], [int('axis', 1)]],
        ['Concat', 'cat', ['c', 'a'], ['y'], [int('axis', 1)]],
      ],
      output: 'y',
    },
    ['thirds:0 slice(input) {"start":0,"end":2}', 'thirds:2 slice(input) {"start":4,"end":6}', 'cat concat(thirds:2, thirds:0) {}'],
  );
  await check(
    {
      opset: 18,
      input: x,
      initializers: [],
      nodes: [
        ['Split', 'halves', ['x'], ['a', 'b'], [int('axis', -3), int('num_outputs', 2)]],
        ['Add', 'sum', ['a', 'b'], ['y']],
      ],
      output: 'y',
    },
    ['halves:0 slice(input) {"start":0,"end":3}', 'halves:1 slice(input) {"start":3,"end":6}', 'sum add(halves:0, halves:1) {}'],
  );
});

test("with several graph outputs, the first one's layer is the IR's output", async () => {
  const bytes = write({
    opset: 13,
    input: { name: 'x', dims: [1, 3, 8, 8] },
    initializers: [floatTensor('w', [5, 3, 3, 3])],
    nodes: [
      ['GlobalAveragePool', 'pooled', ['x'], ['y']],
      ['Conv', 'side', ['x', 'w'], ['z'], [ints('kernel_shape', [3, 3])]],
    ],
    output: 'y',
  });
  const { model, graph } = decode(bytes);
  graph.output.push(onnx.ValueInfoProto.create({ name: 'z', type: { tensorType: { elemType: FLOAT } } }));
  const twoOut = onnx.ModelProto.encode(model).finish();
  const net = importOnnx(twoOut, 'two-outputs');
  assert.deepEqual(
    net.layers.map((l) => l.name),
    ['side', 'pooled'],
  );
  await assertShapesMatchOrt(twoOut, net);
});

test('node names are made unique and safe; an empty name falls back to the output name', () => {
  const spec: Spec = {
    opset: 13,
    input: { name: 'input', dims: [1, 3, 4, 4] },
    initializers: [],
    nodes: [
      ['Relu', 'act 1\n', ['input'], ['a']],
      ['Relu', 'act 1\n', ['a'], ['b']],
      ['Relu', 'input', ['b'], ['c']],
      ['Relu', '', ['c'], ['out/relu:0']],
    ],
    output: 'out/relu:0',
  };
  const net = importOnnx(write(spec), 'names');
  assert.deepEqual(
    net.layers.map((l) => [l.name, l.inputs[0]]),
    [
      ['act_1', 'input'],
      ['act_1_2', 'act_1'],
      ['input_2', 'act_1_2'],
      ['out/relu:0', 'input_2'],
    ],
  );
});

// ---- errors -------------------------------------------------------------------------

function assertBadInput(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof LabbenchError, String(e));
    assert.equal(e.code, 'BAD_INPUT');
    assert.ok(!/[\r\n]/.test(e.message), `one line: ${JSON.stringify(e.message)}`);
    assert.match(e.message, pattern);
    return true;
  });
}

test('an unsupported operator names the operator and the node, on one line', () => {
  // GELU (vision transformers) is Div, Erf, Add, Mul, Mul in PyTorch's export: Erf is what is missing.
  assertBadInput(() => importOnnx(fixture('torch-gelu-op13.onnx'), 'vit.onnx'), /^vit\.onnx: unsupported ONNX operator 'Erf' \(node '\/Erf'\); supported: Conv, Gemm, MatMul, /);
  // PyTorch's LSTM export starts with an Expand of its initial state; LSTM is named too.
  assertBadInput(() => importOnnx(fixture('torch-lstm-op13.onnx'), 'rnn'), /^rnn: unsupported ONNX operator 'Expand' \(node '\/lstm\/Expand'\), also 'LSTM' \(node '\/lstm\/LSTM'\)/);
  const transpose: Spec = {
    opset: 13,
    input: { name: 'x', dims: [1, 3, 4, 4] },
    initializers: [],
    nodes: [
      ['Relu', 'r', ['x'], ['a']],
      ['Transpose', 'nchw_to_nhwc', ['a'], ['t'], [ints('perm', [0, 2, 3, 1])]],
      ['Relu', 'r2', ['t'], ['y']],
    ],
    output: 'y',
  };
  assertBadInput(() => importOnnx(write(transpose), 'tr'), /^tr: unsupported ONNX operator 'Transpose' \(node 'nchw_to_nhwc'\); supported: /);
  const custom: Spec = { ...transpose, nodes: [['FusedConv', 'fc0', ['x'], ['y']]] };
  const { model, graph } = decode(write(custom));
  graph.node[0]!.domain = 'com.microsoft';
  assertBadInput(() => importOnnx(onnx.ModelProto.encode(model).finish(), 'ms'), /^ms: unsupported ONNX operator 'com\.microsoft\.FusedConv' \(node 'fc0'\)/);
});

test('what the IR cannot express is a one-line BAD_INPUT naming the node', () => {
  const base = (nodes: Spec['nodes'], initializers: Spec['initializers'] = [], opset = 13): Uint8Array =>
    write({ opset, input: { name: 'x', dims: [1, 4, 8, 8] }, initializers, nodes, output: 'y' });
  const w = floatTensor('w', [4, 4, 3, 3]);
  const clip = (lo: number, hi: number): Spec['nodes'] => [
    ['Constant', 'lo', [], ['lo'], [tensorAttr('value', floatTensor('', [], lo))]],
    ['Constant', 'hi', [], ['hi'], [tensorAttr('value', floatTensor('', [], hi))]],
    ['Clip', 'clamp', ['x', 'lo', 'hi'], ['y']],
  ];
  assertBadInput(() => importOnnx(base(clip(1, 6)), 'm'), /^m: node 'clamp' \(Clip\): Clip\(1, 6\) is not supported/);
  assertBadInput(() => importOnnx(base(clip(-1, 1)), 'm'), /Clip\(-1, 1\)/);
  // Opset < 11 bounds are attributes; Clip(0, inf) is a ReLU.
  const clip9 = importOnnx(base([['Clip', 'c9', ['x'], ['y'], [float('min', 0)]]], [], 9), 'm');
  assert.deepEqual(clip9.layers.map((l) => l.op), ['relu']);
  assertBadInput(() => importOnnx(base([['Clip', 'c9', ['x'], ['y'], [float('min', 0), float('max', 1)]]], [], 9), 'm'), /node 'c9' \(Clip\): Clip\(0, 1\)/);
  assertBadInput(
    () => importOnnx(base([['Conv', 'asym', ['x', 'w'], ['y'], [ints('kernel_shape', [3, 3]), ints('pads', [1, 1, 0, 0])]]], [w]), 'm'),
    /^m: node 'asym' \(Conv\): pads \[1,1,0,0\] on a 8x8 input are asymmetric and are not TF-style 'same' padding$/,
  );
  assertBadInput(() => importOnnx(base([['Conv', 'dil', ['x', 'w'], ['y'], [ints('dilations', [2, 2])]]], [w]), 'm'), /node 'dil' \(Conv\): dilations \[2,2\]/);
  assertBadInput(() => importOnnx(base([['Conv', 'rect', ['x', 'w2'], ['y']]], [floatTensor('w2', [4, 4, 3, 1])]), 'm'), /non-square kernel 3x1/);
  assertBadInput(
    () => importOnnx(base([['Reshape', 'rs', ['x', 's'], ['y']]], [int64Tensor('s', [1, 4, 64])]), 'm'),
    /node 'rs' \(Reshape\): Reshape to \[1,4,64\] is not supported; only a flatten to \[N, -1\] is/,
  );
  assertBadInput(() => importOnnx(base([['Add', 'plus1', ['x', 'one'], ['y']]], [floatTensor('one', [1], 1)]), 'm'), /node 'plus1' \(Add\): adding a constant of shape \[1\]/);
  assertBadInput(() => importOnnx(base([['Concat', 'hcat', ['x', 'x'], ['y'], [int('axis', 2)]]]), 'm'), /only a concat on the channel axis/);
  assertBadInput(() => importOnnx(base([['Conv', 'dyn', ['x', 'x'], ['y']]]), 'm'), /node 'dyn' \(Conv\): its weight \(input 2\) must be a constant/);
  // The layers of today's on-device networks, where the IR cannot follow.
  assertBadInput(
    () => importOnnx(base([['HardSigmoid', 'hs', ['x'], ['y']]]), 'm'),
    /^m: node 'hs' \(HardSigmoid\): HardSigmoid with alpha 0\.2 and beta 0\.5 is not supported; only PyTorch's \(alpha 1\/6, beta 0\.5\) is$/,
  );
  assertBadInput(() => importOnnx(base([['Mul', 'half', ['x', 'c'], ['y']]], [floatTensor('c', [1], 0.5)]), 'm'), /node 'half' \(Mul\): multiplying a computed tensor by a constant of shape \[1\]/);
  const slice = (starts: number[], ends: number[], axes: number[], steps: number[]): Uint8Array =>
    base([['Slice', 'cut', ['x', 's', 'e', 'a', 'st'], ['y']]], [int64Tensor('s', starts), int64Tensor('e', ends), int64Tensor('a', axes), int64Tensor('st', steps)]);
  assertBadInput(() => importOnnx(slice([0], [4], [1], [2]), 'm'), /node 'cut' \(Slice\): only step 1 is supported, got steps \[2\]/);
  assertBadInput(() => importOnnx(slice([1], [3], [2], [1]), 'm'), /node 'cut' \(Slice\): only a slice of channels \(axis 1\) is supported; it cuts axis 2 to \[1, 3\) of 8/);
  assertBadInput(() => importOnnx(base([['Split', 'rows', ['x'], ['y', 'z'], [int('axis', 2)]]]), 'm'), /node 'rows' \(Split\): only a split of channels \(axis 1\)/);
  const resize = (scales: number[], mode = 'nearest'): Uint8Array =>
    base([['Resize', 'up', ['x', '', 'sc'], ['y'], [str('mode', mode)]]], [{ name: 'sc', dims: [4], dataType: FLOAT, floatData: scales }]);
  assertBadInput(() => importOnnx(resize([1, 1, 1.5, 1.5]), 'm'), /node 'up' \(Resize\): scales \[1,1,1\.5,1\.5\] are not supported; only N and C kept and H and W scaled by the same whole factor are/);
  assertBadInput(() => importOnnx(resize([1, 1, 2, 2], 'cubic'), 'm'), /node 'up' \(Resize\): mode 'cubic' is not supported/);
  // Reshape + Transpose + Reshape that is not a channel shuffle (the 5-D view splits W too).
  const notShuffle: Spec['nodes'] = [
    ['Reshape', 'r1', ['x', 'five'], ['t5']],
    ['Transpose', 'tr', ['t5'], ['u5'], [ints('perm', [0, 2, 1, 3, 4])]],
    ['Reshape', 'r2', ['u5', 'four'], ['y']],
  ];
  assertBadInput(
    () => importOnnx(base(notShuffle, [int64Tensor('five', [1, 2, 2, 16, 4]), int64Tensor('four', [1, 4, 8, 8])]), 'm'),
    /node 'r2' \(ChannelShuffle\): Reshape \+ Transpose \+ Reshape is supported only as a channel shuffle/,
  );
  const symbolic = write({ opset: 13, input: { name: 'x', dims: [1, 3, 'height', 'width'] }, initializers: [], nodes: [['Relu', 'r', ['x'], ['y']]], output: 'y' });
  assertBadInput(() => importOnnx(symbolic, 'm'), /graph input 'x' has a symbolic dimension 'height' at axis 2; export the model with a fixed input size/);
});

test('bytes that are not ONNX are a one-line BAD_INPUT', () => {
  let s = 12345;
  const noise = Uint8Array.from({ length: 4096 }, () => ((s = (s * 1103515245 + 12345) >>> 0), s >>> 24));
  const samples: [string, Uint8Array][] = [
    ['empty', new Uint8Array(0)],
    ['noise', noise],
    ['text', new TextEncoder().encode('hello, this is not a model\nat all\n')],
    ['json', new TextEncoder().encode(JSON.stringify({ layers: [{ op: 'conv' }] }))],
    ['png', Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52])],
    ['tflite', new Uint8Array([0x1c, 0, 0, 0, 0x54, 0x46, 0x4c, 0x33, ...Array<number>(40).fill(0)])],
    ['truncated', buildOnnx(zooNetwork('resnet56')).bytes.slice(0, 1000)],
  ];
  for (const [what, bytes] of samples) {
    assertBadInput(() => importOnnx(bytes, `${what}.onnx`), new RegExp(`^${what}\\.onnx: not an ONNX model \\(.+\\)$`));
  }
});
