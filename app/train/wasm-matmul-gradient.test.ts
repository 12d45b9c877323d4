import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { initEngine } from './engine.js';
import { Rng } from './rng.js';
import { relError } from './testing/rel-error.js';
import { rewriteCosts, WRAPPED_MATMUL_NAME } from './wasm-matmul-gradient.js';

function random(rng: Rng, shape: number[]): Float32Array {
  const v = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < v.length; i++) v[i] = rng.next() * 2 - 1;
  return v;
}

interface Case {
  a: number[];
  b: number[];
  transposeA: boolean;
  transposeB: boolean;
}

/**
 * The product and, unless `productOnly`, the gradients of sum(product * fixed weights) w.r.t.
 * both operands (tfjs's MatMul gradient does not reduce over a broadcast batch dimension).
 */
function run(backend: string, c: Case, av: Float32Array, bv: Float32Array, productOnly: boolean): Float32Array[] {
  assert.ok(tf.setBackend(backend));
  return tf.tidy(() => {
    const a = tf.tensor(av, c.a);
    const b = tf.tensor(bv, c.b);
    const f = (x: Tensor, y: Tensor): Tensor => tf.matMul(x, y, c.transposeA, c.transposeB);
    const y = f(a, b);
    if (productOnly) return [y.dataSync() as Float32Array];
    const weights = tf.sin(tf.reshape(tf.range(0, y.size), y.shape));
    const g = tf.grads((x: Tensor, z: Tensor) => tf.sum(tf.mul(f(x, z), weights)));
    return [y, ...g([a, b])].map((t) => t.dataSync() as Float32Array);
  });
}

/** Operand shapes for op(A) [.., m, k] @ op(B) [.., k, n] under the given flags. */
function shapes(batchA: number[], batchB: number[], m: number, k: number, n: number, transposeA: boolean, transposeB: boolean): Case {
  return { a: [...batchA, ...(transposeA ? [k, m] : [m, k])], b: [...batchB, ...(transposeB ? [n, k] : [k, n])], transposeA, transposeB };
}

describe('wasm BatchMatMul with transpose flags matches the cpu backend', () => {
  before(async () => {
    const info = await initEngine('wasm', { threads: 1 });
    assert.equal(info.backend, 'wasm');
  });

  it('is installed by initEngine', () => {
    assert.equal(tf.getKernel('BatchMatMul', 'wasm')?.kernelFunc.name, WRAPPED_MATMUL_NAME);
  });

  it('rank 2 and batched, every flag combination: products and gradients (products only where the batch broadcasts)', () => {
    const rng = new Rng(11);
    const sizes: [number, number, number][] = [[3, 5, 4], [7, 2, 9], [1, 6, 5], [12, 3, 2]];
    const batches: [number[], number[]][] = [[[], []], [[2], [2]], [[1], [3]], [[3], [1]]];
    for (const [batchA, batchB] of batches) {
      for (const [m, k, n] of sizes) {
        for (const transposeA of [false, true]) {
          for (const transposeB of [false, true]) {
            const c = shapes(batchA, batchB, m, k, n, transposeA, transposeB);
            const av = random(rng, c.a);
            const bv = random(rng, c.b);
            const broadcast = JSON.stringify(batchA) !== JSON.stringify(batchB);
            const want = run('cpu', c, av, bv, broadcast);
            const got = run('wasm', c, av, bv, broadcast);
            want.forEach((w, i) => {
              const e = relError(w, got[i] ?? new Float32Array());
              assert.ok(e < 1e-5, `${JSON.stringify(c)}: ${['product', 'dA', 'dB'][i]} differs from cpu by ${e}`);
            });
          }
        }
      }
    }
  });

  it('frees every intermediate tensor', () => {
    assert.ok(tf.setBackend('wasm'));
    const a = tf.ones([6, 4]);
    const b = tf.ones([6, 5]);
    const before = tf.memory().numTensors;
    const bytes = tf.engine().backend.numDataIds();
    for (const [ta, tb] of [[true, false], [false, true], [true, true]] as const) {
      const x = ta ? a : tf.transpose(a);
      const y = tb ? tf.transpose(b) : b;
      const out = tf.matMul(x, y, ta, tb);
      assert.deepEqual(out.shape, [4, 5]);
      tf.dispose([out, ...(ta ? [] : [x]), ...(tb ? [y] : [])]);
    }
    assert.equal(tf.memory().numTensors, before);
    assert.equal(tf.engine().backend.numDataIds(), bytes);
    tf.dispose([a, b]);
  });

  it('picks the rewrite that moves fewer elements for a dense layer\'s gradients', () => {
    // dx = dy [100, 4096] @ W^T, W [4096, 4096]: (W @ dy^T)^T moves far less than W^T.
    const dx = rewriteCosts([100, 4096], [4096, 4096], false, true);
    assert.ok(dx.swapped < dx.direct / 10, JSON.stringify(dx));
    // dW = x^T @ dy, x [100, 4096], dy [100, 10]: transposing x beats a 4096x10 output transpose plus x.
    const dw = rewriteCosts([100, 4096], [100, 10], true, false);
    assert.ok(dw.direct < dw.swapped, JSON.stringify(dw));
  });
});
