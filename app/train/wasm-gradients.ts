/**
 * Convolution gradient kernels for tfjs 4.22's wasm backend, which registers no
 * Conv2DBackpropFilter or depthwise backprop kernels and whose Conv2DBackpropInput is a naive
 * loop. Each one is rewritten as calls to the backend's own fast (XNNPACK) kernels: a gradient
 * of a convolution is itself a convolution (or a matrix product) over transposed, zero-dilated
 * or flipped operands; the depthwise filter gradient, small work but awkward data movement, is
 * a direct loop over wasm memory. Choices were made by timing each candidate here (wasm's
 * Slice, StridedSlice, Sum over axis 0, comparisons and transposes of wide rows are slow).
 * Checked against the cpu backend in wasm-gradients.test.ts.
 */
import { backend_util, getKernel, registerKernel, unregisterKernel, type KernelConfig, type KernelFunc, type NamedAttrMap, type NamedTensorInfoMap, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

type Pad = 'same' | 'valid' | number | backend_util.ExplicitPadding;
type RoundingMode = 'floor' | 'round' | 'ceil' | undefined;
type Pair = [number, number];

/** Runs wasm kernels and frees every intermediate it made, except the one handed back. */
export class KernelScope {
  private readonly temps: TensorInfo[] = [];
  constructor(private readonly backend: BackendWasm) {}

  run(name: string, inputs: NamedTensorInfoMap, attrs: NamedAttrMap = {}): TensorInfo {
    const kernel = getKernel(name, 'wasm');
    if (!kernel) throw new Error(`wasm kernel ${name} is not registered`);
    return this.call(kernel.kernelFunc, inputs, attrs, name);
  }

  /** Runs a kernel function held rather than looked up (a wrapped kernel's original). */
  call(kernel: KernelFunc, inputs: NamedTensorInfoMap, attrs: NamedAttrMap = {}, name = kernel.name): TensorInfo {
    const out = kernel({ inputs, attrs, backend: this.backend });
    const info = Array.isArray(out) ? out[0] : out;
    if (!info) throw new Error(`wasm kernel ${name} returned nothing`);
    this.temps.push(info);
    return info;
  }

  constant(shape: number[], values: Float32Array): TensorInfo {
    const t = this.backend.makeOutput(shape, 'float32', undefined, values);
    this.temps.push(t);
    return t;
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

  /** a [p,q] @ b [q,r] with wasm's BatchMatMul, which is fast only without its transpose flags. */
  matMul(a: TensorInfo, b: TensorInfo): TensorInfo {
    const [p, q] = a.shape as [number, number];
    const r = b.shape[1] ?? 1;
    const out = this.run('BatchMatMul', { a: this.reshape(a, [1, p, q]), b: this.reshape(b, [1, q, r]) }, { transposeA: false, transposeB: false });
    return this.reshape(out, [p, r]);
  }

  /**
   * a^T b for a [m,p], b [m,q] with m large (pixels). XNNPACK packs the right operand on every
   * call (it takes it for weights), and the wasm transpose is slow on wide rows: the
   * narrower operand goes on the right as it is, the wider one is transposed on the left.
   */
  matTN(a: TensorInfo, b: TensorInfo): TensorInfo {
    const p = a.shape[1] ?? 1;
    const q = b.shape[1] ?? 1;
    if (p >= q) return this.matMul(this.transpose(a, [1, 0]), b);
    return this.transpose(this.matMul(this.transpose(b, [1, 0]), a), [1, 0]);
  }

  concat(parts: TensorInfo[], axis: number): TensorInfo {
    if (parts.length === 1) return parts[0] as TensorInfo;
    // Concat is the one kernel whose inputs are a list rather than a named map.
    return this.run('Concat', parts as unknown as NamedTensorInfoMap, { axis });
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

/** The input pixels tap (i, j) of a strided convolution reads: [N, ho, wo, C]. */
function stridedWindow(s: KernelScope, x: TensorInfo, i: number, j: number, ho: number, wo: number, sh: number, sw: number): TensorInfo {
  const [n, , , c] = x.shape as [number, number, number, number];
  if (sh === 1 && sw === 1) return s.slice(x, [0, i, j, 0], [n, ho, wo, c]);
  // wasm's StridedSlice is a slow generic loop; a 1x1 max pool with the stride subsamples fast.
  const win = s.slice(x, [0, i, j, 0], [n, (ho - 1) * sh + 1, (wo - 1) * sw + 1, c]);
  return s.run('MaxPool', { x: win }, { filterSize: [1, 1], strides: [sh, sw], pad: 'valid', dimRoundingMode: undefined } as unknown as NamedAttrMap);
}

interface DepthwiseGeometry {
  readonly n: number;
  readonly h: number;
  readonly w: number;
  readonly c: number;
  readonly kh: number;
  readonly kw: number;
  readonly sh: number;
  readonly sw: number;
  readonly ho: number;
  readonly wo: number;
  readonly pt: number;
  readonly pl: number;
}

/**
 * The multiplier-1 depthwise filter gradient, acc[(i*kw+j)*c + ch] += x * dy. Per output
 * pixel and kernel row, the taps that land inside the image are consecutive pixels, so one
 * pass over the channels feeds all of them (5 or 3 at once: the interior of a 5x5 or 3x3
 * kernel), sharing the dy loads and the loop overhead; the input row stays hot in the cache
 * across the output row.
 */
function depthwiseRows(heap: Float32Array, acc: Float64Array, xo: number, dyo: number, g: DepthwiseGeometry): void {
  const { n, h, w, c, kh, kw, sh, sw, ho, wo, pt, pl } = g;
  for (let b = 0; b < n; b++) {
    for (let oh = 0; oh < ho; oh++) {
      const drow = dyo + (b * ho + oh) * wo * c;
      for (let i = 0; i < kh; i++) {
        const ih = oh * sh + i - pt;
        if (ih < 0 || ih >= h) continue;
        const xrow = xo + (b * h + ih) * w * c;
        const arow = i * kw * c;
        for (let ow = 0; ow < wo; ow++) {
          const d = drow + ow * c;
          const iw0 = ow * sw - pl;
          const j0 = iw0 < 0 ? -iw0 : 0;
          const taps = Math.min(kw, w - iw0) - j0;
          const x0 = xrow + (iw0 + j0) * c;
          const a0 = arow + j0 * c;
          if (taps === 5) {
            const [a1, a2, a3, a4] = [a0 + c, a0 + 2 * c, a0 + 3 * c, a0 + 4 * c];
            const [x1, x2, x3, x4] = [x0 + c, x0 + 2 * c, x0 + 3 * c, x0 + 4 * c];
            for (let ch = 0; ch < c; ch++) {
              const gv = heap[d + ch] as number;
              acc[a0 + ch] = (acc[a0 + ch] as number) + (heap[x0 + ch] as number) * gv;
              acc[a1 + ch] = (acc[a1 + ch] as number) + (heap[x1 + ch] as number) * gv;
              acc[a2 + ch] = (acc[a2 + ch] as number) + (heap[x2 + ch] as number) * gv;
              acc[a3 + ch] = (acc[a3 + ch] as number) + (heap[x3 + ch] as number) * gv;
              acc[a4 + ch] = (acc[a4 + ch] as number) + (heap[x4 + ch] as number) * gv;
            }
          } else if (taps === 3) {
            const [a1, a2] = [a0 + c, a0 + 2 * c];
            const [x1, x2] = [x0 + c, x0 + 2 * c];
            for (let ch = 0; ch < c; ch++) {
              const gv = heap[d + ch] as number;
              acc[a0 + ch] = (acc[a0 + ch] as number) + (heap[x0 + ch] as number) * gv;
              acc[a1 + ch] = (acc[a1 + ch] as number) + (heap[x1 + ch] as number) * gv;
              acc[a2 + ch] = (acc[a2 + ch] as number) + (heap[x2 + ch] as number) * gv;
            }
          } else {
            for (let t = 0; t < taps; t++) {
              const xt = x0 + t * c;
              const at = a0 + t * c;
              for (let ch = 0; ch < c; ch++) acc[at + ch] = (acc[at + ch] as number) + (heap[xt + ch] as number) * (heap[d + ch] as number);
            }
          }
        }
      }
    }
  }
}

/**
 * dW of a depthwise convolution as a direct loop over wasm memory. Its work is small
 * (pixels x taps x channels) and every wasm formulation tried costs more in data movement
 * (strided slices, transposes, or XNNPACK's depthwise path with a pixel-sized filter).
 */
function depthwiseFilterGradLoop(backend: BackendWasm, x: TensorInfo, dy: TensorInfo, info: backend_util.Conv2DInfo, m: number): TensorInfo {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, outHeight: ho, outWidth: wo } = info;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  const cm = c * m;
  const acc = new Float64Array(kh * kw * cm);
  const out = backend.makeOutput([kh, kw, c, m], 'float32');
  // Views after makeOutput: an allocation may grow (and replace) the wasm memory.
  const heap = (backend.wasm as unknown as { HEAPF32: Float32Array }).HEAPF32;
  const xo = (backend.dataIdMap.get(x.dataId)?.memoryOffset ?? 0) / 4;
  const dyo = (backend.dataIdMap.get(dy.dataId)?.memoryOffset ?? 0) / 4;
  const oo = (backend.dataIdMap.get(out.dataId)?.memoryOffset ?? 0) / 4;
  if (m === 1) {
    depthwiseRows(heap, acc, xo, dyo, { n, h, w, c, kh, kw, sh, sw, ho, wo, pt, pl });
    for (let k = 0; k < acc.length; k++) heap[oo + k] = acc[k] as number;
    return out;
  }
  for (let b = 0; b < n; b++) {
    for (let oh = 0; oh < ho; oh++) {
      for (let ow = 0; ow < wo; ow++) {
        const d = dyo + ((b * ho + oh) * wo + ow) * cm;
        for (let i = 0; i < kh; i++) {
          const ih = oh * sh + i - pt;
          if (ih < 0 || ih >= h) continue;
          for (let j = 0; j < kw; j++) {
            const iw = ow * sw + j - pl;
            if (iw < 0 || iw >= w) continue;
            const xb = xo + ((b * h + ih) * w + iw) * c;
            const a = (i * kw + j) * cm;
            for (let ch = 0; ch < c; ch++) {
              const xv = heap[xb + ch] as number;
              for (let q = 0; q < m; q++) acc[a + ch * m + q] = (acc[a + ch * m + q] as number) + xv * (heap[d + ch * m + q] as number);
            }
          }
        }
      }
    }
  }
  for (let k = 0; k < acc.length; k++) heap[oo + k] = acc[k] as number;
  return out;
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
function conv2DBackpropFilter(args: { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }): TensorInfo {
  const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
  const attrs = args.attrs as unknown as ConvGradAttrs & { filterShape: number[]; dataFormat?: string };
  if (attrs.dataFormat && attrs.dataFormat !== 'NHWC') throw new Error('Conv2DBackpropFilter on wasm supports NHWC only');
  const s = new KernelScope(args.backend as BackendWasm);
  try {
    const info = convInfo(x.shape, attrs.filterShape, attrs, false);
    const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, inChannels: ci, outChannels: co, outHeight: ho, outWidth: wo } = info;
    const [n, h, w] = x.shape as [number, number, number, number];
    const m = n * ho * wo;
    const dy2 = s.reshape(dy, [m, co]);
    if (kh === 1 && kw === 1 && info.padInfo.top === 0 && info.padInfo.left === 0) {
      // Pointwise: one matrix product over the (subsampled) pixels.
      const xs = sh === 1 && sw === 1 && ho === h && wo === w ? x : stridedWindow(s, x, 0, 0, ho, wo, sh, sw);
      return s.finish(s.reshape(s.matTN(s.reshape(xs, [m, ci]), dy2), [1, 1, ci, co]));
    }
    if (sh === 1 && sw === 1) return s.finish(filterGradAsConv(s, x, dy, info));
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
    return s.finish(s.reshape(out, [kh, kw, ci, co]));
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
    const [, h, w] = attrs.inputShape as [number, number, number, number];
    if (kh === 1 && kw === 1 && sh === 1 && sw === 1 && info.padInfo.top === 0 && info.padInfo.left === 0) {
      // Pointwise: a 1x1 convolution with the transposed filter (XNNPACK's GEMM).
      const f = s.reshape(s.transpose(s.reshape(filter, [ci, co]), [1, 0]), [1, 1, co, ci]);
      return s.finish(s.run('Conv2D', { x: dy, filter: f }, { strides: [1, 1], pad: 'valid', dilations: [1, 1], dataFormat: 'NHWC' }));
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

/** dW[i,j,c,q] = sum over n,oh,ow of x[n, oh*s+i-pt, ow*s+j-pl, c] * dy[n,oh,ow,c*m+q]. */
function depthwiseBackpropFilter(args: { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }): TensorInfo {
  const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
  const attrs = args.attrs as unknown as DepthwiseGradAttrs & { filterShape: number[] };
  assertNoDilation('DepthwiseConv2dNativeBackpropFilter', attrs.dilations);
  const s = new KernelScope(args.backend as BackendWasm);
  try {
    const info = convInfo(x.shape, attrs.filterShape, attrs, true);
    const m = attrs.filterShape[3] ?? 1;
    return s.finish(depthwiseFilterGradLoop(args.backend as BackendWasm, x, dy, info, m));
  } catch (e) {
    s.abort();
    throw e;
  }
}

/**
 * dx of a max pool: each window's dy goes to the first position holding the window's maximum
 * (as the cpu backend's maxPoolPositions picks it). wasm's own MaxPoolGrad took ~15x the
 * forward pool's time on LeNet's pools; this is one pass over the windows in wasm memory.
 */
function maxPoolGrad(args: { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }): TensorInfo {
  const { dy, input } = args.inputs as { dy: TensorInfo; input: TensorInfo };
  const attrs = args.attrs as unknown as { filterSize: number | [number, number]; strides: number | [number, number]; pad: Pad; dimRoundingMode?: RoundingMode };
  const backend = args.backend as BackendWasm;
  const info = backend_util.computePool2DInfo(input.shape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: ho, outWidth: wo, filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  const out = backend.makeOutput(input.shape, 'float32');
  // Views after makeOutput: an allocation may grow (and replace) the wasm memory.
  const heap = (backend.wasm as unknown as { HEAPF32: Float32Array }).HEAPF32;
  const xo = (backend.dataIdMap.get(input.dataId)?.memoryOffset ?? 0) / 4;
  const dyo = (backend.dataIdMap.get(dy.dataId)?.memoryOffset ?? 0) / 4;
  const dxo = (backend.dataIdMap.get(out.dataId)?.memoryOffset ?? 0) / 4;
  heap.fill(0, dxo, dxo + n * h * w * c);
  // Per output pixel, the taps in window order with the channels innermost (contiguous in NHWC).
  const best = new Float32Array(c);
  const at = new Int32Array(c);
  for (let b = 0; b < n; b++) {
    for (let oh = 0; oh < ho; oh++) {
      const i0 = Math.max(0, oh * sh - pt);
      const i1 = Math.min(h, oh * sh - pt + kh);
      for (let ow = 0; ow < wo; ow++) {
        const j0 = Math.max(0, ow * sw - pl);
        const j1 = Math.min(w, ow * sw - pl + kw);
        if (i0 >= i1 || j0 >= j1) continue;
        const first = ((b * h + i0) * w + j0) * c;
        for (let ch = 0; ch < c; ch++) {
          best[ch] = heap[xo + first + ch] as number;
          at[ch] = first + ch;
        }
        for (let i = i0; i < i1; i++) {
          for (let j = i === i0 ? j0 + 1 : j0; j < j1; j++) {
            const k = ((b * h + i) * w + j) * c;
            for (let ch = 0; ch < c; ch++) {
              const v = heap[xo + k + ch] as number;
              if (v > (best[ch] as number)) {
                best[ch] = v;
                at[ch] = k + ch;
              }
            }
          }
        }
        const d = dyo + ((b * ho + oh) * wo + ow) * c;
        for (let ch = 0; ch < c; ch++) heap[dxo + (at[ch] as number)] = (heap[dxo + (at[ch] as number)] as number) + (heap[d + ch] as number);
      }
    }
  }
  return out;
}

export const WASM_GRADIENT_KERNELS: readonly KernelConfig[] = [
  { kernelName: 'MaxPoolGrad', backendName: 'wasm', kernelFunc: maxPoolGrad },
  { kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: conv2DBackpropFilter },
  { kernelName: 'Conv2DBackpropInput', backendName: 'wasm', kernelFunc: conv2DBackpropInput },
  { kernelName: 'DepthwiseConv2dNativeBackpropInput', backendName: 'wasm', kernelFunc: depthwiseBackpropInput },
  { kernelName: 'DepthwiseConv2dNativeBackpropFilter', backendName: 'wasm', kernelFunc: depthwiseBackpropFilter },
];

let registered = false;

/** Registers the kernels above for 'wasm', replacing its naive Conv2DBackpropInput and MaxPoolGrad. Idempotent. */
export function registerWasmGradients(): void {
  if (registered) return;
  for (const k of WASM_GRADIENT_KERNELS) {
    if (getKernel(k.kernelName, 'wasm')) unregisterKernel(k.kernelName, 'wasm');
    registerKernel(k);
  }
  registered = true;
}
