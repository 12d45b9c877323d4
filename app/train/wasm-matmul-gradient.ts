/**
 * Transposed matrix products for tfjs 4.22's wasm backend, where a dense layer's backward pass
 * spends its time. tfjs's MatMul gradient asks for dx = dy @ W^T (transposeB) and
 * dW = x^T @ dy (transposeA); wasm's BatchMatMul with either flag set skips XNNPACK's fast
 * path, by far (docs/decisions/0016-wasm-matmul-without-flags.md); a hand-written JS loop is
 * slower still.
 *
 * So this wraps wasm's BatchMatMul: a product without flags goes to the original kernel as
 * it is; a flagged one is rewritten as an unflagged product over explicitly transposed
 * operands (wasm's Transpose), choosing between op(A) @ op(B) and (op(B)^T @ op(A)^T)^T by
 * which moves fewer elements (transposes plus the right operand, which XNNPACK packs on
 * every call). For dx with a small batch that is (W @ dy^T)^T: two small transposes.
 * _FusedMatMul is left alone (our dense layers use plain matMul + add). Checked against
 * the cpu backend in wasm-matmul-gradient.test.ts. Before any of this, a large product with a
 * batch of one goes to onnxruntime-node where initEngine switched that on, flags and all
 * (wasm-native-matmul.ts).
 */
import { getKernel, registerKernel, unregisterKernel, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { KernelScope } from './wasm-kernel-scope.js';
import { nativeProduct } from './wasm-native-matmul.js';


interface MatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
}

/** Swaps the last two axes: [...batch, r, c] -> [...batch, c, r]. */
function swapLast(scope: KernelScope, x: TensorInfo): TensorInfo {
  const r = x.shape.length;
  return scope.transpose(x, [...Array(r - 2).keys(), r - 1, r - 2]);
}

const size = (s: readonly number[]): number => s.reduce((p, d) => p * d, 1);

/**
 * Elements moved by each rewrite of op(A) @ op(B): the explicit transposes plus the right
 * operand (packed by XNNPACK). `direct` transposes the flagged operands; `swapped` computes
 * (op(B)^T @ op(A)^T)^T, i.e. transposes the unflagged operands and the output.
 */
export function rewriteCosts(aShape: readonly number[], bShape: readonly number[], transposeA: boolean, transposeB: boolean): { direct: number; swapped: number } {
  const dim = (s: readonly number[], fromEnd: number): number => s[s.length - fromEnd] ?? 1;
  const m = transposeA ? dim(aShape, 1) : dim(aShape, 2);
  const n = transposeB ? dim(bShape, 2) : dim(bShape, 1);
  const batch = Math.max(size(aShape.slice(0, -2)), size(bShape.slice(0, -2)));
  const out = batch * m * n;
  const direct = (transposeA ? size(aShape) : 0) + (transposeB ? size(bShape) : 0) + size(bShape);
  const swapped = (transposeA ? 0 : size(aShape)) + (transposeB ? 0 : size(bShape)) + out + size(aShape);
  return { direct, swapped };
}

function transposedMatMul(scope: KernelScope, original: KernelFunc, a: TensorInfo, b: TensorInfo, attrs: MatMulAttrs): TensorInfo {
  const { transposeA, transposeB } = attrs;
  // a @ b, neither transposed: XNNPACK's fast path.
  const product = (x: TensorInfo, y: TensorInfo): TensorInfo => scope.call(original, { a: x, b: y }, { transposeA: false, transposeB: false }, 'BatchMatMul');
  const cost = rewriteCosts(a.shape, b.shape, transposeA, transposeB);
  if (cost.direct <= cost.swapped) {
    return product(transposeA ? swapLast(scope, a) : a, transposeB ? swapLast(scope, b) : b);
  }
  // op(A) @ op(B) = (op(B)^T @ op(A)^T)^T, where op(B)^T is B itself when B is flagged.
  const left = transposeB ? b : swapLast(scope, b);
  const right = transposeA ? a : swapLast(scope, a);
  return swapLast(scope, product(left, right));
}

/** The wrapper's function name, by which a test checks that initEngine installed it. */
export const WRAPPED_MATMUL_NAME = 'batchMatMulExplicitTranspose';

function wrap(original: KernelFunc): KernelFunc {
  function batchMatMulExplicitTranspose(args: Parameters<KernelFunc>[0]): ReturnType<KernelFunc> {
    const attrs = args.attrs as unknown as MatMulAttrs;
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    if (a.shape.length < 2 || b.shape.length < 2) return original(args);
    // A large product goes to ORT's MLAS where that is switched on (null: it stays here).
    const native = nativeProduct(args.backend as BackendWasm, a, b, attrs.transposeA, attrs.transposeB);
    if (native) return native;
    if (!attrs.transposeA && !attrs.transposeB) return original(args);
    return KernelScope.use(args.backend as BackendWasm, (scope) => transposedMatMul(scope, original, a, b, attrs));
  }
  return batchMatMulExplicitTranspose;
}

let registered = false;

/**
 * Replaces wasm's BatchMatMul by the wrapper above, keeping its setup (which binds the wasm
 * function the original calls). Call before the wasm backend initialises. Idempotent.
 */
export function registerWasmMatMul(): void {
  if (registered) return;
  const original = getKernel('BatchMatMul', 'wasm');
  if (!original) throw new Error('wasm kernel BatchMatMul is not registered (import @tensorflow/tfjs-backend-wasm first)');
  const config: KernelConfig = {
    kernelName: 'BatchMatMul',
    backendName: 'wasm',
    kernelFunc: wrap(original.kernelFunc),
    ...(original.setupFunc ? { setupFunc: original.setupFunc } : {}),
    ...(original.disposeFunc ? { disposeFunc: original.disposeFunc } : {}),
  };
  unregisterKernel('BatchMatMul', 'wasm');
  registerKernel(config);
  registered = true;
}
