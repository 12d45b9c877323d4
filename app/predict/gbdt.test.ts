// Gradient-boosted trees: a step function is learned exactly where a smooth fit smears it,
// predictions stay within the targets' range, and the stored trees are compact and equal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compactTree, fitGbdt, predictGbdt } from './gbdt.js';
import { mulberry32 } from '../util/rng.js';

test('learns a step and an interaction to within the noise, and never extrapolates past the targets', () => {
  const r = mulberry32(3);
  const x = Array.from({ length: 2000 }, () => [r() * 10, r() * 10, r()]);
  const f = (v: readonly number[]): number => (v[0]! > 5 ? 2 : 0) + (v[1]! > 3 && v[2]! > 0.5 ? 1 : 0);
  const y = x.map((v) => f(v) + (r() - 0.5) * 0.1);
  const m = fitGbdt(x, y, { trees: 150, depth: 4, rate: 0.2 });
  const test = Array.from({ length: 500 }, () => [r() * 10, r() * 10, r()]);
  const rmse = Math.sqrt(test.reduce((s, v) => s + (predictGbdt(m, v) - f(v)) ** 2, 0) / test.length);
  assert.ok(rmse < 0.1, `rmse ${rmse}`);
  const far = predictGbdt(m, [1e6, 1e6, 1]);
  assert.ok(far <= 3.2 && far >= 2.8, `far outside the data: ${far}`);
});

test('a fit is the same for the same seed, and its stored trees drop unused slots', () => {
  const r = mulberry32(9);
  const x = Array.from({ length: 200 }, () => [r(), r()]);
  const y = x.map((v) => v[0]! * 3 + v[1]!);
  const a = fitGbdt(x, y, { trees: 20, seed: 5 });
  const b = fitGbdt(x, y, { trees: 20, seed: 5 });
  assert.deepEqual(a, b);
  for (const t of a.trees) {
    assert.equal(t.feature.length, t.value.length);
    assert.notEqual(t.feature[t.feature.length - 1], -2);
    assert.deepEqual(compactTree(t), t);
  }
});
