import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorSources, SMALL_MS, sizeClasses, type UnseenRow } from './bench-unseen.js';

const row = (network: string, measured: number, error: number, spread: number): UnseenRow => ({
  network,
  family: 'random',
  macs_m: 1,
  predicted_ms: measured * (1 + error / 100),
  analytic_ms: measured,
  measured_ms: measured,
  measured_raw_ms: measured,
  spread_pct: spread,
  error_pct: error,
  error_raw_pct: error,
  analytic_error_pct: 0,
});

test('networks are split at SMALL_MS by their truth, each side with its hits and its repeat spread', () => {
  const rows = [row('a', 0.5, 25, 12), row('b', 2.9, -4, 8), row('c', SMALL_MS, 11, 2), row('d', 40, -9.9, 3), row('e', 7, 3, 4)];
  const [small, large] = sizeClasses(rows);
  assert.deepEqual(small, { truth: `under ${SMALL_MS} ms`, networks: 2, within_10_pct: 1, median_spread_pct: 10 });
  assert.deepEqual(large, { truth: `${SMALL_MS} ms and over`, networks: 3, within_10_pct: 2, median_spread_pct: 3 });
  assert.ok(Number.isNaN(sizeClasses([row('f', 9, 1, 1)])[0]!.median_spread_pct));
});

test('where the misses lie: the network terms on the profiled kernels, and the predicted kernel sums, each scored against 10%', () => {
  const rows: UnseenRow[] = [
    { ...row('a', 1, 30, 1), on_profiled_kernels_error_pct: 25, kernel_sum_ratio: 1.04 },
    { ...row('b', 1, 20, 1), on_profiled_kernels_error_pct: -3, kernel_sum_ratio: 1.2 },
    { ...row('c', 1, 2, 1), on_profiled_kernels_error_pct: 9.9, kernel_sum_ratio: 0.91 },
    // Profiled without kernel rows: not counted.
    row('d', 1, 50, 1),
  ];
  assert.deepEqual(errorSources(rows), { networks: 3, on_profiled_kernels_within_10_pct: 2, kernel_sums_within_10_pct: 2 });
  assert.equal(errorSources([row('e', 1, 1, 1)]), undefined);
});
