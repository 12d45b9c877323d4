// Cholesky solve and small NNLS against systems worked out by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { choleskySolve, nnlsSmall, weightedLeastSquares } from './linalg.js';

const close = (a: number, b: number, tol = 1e-9): void => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

test('choleskySolve: a 3x3 SPD system; undefined when singular', () => {
  // A = [[4,2,0],[2,5,1],[0,1,3]], x = [1,-1,2] -> b = [4-2, 2-5+2, -1+6] = [2,-1,5]
  const x = choleskySolve([4, 2, 0, 2, 5, 1, 0, 1, 3], [2, -1, 5]);
  assert.ok(x);
  [1, -1, 2].forEach((v, i) => close(x[i]!, v));
  assert.equal(choleskySolve([1, 1, 1, 1], [1, 2]), undefined);
});

test('weightedLeastSquares: exact line through weighted points', () => {
  // y = 2 + 3x exactly: any positive weights recover it.
  const x = [0, 1, 2, 3].map((v) => [1, v]);
  const beta = weightedLeastSquares(x, [2, 5, 8, 11], [1, 4, 0.5, 2], [0, 1]);
  assert.ok(beta);
  close(beta[0]!, 2);
  close(beta[1]!, 3);
});

test('nnlsSmall: a negative unconstrained coefficient is clamped to 0 and the rest refit', () => {
  // y = 1 + 2a - 0.5b, b uncorrelated-ish with a. Unconstrained: b gets < 0; NNLS drops b
  // and refits y on [1, a]: the slope on a alone.
  const rows = [
    [1, 0, 0],
    [1, 1, 2],
    [1, 2, 1],
    [1, 3, 3],
    [1, 4, 0],
  ];
  const y = rows.map((r) => 1 + 2 * r[1]! - 0.5 * r[2]!);
  const w = rows.map(() => 1);
  const { beta } = nnlsSmall(rows, y, w);
  assert.equal(beta[2], 0);
  const refit = weightedLeastSquares(rows, y, w, [0, 1])!;
  close(beta[0]!, refit[0]!);
  close(beta[1]!, refit[1]!);
  assert.ok(beta.every((b) => b >= 0));
});
