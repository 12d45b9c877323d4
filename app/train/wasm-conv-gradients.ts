/**
 * The convolution gradients of tfjs's wasm backend rewritten as calls to its own fast
 * (XNNPACK) kernels: Conv2DBackpropFilter (a pointwise matrix product, a stride-1 filter
 * gradient as one forward convolution, or im2col by a one-hot depthwise conv), and the
 * input gradients of plain and depthwise convolutions (a convolution of the zero-dilated dy
 * with the flipped filter). A gradient of a convolution is itself a convolution (or a matrix
 * product) over transposed, zero-dilated or flipped operands; the helpers here build those
 * operands. The depthwise filter gradient is wasm-depthwise-filter-gradient.ts.
 */
import { backend_util, type NamedAttrMap, type NamedTensorInfoMap, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { KernelScope } from './wasm-kernel-scope.js';

export type Pad = 'same' | 'valid' | number | backend_util.ExplicitPadding;
export type RoundingMode = 'floor' | 'round' | 'ceil' | undefined;
type Pair = [number, number];

function pair(v: number | number[] | undefined): Pair {
  if (v === undefined) return [1, 1];
  if (typeof v === 'number') return [v, v];
  return [v[0] ?? 1, v[1] ?? v[0] ?? 1];
}

export function assertNoDilation(kernel: string, dilations: number | number[] | undefined): void {
  const [dh, dw] = pair(dilations);
  if (dh !== 1 || dw !== 1) throw new Error(`${kernel} on wasm: dilations other than 1 are not supported (got ${dh},${dw})`);
}

/**
 * dy [N,Ho,Wo,C] with (s-1) zeros inserted between rows and columns: [N, Ho*sh, Wo*sw, C]
 * (trailing zeros included). A strided convolution's input gradient is a stride-1
 * convolution over this.
 */
function dilate(s: KernelScope, dy: TensorInfo, sh: number, sw: number): TensorInfo {
  if (sh === 1 && sw === 1) return dy;
  const [n, ho, wo, c] = dy.shape as [number, number, number, number];
  const r = s.reshape(dy, [n, ho, 1, wo, 1, c]);
  const p = s.run('PadV2', { x: r }, { paddings: [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]], constantValue: 0 });
  return s.reshape(p, [n, ho * sh, wo * sw, c]);
}

/**
 * Pads (top, bottom) that make a stride-1 correlation of a length-`len` input with a `k` tap
 * filter produce `want` outputs, starting `lead` elements before the input. A negative bottom
 * pad means trailing input rows are not needed: the caller crops them.
 */
function padsFor(len: number, k: number, dilation: number, lead: number, want: number): Pair {
  const bottom = want + (k - 1) * dilation - len - lead;
  return [lead, bottom];
}

/** Crops trailing rows/columns of an NHWC tensor where a bottom/right pad came out negative. */
function cropNegative(s: KernelScope, x: TensorInfo, ph: Pair, pw: Pair): { x: TensorInfo; ph: Pair; pw: Pair } {
  if (ph[0] < 0 || pw[0] < 0) throw new Error('wasm gradient: negative leading padding is not supported');
  if (ph[1] >= 0 && pw[1] >= 0) return { x, ph, pw };
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const hh = h + Math.min(0, ph[1]);
  const ww = w + Math.min(0, pw[1]);
  return { x: s.slice(x, [0, 0, 0, 0], [n, hh, ww, c]), ph: [ph[0], Math.max(0, ph[1])], pw: [pw[0], Math.max(0, pw[1])] };
}

function explicit(ph: Pair, pw: Pair): backend_util.ExplicitPadding {
  return [[0, 0], ph, pw, [0, 0]];
}

/** The input pixels tap (i, j) of a strided convolution reads: [N, ho, wo, C]. */
function stridedWindow(s: KernelScope, x: TensorInfo, i: number, j: number, ho: number, wo: number, sh: number, sw: number): TensorInfo {
  const [n, , , c] = x.shape as [number, number, number, number];
  if (sh === 1 && sw === 1) return s.slice(x, [0, i, j, 0], [n, ho, wo, c]);
  // wasm's StridedSlice is a slow generic loop; a 1x1 max pool with the stride subsamples fast.
  const win = s.slice(x, [0, i, j, 0], [n, (ho - 1) * sh + 1, (wo - 1) * sw + 1, c]);
  return s.run('MaxPool', { x: win }, { filterSize: [1, 1], strides: [sh, sw], pad: 'valid', dimRoundingMode: undefined } as unknown as NamedAttrMap);
}

export interface ConvGradAttrs {
  strides: number | number[];
  pad: Pad;
  dimRoundingMode?: RoundingMode;
}

export function convInfo(xShape: number[], filterShape: number[], attrs: ConvGradAttrs, depthwise: boolean): backend_util.Conv2DInfo {
  return backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides as [number, number],
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    depthwise,
    'channelsLast',
  );
}

/**
 * A stride-1 filter gradient as one forward convolution with the batch as its channels:
 * dW^T [ci, kh, kw, co] = conv(x^T [ci, h, w, n] padded as the forward pass was, dy^T [ho, wo, n, co]).
 * Only x and dy are transposed (the im2col route expands x kh*kw-fold, then transposes that),
 * and XNNPACK's convolution does the rest.
 */
function filterGradAsConv(s: KernelScope, x: TensorInfo, dy: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  const { filterHeight: kh, filterWidth: kw, inChannels: ci, outChannels: co, outHeight: ho, outWidth: wo } = info;
  const [, h, w] = x.shape as [number, number, number, number];
  const xt = s.transpose(x, [3, 1, 2, 0]);
  const f = s.transpose(dy, [1, 2, 0, 3]);
  const c = cropNegative(s, xt, padsFor(h, ho, 1, info.padInfo.top, kh), padsFor(w, wo, 1, info.padInfo.left, kw));
  const out = s.run('Conv2D', { x: c.x, filter: f }, { strides: [1, 1], pad: explicit(c.ph, c.pw), dilations: [1, 1], dataFormat: 'NHWC' });
  return ci === 1 ? s.reshape(out, [kh, kw, 1, co]) : s.transpose(out, [1, 2, 0, 3]);
}

/** dW[kh,kw,ci,co] = sum over n,oh,ow of x[n, oh*s+kh-pt, ow*s+kw-pl, ci] * dy[n,oh,ow,co]. */
export function conv2DBackpropFilter(args: { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }): TensorInfo {
  const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
  const attrs = args.attrs as unknown as ConvGradAttrs & { filterShape: number[]; dataFormat?: string };
  if (attrs.dataFormat && attrs.dataFormat !== 'NHWC') throw new Error('Conv2DBackpropFilter on wasm supports NHWC only');
  return KernelScope.use(args.backend as BackendWasm, (s) => {
    const info = convInfo(x.shape, attrs.filterShape, attrs, false);
    const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, inChannels: ci, outChannels: co, outHeight: ho, outWidth: wo } = info;
    const [n, h, w] = x.shape as [number, number, number, number];
    const m = n * ho * wo;
    const dy2 = s.reshape(dy, [m, co]);
    if (kh === 1 && kw === 1 && info.padInfo.top === 0 && info.padInfo.left === 0) {
      // Pointwise: one matrix product over the (subsampled) pixels.
      const xs = sh === 1 && sw === 1 && ho === h && wo === w ? x : stridedWindow(s, x, 0, 0, ho, wo, sh, sw);
      return s.reshape(s.matTN(s.reshape(xs, [m, ci]), dy2), [1, 1, ci, co]);
    }
    if (sh === 1 && sw === 1) return filterGradAsConv(s, x, dy, info);
    // im2col by the convolution itself: a depthwise conv with one-hot filters copies tap t of
    // channel c to output channel c*kk+t, with the forward pass's own stride and padding
    // (wasm's Slice/StridedSlice per tap are slow generic loops).
    const kk = kh * kw;
    const oneHot = new Float32Array(kk * ci * kk);
    for (let t = 0; t < kk; t++) for (let c = 0; c < ci; c++) oneHot[(t * ci + c) * kk + t] = 1;
    const f = s.constant([kh, kw, ci, kk], oneHot);
    const cols = s.run('DepthwiseConv2dNative', { x, filter: f }, { strides: [sh, sw], pad: attrs.pad, dilations: [1, 1], dataFormat: 'NHWC', dimRoundingMode: attrs.dimRoundingMode } as unknown as NamedAttrMap);
    const dW = s.matTN(s.reshape(cols, [m, ci * kk]), dy2); // [ci*kk, co], rows ordered (c, tap)
    const out = ci === 1 ? s.reshape(dW, [kh, kw, 1, co]) : s.transpose(s.reshape(dW, [ci, kh, kw, co]), [1, 2, 0, 3]);
    return s.reshape(out, [kh, kw, ci, co]);
  });
}

/** dx = dy (zero-dilated by the stride) correlated with the flipped, transposed filter. */
export function conv2DBackpropInput(args: { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }): TensorInfo {
  const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
  const attrs = args.attrs as unknown as ConvGradAttrs & { inputShape: number[]; dataFormat?: string };
  if (attrs.dataFormat && attrs.dataFormat !== 'NHWC') throw new Error('Conv2DBackpropInput on wasm supports NHWC only');
  return KernelScope.use(args.backend as BackendWasm, (s) => {
    const info = convInfo(attrs.inputShape, filter.shape, attrs, false);
    const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, inChannels: ci, outChannels: co } = info;
    const [, h, w] = attrs.inputShape as [number, number, number, number];
    if (kh === 1 && kw === 1 && sh === 1 && sw === 1 && info.padInfo.top === 0 && info.padInfo.left === 0) {
      // Pointwise: a 1x1 convolution with the transposed filter (XNNPACK's GEMM).
      const f = s.reshape(s.transpose(s.reshape(filter, [ci, co]), [1, 0]), [1, 1, co, ci]);
      return s.run('Conv2D', { x: dy, filter: f }, { strides: [1, 1], pad: 'valid', dilations: [1, 1], dataFormat: 'NHWC' });
    }
    const d = dilate(s, dy, sh, sw);
    const flipped = s.run('Reverse', { x: filter }, { dims: [0, 1] });
    const f = s.transpose(flipped, [0, 1, 3, 2]); // [kh, kw, co, ci]
    const c = cropNegative(s, d, padsFor(d.shape[1] ?? 0, kh, 1, kh - 1 - info.padInfo.top, h), padsFor(d.shape[2] ?? 0, kw, 1, kw - 1 - info.padInfo.left, w));
    const out = s.run('Conv2D', { x: c.x, filter: f }, { strides: [1, 1], pad: explicit(c.ph, c.pw), dilations: [1, 1], dataFormat: 'NHWC' });
    return out;
  });
}

export interface DepthwiseGradAttrs extends ConvGradAttrs {
  dilations?: number | number[];
}

/** dx[n,h,w,c] = sum over taps and multipliers q of dilated dy[.., c*m+q] * flipped W[.., c, q]. */
export function depthwiseBackpropInput(args: { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }): TensorInfo {
  const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
  const attrs = args.attrs as unknown as DepthwiseGradAttrs & { inputShape: number[] };
  assertNoDilation('DepthwiseConv2dNativeBackpropInput', attrs.dilations);
  return KernelScope.use(args.backend as BackendWasm, (s) => {
    const info = convInfo(attrs.inputShape, filter.shape, attrs, true);
    const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, inChannels: c } = info;
    const m = filter.shape[3] ?? 1;
    const [n, h, w] = attrs.inputShape as [number, number, number, number];
    const d = dilate(s, dy, sh, sw);
    const flipped = s.run('Reverse', { x: filter }, { dims: [0, 1] });
    const f = s.reshape(flipped, [kh, kw, c * m, 1]);
    const cr = cropNegative(s, d, padsFor(d.shape[1] ?? 0, kh, 1, kh - 1 - info.padInfo.top, h), padsFor(d.shape[2] ?? 0, kw, 1, kw - 1 - info.padInfo.left, w));
    const out = s.run('DepthwiseConv2dNative', { x: cr.x, filter: f }, { strides: [1, 1], pad: explicit(cr.ph, cr.pw), dilations: [1, 1], dataFormat: 'NHWC' });
    if (m === 1) return out;
    const grouped = s.reshape(out, [n, h, w, c, m]);
    return s.run('Sum', { x: grouped }, { axis: [4], keepDims: false });
  });
}

