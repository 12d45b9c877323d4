import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { initEngine } from './engine.js';
import { OrtMatMul } from './ort-matmul.js';
import { Rng } from './rng.js';
import { relError } from './testing/rel-error.js';
import { nativeMatMulState, setNativeMatMul } from './wasm-native-matmul.js';

/** Small enough to keep the test fast, large enough that the products below go to ORT. */
const MIN_FLOPS = 1e6;

function random(rng: Rng, shape: readonly number[]): Float32Array {
  const v = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < v.length; i++) v[i] = rng.next() * 2 - 1;
  return v;
}

interface Case {
  readonly a: number[];
  readonly b: number[];
  readonly transposeA: boolean;
  readonly transposeB: boolean;
}

/** Operand shapes for op(A) [m, k] @ op(B) [k, n] under the flags, with optional leading ones. */
function shapes(m: number, k: number, n: number, transposeA: boolean, transposeB: boolean, lead: number[] = []): Case {
  return { a: [...lead, ...(transposeA ? [k, m] : [m, k])], b: [...lead, ...(transposeB ? [n, k] : [k, n])], transposeA, transposeB };
}

function product(backend: string, c: Case, av: Float32Array, bv: Float32Array): { values: Float32Array; shape: number[] } {
  assert.ok(tf.setBackend(backend));
  return tf.tidy(() => {
    const y = tf.matMul(tf.tensor(av, c.a), tf.tensor(bv, c.b), c.transposeA, c.transposeB);
    return { values: y.dataSync() as Float32Array, shape: y.shape };
  });
}

/** The wasm product against the cpu backend's; returns how many products ORT answered meanwhile. */
function checkAgainstCpu(c: Case, rng: Rng): number {
  const av = random(rng, c.a);
  const bv = random(rng, c.b);
  const want = product('cpu', c, av, bv);
  const before = nativeMatMulState().products;
  const got = product('wasm', c, av, bv);
  const routed = nativeMatMulState().products - before;
  assert.deepEqual(got.shape, want.shape, JSON.stringify(c));
  const err = relError(want.values, got.values);
  assert.ok(err < 1e-5, `${JSON.stringify(c)}: relative error ${err}`);
  return routed;
}

describe('wasm matrix products on onnxruntime-node (MLAS in a worker thread)', () => {
  before(async () => {
    const info = await initEngine('wasm', { threads: 1, nativeMatMul: true, nativeMatMulMinFlops: MIN_FLOPS });
    assert.equal(info.backend, 'wasm');
    assert.deepEqual(info.nativeMatMul, { package: 'onnxruntime-node', threads: Math.max(1, availableParallelism()), minFlops: MIN_FLOPS }, info.skipped.join('; '));
  });

  it('routes products above the threshold, every flag combination, rank 2 and with a leading batch of one, matching the cpu backend', () => {
    const rng = new Rng(5);
    for (const [transposeA, transposeB] of [[false, false], [false, true], [true, false], [true, true]] as const) {
      for (const lead of [[], [1]]) {
        // 2 * 37 * 61 * 301 = 1.36 MFLOP: odd sizes, so that a swapped axis shows.
        const c = shapes(37, 61, 301, transposeA, transposeB, lead);
        assert.equal(checkAgainstCpu(c, rng), 1, `${JSON.stringify(c)} was not routed`);
      }
    }
    assert.equal(nativeMatMulState().on, true);
  });

  it('a dense layer trained through it gets the cpu backend gradients (x @ W, dy @ W^T, x^T @ dy)', () => {
    const rng = new Rng(6);
    const xv = random(rng, [64, 96]);
    const wv = random(rng, [96, 200]);
    const grads = (backend: string): Float32Array[] => {
      assert.ok(tf.setBackend(backend));
      return tf.tidy(() => {
        const x = tf.tensor2d(xv, [64, 96]);
        const w = tf.tensor2d(wv, [96, 200]);
        const weights = tf.sin(tf.reshape(tf.range(0, 64 * 200), [64, 200]));
        const g = tf.grads((a: Tensor, b: Tensor) => tf.sum(tf.mul(tf.matMul(a, b), weights)));
        return g([x, w]).map((t) => t.dataSync() as Float32Array);
      });
    };
    const want = grads('cpu');
    const before = nativeMatMulState().products;
    const got = grads('wasm');
    // Forward (2.5 MFLOP), dx (2.5) and dW (2.5): all three above the threshold.
    assert.equal(nativeMatMulState().products - before, 3);
    for (let i = 0; i < want.length; i++) assert.ok(relError(want[i]!, got[i]!) < 1e-5, `gradient ${i}: ${relError(want[i]!, got[i]!)}`);
  });

  it('leaves products below the threshold and batched products to XNNPACK, with the same results', () => {
    const rng = new Rng(7);
    // 2 * 20 * 30 * 40 = 48 kFLOP; and a batch of 2 of a product that alone would be routed.
    for (const c of [shapes(20, 30, 40, false, false), shapes(20, 30, 40, true, true), shapes(37, 61, 301, false, true, [2])]) {
      assert.equal(checkAgainstCpu(c, rng), 0, `${JSON.stringify(c)} was routed`);
    }
  });

  it('falls back to XNNPACK for good once its ORT worker is gone, and says why', async () => {
    // Its own worker, closed under the kernel: the next product fails over (real worker, no stand-in).
    const engine = await OrtMatMul.start(1);
    setNativeMatMul(engine, MIN_FLOPS);
    const rng = new Rng(8);
    assert.equal(checkAgainstCpu(shapes(37, 61, 301, false, false), rng), 1);
    await engine.close();
    assert.equal(checkAgainstCpu(shapes(37, 61, 301, true, false), rng), 0);
    const state = nativeMatMulState();
    assert.equal(state.on, false);
    assert.match(state.failure ?? '', /closed/);
    assert.equal(checkAgainstCpu(shapes(37, 61, 301, false, true), rng), 0);
  });
});
