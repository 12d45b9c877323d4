/**
 * Depthwise-convolution filter gradient for tfjs's wasm backend
 * (DepthwiseConv2dNativeBackpropFilter, which the backend does not register), as a direct
 * loop over wasm memory. Its work is small (pixels x taps x channels) and every wasm
 * formulation tried costs more in data movement (strided slices, transposes, or XNNPACK's
 * depthwise path with a pixel-sized filter). The multiplier-1 case, the common one, has an
 * inner loop that feeds several taps per pass over the channels.
 */
import type { backend_util, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { assertNoDilation, convInfo, type DepthwiseGradAttrs } from './wasm-conv-gradients.js';

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

/** dW of a depthwise convolution (multiplier m) as a direct loop over wasm memory, accumulated in float64. */
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

/** dW[i,j,c,q] = sum over n,oh,ow of x[n, oh*s+i-pt, ow*s+j-pl, c] * dy[n,oh,ow,c*m+q]. */
export function depthwiseBackpropFilter(args: { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }): TensorInfo {
  const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
  const attrs = args.attrs as unknown as DepthwiseGradAttrs & { filterShape: number[] };
  assertNoDilation('DepthwiseConv2dNativeBackpropFilter', attrs.dilations);
  const info = convInfo(x.shape, attrs.filterShape, attrs, true);
  return depthwiseFilterGradLoop(args.backend as BackendWasm, x, dy, info, attrs.filterShape[3] ?? 1);
}

