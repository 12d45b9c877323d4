/**
 * Writes the TFLite artifact of an IR network (a whole network, a block, or a single layer
 * wrapped as a network) as a schema-3 `.tflite` flatbuffer ("TFL3"), with seeded random
 * float32 weights, for `benchmark_model` on a phone. It is not a converter, but by default
 * it writes the graph TFLite's converter deploys: batch norm folded into the conv/fc before
 * it, relu/relu6 fused into its producer's `fused_activation_function`, equal channel slices
 * of one tensor as one SPLIT. `{ fuse: false }` writes one operator group per IR layer
 * (per-layer research mode).
 *
 * Layout is NHWC: an IR feature map [C,H,W] becomes the tensor [N,H,W,C], a vector [F]
 * becomes [N,F]. The operator that ends a group writes a tensor named exactly after the
 * group's last IR layer, because benchmark_model names its profile rows
 * `[<output tensor names>]:<node index>`. A helper operator before it (a PAD, BN's MUL, an
 * fc's flattening RESHAPE, ...) names its output `<layer>/<suffix>` (HELPER_SUFFIXES);
 * `opLayers` and `opKernelLayers` map every operator back to IR layers. See README.md here.
 *
 * Field numbers are those of tensorflow/lite/schema/schema.fbs (tables are written with
 * `addField*(fieldIndex, ...)`, a union as its `_type` field followed by its value field).
 */
import { Builder, type Offset } from 'flatbuffers';
import { analyzeNetwork, convAxis, type AnalyzedLayer } from '../../app/workloads/analyze.js';
import type { Network, Padding, Shape, SliceLayer } from '../../app/workloads/ir.js';
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
  LOGISTIC: 14,
  MAX_POOL_2D: 17,
  MUL: 18,
  RELU: 19,
  RELU6: 21,
  RESHAPE: 22,
  RESIZE_BILINEAR: 23,
  SOFTMAX: 25,
  PAD: 34,
  TRANSPOSE: 39,
  MEAN: 40,
  STRIDED_SLICE: 45,
  SPLIT: 49,
  RESIZE_NEAREST_NEIGHBOR: 97,
  ADD_N: 106,
  HARD_SWISH: 117,
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
  ResizeBilinearOptions: 15,
  ReshapeOptions: 17,
  MulOptions: 21,
  PadOptions: 22,
  TransposeOptions: 26,
  ReducerOptions: 27,
  StridedSliceOptions: 32,
  SplitOptions: 35,
  ResizeNearestNeighborOptions: 74,
} as const;

/** ActivationFunctionType (schema.fbs): what `fused_activation_function` holds. */
const Activation = { NONE: 0, RELU: 1, RELU6: 3 } as const;

const TensorType = { FLOAT32: 0, INT32: 2 } as const;
const PaddingCode = { SAME: 0, VALID: 1 } as const;

/** Suffixes of helper operators' output tensors: `<layer>/pad` and so on. */
export const HELPER_SUFFIXES = ['pad', 'mul', 'flatten', 'sigmoid', 'add', 'reshape', 'transpose'] as const;

export interface TfliteBuildOptions {
  readonly seed?: number;
  /** Trained constants by tensor name (see buildTflite). */
  readonly values?: ReadonlyMap<string, Float32Array>;
  /**
   * true (default): the deployed graph, folded and fused as TFLite's converter writes it.
   * false: every IR layer keeps operators of its own (BN as MUL + ADD, RELU apart).
   */
  readonly fuse?: boolean;
}

export interface TfliteArtifact {
  readonly bytes: Uint8Array;
  /** Subgraph inputs, full shapes (batch first, NHWC), in subgraph order. */
  readonly inputs: readonly { name: string; shape: readonly number[] }[];
  /** Subgraph outputs: names of the layers no other layer reads (also their tensor names). */
  readonly outputs: readonly string[];
  /**
   * The IR layer of operator i, for every operator in execution order: the layer its output
   * is named after (the last layer of a fused group), or the layer a helper operator helps.
   */
  readonly opLayers: readonly string[];
  /**
   * Every IR layer operator i implements, in IR order: `[conv, bn, relu]` for a conv with
   * BN folded in and RELU fused, all the slices of a SPLIT, `[l]` for a helper of layer l.
   * A profile row's time belongs to all of them together.
   */
  readonly opKernelLayers: readonly (readonly string[])[];
  /** The output tensor name of operator i (its last output for a SPLIT): a layer's name, or `<layer>/<helper>`. */
  readonly opOutputs: readonly string[];
  /** All output tensor names of operator i (several for a SPLIT, in channel order). */
  readonly opAllOutputs: readonly (readonly string[])[];
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
  readonly kernel: readonly string[];
  /** Operator version (schema OperatorCode.version): 1 unless an option needs a later kernel. */
  readonly version: number;
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
  private given(name: string, shape: readonly number[]): Float32Array | undefined {
    const v = this.values?.get(name);
    if (!v) return undefined;
    if (v.length !== numel(shape)) throw new Error(`TFLite artifact: ${name} was given ${v.length} values, [${shape.join(',')}] needs ${numel(shape)}`);
    return Float32Array.from(v);
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

  constant(name: string, shape: readonly number[], data: Float32Array): number {
    return this.tensor({ name, shape, type: TensorType.FLOAT32, data: f32Bytes(data) });
  }

  /** The values of constant `name`: given, or drawn with `fill` (no tensor is added). */
  floatData(name: string, shape: readonly number[], fill: (r: () => number) => number): Float32Array {
    const given = this.given(name, shape);
    if (given !== undefined) return given;
    const data = new Float32Array(numel(shape));
    for (let i = 0; i < data.length; i++) data[i] = fill(this.rand);
    return data;
  }

  floats(name: string, shape: readonly number[], fill: (r: () => number) => number): number {
    return this.constant(name, shape, this.floatData(name, shape, fill));
  }

  weights(name: string, shape: readonly number[], fanIn: number): number {
    return this.constant(name, shape, this.weightData(name, shape, fanIn));
  }

  /** He-uniform weights for a layer with `fanIn` inputs per output (the hot loop, so xorshift is inlined). */
  weightData(name: string, shape: readonly number[], fanIn: number): Float32Array {
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
    return data;
  }

  zeros(name: string, shape: readonly number[]): number {
    return this.floats(name, shape, () => 0);
  }

  ints(name: string, shape: readonly number[], values: readonly number[]): number {
    return this.tensor({ name, shape, type: TensorType.INT32, data: i32Bytes(values) });
  }

  /** Appends an operator of `layer` (and of every layer in `kernel`, its fused group). */
  op(
    op: BuiltinOpName,
    layer: string,
    inputs: readonly number[],
    outputs: readonly number[],
    options?: OptionsSpec,
    kernel: readonly string[] = [layer],
    version = 1,
  ): void {
    this.ops.push({ op, layer, kernel, version, inputs, outputs, ...(options ? { options } : {}) });
  }
}

const conv2dOptions = (padding: number, stride: number, act: number): OptionsSpec => ({
  tag: Options.Conv2DOptions,
  // padding:0 stride_w:1 stride_h:2 fused_activation_function:3 dilation_w:4 dilation_h:5
  write: (b) => scalarTable(b, 6, [[0, 'i8', padding, 0], [1, 'i32', stride, 0], [2, 'i32', stride, 0], [3, 'i8', act, 0]]),
});
const depthwiseOptions = (padding: number, stride: number, act: number): OptionsSpec => ({
  tag: Options.DepthwiseConv2DOptions,
  // padding:0 stride_w:1 stride_h:2 depth_multiplier:3 fused_activation_function:4 dilation_w:5 dilation_h:6
  write: (b) => scalarTable(b, 7, [[0, 'i8', padding, 0], [1, 'i32', stride, 0], [2, 'i32', stride, 0], [3, 'i32', 1, 0], [4, 'i8', act, 0]]),
});
const pool2dOptions = (padding: number, stride: number, kernel: number, act: number): OptionsSpec => ({
  tag: Options.Pool2DOptions,
  // padding:0 stride_w:1 stride_h:2 filter_width:3 filter_height:4 fused_activation_function:5
  write: (b) =>
    scalarTable(b, 6, [[0, 'i8', padding, 0], [1, 'i32', stride, 0], [2, 'i32', stride, 0], [3, 'i32', kernel, 0], [4, 'i32', kernel, 0], [5, 'i8', act, 0]]),
});
/** AddOptions / MulOptions: fused_activation_function:0. */
const activationOptions = (tag: number, act: number = Activation.NONE): OptionsSpec => ({ tag, write: (b) => scalarTable(b, 1, [[0, 'i8', act, 0]]) });
const emptyOptions = (tag: number): OptionsSpec => ({ tag, write: (b) => scalarTable(b, 0, []) });
const fullyConnectedOptions = (act: number): OptionsSpec => ({
  tag: Options.FullyConnectedOptions,
  // fused_activation_function:0 weights_format:1 keep_num_dims:2 (the last two at defaults)
  write: (b) => scalarTable(b, 3, [[0, 'i8', act, 0]]),
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
// StridedSliceOptions: begin_mask:0 end_mask:1 ellipsis_mask:2 new_axis_mask:3 shrink_axis_mask:4 (all 0 here).
const stridedSliceOptions = (): OptionsSpec => emptyOptions(Options.StridedSliceOptions);
const splitOptions = (n: number): OptionsSpec => ({ tag: Options.SplitOptions, write: (b) => scalarTable(b, 1, [[0, 'i32', n, 0]]) });
/** ResizeBilinearOptions: new_height:0 new_width:1 (deprecated) align_corners:2 half_pixel_centers:3. */
const resizeBilinearOptions = (): OptionsSpec => ({ tag: Options.ResizeBilinearOptions, write: (b) => scalarTable(b, 4, [[3, 'bool', 1, 0]]) });

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

/**
 * The IR layers one operator (plus its helpers) writes: a layer alone, or a head layer with
 * what the converter fuses into it (a BN folded into its weights, a RELU/RELU6 as its
 * fused activation), or slices of one tensor written as one SPLIT.
 */
interface Group {
  readonly head: AnalyzedLayer;
  /** Every IR layer of the group, in IR order. */
  readonly layers: string[];
  /** The last layer so far: the group's output tensor is named after it. */
  tail: string;
  bn?: AnalyzedLayer;
  act?: 'relu' | 'relu6';
  /** The slice layers of a SPLIT, in channel order. */
  split?: AnalyzedLayer[];
}

const FOLDS_BN = new Set(['conv', 'dwconv', 'pwconv', 'fc']);
const TAKES_ACTIVATION = new Set(['conv', 'dwconv', 'pwconv', 'fc', 'add', 'maxpool', 'avgpool']);

/**
 * Groups layers as TFLite's converter fuses them (or one group per layer without `fuse`):
 * a BN whose input is a conv/dwconv/pwconv/fc read by nothing else is folded into it, and a
 * relu/relu6 whose input is such a group's output (or a 2-input add's, or a pool's) read by
 * nothing else becomes its fused activation. Slices that cut one tensor's channels into
 * equal parts, all of them, become one SPLIT (tf.split / torch.chunk in a converted model).
 */
function planGroups(layers: readonly AnalyzedLayer[], fuse: boolean): Group[] {
  const readers = new Map<string, number>();
  for (const a of layers) for (const n of a.layer.inputs) readers.set(n, (readers.get(n) ?? 0) + 1);
  const groupOf = new Map<string, Group>();
  const groups: Group[] = [];
  const splits = fuse ? splitSets(layers) : new Map<string, AnalyzedLayer[]>();
  for (const a of layers) {
    const l = a.layer;
    const src = l.inputs.length === 1 ? groupOf.get(l.inputs[0]!) : undefined;
    if (fuse && src && src.tail === l.inputs[0] && readers.get(src.tail) === 1 && !src.act && !src.split) {
      const head = src.head.layer;
      const fold = l.op === 'bn' && !src.bn && FOLDS_BN.has(head.op);
      const activation = (l.op === 'relu' || l.op === 'relu6') && TAKES_ACTIVATION.has(head.op) && head.inputs.length <= 2;
      if (fold || activation) {
        if (fold) src.bn = a;
        else src.act = l.op as 'relu' | 'relu6';
        src.layers.push(l.name);
        src.tail = l.name;
        groupOf.set(l.name, src);
        continue;
      }
    }
    const split = splits.get(l.name);
    if (split && split[0] !== a) {
      // A later slice of a SPLIT, written with the first one.
      groupOf.get(l.name)!.layers.push(l.name);
      continue;
    }
    const byChannel = split && [...split].sort((x, y) => (x.layer as SliceLayer).start - (y.layer as SliceLayer).start);
    const g: Group = { head: a, layers: [l.name], tail: l.name, ...(byChannel ? { split: byChannel } : {}) };
    for (const s of split ?? [a]) groupOf.set(s.layer.name, g);
    groups.push(g);
  }
  return groups;
}

/** Slice layer name -> all the slices of its input, where they cut every channel into k >= 2 equal parts. */
function splitSets(layers: readonly AnalyzedLayer[]): Map<string, AnalyzedLayer[]> {
  const byInput = new Map<string, AnalyzedLayer[]>();
  for (const a of layers) if (a.layer.op === 'slice') byInput.set(a.layer.inputs[0]!, [...(byInput.get(a.layer.inputs[0]!) ?? []), a]);
  const out = new Map<string, AnalyzedLayer[]>();
  for (const slices of byInput.values()) {
    const k = slices.length;
    const c = slices[0]!.inputShapes[0]![0]!;
    if (k < 2 || c % k !== 0) continue;
    const starts = new Set(slices.map((s) => (s.layer as SliceLayer).start));
    const even = slices.every((s) => {
      const { start, end } = s.layer as SliceLayer;
      return start % (c / k) === 0 && end - start === c / k;
    });
    if (even && starts.size === k) for (const s of slices) out.set(s.layer.name, slices);
  }
  return out;
}

/**
 * A BN (per-channel y = x * scale + shift) folded into the weights and bias of the layer
 * before it: each output channel's weights times its scale, bias * scale + shift. The output
 * channel is the outermost weight axis (OHWI, [O,I]) or, `channelsLast`, the innermost
 * (depthwise [1,K,K,C]).
 */
function foldBn(w: Float32Array, b: Float32Array, scale: Float32Array, shift: Float32Array, channelsLast: boolean): void {
  const c = scale.length;
  const per = w.length / c;
  for (let i = 0; i < w.length; i++) w[i]! *= scale[channelsLast ? i % c : Math.floor(i / per)]!;
  for (let o = 0; o < c; o++) b[o] = b[o]! * scale[o]! + shift[o]!;
}

function activationCode(g: Group): number {
  return g.act === 'relu' ? Activation.RELU : g.act === 'relu6' ? Activation.RELU6 : Activation.NONE;
}

/** The BN's scale and shift, drawn or given (`<bn>/scale`, `<bn>/shift`), as the MUL + ADD form uses them. */
function bnData(g: GraphWriter, name: string, c: number): { scale: Float32Array; shift: Float32Array } {
  const scale = g.floatData(`${name}/scale`, [c], (r) => 0.5 + r());
  const shift = g.floatData(`${name}/shift`, [c], (r) => (r() - 0.5) * 0.2);
  return { scale, shift };
}

/** Writes a group's operators; the last writes the tensor named after the group's last layer. */
function emitGroup(g: GraphWriter, grp: Group, batch: number): void {
  const a = grp.head;
  const l = a.layer;
  const x = a.inputShapes[0]!;
  const ins = l.inputs.map((n) => g.index(n));
  const outShape = nhwcShape(batch, a.outputShape);
  const out = (): number => g.activation(grp.tail, outShape);
  const act = activationCode(grp);
  /** Weights and bias, with the group's BN folded in when it has one. */
  const weightsAndBias = (shape: readonly number[], fanIn: number, cout: number, channelsLast: boolean): [number, number] => {
    const w = g.weightData(`${l.name}/weights`, shape, fanIn);
    const b = g.floatData(`${l.name}/bias`, [cout], () => 0);
    if (grp.bn) {
      const { scale, shift } = bnData(g, grp.bn.layer.name, cout);
      foldBn(w, b, scale, shift, channelsLast);
    }
    return [g.constant(`${l.name}/weights`, shape, w), g.constant(`${l.name}/bias`, [cout], b)];
  };
  const op = (type: BuiltinOpName, inputs: readonly number[], options?: OptionsSpec, version = 1): void =>
    g.op(type, grp.tail, inputs, [out()], options, grp.layers, version);
  /** A helper operator of layer `l`, writing `<l>/<suffix>`. */
  const helper = (type: BuiltinOpName, suffix: (typeof HELPER_SUFFIXES)[number], inputs: readonly number[], shape: readonly number[], options?: OptionsSpec): number => {
    const t = g.activation(`${l.name}/${suffix}`, shape);
    g.op(type, l.name, inputs, [t], options);
    return t;
  };
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
        const [w, b] = weightsAndBias([1, k, k, cin], k * k, cin, true);
        op('DEPTHWISE_CONV_2D', [input, w, b], depthwiseOptions(padding, stride, act));
        return;
      }
      // A grouped (not depthwise) conv is written as TFLite's grouped CONV_2D (filter
      // [O,KH,KW,I/groups]), which runtimes from TF 2.9 on execute; older ones refuse it.
      const groups = l.op === 'conv' ? l.groups : 1;
      const [w, b] = weightsAndBias([cout, k, k, cin / groups], (cin / groups) * k * k, cout, false);
      op('CONV_2D', [input, w, b], conv2dOptions(padding, stride, act));
      return;
    }
    case 'maxpool':
    case 'avgpool': {
      // An explicit PAD pads zeros; ONNX pads max pooling with -inf and leaves pads out of the
      // average. The values differ at the border, the work does not.
      const { input, padding } = windowInput(g, a as WindowLayer, batch, ins[0]!);
      op(l.op === 'maxpool' ? 'MAX_POOL_2D' : 'AVERAGE_POOL_2D', [input], pool2dOptions(padding, l.stride, l.kernel, act));
      return;
    }
    case 'gap': {
      const axes = g.ints(`${l.name}/axes`, [2], [1, 2]);
      op('MEAN', [ins[0]!, axes], reducerOptions(true));
      return;
    }
    case 'fc': {
      const fin = numel(x);
      let input = ins[0]!;
      if (x.length !== 1) {
        // FULLY_CONNECTED on a feature map: flatten first, in NHWC order (ONNX flattens CHW;
        // the weights are random, so only the order of a dot product changes).
        const shape = g.ints(`${l.name}/flatten/shape`, [2], [batch, fin]);
        input = helper('RESHAPE', 'flatten', [input, shape], [batch, fin], reshapeOptions([batch, fin]));
      }
      const [w, b] = weightsAndBias([l.out, fin], fin, l.out, false);
      op('FULLY_CONNECTED', [input, w, b], fullyConnectedOptions(act));
      return;
    }
    case 'bn': {
      // Inference BN is a per-channel affine map: MUL by scale, then ADD the shift. The
      // channel axis is the last one in NHWC (and of a vector), so [C] broadcasts.
      const c = x[0]!;
      const { scale, shift } = bnData(g, l.name, c);
      const s = g.constant(`${l.name}/scale`, [c], scale);
      const t = g.constant(`${l.name}/shift`, [c], shift);
      const mul = helper('MUL', 'mul', [ins[0]!, s], outShape, activationOptions(Options.MulOptions));
      op('ADD', [mul, t], activationOptions(Options.AddOptions));
      return;
    }
    case 'relu':
    case 'relu6':
      op(l.op === 'relu' ? 'RELU' : 'RELU6', [ins[0]!]);
      return;
    case 'sigmoid':
      op('LOGISTIC', [ins[0]!]);
      return;
    case 'hardswish':
      op('HARD_SWISH', [ins[0]!]);
      return;
    case 'swish': {
      // SiLU as the converter writes tf.nn.silu: LOGISTIC, then MUL by the input.
      const sig = helper('LOGISTIC', 'sigmoid', [ins[0]!], outShape);
      op('MUL', [ins[0]!, sig], activationOptions(Options.MulOptions));
      return;
    }
    case 'hardsigmoid': {
      // TFLite has no hard-sigmoid operator; Keras' relu6(x + 3) / 6 (MobileNetV3) converts
      // to ADD with RELU6 fused, then MUL by 1/6.
      const three = g.floats(`${l.name}/offset`, [1], () => 3);
      const sixth = g.floats(`${l.name}/scale`, [1], () => 1 / 6);
      const shifted = helper('ADD', 'add', [ins[0]!, three], outShape, activationOptions(Options.AddOptions, Activation.RELU6));
      op('MUL', [shifted, sixth], activationOptions(Options.MulOptions));
      return;
    }
    case 'mul':
      // A [C,1,1] second input is [N,1,1,C] here: MUL broadcasts it over H and W.
      op('MUL', ins, activationOptions(Options.MulOptions));
      return;
    case 'slice': {
      if (grp.split) {
        // One SPLIT along channels; its outputs are the slices in channel order.
        const axis = g.ints(`${l.name}/axis`, [], [3]);
        const outs = grp.split.map((s) => g.activation(s.layer.name, nhwcShape(batch, s.outputShape)));
        g.op('SPLIT', grp.split.at(-1)!.layer.name, [axis, ins[0]!], outs, splitOptions(outs.length), grp.layers);
        return;
      }
      // x[..., start:end] converts to STRIDED_SLICE (all masks 0, strides 1).
      const begin = g.ints(`${l.name}/begin`, [4], [0, 0, 0, l.start]);
      const end = g.ints(`${l.name}/end`, [4], [batch, x[1]!, x[2]!, l.end]);
      const strides = g.ints(`${l.name}/strides`, [4], [1, 1, 1, 1]);
      op('STRIDED_SLICE', [ins[0]!, begin, end, strides], stridedSliceOptions());
      return;
    }
    case 'shuffle': {
      // Channels seen as [groups, C/groups] and transposed. H and W are merged so the
      // TRANSPOSE stays 4-D, which every TFLite version (and XNNPACK) runs.
      const [c, h, w] = [x[0]!, x[1]!, x[2]!];
      const split = [batch, h * w, l.groups, c / l.groups];
      const swapped = [batch, h * w, c / l.groups, l.groups];
      const s1 = g.ints(`${l.name}/reshape/shape`, [4], split);
      const r1 = helper('RESHAPE', 'reshape', [ins[0]!, s1], split, reshapeOptions(split));
      const perm = g.ints(`${l.name}/perm`, [4], [0, 1, 3, 2]);
      const tr = helper('TRANSPOSE', 'transpose', [r1, perm], swapped, emptyOptions(Options.TransposeOptions));
      const s2 = g.ints(`${l.name}/shape`, [4], outShape);
      op('RESHAPE', [tr, s2], reshapeOptions(outShape));
      return;
    }
    case 'resize': {
      const size = g.ints(`${l.name}/size`, [2], [outShape[1]!, outShape[2]!]);
      // Nearest with an integer factor reads the same pixels with or without half-pixel
      // centers; bilinear uses them (PyTorch align_corners=False, TF2 resize), a version-3 option.
      if (l.mode === 'nearest') op('RESIZE_NEAREST_NEIGHBOR', [ins[0]!, size], emptyOptions(Options.ResizeNearestNeighborOptions));
      else op('RESIZE_BILINEAR', [ins[0]!, size], resizeBilinearOptions(), 3);
      return;
    }
    case 'add':
      if (ins.length === 2) op('ADD', ins, activationOptions(Options.AddOptions, act));
      else op('ADD_N', ins);
      return;
    case 'concat':
      op('CONCATENATION', ins, concatOptions(outShape.length - 1));
      return;
    case 'flatten': {
      const shape = g.ints(`${l.name}/shape`, [2], outShape);
      op('RESHAPE', [ins[0]!, shape], reshapeOptions(outShape));
      return;
    }
    case 'softmax':
      // Over the last axis: the classes of a vector, the channels of a feature map (as ONNX
      // Softmax axis=1 on NCHW in opset 13).
      op('SOFTMAX', [ins[0]!], softmaxOptions());
      return;
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
  // One code per (operator, version).
  const codeKey = (o: OpSpec): string => `${o.op}/${o.version}`;
  const codes = [...new Map(g.ops.map((o) => [codeKey(o), o])).values()];
  const codeTables = codes.map((o) => {
    b.startObject(4);
    b.addFieldInt8(0, Math.min(BuiltinOp[o.op], 127), 0);
    b.addFieldInt32(2, o.version, 1);
    b.addFieldInt32(3, BuiltinOp[o.op], 0);
    return b.endObject();
  });
  const codeIndex = new Map(codes.map((o, i) => [codeKey(o), i]));

  // Operator: opcode_index:0 inputs:1 outputs:2 builtin_options_type:3 builtin_options:4
  const opTables = g.ops.map((o) => {
    const optOff = o.options ? o.options.write(b) : 0;
    const insOff = int32Vector(b, o.inputs);
    const outsOff = int32Vector(b, o.outputs);
    b.startObject(5);
    b.addFieldInt32(0, codeIndex.get(codeKey(o))!, 0);
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
 * its statistics); the rest are drawn at random. A BN folded into the layer before it
 * (`fuse`, the default) takes its scale and shift from the same names and leaves no
 * tensors of its own.
 */
export function buildTflite(network: Network, opts: TfliteBuildOptions = {}): TfliteArtifact {
  const analysis = analyzeNetwork(network);
  const g = new GraphWriter(opts.seed ?? 1, opts.values);
  const batch = network.batch;
  const graphInputs = new Map<string, readonly number[]>();
  const known = new Set<string>();
  for (const grp of planGroups(analysis.layers, opts.fuse ?? true)) {
    const a = grp.head;
    a.layer.inputs.forEach((n, i) => {
      if (!known.has(n) && !graphInputs.has(n)) {
        const shape = nhwcShape(batch, a.inputShapes[i]!);
        graphInputs.set(n, shape);
        g.activation(n, shape);
      }
    });
    emitGroup(g, grp, batch);
    for (const l of grp.layers) known.add(l);
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
  const name = (i: number): string => g.tensors[i]!.name;
  return {
    bytes,
    inputs: [...graphInputs].map(([n, shape]) => ({ name: n, shape })),
    outputs,
    opLayers: g.ops.map((o) => o.layer),
    opKernelLayers: g.ops.map((o) => o.kernel),
    opOutputs: g.ops.map((o) => name(o.outputs.at(-1)!)),
    opAllOutputs: g.ops.map((o) => o.outputs.map(name)),
    opInputs: g.ops.map((o) => o.inputs.filter(isActivation).map(name)),
    opTypes: g.ops.map((o) => o.op),
  };
}
