/**
 * Picks the tfjs backend at run time, best first: tfjs-node-gpu (a CUDA GPU and the package),
 * tfjs-node, the wasm backend (with our convolution gradient kernels), then the pure-JS cpu
 * backend. A preference other than 'auto' starts the list there ('wasm' never tries the
 * native packages). The native packages are optional dependencies: where they did not
 * install, the import fails and the reason goes into `skipped`.
 */
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { getThreadsCount, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { LabbenchError } from '../api/errors.js';
import { registerAllGradients } from './register-gradients.js';
import type { EngineInfo, EnginePreference } from './types.js';
import { registerWasmGradients } from './wasm-gradients.js';
import { registerWasmMatMul } from './wasm-matmul-gradient.js';
import { DEFAULT_MIN_FLOPS, OrtMatMul } from './ort-matmul.js';
import { setNativeMatMul } from './wasm-native-matmul.js';

export interface EngineOptions {
  /** Threads for the wasm backend (Node's wasm build runs one unless threads are supported). */
  readonly threads?: number;
  /**
   * With the wasm backend, large matrix products on onnxruntime-node's MLAS in a worker thread
   * (app/train/ort-matmul.ts). Default on unless LABBENCH_NATIVE_MATMUL=0.
   */
  readonly nativeMatMul?: boolean;
  /** Products below this many FLOPs (2mkn) stay on XNNPACK (default DEFAULT_MIN_FLOPS, or LABBENCH_NATIVE_MATMUL_MIN_FLOPS). */
  readonly nativeMatMulMinFlops?: number;
}

const PREFERENCES: readonly EnginePreference[] = ['auto', 'gpu', 'node', 'wasm', 'cpu'];

let current: Promise<EngineInfo> | undefined;
let resolved: EngineInfo | undefined;

/** The engine chosen by initEngine, once it has finished. */
export function engineInfo(): EngineInfo | undefined {
  return resolved;
}

function message(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.split('\n')[0] ?? m;
}

function hasCudaGpu(): boolean {
  try {
    const out = execFileSync('nvidia-smi', ['-L'], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] });
    return /GPU \d+/.test(out);
  } catch {
    return false;
  }
}

/** Imports a tfjs-node package by a name TypeScript does not resolve (it may be absent). */
async function importOptional(pkg: string): Promise<void> {
  await import(pkg);
}

async function tryNative(pkg: string, skipped: string[]): Promise<boolean> {
  try {
    await importOptional(pkg);
    if (await tf.setBackend('tensorflow')) return true;
    skipped.push(`${pkg}: backend 'tensorflow' failed to initialise`);
  } catch (e) {
    skipped.push(`${pkg}: ${message(e)}`);
  }
  return false;
}

async function tryWasm(threads: number, skipped: string[]): Promise<boolean> {
  try {
    setThreadsCount(threads);
    registerWasmGradients();
    registerWasmMatMul();
    if (await tf.setBackend('wasm')) return true;
    skipped.push("@tensorflow/tfjs-backend-wasm: backend 'wasm' failed to initialise");
  } catch (e) {
    skipped.push(`@tensorflow/tfjs-backend-wasm: ${message(e)}`);
  }
  return false;
}

/** A preference names where to start in the list; anything below it is the fallback. */
const ORDER: readonly EnginePreference[] = ['gpu', 'node', 'wasm', 'cpu'];

/** ORT for wasm's large products, on every core (the main thread waits meanwhile); undefined if it cannot start. */
async function startNativeMatMul(minFlops: number, skipped: string[]): Promise<EngineInfo['nativeMatMul']> {
  const threads = Math.max(1, availableParallelism());
  try {
    setNativeMatMul(await OrtMatMul.start(threads), minFlops);
    return { package: 'onnxruntime-node', threads, minFlops };
  } catch (e) {
    skipped.push(`onnxruntime-node matrix products: ${message(e)}`);
    return undefined;
  }
}

async function choose(pref: EnginePreference, threads: number, opts: EngineOptions): Promise<EngineInfo> {
  const skipped: string[] = [];
  const start = pref === 'auto' ? 0 : ORDER.indexOf(pref);
  const wants = (e: EnginePreference): boolean => ORDER.indexOf(e) >= start;
  await registerAllGradients();
  if (wants('gpu')) {
    if (!hasCudaGpu()) skipped.push('@tensorflow/tfjs-node-gpu: no CUDA GPU (nvidia-smi found none)');
    else if (await tryNative('@tensorflow/tfjs-node-gpu', skipped)) return { backend: tf.getBackend(), package: '@tensorflow/tfjs-node-gpu', gpu: true, threads, skipped };
  }
  if (wants('node')) {
    if (await tryNative('@tensorflow/tfjs-node', skipped)) return { backend: tf.getBackend(), package: '@tensorflow/tfjs-node', gpu: false, threads, skipped };
  }
  if (wants('wasm')) {
    if (await tryWasm(threads, skipped)) {
      const native = opts.nativeMatMul ? await startNativeMatMul(opts.nativeMatMulMinFlops ?? DEFAULT_MIN_FLOPS, skipped) : undefined;
      return { backend: 'wasm', package: '@tensorflow/tfjs-backend-wasm', gpu: false, threads: getThreadsCount(), skipped, ...(native ? { nativeMatMul: native } : {}) };
    }
  }
  await tf.setBackend('cpu');
  return { backend: 'cpu', package: '@tensorflow/tfjs-backend-cpu', gpu: false, threads: 1, skipped };
}

/**
 * Initialises the engine once per process; later calls return the same info (whatever they
 * ask for: tfjs has one global backend).
 */
export function initEngine(pref: EnginePreference = 'auto', opts: EngineOptions = {}): Promise<EngineInfo> {
  if (!PREFERENCES.includes(pref)) {
    return Promise.reject(new LabbenchError('BAD_INPUT', `unknown engine '${String(pref)}' (expected one of ${PREFERENCES.join(', ')})`));
  }
  const threads = opts.threads ?? Math.max(1, availableParallelism());
  if (!Number.isInteger(threads) || threads < 1) return Promise.reject(new LabbenchError('BAD_INPUT', `threads must be a positive integer (got ${threads})`));
  const envMin = process.env.LABBENCH_NATIVE_MATMUL_MIN_FLOPS;
  const native = {
    nativeMatMul: opts.nativeMatMul ?? process.env.LABBENCH_NATIVE_MATMUL !== '0',
    nativeMatMulMinFlops: opts.nativeMatMulMinFlops ?? (envMin ? Number(envMin) : undefined),
  };
  if (native.nativeMatMulMinFlops !== undefined && !(native.nativeMatMulMinFlops >= 0)) {
    return Promise.reject(new LabbenchError('BAD_INPUT', `the native matmul threshold must be a number of FLOPs >= 0 (got ${envMin ?? opts.nativeMatMulMinFlops})`));
  }
  current ??= choose(pref, threads, native).then((info) => {
    resolved = info;
    return info;
  });
  return current;
}
