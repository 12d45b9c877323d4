import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../train/engine.js';
import { lightnnWasmInto } from './lightnn-wasm.js';
import { DEFAULT_RANGE, LightnnMemo, lightnnReference, type ExponentRange } from './quantizers.js';

/** Values of every scale LightNN meets, normal-ish within each, plus the edges of the rounding. */
function values(n: number): Float32Array {
  const x = new Float32Array(n);
  let s = 7;
  const next = (): number => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 32;
  };
  for (let i = 0; i < n; i++) x[i] = (next() + next() + next() - 1.5) * 2 ** ((i % 20) - 14);
  const edges = [0, -0, 2 ** -9, 2 ** -9 * 0.999, 2 ** -8, 0.75, 0.7499999, 0.7500001, 1.5, 3, 1e-30, 1e6, 0.375, -0.625, 2 ** -8 * 1.5, -(2 ** -5) * 1.5000001, Infinity, -Infinity, 1e-45, 3.4e38];
  x.set([...edges, ...edges.map((v) => -v)].slice(0, n));
  return x;
}

test('the WebAssembly LightNN-K loop gives the JS loop bit for bit (K = 1, 2, 3; two exponent ranges; zeros, infinities, subnormals)', () => {
  const x = values(100_000);
  const ranges: ExponentRange[] = [DEFAULT_RANGE, { minExp: -4, maxExp: 2 }];
  for (const range of ranges) {
    for (const k of [1, 2, 3]) {
      const want = new Int32Array(lightnnReference(x, new Float32Array(x.length), k, range).buffer);
      const got = new Int32Array(lightnnWasmInto(x, new Float32Array(x.length), k, range).buffer);
      const bad = want.findIndex((w, i) => w !== got[i]);
      assert.equal(bad, -1, `k=${k} range=${JSON.stringify(range)}: ${x[bad]} -> wasm bits ${got[bad]}, JS bits ${want[bad]}`);
    }
  }
});

test('the WebAssembly loop grows its memory for a larger array and still agrees after a smaller one', () => {
  for (const n of [10, 300_000, 17]) {
    const x = values(n);
    const want = lightnnReference(x, new Float32Array(n), 2);
    assert.deepEqual(lightnnWasmInto(x, new Float32Array(n), 2, DEFAULT_RANGE), want);
  }
});

test('on the wasm engine, LightnnMemo quantizes in place on the heap to the same bits, and a repeat of the same data is a handle of its own', async () => {
  await initEngine('wasm', { threads: 1, nativeMatMul: false });
  assert.equal(tf.getBackend(), 'wasm');
  const x = values(50_000);
  const w = tf.variable(tf.tensor2d(x, [250, 200]));
  const memo = new LightnnMemo(2);
  const want = new Int32Array(lightnnReference(x, new Float32Array(x.length), 2).buffer);
  const first = memo.values('w', w);
  assert.deepEqual(new Int32Array((first.dataSync() as Float32Array).slice().buffer), want);
  first.dispose();
  // The memo's handle outlives the caller's.
  const again = memo.values('w', w);
  assert.deepEqual(new Int32Array((again.dataSync() as Float32Array).slice().buffer), want);
  again.dispose();
  // New data (an optimizer step) is quantized afresh.
  w.assign(tf.neg(w));
  const negated = memo.values('w', w);
  const wantNeg = new Int32Array(lightnnReference(x.map((v) => -v), new Float32Array(x.length), 2).buffer);
  assert.deepEqual(new Int32Array((negated.dataSync() as Float32Array).slice().buffer), wantNeg);
  negated.dispose();
  memo.clear();
  w.dispose();
});
