/**
 * The registry of node handlers: which function imports each supported ONNX operator, listed
 * explicitly (no discovery), and the handlers of the nodes that rewrites.ts makes.
 */
import { constantNode } from './constants.js';
import type { Handler } from './context.js';
import { add, batchNorm, clip, hardSigmoid, hardSwish, mul, relu, sigmoid, softmax, sum, swish } from './elementwise.js';
import { gemm, matmul } from './linear.js';
import { channelShuffle, concat, flatten, passThrough, reshape, slice, split, squeeze } from './shape-ops.js';
import { conv, globalAveragePool, pad, pool, reduceMean, resize } from './spatial.js';

/** Operators that can become layers (or vanish into them), in the order the error message lists them. */
export const SUPPORTED_ONNX_OPS = [
  'Conv',
  'Gemm',
  'MatMul',
  'Add',
  'Sum',
  'Mul',
  'BatchNormalization',
  'Relu',
  'Clip',
  'Sigmoid',
  'HardSigmoid',
  'HardSwish',
  'MaxPool',
  'AveragePool',
  'GlobalAveragePool',
  'ReduceMean',
  'Concat',
  'Slice',
  'Split',
  'Flatten',
  'Reshape',
  'Squeeze',
  'Resize',
  'Upsample',
  'Softmax',
  'Pad',
  'Identity',
  'Dropout',
  'Constant',
] as const;

const LAYER_HANDLERS: Readonly<Record<(typeof SUPPORTED_ONNX_OPS)[number], Handler>> = {
  Conv: conv,
  Gemm: gemm,
  MatMul: matmul,
  Add: add,
  Sum: sum,
  Mul: mul,
  BatchNormalization: batchNorm,
  Relu: relu,
  Clip: clip,
  Sigmoid: sigmoid,
  HardSigmoid: hardSigmoid,
  HardSwish: hardSwish,
  MaxPool: pool,
  AveragePool: pool,
  GlobalAveragePool: globalAveragePool,
  ReduceMean: reduceMean,
  Concat: concat,
  Slice: slice,
  Split: split,
  Flatten: flatten,
  Reshape: reshape,
  Squeeze: squeeze,
  Resize: resize,
  Upsample: resize,
  Softmax: softmax,
  Pad: pad,
  Identity: passThrough,
  Dropout: passThrough,
  Constant: constantNode,
};

/** Nodes of rewrites.ts's REWRITE_DOMAIN, by operator. */
const REWRITTEN_HANDLERS: Readonly<Record<string, Handler>> = {
  Swish: swish,
  ChannelShuffle: channelShuffle,
};

/** The handler of a default-domain operator, or of a rewritten node (`rewritten`). */
export function handlerOf(op: string, rewritten = false): Handler | undefined {
  const table: Readonly<Record<string, Handler>> = rewritten ? REWRITTEN_HANDLERS : LAYER_HANDLERS;
  return Object.hasOwn(table, op) ? table[op] : undefined;
}
