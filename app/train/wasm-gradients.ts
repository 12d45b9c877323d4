/**
 * Convolution gradient kernels for tfjs 4.22's wasm backend, which registers no
 * Conv2DBackpropFilter or depthwise backprop kernels and whose Conv2DBackpropInput is a naive
 * loop. Each one is rewritten as calls to the backend's own fast (XNNPACK) kernels: a gradient
 * of a convolution is itself a convolution (or a matrix product) over transposed, zero-dilated
 * or flipped operands. Checked against the cpu backend in wasm-gradients.test.ts.
 */
import { backend_util, getKernel, registerKernel, unregisterKernel, type KernelConfig, type NamedAttrMap, type NamedTensorInfoMap, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

type Pad = 'same' | 'valid' | number | backend_util.ExplicitPadding;
type RoundingMode = 'floor' | 'round' | 'ceil' | undefined;
type Pair = [number, number];

/** Runs wasm kernels and frees every intermediate it made, except the one handed back. */
class KernelScope {
  private readonly temps: TensorInfo[] = [];
  constructor(private readonly backend: BackendWasm) {}

  run(name: string, inputs: NamedTensorInfoMap, attrs: NamedAttrMap = {}): TensorInfo {
    const kernel = getKernel(name, 'wasm');
    if (!kernel) throw new Error(`wasm kernel ${name} is not registered`);
    const out = kernel.kernelFunc({ inputs, attrs, backend: this.backend });
    const info = Array.isArray(out) ? out[0] : out;
    if (!info) throw new Error(`wasm kernel ${name} returned nothing`);
    this.temps.push(info);
    return info;
  }

  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }

  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    return this.run('Transpose', { x }, { perm });
  }

  slice(x: TensorInfo, begin: number[], size: number[]): TensorInfo {
    return this.run('Slice', { x }, { begin, size });
  }

  /** Hands `out` to the caller and frees everything else. */
  finish(out: TensorInfo): TensorInfo {
    for (const t of this.temps) if (t !== out) this.backend.disposeData(t.dataId);
    this.temps.length = 0;
    return out;
  }

  abort(): void {
    for (const t of this.temps) this.backend.disposeData(t.dataId);
    this.temps.length = 0;
  }
}

function pair(v: number | number[] | undefined): Pair {
  if (v === undefined) return [1, 1];
  if (typeof v === 'number') return [v, v];
  return [v[0] ?? 1, v[1] ?? v[0] ?? 1];
}

function assertNoDilation(kernel: string, dilations: number | number[] | undefined): void {
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

interface ConvGradAttrs {
  strides: number | number[];
  pad: Pad;
  dimRoundingMode?: RoundingMode;
}

function convInfo(xShape: number[], filterShape: number[], attrs: ConvGradAttrs, depthwise: boolean): backend_util.Conv2DInfo {
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

/** dW[kh,kw,ci,co] = sum over n,oh,ow of x[n, oh*s+kh-pt, ow*s+kw-pl, ci] * dy[n,oh,ow,co]. */
function conv2DBackpropFilter(args: { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }): TensorInfo {
  const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
  const attrs = args.attrs as unknown as ConvGradAttrs & { filterShape: number[]; dataFormat?: string };
  if (attrs.dataFormat && attrs.dataFormat !== 'NHWC') throw new Error('Conv2DBackpropFilter on wasm supports NHWC only');
  const s = new KernelScope(args.backend as BackendWasm);
  try {
    const info = convInfo(x.shape, attrs.filterShape, attrs, false);
    const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, inChannels: ci, outChannels: co, outHeight: ho, outWidth: wo } = info;
    const [n, h, w] = x.shape as [number, number, number, number];
    if (kh === 1 && kw === 1 && info.padInfo.top === 0 && info.padInfo.left === 0) {
      // Pointwise: a plain matrix product over the (subsampled) pixels.
      const xs = sh === 1 && sw === 1 && ho === h && wo === w ? x : s.run('StridedSlice', { x }, { begin: [0, 0, 0, 0], end: [n, (ho - 1) * sh + 1, (wo - 1) * sw + 1, ci], strides: [1, sh, sw, 1], beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0 });
      const a = s.reshape(xs, [1, n * ho * wo, ci]);
      const b = s.reshape(dy, [1, n * ho * wo, co]);
      const m = s.run('BatchMatMul', { a, b }, { transposeA: true, transposeB: false });
      return s.finish(s.reshape(m, [1, 1, ci, co]));
    }
    // A stride-1 convolution with batch ci, channels n, filter dy dilated by the stride.
    const xt = s.transpose(x, [3, 1, 2, 0]); // [ci, h, w, n]
    const f = s.transpose(dy, [1, 2, 0, 3]); // [ho, wo, n, co]
    const c = cropNegative(s, xt, padsFor(h, ho, sh, info.padInfo.top, kh), padsFor(w, wo, sw, info.padInfo.left, kw));
    const out = s.run('Conv2D', { x: c.x, filter: f }, { strides: [1, 1], pad: explicit(c.ph, c.pw), dilations: [sh, sw], dataFormat: 'NHWC' });
    return s.finish(s.transpose(out, [1, 2, 0, 3])); // [ci,kh,kw,co] -> [kh,kw,ci,co]
  } catch (e) {
    s.abort();
    throw e;
  }
}

/** dx = dy (zero-dilated by the stride) correlated with the flipped, transposed filter. */
function conv2DBackpropInput(args: { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }): TensorInfo {
  const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
  const attrs = args.attrs as unknown as ConvGradAttrs & { inputShape: number[]; dataFormat?: string };
  if (attrs.dataFormat && attrs.dataFormat !== 'NHWC') throw new Error('Conv2DBackpropInput on wasm supports NHWC only');
  const s = new KernelScope(args.backend as BackendWasm);
  try {
    const info = convInfo(attrs.inputShape, filter.shape, attrs, false);
    const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, inChannels: ci, outChannels: co } = info;
    const [n, h, w] = attrs.inputShape as [number, number, number, number];
    if (kh === 1 && kw === 1 && sh === 1 && sw === 1 && info.padInfo.top === 0 && info.padInfo.left === 0) {
      const a = s.reshape(dy, [1, n * h * w, co]);
      const b = s.reshape(filter, [1, ci, co]);
      const m = s.run('BatchMatMul', { a, b }, { transposeA: false, transposeB: true });
      return s.finish(s.reshape(m, [n, h, w, ci]));
    }
    const d = dilate(s, dy, sh, sw);
    const flipped = s.run('Reverse', { x: filter }, { dims: [0, 1] });
    const f = s.transpose(flipped, [0, 1, 3, 2]); // [kh, kw, co, ci]
    const c = cropNegative(s, d, padsFor(d.shape[1] ?? 0, kh, 1, kh - 1 - info.padInfo.top, h), padsFor(d.shape[2] ?? 0, kw, 1, kw - 1 - info.padInfo.left, w));
    const out = s.run('Conv2D', { x: c.x, filter: f }, { strides: [1, 1], pad: explicit(c.ph, c.pw), dilations: [1, 1], dataFormat: 'NHWC' });
    return s.finish(out);
  } catch (e) {
    s.abort();
    throw e;
  }
}

interface DepthwiseGradAttrs extends ConvGradAttrs {
  dilations?: number | number[];
}

/** dx[n,h,w,c] = sum over taps and multipliers q of dilated dy[.., c*m+q] * flipped W[.., c, q]. */
function depthwiseBackpropInput(args: { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }): TensorInfo {
  const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
  const attrs = args.attrs as unknown as DepthwiseGradAttrs & { inputShape: number[] };
  assertNoDilation('DepthwiseConv2dNativeBackpropInput', attrs.dilations);
  const s = new KernelScope(args.backend as BackendWasm);
  try {
    const info = convInfo(attrs.inputShape, filter.shape, attrs, true);
    const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, inChannels: c } = info;
    const m = filter.shape[3] ?? 1;
    const [n, h, w] = attrs.inputShape as [number, number, number, number];
    const d = dilate(s, dy, sh, sw);
    const flipped = s.run('Reverse', { x: filter }, { dims: [0, 1] });
    const f = s.reshape(flipped, [kh, kw, c * m, 1]);
    const cr = cropNegative(s, d, padsFor(d.shape[1] ?? 0, kh, 1, kh - 1 - info.padInfo.top, h), padsFor(d.shape[2] ?? 0, kw, 1, kw - 1 - info.padInfo.left, w));
    const out = s.run('DepthwiseConv2dNative', { x: cr.x, filter: f }, { strides: [1, 1], pad: explicit(cr.ph, cr.pw), dilations: [1, 1], dataFormat: 'NHWC' });
    if (m === 1) return s.finish(out);
    const grouped = s.reshape(out, [n, h, w, c, m]);
    return s.finish(s.run('Sum', { x: grouped }, { axis: [4], keepDims: false }));
  } catch (e) {
    s.abort();
    throw e;
  }
}

/**
 * dW[i,j,c,q] = sum over n,oh,ow of x[n, oh*s+i-pt, ow*s+j-pl, c] * dy[n,oh,ow,c*m+q]: a
 * depthwise convolution over the image with the batch folded into the channels ([1,H,W,N*C])
 * and dy as a (stride-dilated) filter, then a sum over the batch.
 */
function depthwiseBackpropFilter(args: { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }): TensorInfo {
  const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
  const attrs = args.attrs as unknown as DepthwiseGradAttrs & { filterShape: number[] };
  assertNoDilation('DepthwiseConv2dNativeBackpropFilter', attrs.dilations);
  const s = new KernelScope(args.backend as BackendWasm);
  try {
    const info = convInfo(x.shape, attrs.filterShape, attrs, true);
    const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, inChannels: c, outHeight: ho, outWidth: wo } = info;
    const m = attrs.filterShape[3] ?? 1;
    const [n, h, w] = x.shape as [number, number, number, number];
    const xt = s.reshape(s.transpose(x, [1, 2, 0, 3]), [1, h, w, n * c]);
    const f = s.reshape(s.transpose(dy, [1, 2, 0, 3]), [ho, wo, n * c, m]);
    const cr = cropNegative(s, xt, padsFor(h, ho, sh, info.padInfo.top, kh), padsFor(w, wo, sw, info.padInfo.left, kw));
    const out = s.run('DepthwiseConv2dNative', { x: cr.x, filter: f }, { strides: [1, 1], pad: explicit(cr.ph, cr.pw), dilations: [sh, sw], dataFormat: 'NHWC' });
    // [1, kh, kw, n*c*m] -> [kh*kw, n, c*m] -> sum over n.
    const t = s.transpose(s.reshape(out, [kh * kw, n, c * m]), [0, 2, 1]);
    const summed = s.run('Sum', { x: t }, { axis: [2], keepDims: false });
    return s.finish(s.reshape(summed, [kh, kw, c, m]));
  } catch (e) {
    s.abort();
    throw e;
  }
}

export const WASM_GRADIENT_KERNELS: readonly KernelConfig[] = [
  { kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: conv2DBackpropFilter },
  { kernelName: 'Conv2DBackpropInput', backendName: 'wasm', kernelFunc: conv2DBackpropInput },
  { kernelName: 'DepthwiseConv2dNativeBackpropInput', backendName: 'wasm', kernelFunc: depthwiseBackpropInput },
  { kernelName: 'DepthwiseConv2dNativeBackpropFilter', backendName: 'wasm', kernelFunc: depthwiseBackpropFilter },
];

let registered = false;

/** Registers the kernels above for 'wasm', replacing its naive Conv2DBackpropInput. Idempotent. */
export function registerWasmGradients(): void {
  if (registered) return;
  for (const k of WASM_GRADIENT_KERNELS) {
    if (getKernel(k.kernelName, 'wasm')) unregisterKernel(k.kernelName, 'wasm');
    registerKernel(k);
  }
  registered = true;
}
