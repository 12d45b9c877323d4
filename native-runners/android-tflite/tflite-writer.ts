/**
 * Writes the TFLite artifact of an IR network (a whole network, a block, or a single layer
 * wrapped as a network) as a schema-3 `.tflite` flatbuffer ("TFL3"), with seeded random
 * float32 weights, for `benchmark_model` on a phone. It is not a converter: it emits the
 * operators labbench profiles, one per IR layer where TFLite has one, and nothing else.
 *
 * Layout is NHWC: an IR feature map [C,H,W] becomes the tensor [N,H,W,C], a vector [F]
 * becomes [N,F]. Each layer's last operator writes a tensor named exactly after the layer,
 * because benchmark_model names its profile rows `[<output tensor names>]:<node index>`.
 * A layer that needs a helper operator first (a PAD, BN's MUL, an fc's flattening RESHAPE)
 * names the helper's output `<layer>/pad`, `<layer>/mul` or `<layer>/flatten`; `opLayers`
 * maps every operator index back to its layer. See README.md here for the op table.
 *
 * Field numbers are those of tensorflow/lite/schema/schema.fbs (tables are written with
 * `addField*(fieldIndex, ...)`, a union as its `_type` field followed by its value field).
 */
import { Builder, type Offset } from 'flatbuffers';
import { analyzeNetwork, convAxis, type AnalyzedLayer } from '../../app/workloads/analyze.js';
import type { Network, Padding, Shape } from '../../app/workloads/ir.js';
import { InvalidWorkloadError } from '../../app/api/errors.js';

export const TFLITE_SCHEMA_VERSION = 3;
export const TFLITE_FILE_IDENTIFIER = 'TFL3';

/** BuiltinOperator codes used here (schema.fbs `enum BuiltinOperator`). */
export const BuiltinOp = {
  ADD: 0,
  AVERAGE_POOL_2D: 1,
  CONCATENATION: 2,
  CONV_2D: 3,
  DEPTHWISE_CONV_2D: 4,
  FULLY_CONNECTED: 9,
  MAX_POOL_2D: 17,
  MUL: 18,
  RELU: 19,
  RELU6: 21,
  RESHAPE: 22,
  SOFTMAX: 25,
  PAD: 34,
  MEAN: 40,
  ADD_N: 106,
} as const;
export type BuiltinOpName = keyof typeof BuiltinOp;

/** BuiltinOptions union tags (schema.fbs `union BuiltinOptions`, 1-based; 0 is NONE). */
const Options = {
  Conv2DOptions: 1,
  DepthwiseConv2DOptions: 2,
  Pool2DOptions: 5,
  FullyConnectedOptions: 8,
  SoftmaxOptions: 9,
  ConcatenationOptions: 10,
  AddOptions: 11,
  ReshapeOptions: 17,
  MulOptions: 21,
  PadOptions: 22,
  ReducerOptions: 27,
} as const;

const TensorType = { FLOAT32: 0, INT32: 2 } as const;
const PaddingCode = { SAME: 0, VALID: 1 } as const;

/** Suffixes of helper operators' output tensors: `<layer>/pad` and so on. */
export const HELPER_SUFFIXES = ['pad', 'mul', 'flatten'] as const;

export interface TfliteArtifact {
  readonly bytes: Uint8Array;
  /** Subgraph inputs, full shapes (batch first, NHWC), in subgraph order. */
  readonly inputs: readonly { name: string; shape: readonly number[] }[];
  /** Subgraph outputs: names of the layers no other layer reads (also their tensor names). */
  readonly outputs: readonly string[];
  /** The IR layer of operator i, for every operator in execution order. */
  readonly opLayers: readonly string[];
  /** The output tensor name of operator i: the layer's name, or `<layer>/<helper>`. */
  readonly opOutputs: readonly string[];
  /** The activation tensors operator i reads (constants left out), by name. */
  readonly opInputs: readonly (readonly string[])[];
  /** BuiltinOperator name of operator i. */
  readonly opTypes: readonly BuiltinOpName[];
}

const numel = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** An IR per-sample shape as a TFLite tensor shape: [C,H,W] -> [N,H,W,C], [F] -> [N,F]. */
export function nhwcShape(batch: number, s: Shape): number[] {
  return s.length === 3 ? [batch, s[1]!, s[2]!, s[0]!] : [batch, ...s];
}

export type TflitePadding = 'SAME' | 'VALID' | { readonly h: readonly [number, number]; readonly w: readonly [number, number] };

/**
 * How an IR window (kernel, stride, pad) on an H x W input is written in TFLite: SAME when the
 * IR's padding is exactly TF's 'same' padding (ceil(in / stride) outputs, the odd pixel at the
 * end), VALID when it pads nothing, otherwise an explicit PAD of the pixels the window really
 * reads (begin = the IR pad, end = what the last window needs, never more than the IR pad)
 * followed by a VALID window. Either way the output size equals `convAxis(...).out`.
 */
export function tflitePadding(h: number, w: number, kernel: number, stride: number, pad: Padding): TflitePadding {
  if (pad === 'same') return 'SAME';
  if (pad === 'valid' || pad === 0) return 'VALID';
  const axis = (size: number): { begin: number; end: number; same: boolean } => {
    const ir = convAxis(size, kernel, stride, pad);
    const end = Math.max((ir.out - 1) * stride + kernel - size - ir.begin, 0);
    const tf = convAxis(size, kernel, stride, 'same');
    return { begin: ir.begin, end, same: tf.out === ir.out && tf.begin === ir.begin && tf.end === end };
  };
  const ah = axis(h);
  const aw = axis(w);
  if (ah.same && aw.same) return 'SAME';
  return { h: [ah.begin, ah.end], w: [aw.begin, aw.end] };
}

interface TensorSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly type: number;
  /** Constant data (little-endian), or undefined for an activation. */
  readonly data?: Uint8Array;
}

interface OptionsSpec {
  readonly tag: number;
  readonly write: (b: Builder) => Offset;
}

interface OpSpec {
  readonly op: BuiltinOpName;
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
  readonly options?: OptionsSpec;
  readonly layer: string;
}

/** A table with scalar fields only; `fields` are [fieldIndex, kind, value, default]. */
function scalarTable(b: Builder, n: number, fields: readonly (readonly [number, 'i8' | 'i32' | 'f32' | 'bool', number, number])[]): Offset {
  b.startObject(n);
  for (const [i, kind, v, d] of fields) {
    if (kind === 'i32') b.addFieldInt32(i, v, d);
    else if (kind === 'f32') b.addFieldFloat32(i, v, d);
    else b.addFieldInt8(i, v, d);
  }
  return b.endObject();
}

function int32Vector(b: Builder, v: readonly number[]): Offset {
  b.startVector(4, v.length, 4);
  for (let i = v.length - 1; i >= 0; i--) b.addInt32(v[i]!);
  return b.endVector();
}

function offsetVector(b: Builder, v: readonly Offset[]): Offset {
  b.startVector(4, v.length, 4);
  for (let i = v.length - 1; i >= 0; i--) b.addOffset(v[i]!);
  return b.endVector();
}

const f32Bytes = (a: Float32Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
const i32Bytes = (v: readonly number[]): Uint8Array => {
  const a = Int32Array.from(v);
  return new Uint8Array(a.buffer);
};

class GraphWriter {
  readonly tensors: TensorSpec[] = [];
  readonly ops: OpSpec[] = [];
  private readonly byName = new Map<string, number>();
  /** xorshift32 state, as the ONNX artifact's generator: fast, seeded, good enough for weights nobody reads. */
  private state: number;
  private readonly rand = (): number => {
    let x = this.state;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    this.state = x;
    return x / 0x100000000;
  };

  constructor(
    seed: number,
    private readonly values?: ReadonlyMap<string, Float32Array>,
  ) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }

  /** Trained values for a constant, when the caller gave them (checked against its shape). */
  private given(name: string, shape: readonly number[]): number | undefined {
    const v = this.values?.get(name);
    if (!v) return undefined;
    if (v.length !== numel(shape)) throw new Error(`TFLite artifact: ${name} was given ${v.length} values, [${shape.join(',')}] needs ${numel(shape)}`);
    return this.tensor({ name, shape, type: TensorType.FLOAT32, data: f32Bytes(Float32Array.from(v)) });
  }

  index(name: string): number {
    const i = this.byName.get(name);
    if (i === undefined) throw new Error(`tflite-writer: no tensor named ${name}`);
    return i;
  }

  tensor(spec: TensorSpec): number {
    if (this.byName.has(spec.name)) {
      throw new InvalidWorkloadError(`TFLite artifact: tensor name ${spec.name} is used twice (a layer is named like another layer's helper)`);
    }
    this.tensors.push(spec);
    this.byName.set(spec.name, this.tensors.length - 1);
    return this.tensors.length - 1;
  }

  activation(name: string, shape: readonly number[]): number {
    return this.tensor({ name, shape, type: TensorType.FLOAT32 });
  }

  floats(name: string, shape: readonly number[], fill: (r: () => number) => number): number {
    const given = this.given(name, shape);
    if (given !== undefined) return given;
    const data = new Float32Array(numel(shape));
    for (let i = 0; i < data.length; i++) data[i] = fill(this.rand);
    return this.tensor({ name, shape, type: TensorType.FLOAT32, data: f32Bytes(data) });
  }

  /** He-uniform weights for a layer with `fanIn` inputs per output (the hot loop, so xorshift is inlined). */
  weights(name: string, shape: readonly number[], fanIn: number): number {
    const given = this.given(name, shape);
    if (given !== undefined) return given;
    const bound = Math.sqrt(6 / Math.max(fanIn, 1));
    const data = new Float32Array(numel(shape));
    let x = this.state;
    for (let i = 0; i < data.length; i++) {
      x ^= x << 13;
      x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      data[i] = (x / 0x100000000) * 2 * bound - bound;
    }
    this.state = x;
    return this.tensor({ name, shape, type: TensorType.FLOAT32, data: f32Bytes(data) });
  }

  zeros(name: string, shape: readonly number[]): number {
    return this.floats(name, shape, () => 0);
  }

  ints(name: string, shape: readonly number[], values: readonly number[]): number {
    return this.tensor({ name, shape, type: TensorType.INT32, data: i32Bytes(values) });
  }

  op(op: BuiltinOpName, layer: string, inputs: readonly number[], outputs: readonly number[], options?: OptionsSpec): void {
    this.ops.push({ op, layer, inputs, outputs, ...(options ? { options } : {}) });
  }
}

const conv2dOptions = (padding: number, stride: number): OptionsSpec => ({
  tag: Options.Conv2DOptions,
  // padding:0 stride_w:1 stride_h:2 fused_activation_function:3 dilation_w:4 dilation_h:5
  write: (b) => scalarTable(b, 6, [[0, 'i8', padding, 0], [1, 'i32', stride, 0], [2, 'i32', stride, 0]]),
});
const depthwiseOptions = (padding: number, stride: number): OptionsSpec => ({
  tag: Options.DepthwiseConv2DOptions,
  // padding:0 stride_w:1 stride_h:2 depth_multiplier:3 fused_activation_function:4 dilation_w:5 dilation_h:6
  write: (b) => scalarTable(b, 7, [[0, 'i8', padding, 0], [1, 'i32', stride, 0], [2, 'i32', stride, 0], [3, 'i32', 1, 0]]),
});
const pool2dOptions = (padding: number, stride: number, kernel: number): OptionsSpec => ({
  tag: Options.Pool2DOptions,
  // padding:0 stride_w:1 stride_h:2 filter_width:3 filter_height:4 fused_activation_function:5
  write: (b) =>
    scalarTable(b, 6, [[0, 'i8', padding, 0], [1, 'i32', stride, 0], [2, 'i32', stride, 0], [3, 'i32', kernel, 0], [4, 'i32', kernel, 0]]),
});
const noActivation = (tag: number): OptionsSpec => ({ tag, write: (b) => scalarTable(b, 1, []) });
const emptyOptions = (tag: number): OptionsSpec => ({ tag, write: (b) => scalarTable(b, 0, []) });
const fullyConnectedOptions = (): OptionsSpec => ({
  tag: Options.FullyConnectedOptions,
  // fused_activation_function:0 weights_format:1 keep_num_dims:2 (both left at defaults)
  write: (b) => scalarTable(b, 2, []),
});
const softmaxOptions = (): OptionsSpec => ({ tag: Options.SoftmaxOptions, write: (b) => scalarTable(b, 1, [[0, 'f32', 1, 0]]) });
const concatOptions = (axis: number): OptionsSpec => ({
  tag: Options.ConcatenationOptions,
  // axis:0 fused_activation_function:1 (axis written even when 0: default 0 would drop it, which reads the same)
  write: (b) => scalarTable(b, 2, [[0, 'i32', axis, 0]]),
});
const reducerOptions = (keepDims: boolean): OptionsSpec => ({ tag: Options.ReducerOptions, write: (b) => scalarTable(b, 1, [[0, 'bool', keepDims ? 1 : 0, 0]]) });
const reshapeOptions = (shape: readonly number[]): OptionsSpec => ({
  tag: Options.ReshapeOptions,
  write: (b) => {
    const v = int32Vector(b, shape);
    b.startObject(1);
    b.addFieldOffset(0, v, 0);
    return b.endObject();
  },
});

type WindowLayer = AnalyzedLayer & { layer: { name: string; kernel: number; stride: number; pad: Padding } };

/** SAME or VALID for a window op, inserting `<layer>/pad` first when TFLite has no equivalent. */
function windowInput(g: GraphWriter, a: WindowLayer, batch: number, input: number): { input: number; padding: number } {
  const x = a.inputShapes[0]!;
  const p = tflitePadding(x[1]!, x[2]!, a.layer.kernel, a.layer.stride, a.layer.pad);
  if (p === 'SAME') return { input, padding: PaddingCode.SAME };
  if (p === 'VALID') return { input, padding: PaddingCode.VALID };
  const name = `${a.layer.name}/pad`;
  const paddings = g.ints(`${name}/paddings`, [4, 2], [0, 0, p.h[0], p.h[1], p.w[0], p.w[1], 0, 0]);
  const out = g.activation(name, [batch, x[1]! + p.h[0] + p.h[1], x[2]! + p.w[0] + p.w[1], x[0]!]);
  g.op('PAD', a.layer.name, [input, paddings], [out], emptyOptions(Options.PadOptions));
  return { input: out, padding: PaddingCode.VALID };
}

function emitLayer(g: GraphWriter, a: AnalyzedLayer, batch: number): void {
  const l = a.layer;
  const x = a.inputShapes[0]!;
  const ins = l.inputs.map((n) => g.index(n));
  const outShape = nhwcShape(batch, a.outputShape);
  const bias = (cout: number): number => g.zeros(`${l.name}/bias`, [cout]);
  switch (l.op) {
    case 'conv':
    case 'dwconv':
    case 'pwconv': {
      const cin = x[0]!;
      const cout = a.outputShape[0]!;
      const depthwise = l.op === 'dwconv' || (l.op === 'conv' && l.groups > 1 && l.groups === cin && cout === cin);
      const k = l.op === 'pwconv' ? 1 : l.kernel;
      const stride = l.op === 'pwconv' ? 1 : l.stride;
      const { input, padding } =
        l.op === 'pwconv' ? { input: ins[0]!, padding: PaddingCode.VALID } : windowInput(g, a as WindowLayer, batch, ins[0]!);
      if (depthwise) {
        const w = g.weights(`${l.name}/weights`, [1, k, k, cin], k * k);
        const out = g.activation(l.name, outShape);
        g.op('DEPTHWISE_CONV_2D', l.name, [input, w, bias(cin)], [out], depthwiseOptions(padding, stride));
        return;
      }
      // A grouped (not depthwise) conv is written as TFLite's grouped CONV_2D (filter
      // [O,KH,KW,I/groups]), which runtimes from TF 2.9 on execute; older ones refuse it.
      const groups = l.op === 'conv' ? l.groups : 1;
      const w = g.weights(`${l.name}/weights`, [cout, k, k, cin / groups], (cin / groups) * k * k);
      const out = g.activation(l.name, outShape);
      g.op('CONV_2D', l.name, [input, w, bias(cout)], [out], conv2dOptions(padding, stride));
      return;
    }
    case 'maxpool':
    case 'avgpool': {
      // An explicit PAD pads zeros; ONNX pads max pooling with -inf and leaves pads out of the
      // average. The values differ at the border, the work does not.
      const { input, padding } = windowInput(g, a as WindowLayer, batch, ins[0]!);
      const out = g.activation(l.name, outShape);
      g.op(l.op === 'maxpool' ? 'MAX_POOL_2D' : 'AVERAGE_POOL_2D', l.name, [input], [out], pool2dOptions(padding, l.stride, l.kernel));
      return;
    }
    case 'gap': {
      const axes = g.ints(`${l.name}/axes`, [2], [1, 2]);
      const out = g.activation(l.name, outShape);
      g.op('MEAN', l.name, [ins[0]!, axes], [out], reducerOptions(true));
      return;
    }
    case 'fc': {
      const fin = numel(x);
      let input = ins[0]!;
      if (x.length !== 1) {
        // FULLY_CONNECTED on a feature map: flatten first, in NHWC order (ONNX flattens CHW;
        // the weights are random, so only the order of a dot product changes).
        const name = `${l.name}/flatten`;
        const shape = g.ints(`${name}/shape`, [2], [batch, fin]);
        const flat = g.activation(name, [batch, fin]);
        g.op('RESHAPE', l.name, [input, shape], [flat], reshapeOptions([batch, fin]));
        input = flat;
      }
      const w = g.weights(`${l.name}/weights`, [l.out, fin], fin);
      const out = g.activation(l.name, outShape);
      g.op('FULLY_CONNECTED', l.name, [input, w, bias(l.out)], [out], fullyConnectedOptions());
      return;
    }
    case 'bn': {
      // Inference BN is a per-channel affine map: MUL by scale, then ADD the shift. The
      // channel axis is the last one in NHWC (and of a vector), so [C] broadcasts.
      const c = x[0]!;
      const scale = g.floats(`${l.name}/scale`, [c], (r) => 0.5 + r());
      const shift = g.floats(`${l.name}/shift`, [c], (r) => (r() - 0.5) * 0.2);
      const mulName = `${l.name}/mul`;
      const mul = g.activation(mulName, outShape);
      g.op('MUL', l.name, [ins[0]!, scale], [mul], noActivation(Options.MulOptions));
      const out = g.activation(l.name, outShape);
      g.op('ADD', l.name, [mul, shift], [out], noActivation(Options.AddOptions));
      return;
    }
    case 'relu':
    case 'relu6': {
      const out = g.activation(l.name, outShape);
      g.op(l.op === 'relu' ? 'RELU' : 'RELU6', l.name, [ins[0]!], [out]);
      return;
    }
    case 'add': {
      const out = g.activation(l.name, outShape);
      if (ins.length === 2) g.op('ADD', l.name, ins, [out], noActivation(Options.AddOptions));
      else g.op('ADD_N', l.name, ins, [out]);
      return;
    }
    case 'concat': {
      const out = g.activation(l.name, outShape);
      g.op('CONCATENATION', l.name, ins, [out], concatOptions(outShape.length - 1));
      return;
    }
    case 'flatten': {
      const shape = g.ints(`${l.name}/shape`, [2], outShape);
      const out = g.activation(l.name, outShape);
      g.op('RESHAPE', l.name, [ins[0]!, shape], [out], reshapeOptions(outShape));
      return;
    }
    case 'softmax': {
      // Over the last axis: the classes of a vector, the channels of a feature map (as ONNX
      // Softmax axis=1 on NCHW in opset 13).
      const out = g.activation(l.name, outShape);
      g.op('SOFTMAX', l.name, [ins[0]!], [out], softmaxOptions());
      return;
    }
  }
}

function serialize(g: GraphWriter, name: string, inputs: readonly number[], outputs: readonly number[]): Uint8Array {
  const constBytes = g.tensors.reduce((s, t) => s + (t.data?.byteLength ?? 0) + 16, 0);
  const b = new Builder(constBytes + 64 * 1024 + g.tensors.length * 128);

  // Buffers: 0 is the empty sentinel, then one per constant tensor, in tensor order.
  const bufferOf: number[] = [];
  const bufferTables: Offset[] = [];
  b.startObject(1);
  bufferTables.push(b.endObject());
  for (const t of g.tensors) {
    if (!t.data) {
      bufferOf.push(0);
      continue;
    }
    // `data:[ubyte] (force_align: 16)`: align the vector's first byte, not its length prefix.
    b.prep(16, t.data.byteLength);
    const data = b.createByteVector(t.data);
    b.startObject(1);
    b.addFieldOffset(0, data, 0);
    bufferOf.push(bufferTables.length);
    bufferTables.push(b.endObject());
  }

  // Tensor: shape:0 type:1 buffer:2 name:3 quantization:4 is_variable:5
  const tensorTables = g.tensors.map((t, i) => {
    const nameOff = b.createString(t.name);
    const shapeOff = int32Vector(b, t.shape);
    b.startObject(6);
    b.addFieldOffset(0, shapeOff, 0);
    b.addFieldInt8(1, t.type, 0);
    b.addFieldInt32(2, bufferOf[i]!, 0);
    b.addFieldOffset(3, nameOff, 0);
    return b.endObject();
  });

  // OperatorCode: deprecated_builtin_code:0 (byte) custom_code:1 version:2 builtin_code:3 (int).
  // Both codes are written: runtimes before TF 2.4 read field 0, later ones the larger of the two.
  const codes = [...new Set(g.ops.map((o) => o.op))];
  const codeTables = codes.map((op) => {
    b.startObject(4);
    b.addFieldInt8(0, Math.min(BuiltinOp[op], 127), 0);
    b.addFieldInt32(2, 1, 1);
    b.addFieldInt32(3, BuiltinOp[op], 0);
    return b.endObject();
  });

  // Operator: opcode_index:0 inputs:1 outputs:2 builtin_options_type:3 builtin_options:4
  const opTables = g.ops.map((o) => {
    const optOff = o.options ? o.options.write(b) : 0;
    const insOff = int32Vector(b, o.inputs);
    const outsOff = int32Vector(b, o.outputs);
    b.startObject(5);
    b.addFieldInt32(0, codes.indexOf(o.op), 0);
    b.addFieldOffset(1, insOff, 0);
    b.addFieldOffset(2, outsOff, 0);
    if (o.options) {
      b.addFieldInt8(3, o.options.tag, 0);
      b.addFieldOffset(4, optOff, 0);
    }
    return b.endObject();
  });

  // SubGraph: tensors:0 inputs:1 outputs:2 operators:3 name:4
  const tensorsVec = offsetVector(b, tensorTables);
  const inputsVec = int32Vector(b, inputs);
  const outputsVec = int32Vector(b, outputs);
  const opsVec = offsetVector(b, opTables);
  const sgName = b.createString(name);
  b.startObject(5);
  b.addFieldOffset(0, tensorsVec, 0);
  b.addFieldOffset(1, inputsVec, 0);
  b.addFieldOffset(2, outputsVec, 0);
  b.addFieldOffset(3, opsVec, 0);
  b.addFieldOffset(4, sgName, 0);
  const subgraph = b.endObject();

  // Model: version:0 operator_codes:1 subgraphs:2 description:3 buffers:4
  const codesVec = offsetVector(b, codeTables);
  const subgraphsVec = offsetVector(b, [subgraph]);
  const description = b.createString('labbench');
  const buffersVec = offsetVector(b, bufferTables);
  b.startObject(5);
  b.addFieldInt32(0, TFLITE_SCHEMA_VERSION, 0);
  b.addFieldOffset(1, codesVec, 0);
  b.addFieldOffset(2, subgraphsVec, 0);
  b.addFieldOffset(3, description, 0);
  b.addFieldOffset(4, buffersVec, 0);
  b.finish(b.endObject(), TFLITE_FILE_IDENTIFIER);
  // A copy that owns its ArrayBuffer: bindings such as node-tflite read `bytes.buffer` whole.
  return b.asUint8Array().slice();
}

/**
 * Encodes `network` as a .tflite model; its `input` and `extraInputs` become subgraph inputs.
 * `values` supplies trained constants by tensor name (`<layer>/weights` OHWI or [out, in] with
 * inputs in NHWC flatten order, `<layer>/bias`, BN `<layer>/scale` and `/shift` folded with
 * its statistics); the rest are drawn at random.
 */
export function buildTflite(network: Network, opts: { seed?: number; values?: ReadonlyMap<string, Float32Array> } = {}): TfliteArtifact {
  const analysis = analyzeNetwork(network);
  const g = new GraphWriter(opts.seed ?? 1, opts.values);
  const batch = network.batch;
  const produced = new Set<string>();
  const graphInputs = new Map<string, readonly number[]>();
  for (const a of analysis.layers) {
    a.layer.inputs.forEach((n, i) => {
      if (!produced.has(n) && !graphInputs.has(n)) {
        const shape = nhwcShape(batch, a.inputShapes[i]!);
        graphInputs.set(n, shape);
        g.activation(n, shape);
      }
    });
    emitLayer(g, a, batch);
    produced.add(a.layer.name);
  }
  const read = new Set(network.layers.flatMap((l) => l.inputs));
  const outputs = analysis.layers.filter((a) => !read.has(a.layer.name)).map((a) => a.layer.name);
  const bytes = serialize(
    g,
    network.name,
    [...graphInputs.keys()].map((n) => g.index(n)),
    outputs.map((n) => g.index(n)),
  );
  const isActivation = (i: number): boolean => g.tensors[i]!.data === undefined;
  return {
    bytes,
    inputs: [...graphInputs].map(([name, shape]) => ({ name, shape })),
    outputs,
    opLayers: g.ops.map((o) => o.layer),
    opOutputs: g.ops.map((o) => g.tensors[o.outputs[0]!]!.name),
    opInputs: g.ops.map((o) => o.inputs.filter(isActivation).map((i) => g.tensors[i]!.name)),
    opTypes: g.ops.map((o) => o.op),
  };
}
