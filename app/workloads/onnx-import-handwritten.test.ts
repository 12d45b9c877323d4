/**
 * The ONNX importer on models written node by node with onnx-proto: what neither our writer nor
 * PyTorch's exporter writes (auto_pad, a Pad before a Conv, Identity/Dropout, Sum, Squeeze,
 * ReduceMean, dead nodes, other opsets' Resize and Split), and the one-line errors for what the
 * IR cannot take. onnxruntime runs each model and gives every layer's shape as reference.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import onnxProto from 'onnx-proto';
import { importOnnx } from './onnx-import.js';
import { zooNetwork } from './zoo/index.js';
import { LabbenchError } from '../api/errors.js';
import { buildOnnx } from '../../native-runners/onnxruntime/artifact.js';
import { assertShapesMatchOrt, decode, fixture, FLOAT, INT64 } from '../../test/onnx-support.js';

const { onnx } = onnxProto;
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
