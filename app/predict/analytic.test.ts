// The Paleo-style baseline: the formula by hand, and its fits recovering known parameters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeLayer } from '../workloads/analyze.js';
import { analyticMs, fitAnalytic, fitAnalyticLog, fitAnalyticOverhead, predictAnalyticLayer, type CostSample } from './analytic.js';
import { mulberry32 } from '../util/rng.js';

const close = (a: number, b: number, tol: number): void => assert.ok(Math.abs(a - b) <= tol * Math.max(1e-12, Math.abs(b)), `${a} vs ${b}`);

test('analyticMs: 1 GFLOP at 100 GFLOP/s + 60 MB at 6 GB/s + 0.05 ms = 20.05 ms', () => {
  close(analyticMs({ peak_flops: 100e9, bandwidth: 6e9, overhead_ms: 0.05 }, 1e9, 60e6), 10 + 10 + 0.05, 1e-12);
  // An infinite peak drops its term.
  close(analyticMs({ peak_flops: Infinity, bandwidth: 6e9, overhead_ms: 0 }, 1e9, 60e6), 10, 1e-12);
  // fc 256 -> 10 at batch 1: flops 5130, bytes 11344 (features.test.ts)
  const a = analyzeLayer({ op: 'fc', name: 'f', inputs: ['input'], out: 10, bias: true }, [[256]]);
  close(predictAnalyticLayer({ peak_flops: 1e9, bandwidth: 1e9, overhead_ms: 0 }, a), (1000 * (5130 + 11344)) / 1e9, 1e-12);
});

const truth = { peak_flops: 50e9, bandwidth: 8e9, overhead_ms: 0.02 };
function costs(n: number): CostSample[] {
  const u = mulberry32(11);
  return Array.from({ length: n }, () => {
    const flops = 10 ** (4 + 5 * u());
    const bytes = 10 ** (3 + 5 * u());
    return { flops, bytes, runtime_ms: analyticMs(truth, flops, bytes) };
  });
}

test('fitAnalyticOverhead recovers the overhead given the peaks; fitAnalytic recovers all three', () => {
  const data = costs(50);
  close(fitAnalyticOverhead(data, truth).overhead_ms, 0.02, 1e-9);
  const fit = fitAnalytic(data);
  close(fit.peak_flops, truth.peak_flops, 1e-6);
  close(fit.bandwidth, truth.bandwidth, 1e-6);
  close(fit.overhead_ms, truth.overhead_ms, 1e-6);
});

test('fits never go negative: overhead floored at 0, an unhelpful term gets an infinite peak', () => {
  const data = costs(30);
  // Peaks 10x too slow: the analytic part alone exceeds every runtime, so the best overhead would be negative.
  assert.equal(fitAnalyticOverhead(data, { peak_flops: 5e9, bandwidth: 0.8e9 }).overhead_ms, 0);
  // Runtime proportional to FLOPs only: the byte term is 0 -> infinite bandwidth (or one
  // so large that rounding is all that is left of it).
  const flopsOnly = data.map((s) => ({ ...s, runtime_ms: (1000 * s.flops) / 50e9 }));
  const fit = fitAnalytic(flopsOnly);
  assert.ok(fit.bandwidth > 1e15, `${fit.bandwidth}`);
  close(fit.peak_flops, 50e9, 1e-6);
  assert.ok(fit.overhead_ms >= 0 && fit.overhead_ms < 1e-9);
});

test('fitAnalyticLog recovers all three, and keeps them where a few kernels that count bytes but take no time carry the relative fit off', () => {
  const data = costs(60);
  const fit = fitAnalyticLog(data);
  close(fit.peak_flops, truth.peak_flops, 1e-3);
  close(fit.bandwidth, truth.bandwidth, 1e-3);
  close(fit.overhead_ms, truth.overhead_ms, 1e-3);
  // Reshapes a runtime elides: megabytes counted, a microsecond taken.
  const elided = Array.from({ length: 5 }, (_, i) => ({ flops: 0, bytes: 1e6 * (i + 1), runtime_ms: 0.001 }));
  const mixed = [...data, ...elided];
  const rel = fitAnalytic(mixed);
  const log = fitAnalyticLog(mixed);
  const err = (p: typeof rel): number => {
    const e = data.map((s) => Math.abs(Math.log(analyticMs(p, s.flops, s.bytes) / s.runtime_ms))).sort((a, b) => a - b);
    return e[e.length >> 1]!;
  };
  // The relative fit lets the elided kernels set the scale; the log fit stays near the truth on the rest.
  assert.ok(err(rel) > 0.5, `relative fit, median |log error| ${err(rel)}`);
  assert.ok(err(log) < 0.5, `log fit, median |log error| ${err(log)}`);
});
