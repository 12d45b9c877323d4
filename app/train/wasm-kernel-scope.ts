/**
 * KernelScope: runs tfjs wasm kernels by name on the wasm backend and frees every
 * intermediate tensor it made except the one handed back, so that a gradient kernel written
 * as a chain of the backend's own kernels (wasm-conv-gradients.ts, wasm-matmul-gradient.ts)
 * leaks nothing, on success or on error. Also the few tensor moves those chains need
 * (reshape, transpose, slice, concat) and XNNPACK-friendly matrix products.
 */
import { getKernel, type KernelFunc, type NamedAttrMap, type NamedTensorInfoMap, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** Runs wasm kernels and frees every intermediate it made, except the one handed back. */
export class KernelScope {
  private readonly temps: TensorInfo[] = [];
  constructor(private readonly backend: BackendWasm) {}

  /** Runs `body` in a fresh scope: the tensor it returns is handed back, all else it made is freed, on success or on error. */
  static use(backend: BackendWasm, body: (s: KernelScope) => TensorInfo): TensorInfo {
    const s = new KernelScope(backend);
    try {
      return s.finish(body(s));
    } catch (e) {
      s.abort();
      throw e;
    }
  }

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
