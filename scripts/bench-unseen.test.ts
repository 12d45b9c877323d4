import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SMALL_MS, sizeClasses, type UnseenRow } from './bench-unseen.js';

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
