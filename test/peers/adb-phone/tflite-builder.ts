// Writes small .tflite files with the flatbuffers Builder and schema.fbs field numbers, for
// tests that need a model to push to the emulated phone (a CONV_2D + RELU, a tiny CNN).
// Only the ops and options the emulated benchmark models; weights are seeded random bytes.

import { Builder } from 'flatbuffers';
import { BuiltinOp } from './tflite-reader.js';

export type TensorDtype = 'float32' | 'int8' | 'uint8' | 'int32';
const DTYPE_CODE: Record<TensorDtype, number> = { float32: 0, int32: 2, uint8: 3, int8: 9 };
const DTYPE_BYTES: Record<TensorDtype, number> = { float32: 4, int32: 4, uint8: 1, int8: 1 };

export interface TensorSpec {
  name: string;
  shape: number[];
  dtype?: TensorDtype;
  /** Constant data: explicit bytes, or 'random' for seeded filler of the right size. */
  data?: Buffer | 'random';
}

export type OpName =
  | 'CONV_2D'
  | 'DEPTHWISE_CONV_2D'
  | 'MAX_POOL_2D'
  | 'AVERAGE_POOL_2D'
  | 'FULLY_CONNECTED'
  | 'ADD'
  | 'MUL'
  | 'CONCATENATION'
  | 'RESHAPE'
  | 'SOFTMAX'
  | 'RELU'
  | 'RELU6'
  | 'MEAN'
  | 'PAD';

export interface OpSpec {
  op: OpName;
  inputs: string[];
  outputs: string[];
  padding?: 'SAME' | 'VALID';
  stride?: number;
  filter?: number;
  depthMultiplier?: number;
  activation?: 'NONE' | 'RELU' | 'RELU6';
  axis?: number;
  keepDims?: boolean;
  newShape?: number[];
}

export interface ModelSpec {
  tensors: TensorSpec[];
  ops: OpSpec[];
  inputs: string[];
  outputs: string[];
  description?: string;
}

const ACT: Record<string, number> = { NONE: 0, RELU: 1, RELU6: 3 };

function seededBytes(n: number, seed: number): Buffer {
  const out = Buffer.alloc(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = s & 0xff;
  }
  return out;
}

function vectorI32(b: Builder, values: number[]): number {
  b.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) b.addInt32(values[i] ?? 0);
  return b.endVector();
}

function vectorOffsets(b: Builder, offsets: number[]): number {
  b.startVector(4, offsets.length, 4);
  for (let i = offsets.length - 1; i >= 0; i--) b.addOffset(offsets[i] ?? 0);
  return b.endVector();
}

function vectorBytes16(b: Builder, data: Buffer): number {
  b.startVector(1, data.length, 16);
  for (let i = data.length - 1; i >= 0; i--) b.addInt8(data[i] ?? 0);
  return b.endVector();
}

/** [union type, options table offset] for one op. */
function writeOptions(b: Builder, op: OpSpec): [number, number] {
  const pad = op.padding === 'VALID' ? 1 : 0;
  const act = ACT[op.activation ?? 'NONE'] ?? 0;
  const stride = op.stride ?? 1;
  switch (op.op) {
    case 'CONV_2D':
      b.startObject(7);
      b.addFieldInt8(0, pad, 0);
      b.addFieldInt32(1, stride, 0);
      b.addFieldInt32(2, stride, 0);
      b.addFieldInt8(3, act, 0);
      return [1, b.endObject()];
    case 'DEPTHWISE_CONV_2D':
      b.startObject(7);
      b.addFieldInt8(0, pad, 0);
      b.addFieldInt32(1, stride, 0);
      b.addFieldInt32(2, stride, 0);
      b.addFieldInt32(3, op.depthMultiplier ?? 1, 0);
      b.addFieldInt8(4, act, 0);
      return [2, b.endObject()];
    case 'MAX_POOL_2D':
    case 'AVERAGE_POOL_2D':
      b.startObject(6);
      b.addFieldInt8(0, pad, 0);
      b.addFieldInt32(1, stride, 0);
      b.addFieldInt32(2, stride, 0);
      b.addFieldInt32(3, op.filter ?? 2, 0);
      b.addFieldInt32(4, op.filter ?? 2, 0);
      b.addFieldInt8(5, act, 0);
      return [5, b.endObject()];
    case 'FULLY_CONNECTED':
      b.startObject(5);
      b.addFieldInt8(0, act, 0);
      return [8, b.endObject()];
    case 'SOFTMAX':
      b.startObject(1);
      b.addFieldFloat32(0, 1, 0);
      return [9, b.endObject()];
    case 'CONCATENATION':
      b.startObject(2);
      b.addFieldInt32(0, op.axis ?? -1, 0);
      b.addFieldInt8(1, act, 0);
      return [10, b.endObject()];
    case 'ADD':
      b.startObject(2);
      b.addFieldInt8(0, act, 0);
      return [11, b.endObject()];
    case 'MUL':
      b.startObject(1);
      b.addFieldInt8(0, act, 0);
      return [21, b.endObject()];
    case 'RESHAPE': {
      const shape = vectorI32(b, op.newShape ?? []);
      b.startObject(1);
      b.addFieldOffset(0, shape, 0);
      return [17, b.endObject()];
    }
    case 'MEAN':
      b.startObject(1);
      b.addFieldInt8(0, op.keepDims ? 1 : 0, 0);
      return [27, b.endObject()];
    case 'PAD':
      b.startObject(0);
      return [22, b.endObject()];
    default:
      return [0, 0];
  }
}

/** Serializes a one-subgraph model; tensors are referred to by name in ops and io lists. */
export function buildTflite(spec: ModelSpec): Buffer {
  const b = new Builder(1024);
  const index = new Map(spec.tensors.map((t, i) => [t.name, i] as const));
  const ref = (name: string): number => {
    const i = index.get(name);
    if (i === undefined) throw new Error(`unknown tensor ${name}`);
    return i;
  };

  // Buffers: 0 is the empty sentinel, then one per constant tensor.
  const bufferOffsets: number[] = [];
  b.startObject(3);
  bufferOffsets.push(b.endObject());
  const tensorBuffer: number[] = [];
  spec.tensors.forEach((t, i) => {
    if (!t.data) {
      tensorBuffer.push(0);
      return;
    }
    const n = t.shape.reduce((a, x) => a * x, 1) * DTYPE_BYTES[t.dtype ?? 'float32'];
    const bytes = t.data === 'random' ? seededBytes(n, 0x9e3779b9 ^ (i + 1)) : t.data;
    const vec = vectorBytes16(b, bytes);
    b.startObject(3);
    b.addFieldOffset(0, vec, 0);
    tensorBuffer.push(bufferOffsets.length);
    bufferOffsets.push(b.endObject());
  });

  const tensorOffsets = spec.tensors.map((t, i) => {
    const name = b.createString(t.name);
    const shape = vectorI32(b, t.shape);
    b.startObject(10);
    b.addFieldOffset(0, shape, 0);
    b.addFieldInt8(1, DTYPE_CODE[t.dtype ?? 'float32'], 0);
    b.addFieldInt32(2, tensorBuffer[i] ?? 0, 0);
    b.addFieldOffset(3, name, 0);
    return b.endObject();
  });

  const codes: number[] = [];
  const opOffsets = spec.ops.map((op) => {
    const code = BuiltinOp[op.op];
    let opcodeIndex = codes.indexOf(code);
    if (opcodeIndex < 0) {
      opcodeIndex = codes.length;
      codes.push(code);
    }
    const inputs = vectorI32(b, op.inputs.map(ref));
    const outputs = vectorI32(b, op.outputs.map(ref));
    const [unionType, options] = writeOptions(b, op);
    b.startObject(9);
    b.addFieldInt32(0, opcodeIndex, 0);
    b.addFieldOffset(1, inputs, 0);
    b.addFieldOffset(2, outputs, 0);
    if (unionType) {
      b.addFieldInt8(3, unionType, 0);
      b.addFieldOffset(4, options, 0);
    }
    return b.endObject();
  });

  const codeOffsets = codes.map((code) => {
    b.startObject(4);
    b.addFieldInt8(0, Math.min(code, 127), 0);
    b.addFieldInt32(2, 1, 1);
    b.addFieldInt32(3, code, 0);
    return b.endObject();
  });

  const tensorsVec = vectorOffsets(b, tensorOffsets);
  const inputsVec = vectorI32(b, spec.inputs.map(ref));
  const outputsVec = vectorI32(b, spec.outputs.map(ref));
  const opsVec = vectorOffsets(b, opOffsets);
  const sgName = b.createString('main');
  b.startObject(5);
  b.addFieldOffset(0, tensorsVec, 0);
  b.addFieldOffset(1, inputsVec, 0);
  b.addFieldOffset(2, outputsVec, 0);
  b.addFieldOffset(3, opsVec, 0);
  b.addFieldOffset(4, sgName, 0);
  const subgraph = b.endObject();

  const codesVec = vectorOffsets(b, codeOffsets);
  const subgraphsVec = vectorOffsets(b, [subgraph]);
  const description = b.createString(spec.description ?? 'labbench test model');
  const buffersVec = vectorOffsets(b, bufferOffsets);
  b.startObject(8);
  b.addFieldInt32(0, 3, 0);
  b.addFieldOffset(1, codesVec, 0);
  b.addFieldOffset(2, subgraphsVec, 0);
  b.addFieldOffset(3, description, 0);
  b.addFieldOffset(4, buffersVec, 0);
  b.finish(b.endObject(), 'TFL3');
  return Buffer.from(b.asUint8Array());
}

/** One CONV_2D (weights and bias constant) followed by a standalone RELU. */
export function convReluModel(opts: { size?: number; cin?: number; cout?: number; kernel?: number } = {}): Buffer {
  const size = opts.size ?? 32;
  const cin = opts.cin ?? 8;
  const cout = opts.cout ?? 16;
  const k = opts.kernel ?? 3;
  return buildTflite({
    tensors: [
      { name: 'input', shape: [1, size, size, cin] },
      { name: 'conv/weights', shape: [cout, k, k, cin], data: 'random' },
      { name: 'conv/bias', shape: [cout], data: 'random' },
      { name: 'conv/Conv2D', shape: [1, size, size, cout] },
      { name: 'relu/Relu', shape: [1, size, size, cout] },
    ],
    ops: [
      { op: 'CONV_2D', inputs: ['input', 'conv/weights', 'conv/bias'], outputs: ['conv/Conv2D'], padding: 'SAME', stride: 1 },
      { op: 'RELU', inputs: ['conv/Conv2D'], outputs: ['relu/Relu'] },
    ],
    inputs: ['input'],
    outputs: ['relu/Relu'],
  });
}

/** A small CNN touching most modelled ops: conv, dwconv, pool, add, concat, mean, fc, softmax. */
export function tinyCnnModel(): Buffer {
  return buildTflite({
    tensors: [
      { name: 'image', shape: [1, 64, 64, 3] },
      { name: 'c1/w', shape: [16, 3, 3, 3], data: 'random' },
      { name: 'c1/b', shape: [16], data: 'random' },
      { name: 'c1/Relu6', shape: [1, 32, 32, 16] },
      { name: 'dw/w', shape: [1, 3, 3, 16], data: 'random' },
      { name: 'dw/b', shape: [16], data: 'random' },
      { name: 'dw/Relu6', shape: [1, 32, 32, 16] },
      { name: 'pw/w', shape: [32, 1, 1, 16], data: 'random' },
      { name: 'pw/b', shape: [32], data: 'random' },
      { name: 'pw/BiasAdd', shape: [1, 32, 32, 32] },
      { name: 'pool/MaxPool', shape: [1, 16, 16, 32] },
      { name: 'pool2/AvgPool', shape: [1, 16, 16, 32] },
      { name: 'add/Add', shape: [1, 16, 16, 32] },
      { name: 'cat/concat', shape: [1, 16, 16, 64] },
      { name: 'mean/axes', shape: [2], dtype: 'int32', data: Buffer.from(Int32Array.from([1, 2]).buffer) },
      { name: 'gap/Mean', shape: [1, 64] },
      { name: 'fc/w', shape: [10, 64], data: 'random' },
      { name: 'fc/b', shape: [10], data: 'random' },
      { name: 'fc/MatMul', shape: [1, 10] },
      { name: 'prob/Softmax', shape: [1, 10] },
    ],
    ops: [
      { op: 'CONV_2D', inputs: ['image', 'c1/w', 'c1/b'], outputs: ['c1/Relu6'], padding: 'SAME', stride: 2, activation: 'RELU6' },
      { op: 'DEPTHWISE_CONV_2D', inputs: ['c1/Relu6', 'dw/w', 'dw/b'], outputs: ['dw/Relu6'], padding: 'SAME', stride: 1, activation: 'RELU6' },
      { op: 'CONV_2D', inputs: ['dw/Relu6', 'pw/w', 'pw/b'], outputs: ['pw/BiasAdd'], padding: 'SAME', stride: 1 },
      { op: 'MAX_POOL_2D', inputs: ['pw/BiasAdd'], outputs: ['pool/MaxPool'], padding: 'VALID', stride: 2, filter: 2 },
      { op: 'AVERAGE_POOL_2D', inputs: ['pw/BiasAdd'], outputs: ['pool2/AvgPool'], padding: 'VALID', stride: 2, filter: 2 },
      { op: 'ADD', inputs: ['pool/MaxPool', 'pool2/AvgPool'], outputs: ['add/Add'] },
      { op: 'CONCATENATION', inputs: ['add/Add', 'pool/MaxPool'], outputs: ['cat/concat'], axis: 3 },
      { op: 'MEAN', inputs: ['cat/concat', 'mean/axes'], outputs: ['gap/Mean'] },
      { op: 'FULLY_CONNECTED', inputs: ['gap/Mean', 'fc/w', 'fc/b'], outputs: ['fc/MatMul'] },
      { op: 'SOFTMAX', inputs: ['fc/MatMul'], outputs: ['prob/Softmax'] },
    ],
    inputs: ['image'],
    outputs: ['prob/Softmax'],
  });
}
