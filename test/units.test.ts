import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bytes, microjoules, millijoules, ms, seconds, signedMs, watts, type Ms, type Watts } from '../app/api/units.js';
import type { ProfiledLayer } from '../app/api/profile.js';
import type { PredictResult } from '../app/api/predict.js';
import type { DevicePrediction } from '../app/predict/device-predict.js';
import { predictionParts } from '../app/predict/summary-units.js';

test('a plain number is not a unit: the brand bites at compile time (tsc runs over this file)', () => {
  const plain = 12.5;
  // @ts-expect-error a plain number does not assign to Ms
  const bad: Ms = plain;
  // @ts-expect-error nor do watts: units do not mix
  const mixed: Ms = watts(3);
  const layer: Pick<ProfiledLayer, 'median_ms'> = {
    // @ts-expect-error a DTO's ms field takes ms(x), not a number
    median_ms: plain,
  };
  const total: PredictResult['total'] = { runtime_ms: ms(plain) };
  // An Ms still reads as a number: arithmetic and formatting need nothing.
  const doubled: number = total.runtime_ms * 2;
  assert.equal(doubled, 25);
  assert.equal(total.runtime_ms.toFixed(1), '12.5');
  assert.deepEqual([bad, mixed, layer.median_ms], [12.5, 3, 12.5]);
});

test('a brand is a type only: the JSON of a branded DTO is the plain one', () => {
  const branded: PredictResult['total'] = { runtime_ms: ms(1.25), power_w: watts(2), energy_mj: millijoules(2.5) };
  assert.equal(JSON.stringify(branded), JSON.stringify({ runtime_ms: 1.25, power_w: 2, energy_mj: 2.5 }));
});

test('the constructors refuse what no quantity of the unit can be', () => {
  for (const make of [ms, seconds, microjoules, bytes]) {
    assert.throws(() => make(Number.NaN), /not a finite number/);
    assert.throws(() => make(Infinity), /not a finite number/);
    assert.throws(() => make(-1), /negative/);
    assert.equal(make(0), 0);
  }
  // Power and energy above idle, and fitted offsets, may dip below zero; NaN never.
  for (const make of [watts, millijoules, signedMs]) {
    assert.equal(make(-0.01), -0.01);
    assert.throws(() => make(Number.NaN), /not a finite number/);
  }
  const w: Watts = watts(1);
  assert.equal(w, 1);
});

test('branding a prediction at the service keeps its JSON as the predictors wrote it, key order included', () => {
  // Hand-made predictions in the two shapes the predictors build (kernel models add power last; NeuralPower before the source).
  const kernels: DevicePrediction = {
    layers: [{ name: 'conv1', op: 'conv', runtime_ms: 1.5, source: 'model', uncertainty_pct: 4, power_w: 2, energy_mj: 3 }],
    sum_of_layers_ms: 1.5,
    gap_factor: 1.1,
    total: { runtime_ms: 1.65, power_w: 2, energy_mj: 3.3 },
    baseline_runtime_ms: 1.2,
  };
  const neuralpower: DevicePrediction = { ...kernels, layers: [{ name: 'conv1', op: 'conv', runtime_ms: 1.5, power_w: 2, energy_mj: 3, source: 'lut', uncertainty_pct: 0 }], total: { runtime_ms: 1.65 } };
  for (const p of [kernels, neuralpower]) {
    // What the service returned before the brands: the predictor's objects as they are.
    const before = { layers: p.layers, total: p.total, sum_of_layers_ms: p.sum_of_layers_ms, gap_factor: p.gap_factor, baseline: { name: 'analytic', runtime_ms: p.baseline_runtime_ms } };
    assert.equal(JSON.stringify(predictionParts(p)), JSON.stringify(before));
  }
});
