import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Tensor1D, Tensor4D } from '@tensorflow/tfjs-core';
import { initEngine } from './engine.js';
import { batchNormTrain } from './nn.js';
import { Rng } from './rng.js';
import { relError } from './testing/rel-error.js';

function random(rng: Rng, shape: number[]): Float32Array {
  const v = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < v.length; i++) v[i] = rng.next() * 2 - 1;
  return v;
}

/** Gradients of sum(f(inputs) * weights) on one backend, for fixed random weights. */
function gradsOn(backend: string, f: (...xs: Tensor[]) => Tensor, inputs: { values: Float32Array; shape: number[] }[]): Float32Array[] {
  assert.ok(tf.setBackend(backend));
  return tf.tidy(() => {
    const xs = inputs.map((i) => tf.tensor(i.values, i.shape));
    const g = tf.grads((...a: Tensor[]) => {
      const y = f(...a);
      const weights = tf.sin(tf.reshape(tf.range(0, y.size), y.shape));
      return tf.sum(tf.mul(y, weights));
    });
    return g(xs).map((t) => t.dataSync() as Float32Array);
  });
}

function compare(label: string, f: (...xs: Tensor[]) => Tensor, inputs: { values: Float32Array; shape: number[] }[]): void {
  const want = gradsOn('cpu', f, inputs);
  const got = gradsOn('wasm', f, inputs);
  want.forEach((w, i) => {
    const e = relError(w, got[i] ?? new Float32Array());
    assert.ok(e < 1e-4, `${label}: gradient ${i} differs from cpu by ${e}`);
  });
}

describe('wasm gradient kernels match the cpu backend', () => {
  before(async () => {
    const info = await initEngine('wasm', { threads: 1 });
    assert.equal(info.backend, 'wasm');
  });

  it('conv2d: kernels 1/3/5, strides 1/2, same/valid, odd and even sizes', () => {
    const rng = new Rng(7);
    for (const k of [1, 3, 5]) {
      for (const s of [1, 2]) {
        for (const pad of ['same', 'valid'] as const) {
          for (const hw of [7, 8]) {
            const xs = [2, hw, hw + 1, 3];
            const ws = [k, k, 3, 4];
            compare(`conv2d k${k} s${s} ${pad} ${hw}`, (x, w) => tf.conv2d(x as Tensor4D, w as Tensor4D, s, pad), [
              { values: random(rng, xs), shape: xs },
              { values: random(rng, ws), shape: ws },
            ]);
          }
        }
      }
    }
  });

  it('depthwise conv2d: kernels 1/3/5, strides 1/2, same/valid, multipliers 1/2', () => {
    const rng = new Rng(8);
    for (const k of [1, 3, 5]) {
      for (const s of [1, 2]) {
        for (const pad of ['same', 'valid'] as const) {
          for (const m of [1, 2]) {
            const xs = [2, 8, 7, 3];
            const ws = [k, k, 3, m];
            compare(`depthwise k${k} s${s} ${pad} m${m}`, (x, w) => tf.depthwiseConv2d(x as Tensor4D, w as Tensor4D, s, pad), [
              { values: random(rng, xs), shape: xs },
              { values: random(rng, ws), shape: ws },
            ]);
          }
        }
      }
    }
  });

  it('max pool: windows 2/3, strides 1/2, same/valid, odd sizes, and ties (first maximum wins)', () => {
    const rng = new Rng(11);
    for (const k of [2, 3]) {
      for (const s of [1, 2]) {
        for (const pad of ['same', 'valid'] as const) {
          const xs = [2, 7, 8, 3];
          compare(`maxpool k${k} s${s} ${pad}`, (x) => tf.maxPool(x as Tensor4D, k, s, pad), [{ values: random(rng, xs), shape: xs }]);
        }
      }
    }
    // Values on a coarse grid: most windows hold their maximum twice.
    const xs = [2, 6, 6, 4];
    const ties = random(rng, xs).map((v) => Math.round(v * 2) / 2);
    compare('maxpool with ties', (x) => tf.maxPool(x as Tensor4D, 2, 2, 'valid'), [{ values: ties, shape: xs }]);
  });

  it('a larger pointwise and strided 3x3 layer (MobileNetV2 shapes)', () => {
    const rng = new Rng(9);
    const xs = [4, 16, 16, 24];
    compare('pointwise 24->96', (x, w) => tf.conv2d(x as Tensor4D, w as Tensor4D, 1, 'same'), [
      { values: random(rng, xs), shape: xs },
      { values: random(rng, [1, 1, 24, 96]), shape: [1, 1, 24, 96] },
    ]);
    compare('depthwise 3x3 s2 on 24 channels', (x, w) => tf.depthwiseConv2d(x as Tensor4D, w as Tensor4D, 2, 'same'), [
      { values: random(rng, xs), shape: xs },
      { values: random(rng, [3, 3, 24, 1]), shape: [3, 3, 24, 1] },
    ]);
  });

  it('fused batch norm: gradient equals that of the moments formula', () => {
    const rng = new Rng(10);
    const xs = [3, 5, 4, 6];
    const inputs = [
      { values: random(rng, xs), shape: xs },
      { values: random(rng, [6]), shape: [6] },
      { values: random(rng, [6]), shape: [6] },
    ];
    const reference = (x: Tensor, g: Tensor, b: Tensor): Tensor => {
      const { mean, variance } = tf.moments(x, [0, 1, 2]);
      return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), g), b);
    };
    const fused = (x: Tensor, g: Tensor, b: Tensor): Tensor => batchNormTrain(x, g as Tensor1D, b as Tensor1D, 1e-5);
    const want = gradsOn('cpu', reference, inputs);
    for (const backend of ['cpu', 'wasm']) {
      const got = gradsOn(backend, fused, inputs);
      want.forEach((w, i) => assert.ok(relError(w, got[i] ?? new Float32Array()) < 1e-4, `${backend}: batch norm gradient ${i}`));
    }
    assert.ok(tf.setBackend('wasm'));
  });
});
