import { test } from 'node:test';
import assert from 'node:assert/strict';
import { averagePower, idleBaseline, loopLengthFor, netPower } from './align.js';
import type { PowerSample } from './meter.js';

const at = (t_ms: number, watts: number): PowerSample => ({ t_ms, watts });
const series: PowerSample[] = [at(0, 1), at(100, 1.2), at(200, 3), at(300, 3.2), at(400, 2.8), at(500, 1.1)];

test('averagePower: mean, sd and SEM of the samples inside the window, inclusive', () => {
  const a = averagePower(series, 200, 400);
  assert.ok(a);
  assert.equal(a.n, 3);
  assert.ok(Math.abs(a.mean_w - 3) < 1e-12);
  assert.ok(Math.abs(a.sd_w - 0.2) < 1e-12);
  assert.ok(Math.abs(a.sem_w - 0.2 / Math.sqrt(3)) < 1e-12);
});

test('averagePower: too few samples is no power at all, never 0 W', () => {
  assert.equal(averagePower(series, 210, 290), undefined);
  assert.equal(averagePower(series, 250, 350), undefined, 'one sample has no standard error');
  assert.equal(averagePower([], 0, 1000), undefined);
  assert.equal(averagePower(series, 250, 350, { minSamples: 1 })?.mean_w, 3.2);
  assert.equal(averagePower(series, 0, 500, { minSamples: 7 }), undefined);
});

test('loopLengthFor: readings needed follow from cv and precision, time from the rate', () => {
  assert.deepEqual(loopLengthFor(7, 0.02, 0.1), { seconds: 25 / 7, samples: 25 });
  assert.deepEqual(loopLengthFor(1000, 0.01, 0.1), { seconds: 0.1, samples: 100 });
  assert.deepEqual(loopLengthFor(7, 0.02, 0), { seconds: 5 / 7, samples: 5 });
  assert.throws(() => loopLengthFor(0, 0.02, 0.1), RangeError);
  assert.throws(() => loopLengthFor(7, 0, 0.1), RangeError);
});

test('idleBaseline: both sides average (drift cancels), one side stands alone, none is undefined', () => {
  const before = { mean_w: 1.0, sd_w: 0.1, sem_w: 0.03, n: 10 };
  const after = { mean_w: 1.2, sd_w: 0.1, sem_w: 0.04, n: 12 };
  const b = idleBaseline(before, after);
  assert.ok(b);
  assert.ok(Math.abs(b.mean_w - 1.1) < 1e-12);
  assert.ok(Math.abs(b.sem_w - 0.025) < 1e-12);
  assert.ok(Math.abs(b.drift_w! - 0.2) < 1e-12);
  assert.equal(b.n, 22);
  assert.deepEqual(idleBaseline(undefined, after), { mean_w: 1.2, sem_w: 0.04, n: 12 });
  assert.equal(idleBaseline(undefined, undefined), undefined);
  const net = netPower({ mean_w: 3, sd_w: 0.2, sem_w: 0.03, n: 40 }, b);
  assert.ok(net && Math.abs(net.mean_w - 1.9) < 1e-12 && Math.abs(net.sem_w - Math.hypot(0.03, 0.025)) < 1e-12);
  assert.equal(netPower(undefined, b), undefined);
});
