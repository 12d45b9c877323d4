// Work and traffic of each operator of a .tflite model, computed from its tensor shapes and
// options: FLOPs (multiply-add = 2), activation bytes in/out, weight bytes. Also the shape
// checks TFLite's kernels do in Prepare (a model whose conv channels disagree fails like
// the real runtime), and which delegates accept the op.

import { BuiltinOp, TENSOR_TYPES, isKnownBuiltin, type OperatorInfo, type TensorInfo, type TfliteModel } from './tflite-reader.js';

export type OpClass = 'conv' | 'dwconv' | 'fc' | 'pool' | 'eltwise' | 'act' | 'softmax' | 'reduce' | 'move' | 'other';

export interface OpCost {
  index: number;
  name: string;
  cls: OpClass;
  flops: number;
  /** Activation bytes read plus written. */
  actBytes: number;
  /** Constant (weight) bytes read. */
  weightBytes: number;
  /** Inputs and outputs are 8-bit quantized. */
  quantized: boolean;
  /** Multiply-accumulate depth per output (kernel taps x input channels), for conv efficiency. */
  reduction: number;
  /** Fused activation present (XNNPACK clamps for free). */
  fusedActivation: boolean;
  /** FLOPs of the fused activation where it is a pass of its own (the builtin kernels). */
  activationFlops: number;
}

/** The XNNPACK delegate of one TFLite release: which operators it takes depends on it. */
export type XnnpackRelease = 'tf2.9' | 'tf2.16';

/** Thrown at "Prepare": the text is what TFLite's error reporter prints. */
export class PrepareError extends Error {
  constructor(
    message: string,
    readonly nodeIndex: number,
    readonly opName: string,
  ) {
    super(message);
    this.name = 'PrepareError';
  }
}

const elems = (t: TensorInfo | undefined): number => (t ? t.shape.reduce((a, b) => a * Math.max(1, b), 1) : 0);

function tensor(model: TfliteModel, i: number | undefined): TensorInfo | undefined {
  return i === undefined || i < 0 ? undefined : model.tensors[i];
}

function is8bit(t: TensorInfo | undefined): boolean {
  return t !== undefined && (TENSOR_TYPES[t.type]?.bytes ?? 4) === 1;
}

function fail(op: OperatorInfo, file: string, what: string): never {
  throw new PrepareError(`tensorflow/lite/kernels/${file} ${what}`, op.index, op.name);
}

/** The tensor an operator reads its data from: SPLIT takes the axis first. */
function dataInput(model: TfliteModel, op: OperatorInfo): TensorInfo | undefined {
  return tensor(model, op.inputs[op.code === BuiltinOp.SPLIT ? 1 : 0]);
}

function broadcastable(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 1; i <= Math.min(a.length, b.length); i++) {
    const x = a[a.length - i]!;
    const y = b[b.length - i]!;
    if (x !== y && x !== 1 && y !== 1) return false;
  }
  return true;
}

/** FLOPs, bytes and class of one operator; throws PrepareError on inconsistent shapes. */
export function opCost(model: TfliteModel, op: OperatorInfo): OpCost {
  const ins = op.inputs.map((i) => tensor(model, i));
  const out = tensor(model, op.outputs[0]);
  const input = dataInput(model, op);
  const actIn = ins.filter((t) => t && !t.isConstant).reduce((a, t) => a + (t?.bytes ?? 0), 0);
  const weightBytes = ins.filter((t) => t?.isConstant).reduce((a, t) => a + (t?.bytes ?? 0), 0);
  const actOut = op.outputs.reduce((a, i) => a + (tensor(model, i)?.bytes ?? 0), 0);
  const base: OpCost = {
    index: op.index,
    name: op.name,
    cls: 'other',
    flops: 2 * elems(out),
    actBytes: actIn + actOut,
    weightBytes,
    quantized: is8bit(input) && is8bit(out),
    reduction: 1,
    fusedActivation: op.options.activation !== undefined && op.options.activation !== 'NONE',
    activationFlops: 0,
  };
  const outElems = elems(out);
  if (base.fusedActivation) base.activationFlops = outElems;
  switch (op.code) {
    case BuiltinOp.CONV_2D: {
      const filter = ins[1];
      if (!input || !filter || !out || input.shape.length !== 4 || filter.shape.length !== 4) fail(op, 'conv.cc:343', 'NumDimensions(input) != 4');
      const [, kh = 1, kw = 1, ic = 1] = filter.shape;
      // Grouped convolutions (TFLite 2.9+): the filter holds input_channel / groups channels.
      if ((input.shape[3] ?? 0) % ic !== 0) fail(op, 'conv.cc:351', `input_channel % filter_input_channel != 0 (${input.shape[3]} % ${ic} != 0)`);
      if (out.shape[3] !== filter.shape[0]) fail(op, 'conv.cc:360', `output->dims->data[3] != filter->dims->data[0] (${out.shape[3]} != ${filter.shape[0]})`);
      return { ...base, cls: 'conv', flops: 2 * outElems * kh * kw * ic + outElems, reduction: kh * kw * ic };
    }
    case BuiltinOp.DEPTHWISE_CONV_2D: {
      const filter = ins[1];
      if (!input || !filter || !out || input.shape.length !== 4 || filter.shape.length !== 4) fail(op, 'depthwise_conv.cc:115', 'NumDimensions(input) != 4');
      const [, kh = 1, kw = 1, oc = 1] = filter.shape;
      if (out.shape[3] !== oc) fail(op, 'depthwise_conv.cc:132', `output channels ${out.shape[3]} != filter channels ${oc}`);
      return { ...base, cls: 'dwconv', flops: 2 * outElems * kh * kw + outElems, reduction: kh * kw };
    }
    case BuiltinOp.FULLY_CONNECTED: {
      const weights = ins[1];
      if (!input || !weights || weights.shape.length !== 2) fail(op, 'fully_connected.cc:186', 'NumDimensions(filter) != 2');
      const [units = 1, depth = 1] = weights.shape;
      if (elems(input) % depth !== 0) fail(op, 'fully_connected.cc:190', `input size ${elems(input)} is not a multiple of ${depth}`);
      const batch = elems(input) / depth;
      return { ...base, cls: 'fc', flops: 2 * batch * units * depth + batch * units, reduction: depth };
    }
    case BuiltinOp.MAX_POOL_2D:
    case BuiltinOp.AVERAGE_POOL_2D: {
      if (!input || input.shape.length !== 4) fail(op, 'pooling.cc:71', 'NumDimensions(input) != 4');
      const taps = (op.options.filterW ?? 1) * (op.options.filterH ?? 1);
      return { ...base, cls: 'pool', flops: outElems * taps, reduction: taps };
    }
    case BuiltinOp.ADD:
    case BuiltinOp.MUL:
    case BuiltinOp.SUB: {
      const [a, b] = [ins[0]?.shape ?? [], ins[1]?.shape ?? []];
      if (!broadcastable(a, b)) fail(op, 'kernel_util.cc:440', `Given shapes, [${a.join(',')}] and [${b.join(',')}], are not broadcastable.`);
      return { ...base, cls: 'eltwise', flops: outElems };
    }
    case BuiltinOp.RELU:
    case BuiltinOp.RELU6:
    case BuiltinOp.LOGISTIC:
    case BuiltinOp.TANH:
    case BuiltinOp.HARD_SWISH:
      return { ...base, cls: 'act', flops: outElems * (op.code === BuiltinOp.RELU || op.code === BuiltinOp.RELU6 ? 1 : 8) };
    case BuiltinOp.SOFTMAX:
      return { ...base, cls: 'softmax', flops: 5 * outElems };
    case BuiltinOp.MEAN:
      return { ...base, cls: 'reduce', flops: elems(input), reduction: Math.max(1, elems(input) / Math.max(1, outElems)) };
    case BuiltinOp.CONCATENATION:
    case BuiltinOp.RESHAPE:
    case BuiltinOp.PAD:
    case BuiltinOp.SQUEEZE:
    case BuiltinOp.SLICE:
      return { ...base, cls: 'move', flops: 0, weightBytes: 0 };
    case BuiltinOp.STRIDED_SLICE:
      if (!input || input.shape.length > 5) fail(op, 'strided_slice.cc:153', 'StridedSlice op only supports 1D-5D input arrays.');
      return { ...base, cls: 'move', flops: 0, weightBytes: 0 };
    case BuiltinOp.SPLIT: {
      const axisT = ins[0];
      const axis = axisT?.ints?.[0];
      if (!input || axis === undefined) fail(op, 'split.cc:72', 'IsConstantTensor(axis) failed');
      const dim = input.shape[axis < 0 ? axis + input.shape.length : axis] ?? 0;
      if (dim % Math.max(1, op.outputs.length) !== 0) fail(op, 'split.cc:54', 'Not an even split');
      return { ...base, cls: 'move', flops: 0, weightBytes: 0 };
    }
    case BuiltinOp.TRANSPOSE: {
      const perm = ins[1]?.ints;
      if (!input || input.shape.length > 6) fail(op, 'transpose.cc:59', 'Transpose op only supports 1D-6D input arrays.');
      if (perm && perm.length !== input.shape.length) fail(op, 'transpose.cc:62', `NumElements(perm) != dims (${perm.length} != ${input.shape.length})`);
      // A transpose reads or writes with a stride: each cache line is fetched more than once.
      return { ...base, cls: 'move', flops: 0, weightBytes: 0, actBytes: base.actBytes * 2 };
    }
    case BuiltinOp.RESIZE_BILINEAR:
    case BuiltinOp.RESIZE_NEAREST_NEIGHBOR: {
      const size = ins[1]?.ints;
      const file = op.code === BuiltinOp.RESIZE_BILINEAR ? 'resize_bilinear.cc' : 'resize_nearest_neighbor.cc';
      if (!input || input.shape.length !== 4) fail(op, `${file}:70`, 'NumDimensions(input) != 4');
      if (!out || (size && (out.shape[1] !== size[0] || out.shape[2] !== size[1]))) fail(op, `${file}:95`, `output size [${out?.shape.join(',')}] is not [N,${size?.join(',')},C]`);
      // Bilinear: four taps weighted per output value; nearest: a gather copy.
      return op.code === BuiltinOp.RESIZE_BILINEAR ? { ...base, cls: 'eltwise', flops: 7 * outElems, weightBytes: 0 } : { ...base, cls: 'move', flops: 0, weightBytes: 0 };
    }
    default:
      return base;
  }
}

/** What InterpreterBuilder says about an op it cannot register (null when fine). */
export function registrationError(op: OperatorInfo): string | null {
  if (op.custom !== undefined) {
    return `Encountered unresolved custom op: ${op.custom}.\nSee instructions: https://www.tensorflow.org/lite/guide/ops_custom \nNode number ${op.index} (${op.custom}) failed to prepare.`;
  }
  if (!isKnownBuiltin(op.code)) {
    return `Didn't find op for builtin opcode '${op.name}' version '${op.version}'. An older version of this builtin might be supported. Are you using an old TFLite binary with a newer model?\n\nRegistration failed.`;
  }
  return null;
}

function allConst(model: TfliteModel, idx: Array<number | undefined>): boolean {
  return idx.every((i) => i === undefined || i < 0 || model.tensors[i]?.isConstant === true);
}

function floatOr8bit(t: TensorInfo | undefined): boolean {
  return t !== undefined && (t.type === 0 || t.type === 1 || t.type === 3 || t.type === 9);
}

/** Activations the XNNPACK delegate turns into an output range (TANH and SIGN_BIT it refuses). */
function xnnpackActivation(op: OperatorInfo): boolean {
  const a = op.options.activation;
  return a === undefined || a === 'NONE' || a === 'RELU' || a === 'RELU6' || a === 'RELU_N1_TO_1';
}

/**
 * Whether the XNNPACK delegate takes this node (static weights, supported types and params).
 * TF 2.16's delegate takes TRANSPOSE, SLICE, STRIDED_SLICE and SPLIT with static parameters;
 * TF 2.9's leaves them to the builtin kernels. Neither takes RESIZE_NEAREST_NEIGHBOR.
 */
export function xnnpackSupports(model: TfliteModel, op: OperatorInfo, release: XnnpackRelease): boolean {
  const input = dataInput(model, op);
  const out = tensor(model, op.outputs[0]);
  if (!floatOr8bit(input) || !floatOr8bit(out) || !xnnpackActivation(op)) return false;
  const recent = release === 'tf2.16';
  switch (op.code) {
    case BuiltinOp.CONV_2D:
    case BuiltinOp.DEPTHWISE_CONV_2D:
    case BuiltinOp.FULLY_CONNECTED:
      return allConst(model, op.inputs.slice(1));
    case BuiltinOp.MAX_POOL_2D:
    case BuiltinOp.AVERAGE_POOL_2D:
    case BuiltinOp.ADD:
    case BuiltinOp.MUL:
    case BuiltinOp.SUB:
    case BuiltinOp.RELU:
    case BuiltinOp.RELU6:
    case BuiltinOp.LOGISTIC:
    case BuiltinOp.TANH:
    case BuiltinOp.HARD_SWISH:
    case BuiltinOp.SQUEEZE:
      return true;
    case BuiltinOp.SOFTMAX:
      return (op.options.beta ?? 1) === 1;
    case BuiltinOp.CONCATENATION:
      return op.inputs.length >= 2 && op.inputs.length <= 4;
    case BuiltinOp.RESHAPE:
      return op.inputs.length < 2 || allConst(model, [op.inputs[1]]);
    case BuiltinOp.PAD:
      return allConst(model, [op.inputs[1]]);
    case BuiltinOp.MEAN:
      return input?.shape.length === 4 && allConst(model, [op.inputs[1]]);
    case BuiltinOp.RESIZE_BILINEAR:
      return input?.shape.length === 4 && allConst(model, [op.inputs[1]]) && !(op.options.alignCorners && op.options.halfPixelCenters);
    case BuiltinOp.TRANSPOSE:
      return recent && allConst(model, [op.inputs[1]]);
    case BuiltinOp.SLICE:
      return recent && allConst(model, op.inputs.slice(1));
    case BuiltinOp.STRIDED_SLICE: {
      const strides = tensor(model, op.inputs[3])?.ints;
      return recent && allConst(model, op.inputs.slice(1)) && (op.options.sliceMasks ?? 0) === 0 && strides !== undefined && strides.every((v) => v === 1);
    }
    case BuiltinOp.SPLIT:
      return recent && allConst(model, [op.inputs[0]]) && op.outputs.length >= 2 && op.outputs.length <= 4;
    default:
      return false;
  }
}

/** Whether the GPU delegate (OpenCL) takes this node. */
export function gpuSupports(model: TfliteModel, op: OperatorInfo): boolean {
  const input = dataInput(model, op);
  if (!floatOr8bit(input)) return false;
  const supported: number[] = [
    BuiltinOp.CONV_2D, BuiltinOp.DEPTHWISE_CONV_2D, BuiltinOp.FULLY_CONNECTED, BuiltinOp.MAX_POOL_2D, BuiltinOp.AVERAGE_POOL_2D,
    BuiltinOp.ADD, BuiltinOp.MUL, BuiltinOp.SUB, BuiltinOp.RELU, BuiltinOp.RELU6, BuiltinOp.LOGISTIC, BuiltinOp.TANH,
    BuiltinOp.HARD_SWISH, BuiltinOp.SOFTMAX, BuiltinOp.CONCATENATION, BuiltinOp.RESHAPE, BuiltinOp.PAD, BuiltinOp.MEAN,
    BuiltinOp.SLICE, BuiltinOp.STRIDED_SLICE, BuiltinOp.SPLIT, BuiltinOp.TRANSPOSE, BuiltinOp.RESIZE_BILINEAR, BuiltinOp.RESIZE_NEAREST_NEIGHBOR,
  ];
  return supported.includes(op.code);
}

/** Operators whose output range takes a following clamp (XNNPACK's subgraph fusion). */
const CLAMP_PRODUCERS: number[] = [BuiltinOp.CONV_2D, BuiltinOp.DEPTHWISE_CONV_2D, BuiltinOp.FULLY_CONNECTED, BuiltinOp.ADD, BuiltinOp.SUB, BuiltinOp.MUL, BuiltinOp.AVERAGE_POOL_2D, BuiltinOp.MAX_POOL_2D];

/**
 * Whether XNNPACK fuses clamp node `index` (RELU, RELU6) into its producer: the producer is
 * in the same partition, takes an output range, and nothing else reads its output.
 */
export function xnnpackFusesClamp(model: TfliteModel, index: number, partition: ReadonlySet<number>): boolean {
  const op = model.operators[index];
  if (!op || (op.code !== BuiltinOp.RELU && op.code !== BuiltinOp.RELU6)) return false;
  const t = op.inputs[0];
  const producer = model.operators.find((o) => o.outputs.includes(t ?? -1));
  if (t === undefined || !producer || !partition.has(producer.index) || !CLAMP_PRODUCERS.includes(producer.code) || producer.outputs.length !== 1) return false;
  const readers = model.operators.filter((o) => o.inputs.includes(t)).length;
  return readers === 1 && !model.outputs.includes(t);
}

/** XNNPACK's operator name for the profile ("Convolution (NHWC, F32) IGEMM"). */
export function xnnpackOperatorName(model: TfliteModel, op: OperatorInfo): string {
  const input = dataInput(model, op);
  const q = input?.type === 9 ? 'QS8' : input?.type === 3 ? 'QU8' : 'F32';
  const qc = q === 'QS8' ? 'QC8' : q;
  switch (op.code) {
    case BuiltinOp.CONV_2D: {
      const f = tensor(model, op.inputs[1]);
      const oneByOne = f?.shape[1] === 1 && f.shape[2] === 1 && (op.options.strideW ?? 1) === 1;
      return `Convolution (NHWC, ${qc}) ${oneByOne ? 'GEMM' : 'IGEMM'}`;
    }
    case BuiltinOp.DEPTHWISE_CONV_2D:
      return `Convolution (NHWC, ${qc}) DWConv`;
    case BuiltinOp.FULLY_CONNECTED:
      return `Fully Connected (NC, ${qc}) GEMM`;
    case BuiltinOp.MAX_POOL_2D:
      return `Max Pooling (NHWC, ${q})`;
    case BuiltinOp.AVERAGE_POOL_2D:
      return `Average Pooling (NHWC, ${q})`;
    case BuiltinOp.MEAN:
      return `Global Average Pooling (NWC, ${q})`;
    case BuiltinOp.ADD:
      return `Add (ND, ${q})`;
    case BuiltinOp.SUB:
      return `Subtract (ND, ${q})`;
    case BuiltinOp.MUL:
      return `Multiply (ND, ${q})`;
    case BuiltinOp.SOFTMAX:
      return `SoftMax (NC, ${q})`;
    case BuiltinOp.RELU:
    case BuiltinOp.RELU6:
      return `Clamp (NC, ${q === 'F32' ? 'F32' : 'S8'})`;
    case BuiltinOp.LOGISTIC:
      return `Sigmoid (NC, ${q})`;
    case BuiltinOp.TANH:
      return `Tanh (NC, ${q})`;
    case BuiltinOp.HARD_SWISH:
      return `HardSwish (NC, ${q})`;
    case BuiltinOp.PAD:
      return 'Constant Pad (ND, X32)';
    case BuiltinOp.SLICE:
    case BuiltinOp.STRIDED_SLICE:
      return 'Slice (ND, X32)';
    case BuiltinOp.TRANSPOSE:
      return 'Transpose (ND, X32)';
    case BuiltinOp.RESIZE_BILINEAR:
      return `Resize Bilinear (NHWC, ${q})`;
    default:
      // RESHAPE, SQUEEZE, CONCATENATION and an even SPLIT are copies.
      return 'Copy (NC, X32)';
  }
}
