// A reader for .tflite files written against TensorFlow Lite's schema.fbs (file identifier
// "TFL3"), using the `flatbuffers` runtime and the schema's field numbers directly. It
// reads what the emulated benchmark needs: tensors (shape, type, name, whether constant),
// operators (builtin code, inputs, outputs, the options of the ops it models) and the
// subgraph's inputs/outputs. Independent of the project's own TFLite writer on purpose.

import { ByteBuffer } from 'flatbuffers';

/** BuiltinOperator values from schema.fbs. */
export const BuiltinOp = {
  ADD: 0,
  AVERAGE_POOL_2D: 1,
  CONCATENATION: 2,
  CONV_2D: 3,
  DEPTHWISE_CONV_2D: 4,
  FULLY_CONNECTED: 9,
  LOGISTIC: 14,
  MAX_POOL_2D: 17,
  MUL: 18,
  RELU: 19,
  RELU6: 21,
  RESHAPE: 22,
  RESIZE_BILINEAR: 23,
  SOFTMAX: 25,
  TANH: 28,
  CUSTOM: 32,
  PAD: 34,
  TRANSPOSE: 39,
  MEAN: 40,
  SUB: 41,
  SQUEEZE: 43,
  STRIDED_SLICE: 45,
  SPLIT: 49,
  SLICE: 65,
  RESIZE_NEAREST_NEIGHBOR: 97,
  ADD_N: 106,
  HARD_SWISH: 117,
} as const;

const OP_NAMES: Record<number, string> = {
  0: 'ADD', 1: 'AVERAGE_POOL_2D', 2: 'CONCATENATION', 3: 'CONV_2D', 4: 'DEPTHWISE_CONV_2D', 5: 'DEPTH_TO_SPACE',
  6: 'DEQUANTIZE', 7: 'EMBEDDING_LOOKUP', 8: 'FLOOR', 9: 'FULLY_CONNECTED', 10: 'HASHTABLE_LOOKUP', 11: 'L2_NORMALIZATION',
  12: 'L2_POOL_2D', 13: 'LOCAL_RESPONSE_NORMALIZATION', 14: 'LOGISTIC', 15: 'LSH_PROJECTION', 16: 'LSTM', 17: 'MAX_POOL_2D',
  18: 'MUL', 19: 'RELU', 20: 'RELU_N1_TO_1', 21: 'RELU6', 22: 'RESHAPE', 23: 'RESIZE_BILINEAR', 24: 'RNN', 25: 'SOFTMAX',
  26: 'SPACE_TO_DEPTH', 27: 'SVDF', 28: 'TANH', 29: 'CONCAT_EMBEDDINGS', 30: 'SKIP_GRAM', 31: 'CALL', 32: 'CUSTOM',
  33: 'EMBEDDING_LOOKUP_SPARSE', 34: 'PAD', 35: 'UNIDIRECTIONAL_SEQUENCE_RNN', 36: 'GATHER', 37: 'BATCH_TO_SPACE_ND',
  38: 'SPACE_TO_BATCH_ND', 39: 'TRANSPOSE', 40: 'MEAN', 41: 'SUB', 42: 'DIV', 43: 'SQUEEZE', 44: 'UNIDIRECTIONAL_SEQUENCE_LSTM',
  45: 'STRIDED_SLICE', 47: 'EXP', 49: 'SPLIT', 50: 'LOG_SOFTMAX', 53: 'CAST', 54: 'PRELU', 55: 'MAXIMUM', 57: 'MINIMUM',
  60: 'PADV2', 65: 'SLICE', 67: 'TRANSPOSE_CONV', 69: 'TILE', 70: 'EXPAND_DIMS', 74: 'SUM', 82: 'REDUCE_MAX', 83: 'PACK',
  88: 'UNPACK', 97: 'RESIZE_NEAREST_NEIGHBOR', 98: 'LEAKY_RELU', 102: 'SPLIT_V', 114: 'QUANTIZE', 117: 'HARD_SWISH',
};

/** Highest builtin code this runtime knows (TF 2.x knows many more than the emulator models). */
const MAX_KNOWN_BUILTIN = 160;

export function builtinName(code: number): string {
  return OP_NAMES[code] ?? `BUILTIN_${code}`;
}

/** TensorType values from schema.fbs, with their element sizes. */
export const TENSOR_TYPES: Record<number, { name: string; bytes: number }> = {
  0: { name: 'FLOAT32', bytes: 4 },
  1: { name: 'FLOAT16', bytes: 2 },
  2: { name: 'INT32', bytes: 4 },
  3: { name: 'UINT8', bytes: 1 },
  4: { name: 'INT64', bytes: 8 },
  5: { name: 'STRING', bytes: 1 },
  6: { name: 'BOOL', bytes: 1 },
  7: { name: 'INT16', bytes: 2 },
  9: { name: 'INT8', bytes: 1 },
  10: { name: 'FLOAT64', bytes: 8 },
};

export type Activation = 'NONE' | 'RELU' | 'RELU_N1_TO_1' | 'RELU6' | 'TANH' | 'SIGN_BIT';
const ACTIVATIONS: Activation[] = ['NONE', 'RELU', 'RELU_N1_TO_1', 'RELU6', 'TANH', 'SIGN_BIT'];

export interface TensorInfo {
  index: number;
  name: string;
  shape: number[];
  type: number;
  /** Has a non-empty buffer: a weight/constant. */
  isConstant: boolean;
  bytes: number;
  /** Values of a small constant INT32 tensor (shapes, axes, sizes, permutations), as kernels read them in Prepare. */
  ints?: number[];
}

export interface OpOptions {
  padding?: 'SAME' | 'VALID';
  strideW?: number;
  strideH?: number;
  dilationW?: number;
  dilationH?: number;
  filterW?: number;
  filterH?: number;
  depthMultiplier?: number;
  activation?: Activation;
  axis?: number;
  beta?: number;
  keepDims?: boolean;
  newShape?: number[];
  numSplits?: number;
  alignCorners?: boolean;
  halfPixelCenters?: boolean;
  /** STRIDED_SLICE begin/end/ellipsis/new-axis/shrink-axis masks, or'ed: 0 when none is set. */
  sliceMasks?: number;
}

export interface OperatorInfo {
  index: number;
  code: number;
  /** Builtin name, e.g. CONV_2D, or the custom code for CUSTOM ops. */
  name: string;
  custom?: string;
  version: number;
  inputs: number[];
  outputs: number[];
  options: OpOptions;
}

export interface TfliteModel {
  version: number;
  description: string;
  tensors: TensorInfo[];
  operators: OperatorInfo[];
  inputs: number[];
  outputs: number[];
  subgraphCount: number;
  fileBytes: number;
}

/** Why a buffer is not a model; `message` is what TFLite's error reporter would print. */
export class TfliteFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TfliteFormatError';
  }
}

/** Minimal table accessor over flatbuffers' ByteBuffer, by field number. */
class Table {
  constructor(
    readonly bb: ByteBuffer,
    readonly pos: number,
  ) {}

  private off(field: number): number {
    return this.bb.__offset(this.pos, 4 + 2 * field);
  }

  has(field: number): boolean {
    return this.off(field) !== 0;
  }

  u8(field: number, dflt = 0): number {
    const o = this.off(field);
    return o ? this.bb.readUint8(this.pos + o) : dflt;
  }

  i8(field: number, dflt = 0): number {
    const o = this.off(field);
    return o ? this.bb.readInt8(this.pos + o) : dflt;
  }

  i32(field: number, dflt = 0): number {
    const o = this.off(field);
    return o ? this.bb.readInt32(this.pos + o) : dflt;
  }

  u32(field: number, dflt = 0): number {
    const o = this.off(field);
    return o ? this.bb.readUint32(this.pos + o) : dflt;
  }

  f32(field: number, dflt = 0): number {
    const o = this.off(field);
    return o ? this.bb.readFloat32(this.pos + o) : dflt;
  }

  bool(field: number, dflt = false): boolean {
    const o = this.off(field);
    return o ? this.bb.readInt8(this.pos + o) !== 0 : dflt;
  }

  str(field: number): string {
    const o = this.off(field);
    if (!o) return '';
    const s = this.bb.__string(this.pos + o);
    return typeof s === 'string' ? s : new TextDecoder().decode(s);
  }

  table(field: number): Table | null {
    const o = this.off(field);
    return o ? new Table(this.bb, this.bb.__indirect(this.pos + o)) : null;
  }

  vecLen(field: number): number {
    const o = this.off(field);
    return o ? this.bb.__vector_len(this.pos + o) : 0;
  }

  /** Byte position of a vector's first element, or undefined when the field is absent or empty. */
  vecStart(field: number): number | undefined {
    const o = this.off(field);
    return o && this.bb.__vector_len(this.pos + o) > 0 ? this.bb.__vector(this.pos + o) : undefined;
  }

  vecI32(field: number): number[] {
    const o = this.off(field);
    if (!o) return [];
    const start = this.bb.__vector(this.pos + o);
    const n = this.bb.__vector_len(this.pos + o);
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push(this.bb.readInt32(start + 4 * i));
    return out;
  }

  vecTable(field: number, i: number): Table {
    const o = this.off(field);
    const start = this.bb.__vector(this.pos + o);
    return new Table(this.bb, this.bb.__indirect(start + 4 * i));
  }
}

function checkedLength(bb: ByteBuffer, n: number, what: string): number {
  if (n < 0 || n > bb.capacity()) throw new TfliteFormatError(`The model is not a valid Flatbuffer buffer (${what})`);
  return n;
}

/** BuiltinOptions union member index -> reader of the options the emulator models. */
function readOptions(t: Table | null, unionType: number): OpOptions {
  if (!t) return {};
  const pad = (v: number): 'SAME' | 'VALID' => (v === 1 ? 'VALID' : 'SAME');
  const act = (v: number): Activation => ACTIVATIONS[v] ?? 'NONE';
  switch (unionType) {
    case 1: // Conv2DOptions
      return { padding: pad(t.i8(0)), strideW: t.i32(1), strideH: t.i32(2), activation: act(t.i8(3)), dilationW: t.i32(4, 1), dilationH: t.i32(5, 1) };
    case 2: // DepthwiseConv2DOptions
      return { padding: pad(t.i8(0)), strideW: t.i32(1), strideH: t.i32(2), depthMultiplier: t.i32(3), activation: act(t.i8(4)), dilationW: t.i32(5, 1), dilationH: t.i32(6, 1) };
    case 5: // Pool2DOptions
      return { padding: pad(t.i8(0)), strideW: t.i32(1), strideH: t.i32(2), filterW: t.i32(3), filterH: t.i32(4), activation: act(t.i8(5)) };
    case 8: // FullyConnectedOptions
      return { activation: act(t.i8(0)), keepDims: t.bool(2) };
    case 9: // SoftmaxOptions
      return { beta: t.f32(0) };
    case 10: // ConcatenationOptions
      return { axis: t.i32(0), activation: act(t.i8(1)) };
    case 11: // AddOptions
    case 21: // MulOptions
    case 28: // SubOptions
      return { activation: act(t.i8(0)) };
    case 15: // ResizeBilinearOptions (new_height, new_width deprecated)
      return { alignCorners: t.bool(2), halfPixelCenters: t.bool(3) };
    case 17: // ReshapeOptions
      return { newShape: t.vecI32(0) };
    case 27: // ReducerOptions
      return { keepDims: t.bool(0) };
    case 32: // StridedSliceOptions
      return { sliceMasks: t.i32(0) | t.i32(1) | t.i32(2) | t.i32(3) | t.i32(4) };
    case 35: // SplitOptions
      return { numSplits: t.i32(0) };
    case 74: // ResizeNearestNeighborOptions
      return { alignCorners: t.bool(0), halfPixelCenters: t.bool(1) };
    default:
      return {};
  }
}

/** Parses a .tflite buffer; throws TfliteFormatError with TFLite's own wording. */
export function readTflite(data: Buffer): TfliteModel {
  if (data.length < 8) {
    throw new TfliteFormatError('Model provided must have at least 7 bytes to hold identifier.');
  }
  const ident = data.subarray(4, 8).toString('latin1');
  if (ident !== 'TFL3') {
    throw new TfliteFormatError(`Model provided has model identifier '${ident}', should be 'TFL3'`);
  }
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const bb = new ByteBuffer(bytes);
  try {
    const root = new Table(bb, bb.readUint32(0));
    const version = root.u32(0);
    const nCodes = checkedLength(bb, root.vecLen(1), 'operator_codes');
    const codes: Array<{ code: number; custom: string; version: number }> = [];
    for (let i = 0; i < nCodes; i++) {
      const c = root.vecTable(1, i);
      const code = Math.max(c.i8(0), c.i32(3));
      codes.push({ code, custom: c.str(1), version: c.i32(2, 1) });
    }
    const nSub = checkedLength(bb, root.vecLen(2), 'subgraphs');
    if (nSub === 0) throw new TfliteFormatError('No subgraph in the model.');
    const nBuf = checkedLength(bb, root.vecLen(4), 'buffers');
    const bufferSizes: number[] = [];
    const bufferData: Array<number | undefined> = [];
    for (let i = 0; i < nBuf; i++) {
      const b = root.vecTable(4, i);
      bufferSizes.push(b.vecLen(0) || Number(b.has(2) ? 1 : 0));
      bufferData.push(b.vecStart(0));
    }
    const sg = root.vecTable(2, 0);
    const nTensors = checkedLength(bb, sg.vecLen(0), 'tensors');
    const tensors: TensorInfo[] = [];
    for (let i = 0; i < nTensors; i++) {
      const t = sg.vecTable(0, i);
      const shape = t.vecI32(0);
      const type = t.i8(1);
      const buffer = t.u32(2);
      const elems = shape.reduce((a, b) => a * Math.max(b, 1), 1);
      const isConstant = buffer > 0 && (bufferSizes[buffer] ?? 0) > 0;
      const start = bufferData[buffer];
      const info: TensorInfo = { index: i, name: t.str(3), shape, type, isConstant, bytes: elems * (TENSOR_TYPES[type]?.bytes ?? 4) };
      if (isConstant && type === 2 && start !== undefined && elems <= 16 && (bufferSizes[buffer] ?? 0) >= 4 * elems) {
        info.ints = Array.from({ length: elems }, (_, k) => bb.readInt32(start + 4 * k));
      }
      tensors.push(info);
    }
    const nOps = checkedLength(bb, sg.vecLen(3), 'operators');
    const operators: OperatorInfo[] = [];
    for (let i = 0; i < nOps; i++) {
      const o = sg.vecTable(3, i);
      const opcodeIndex = o.u32(0);
      const code = codes[opcodeIndex];
      if (!code) throw new TfliteFormatError(`Operator ${i} refers to missing opcode ${opcodeIndex}.`);
      const inputs = o.vecI32(1);
      const outputs = o.vecI32(2);
      for (const ti of [...inputs, ...outputs]) {
        if (ti >= nTensors) throw new TfliteFormatError(`Tensor index ${ti} out of range (node ${i}).`);
      }
      const info: OperatorInfo = {
        index: i,
        code: code.code,
        name: code.code === BuiltinOp.CUSTOM ? code.custom : builtinName(code.code),
        version: code.version,
        inputs,
        outputs,
        options: readOptions(o.table(4), o.u8(3)),
      };
      if (code.code === BuiltinOp.CUSTOM) info.custom = code.custom;
      operators.push(info);
    }
    return {
      version,
      description: root.str(3),
      tensors,
      operators,
      inputs: sg.vecI32(1),
      outputs: sg.vecI32(2),
      subgraphCount: nSub,
      fileBytes: data.length,
    };
  } catch (err) {
    if (err instanceof TfliteFormatError) throw err;
    // Offsets pointing outside the buffer: what the flatbuffer verifier rejects.
    throw new TfliteFormatError('The model is not a valid Flatbuffer buffer');
  }
}

/** Whether a builtin code is one this TFLite runtime registers. */
export function isKnownBuiltin(code: number): boolean {
  return code >= 0 && code <= MAX_KNOWN_BUILTIN && code !== BuiltinOp.CUSTOM;
}
