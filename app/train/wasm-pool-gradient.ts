/**
 * MaxPoolGrad for tfjs's wasm backend: dx of a max pool as one pass over the windows in wasm
 * memory, replacing the backend's own kernel (docs/decisions/0009-wasm-maxpool-grad.md).
 */
import { backend_util, type NamedAttrMap, type NamedTensorInfoMap, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { Pad, RoundingMode } from './wasm-conv-gradients.js';

/**
 * dx of a max pool: each window's dy goes to the first position holding the window's maximum
 * (as the cpu backend's maxPoolPositions picks it).
 */
export function maxPoolGrad(args: { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }): TensorInfo {
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
