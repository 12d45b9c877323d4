// The coordinate-descent lasso against its closed form (orthonormal columns) and the KKT
// conditions on a correlated problem.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Moments, lambdaGrid, lambdaMax, lassoPath, lassoSolve } from './lasso.js';
import { gaussian, mulberry32 } from '../util/rng.js';

test('orthonormal columns: the lasso is soft-thresholding of X\'y', () => {
  // Columns e1-ish: 4 rows, weights 1, centered orthogonal columns with variance 1:
  // x1 = [1,-1,1,-1], x2 = [1,1,-1,-1] (mean 0, mean square 1, orthogonal).
  const rows = [
    [1, 1],
    [-1, 1],
    [1, -1],
    [-1, -1],
  ];
  const y = [3, 1, 2, 0]; // c = mean(x*y): c1 = (3-1+2-0)/4 = 1, c2 = (3+1-2-0)/4 = 0.5
  const m = new Moments(2);
  rows.forEach((r, i) => m.add(r, y[i]!, 1));
  const prob = m.symmetrize().centered([0, 1]);
  assert.deepEqual([...prob.c], [1, 0.5]);
  assert.equal(lambdaMax(prob), 1);
  for (const [lambda, b1, b2] of [
    [0.2, 0.8, 0.3],
    [0.6, 0.4, 0],
    [1.1, 0, 0],
  ] as const) {
    const beta = new Float64Array(2);
    const grad = Float64Array.from(prob.c);
    lassoSolve(prob, lambda, beta, grad);
    assert.ok(Math.abs(beta[0]! - b1) < 1e-12 && Math.abs(beta[1]! - b2) < 1e-12, `lambda ${lambda}: ${[...beta]}`);
  }
});

test('correlated columns: the path satisfies the KKT conditions and gets sparser with lambda', () => {
  const u = mulberry32(3);
  const g = gaussian(u);
  const n = 200;
  const p = 8;
  const m = new Moments(p);
  for (let i = 0; i < n; i++) {
    const common = g();
    const x = Array.from({ length: p }, () => 0.7 * common + g());
    m.add(x, 2 * x[0]! - 1.5 * x[3]! + 0.3 * g(), 1);
  }
  const prob = m.symmetrize().centered(Array.from({ length: p }, (_, j) => j));
  const lambdas = lambdaGrid(lambdaMax(prob), 10, 1e-3);
  const nnz: number[] = [];
  lassoPath(
    prob,
    lambdas,
    (l, beta) => {
      const lambda = lambdas[l]!;
      nnz.push(beta.filter((b) => b !== 0).length);
      // KKT: grad_j = c_j - (G b)_j equals lambda * sign(b_j) where b_j != 0, |grad_j| <= lambda elsewhere.
      for (let j = 0; j < p; j++) {
        let gb = 0;
        for (let k = 0; k < p; k++) gb += prob.g[j * p + k]! * beta[k]!;
        const grad = prob.c[j]! - gb;
        if (beta[j] !== 0) assert.ok(Math.abs(grad - lambda * Math.sign(beta[j]!)) < 1e-3 * lambdas[0]!, `active ${j} at ${l}`);
        else assert.ok(Math.abs(grad) <= lambda * (1 + 1e-3), `inactive ${j} at ${l}`);
      }
    },
    { tol: 1e-12, maxSweeps: 100000 },
  );
  assert.equal(nnz[0], 0, 'nothing enters at lambda_max');
  assert.ok(nnz.every((v, i) => i === 0 || v >= nnz[i - 1]! - 1), `support grows along the path: ${nnz}`);
});

test('Moments: all rows minus one fold equals the moments of the other rows', () => {
  const a = new Moments(2);
  const b = new Moments(2);
  const all = new Moments(2);
  const rows = [
    [1, 2, 3],
    [2, 0, 1],
    [5, 1, 2],
  ];
  rows.forEach((r, i) => {
    (i === 1 ? b : a).add([r[0]!, r[1]!], r[2]!, i + 1);
    all.add([r[0]!, r[1]!], r[2]!, i + 1);
  });
  const diff = all.symmetrize().combine(b.symmetrize(), -1);
  a.symmetrize();
  diff.m.forEach((v, i) => assert.ok(Math.abs(v - a.m[i]!) < 1e-12));
});
