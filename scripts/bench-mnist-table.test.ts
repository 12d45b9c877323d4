import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cell, insideNoise, tableBudgets } from './bench-mnist-table.js';

function withEnv<T>(env: Record<string, string | undefined>, f: () => T): T {
  const before = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  const set = (vars: Record<string, string | undefined>): void => {
    for (const [k, v] of Object.entries(vars)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  set(env);
  try {
    return f();
  } finally {
    set(before);
  }
}

test('the table budgets: the defaults, the environment overrides, and MNIST_TABLE_NETS picking nets', () => {
  const none = { MNIST_TABLE_LIMIT: undefined, MNIST_TABLE_EPOCHS: undefined, MNIST_TABLE_NETS: undefined };
  assert.deepEqual(
    withEnv(none, () => tableBudgets(false, false)),
    [
      { model: 'mnist-1hidden', epochs: 15 },
      { model: 'mnist-2conv', epochs: 2 },
    ],
  );
  assert.deepEqual(withEnv({ ...none, MNIST_TABLE_NETS: 'mnist-1hidden' }, () => tableBudgets(false, true)), [{ model: 'mnist-1hidden', epochs: 15 }]);
  assert.deepEqual(withEnv({ ...none, MNIST_TABLE_NETS: 'mnist-2conv', MNIST_TABLE_EPOCHS: '3', MNIST_TABLE_LIMIT: '600' }, () => tableBudgets(false, false)), [{ model: 'mnist-2conv', epochs: 3, limit: 600 }]);
  assert.throws(() => withEnv({ ...none, MNIST_TABLE_NETS: 'mnist-3hidden' }, () => tableBudgets(false, false)), /MNIST_TABLE_NETS: mnist-3hidden is not one of mnist-1hidden, mnist-2conv/);
  assert.throws(() => withEnv({ ...none, MNIST_TABLE_EPOCHS: '0' }, () => tableBudgets(false, false)), /MNIST_TABLE_EPOCHS must be a whole number >= 1/);
});

test('a cell is the mean and sample sd; two cells differ outside the noise only past twice the standard error', () => {
  const a = cell([0.02, 0.03, 0.04]);
  assert.ok(Math.abs(a.mean - 0.03) < 1e-12 && Math.abs(a.sd - 0.01) < 1e-12 && a.n === 3);
  assert.equal(insideNoise(a, cell([0.025, 0.035, 0.045])), true);
  assert.equal(insideNoise(a, cell([0.1, 0.11, 0.12])), false);
});
