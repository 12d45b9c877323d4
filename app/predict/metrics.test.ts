// RMSPE, RMSE and the accuracy tables against values computed by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accuracyTable, networkTable, rmse, rmspe } from './metrics.js';

const close = (a: number, b: number, tol = 1e-12): void => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

test('rmspe and rmse by hand', () => {
  // errors: +10 % on 10 -> 11, -20 % on 5 -> 4, 0 on 2 -> 2: sqrt((0.01 + 0.04 + 0) / 3)
  close(rmspe([10, 5, 2], [11, 4, 2]), Math.sqrt(0.05 / 3));
  // absolute: 1, -1, 0: sqrt(2 / 3)
  close(rmse([10, 5, 2], [11, 4, 2]), Math.sqrt(2 / 3));
  assert.throws(() => rmspe([1, 0], [1, 1]), /undefined/);
  assert.throws(() => rmse([1], [1, 2]), /1 actual vs 2 predicted/);
  assert.throws(() => rmse([], []), /no values/);
});

test('accuracyTable: per layer type and over all, per predictor, with model sizes', () => {
  const t = accuracyTable(
    [
      { group: 'conv', actual: 10, predicted: { np: 11, paleo: 5 } },
      { group: 'conv', actual: 4, predicted: { np: 4, paleo: 6 } },
      { group: 'fc', actual: 2, predicted: { np: 1.5 } },
    ],
    { conv: { np: 60 } },
  );
  assert.deepEqual(
    t.map((r) => [r.group, r.n]),
    [
      ['conv', 2],
      ['fc', 1],
      ['all', 3],
    ],
  );
  const conv = t[0]!.predictors;
  close(conv.np!.rmspe_pct, 100 * Math.sqrt(0.01 / 2)); // +10 %, 0
  close(conv.np!.rmse, Math.sqrt(1 / 2));
  assert.equal(conv.np!.model_size, 60);
  close(conv.paleo!.rmspe_pct, 100 * Math.sqrt((0.25 + 0.25) / 2)); // -50 %, +50 %
  close(conv.paleo!.rmse, Math.sqrt((25 + 4) / 2));
  close(t[1]!.predictors.np!.rmspe_pct, 25);
  // all: np over 3 rows (0.01 + 0 + 0.0625) / 3; paleo over the 2 rows it has
  close(t[2]!.predictors.np!.rmspe_pct, 100 * Math.sqrt(0.0725 / 3));
  close(t[2]!.predictors.paleo!.rmspe_pct, 50);
});

test('networkTable: signed errors per network and RMSPE per predictor', () => {
  const t = networkTable([
    { network: 'vgg16', actual: 368.42, predicted: { neuralpower: 373.82, paleo: 345.83 } },
    { network: 'alexnet', actual: 39.02, predicted: { neuralpower: 43.41, paleo: 33.16 } },
  ]);
  // The talk's runtime table: VGG-16 +1.47 %, AlexNet +11.25 % for NeuralPower.
  close(t.rows[0]!.error_pct.neuralpower!, (100 * (373.82 - 368.42)) / 368.42);
  assert.equal(t.rows[1]!.error_pct.neuralpower!.toFixed(2), '11.25');
  assert.equal(t.rows[1]!.error_pct.paleo!.toFixed(2), '-15.02');
  const e1 = (373.82 - 368.42) / 368.42;
  const e2 = (43.41 - 39.02) / 39.02;
  close(t.rmspe_pct.neuralpower!, 100 * Math.sqrt((e1 * e1 + e2 * e2) / 2));
});
