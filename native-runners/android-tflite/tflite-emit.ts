/**
 * How each group of IR layers (tflite-fusion.ts) becomes TFLite operators in NHWC: an IR
 * feature map [C,H,W] is the tensor [N,H,W,C], a vector [F] is [N,F]. `emitGroup` writes a
 * group's operators into a GraphWriter; the last one writes the tensor named exactly after
 * the group's last IR layer (benchmark_model names its profile rows after output tensors),
 * and a helper operator before it (a PAD, BN's MUL, an fc's flattening RESHAPE, ...) writes
 * `<layer>/<suffix>` (HELPER_SUFFIXES). Also here: the IR-to-TFLite window padding, and a
 * BN folded into the weights of the layer before it.
 */
import { convAxis, type AnalyzedLayer } from '../../app/workloads/analyze.js';
import type {
  ActivationLayer,
  ConvLayer,
  DepthwiseConvLayer,
  FullyConnectedLayer,
  Padding,
  PointwiseConvLayer,
  PoolLayer,
  ResizeLayer,
  Shape,
  ShuffleLayer,
  SliceLayer,
} from '../../app/workloads/ir.js';
import { numel, type GraphWriter } from './tflite-graph.js';
import type { Group } from './tflite-fusion.js';
import {
  Activation,
  activationOptions,
  concatOptions,
  conv2dOptions,
  depthwiseOptions,
  emptyOptions,
  fullyConnectedOptions,
  Options,
  PaddingCode,
  pool2dOptions,
  reducerOptions,
  reshapeOptions,
  resizeBilinearOptions,
  softmaxOptions,
  splitOptions,
  stridedSliceOptions,
  type BuiltinOpName,
  type OptionsSpec,
} from './tflite-schema.js';

/** Suffixes of helper operators' output tensors: `<layer>/pad` and so on. */
export const HELPER_SUFFIXES = ['pad', 'mul', 'flatten', 'sigmoid', 'add', 'reshape', 'transpose'] as const;

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

/** What the emitters of one group share. */
interface GroupEmit {
  readonly g: GraphWriter;
  readonly grp: Group;
  readonly batch: number;
  /** The head layer's first input shape (IR, per sample) and its output, NHWC. */
  readonly x: Shape;
  readonly outShape: number[];
  /** The head layer's input tensors. */
  readonly ins: number[];
  /** The group's fused activation code. */
  readonly act: number;
  /** Appends the group's last operator; its output is the tensor named after the group's tail. */
  readonly op: (type: BuiltinOpName, inputs: readonly number[], options?: OptionsSpec, version?: number) => void;
  /** Appends a helper operator of the head layer `l`, writing `<l>/<suffix>`. */
  readonly helper: (type: BuiltinOpName, suffix: (typeof HELPER_SUFFIXES)[number], inputs: readonly number[], shape: readonly number[], options?: OptionsSpec) => number;
}

function groupEmit(g: GraphWriter, grp: Group, batch: number): GroupEmit {
  const a = grp.head;
  const l = a.layer;
  const outShape = nhwcShape(batch, a.outputShape);
  const out = (): number => g.activation(grp.tail, outShape);
  return {
    g,
    grp,
    batch,
    x: a.inputShapes[0]!,
    outShape,
    ins: l.inputs.map((n) => g.index(n)),
    act: activationCode(grp),
    op: (type, inputs, options, version = 1) => g.op(type, grp.tail, inputs, [out()], options, grp.layers, version),
    helper: (type, suffix, inputs, shape, options) => {
      const t = g.activation(`${l.name}/${suffix}`, shape);
      g.op(type, l.name, inputs, [t], options);
      return t;
    },
  };
}

/** Weights and bias of the head layer, with the group's BN folded in when it has one. */
function weightsAndBias(e: GroupEmit, shape: readonly number[], fanIn: number, cout: number, channelsLast: boolean): [number, number] {
  const { g, grp } = e;
  const name = grp.head.layer.name;
  const w = g.weightData(`${name}/weights`, shape, fanIn);
  const b = g.floatData(`${name}/bias`, [cout], () => 0);
  if (grp.bn) {
    const { scale, shift } = bnData(g, grp.bn.layer.name, cout);
    foldBn(w, b, scale, shift, channelsLast);
  }
  return [g.constant(`${name}/weights`, shape, w), g.constant(`${name}/bias`, [cout], b)];
}

function emitConv(e: GroupEmit, l: ConvLayer | DepthwiseConvLayer | PointwiseConvLayer): void {
  const cin = e.x[0]!;
  const cout = e.grp.head.outputShape[0]!;
  const depthwise = l.op === 'dwconv' || (l.op === 'conv' && l.groups > 1 && l.groups === cin && cout === cin);
  const k = l.op === 'pwconv' ? 1 : l.kernel;
  const stride = l.op === 'pwconv' ? 1 : l.stride;
  const { input, padding } =
    l.op === 'pwconv' ? { input: e.ins[0]!, padding: PaddingCode.VALID } : windowInput(e.g, e.grp.head as WindowLayer, e.batch, e.ins[0]!);
  if (depthwise) {
    const [w, b] = weightsAndBias(e, [1, k, k, cin], k * k, cin, true);
    e.op('DEPTHWISE_CONV_2D', [input, w, b], depthwiseOptions(padding, stride, e.act));
    return;
  }
  // A grouped (not depthwise) conv is written as TFLite's grouped CONV_2D (filter
  // [O,KH,KW,I/groups]), which runtimes from TF 2.9 on execute; older ones refuse it.
  const groups = l.op === 'conv' ? l.groups : 1;
  const [w, b] = weightsAndBias(e, [cout, k, k, cin / groups], (cin / groups) * k * k, cout, false);
  e.op('CONV_2D', [input, w, b], conv2dOptions(padding, stride, e.act));
}

function emitPool(e: GroupEmit, l: PoolLayer): void {
  // An explicit PAD pads zeros; ONNX pads max pooling with -inf and leaves pads out of the
  // average. The values differ at the border, the work does not.
  const { input, padding } = windowInput(e.g, e.grp.head as WindowLayer, e.batch, e.ins[0]!);
  e.op(l.op === 'maxpool' ? 'MAX_POOL_2D' : 'AVERAGE_POOL_2D', [input], pool2dOptions(padding, l.stride, l.kernel, e.act));
}

function emitFc(e: GroupEmit, l: FullyConnectedLayer): void {
  const { x, batch } = e;
  const fin = numel(x);
  let input = e.ins[0]!;
  if (x.length !== 1) {
    // FULLY_CONNECTED on a feature map: flatten first, in NHWC order (ONNX flattens CHW;
    // the weights are random, so only the order of a dot product changes).
    const shape = e.g.ints(`${l.name}/flatten/shape`, [2], [batch, fin]);
    input = e.helper('RESHAPE', 'flatten', [input, shape], [batch, fin], reshapeOptions([batch, fin]));
  }
  const [w, b] = weightsAndBias(e, [l.out, fin], fin, l.out, false);
  e.op('FULLY_CONNECTED', [input, w, b], fullyConnectedOptions(e.act));
}

function emitBn(e: GroupEmit, name: string): void {
  // Inference BN is a per-channel affine map: MUL by scale, then ADD the shift. The
  // channel axis is the last one in NHWC (and of a vector), so [C] broadcasts.
  const c = e.x[0]!;
  const { scale, shift } = bnData(e.g, name, c);
  const s = e.g.constant(`${name}/scale`, [c], scale);
  const t = e.g.constant(`${name}/shift`, [c], shift);
  const mul = e.helper('MUL', 'mul', [e.ins[0]!, s], e.outShape, activationOptions(Options.MulOptions));
  e.op('ADD', [mul, t], activationOptions(Options.AddOptions));
}

function emitActivation(e: GroupEmit, l: ActivationLayer): void {
  const x = e.ins[0]!;
  switch (l.op) {
    case 'sigmoid':
      e.op('LOGISTIC', [x]);
      return;
    case 'hardswish':
      e.op('HARD_SWISH', [x]);
      return;
    case 'swish': {
      // SiLU as the converter writes tf.nn.silu: LOGISTIC, then MUL by the input.
      const sig = e.helper('LOGISTIC', 'sigmoid', [x], e.outShape);
      e.op('MUL', [x, sig], activationOptions(Options.MulOptions));
      return;
    }
    case 'hardsigmoid': {
      // TFLite has no hard-sigmoid operator; Keras' relu6(x + 3) / 6 (MobileNetV3) converts
      // to ADD with RELU6 fused, then MUL by 1/6.
      const three = e.g.floats(`${l.name}/offset`, [1], () => 3);
      const sixth = e.g.floats(`${l.name}/scale`, [1], () => 1 / 6);
      const shifted = e.helper('ADD', 'add', [x, three], e.outShape, activationOptions(Options.AddOptions, Activation.RELU6));
      e.op('MUL', [shifted, sixth], activationOptions(Options.MulOptions));
      return;
    }
  }
}

function emitSlice(e: GroupEmit, l: SliceLayer): void {
  const { g, grp, batch, x } = e;
  if (grp.split) {
    // One SPLIT along channels; its outputs are the slices in channel order.
    const axis = g.ints(`${l.name}/axis`, [], [3]);
    const outs = grp.split.map((s) => g.activation(s.layer.name, nhwcShape(batch, s.outputShape)));
    g.op('SPLIT', grp.split.at(-1)!.layer.name, [axis, e.ins[0]!], outs, splitOptions(outs.length), grp.layers);
    return;
  }
  // x[..., start:end] converts to STRIDED_SLICE (all masks 0, strides 1).
  const begin = g.ints(`${l.name}/begin`, [4], [0, 0, 0, l.start]);
  const end = g.ints(`${l.name}/end`, [4], [batch, x[1]!, x[2]!, l.end]);
  const strides = g.ints(`${l.name}/strides`, [4], [1, 1, 1, 1]);
  e.op('STRIDED_SLICE', [e.ins[0]!, begin, end, strides], stridedSliceOptions());
}

function emitShuffle(e: GroupEmit, l: ShuffleLayer): void {
  // Channels seen as [groups, C/groups] and transposed. H and W are merged so the
  // TRANSPOSE stays 4-D, which every TFLite version (and XNNPACK) runs.
  const { g, batch, x, outShape } = e;
  const [c, h, w] = [x[0]!, x[1]!, x[2]!];
  const split = [batch, h * w, l.groups, c / l.groups];
  const swapped = [batch, h * w, c / l.groups, l.groups];
  const s1 = g.ints(`${l.name}/reshape/shape`, [4], split);
  const r1 = e.helper('RESHAPE', 'reshape', [e.ins[0]!, s1], split, reshapeOptions(split));
  const perm = g.ints(`${l.name}/perm`, [4], [0, 1, 3, 2]);
  const tr = e.helper('TRANSPOSE', 'transpose', [r1, perm], swapped, emptyOptions(Options.TransposeOptions));
  const s2 = g.ints(`${l.name}/shape`, [4], outShape);
  e.op('RESHAPE', [tr, s2], reshapeOptions(outShape));
}

function emitResize(e: GroupEmit, l: ResizeLayer): void {
  const size = e.g.ints(`${l.name}/size`, [2], [e.outShape[1]!, e.outShape[2]!]);
  // Nearest with an integer factor reads the same pixels with or without half-pixel
  // centers; bilinear uses them (PyTorch align_corners=False, TF2 resize), a version-3 option.
  if (l.mode === 'nearest') e.op('RESIZE_NEAREST_NEIGHBOR', [e.ins[0]!, size], emptyOptions(Options.ResizeNearestNeighborOptions));
  else e.op('RESIZE_BILINEAR', [e.ins[0]!, size], resizeBilinearOptions(), 3);
}

/** Writes a group's operators; the last writes the tensor named after the group's last layer. */
export function emitGroup(g: GraphWriter, grp: Group, batch: number): void {
  const e = groupEmit(g, grp, batch);
  const l = grp.head.layer;
  const { ins, outShape } = e;
  switch (l.op) {
    case 'conv':
    case 'dwconv':
    case 'pwconv':
      return emitConv(e, l);
    case 'maxpool':
    case 'avgpool':
      return emitPool(e, l);
    case 'gap': {
      const axes = g.ints(`${l.name}/axes`, [2], [1, 2]);
      e.op('MEAN', [ins[0]!, axes], reducerOptions(true));
      return;
    }
    case 'fc':
      return emitFc(e, l);
    case 'bn':
      return emitBn(e, l.name);
    case 'relu':
    case 'relu6':
      e.op(l.op === 'relu' ? 'RELU' : 'RELU6', [ins[0]!]);
      return;
    case 'sigmoid':
    case 'hardswish':
    case 'swish':
    case 'hardsigmoid':
      return emitActivation(e, l);
    case 'mul':
      // A [C,1,1] second input is [N,1,1,C] here: MUL broadcasts it over H and W.
      e.op('MUL', ins, activationOptions(Options.MulOptions));
      return;
    case 'slice':
      return emitSlice(e, l);
    case 'shuffle':
      return emitShuffle(e, l);
    case 'resize':
      return emitResize(e, l);
    case 'add':
      if (ins.length === 2) e.op('ADD', ins, activationOptions(Options.AddOptions, e.act));
      else e.op('ADD_N', ins);
      return;
    case 'concat':
      e.op('CONCATENATION', ins, concatOptions(outShape.length - 1));
      return;
    case 'flatten': {
      const shape = g.ints(`${l.name}/shape`, [2], outShape);
      e.op('RESHAPE', [ins[0]!, shape], reshapeOptions(outShape));
      return;
    }
    case 'softmax':
      // Over the last axis: the classes of a vector, the channels of a feature map (as ONNX
      // Softmax axis=1 on NCHW in opset 13).
      e.op('SOFTMAX', [ins[0]!], softmaxOptions());
      return;
  }
}
