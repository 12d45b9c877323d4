/**
 * Routes wasm's large 2-D matrix products (BatchMatMul with a batch of one, any transpose flags)
 * to onnxruntime-node's MLAS through ort-matmul.ts, for the wrapper in wasm-matmul-gradient.ts.
 * Smaller products (break-even: DEFAULT_MIN_FLOPS in ort-matmul.ts), batched ones and every
 * product after a failure stay on XNNPACK.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { OrtMatMulError, type OrtMatMul } from './ort-matmul.js';

interface Routing {
  readonly engine: OrtMatMul;
  readonly minFlops: number;
}

let routing: Routing | undefined;
let lastFailure: string | undefined;
/** Products ORT has answered in this process. */
let answered = 0;

/** Products of at least `minFlops` (2mkn) go to `engine` from now on; undefined switches it off. */
export function setNativeMatMul(engine: OrtMatMul | undefined, minFlops = 0): void {
  routing = engine ? { engine, minFlops } : undefined;
}

/** Whether products are routed now, how many ORT has answered, and why routing stopped if a product failed. */
export function nativeMatMulState(): { readonly on: boolean; readonly products: number; readonly minFlops?: number; readonly failure?: string } {
  return routing ? { on: true, products: answered, minFlops: routing.minFlops } : { on: false, products: answered, ...(lastFailure ? { failure: lastFailure } : {}) };
}

const size = (s: readonly number[]): number => s.reduce((p, d) => p * d, 1);

/**
 * op(a) @ op(b) on ORT as a new wasm tensor, or null where the product stays on XNNPACK: no
 * routing, a batch other than one, below the threshold, or ORT failed (routing then stops
 * for the rest of the process, with a warning on stderr).
 */
export function nativeProduct(backend: BackendWasm, a: TensorInfo, b: TensorInfo, transA: boolean, transB: boolean): TensorInfo | null {
  if (!routing || a.dtype !== 'float32' || b.dtype !== 'float32') return null;
  const ra = a.shape.length;
  const rb = b.shape.length;
  if (size(a.shape.slice(0, -2)) !== 1 || size(b.shape.slice(0, -2)) !== 1) return null;
  const m = (transA ? a.shape[ra - 1] : a.shape[ra - 2]) ?? 1;
  const k = (transA ? a.shape[ra - 2] : a.shape[ra - 1]) ?? 1;
  const n = (transB ? b.shape[rb - 2] : b.shape[rb - 1]) ?? 1;
  const kb = (transB ? b.shape[rb - 1] : b.shape[rb - 2]) ?? 1;
  if (k !== kb || m * k * n === 0 || 2 * m * k * n < routing.minFlops) return null;
  // Outer dimensions of ones, as wasm's own kernel shapes its output (the longer operand's).
  const shape = [...(ra >= rb ? a.shape : b.shape).slice(0, -2), m, n];
  try {
    // The heap views are copied out before anything here can grow (and move) the heap.
    const av = backend.typedArrayFromHeap(a) as Float32Array;
    const bv = backend.typedArrayFromHeap(b) as Float32Array;
    const out = routing.engine.product({ a: av, b: bv, m, k, n, transA, transB }, (y) => backend.makeOutput(shape, 'float32', undefined, y));
    answered++;
    return out;
  } catch (e) {
    // Whatever went wrong (worker gone, a clone error), XNNPACK still gives the right answer.
    lastFailure = e instanceof OrtMatMulError ? e.message : `ORT matmul failed: ${e instanceof Error ? e.message : String(e)}`;
    routing = undefined;
    process.stderr.write(`labbench: matrix products go back to XNNPACK: ${lastFailure}\n`);
    return null;
  }
}
