import { test } from 'node:test';
import assert from 'node:assert/strict';
import { median, medianCi, relativeCiHalfWidth, summarize } from './stats.js';

test('median of odd and even samples', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.throws(() => median([]));
});

test('median interval uses order statistics', () => {
  // n = 100: half = 1.96*10/2 = 9.8 -> ranks floor(50-9.8)=40 and ceil(59.8)=60 (1-based),
  // i.e. values 40 and 60 of 1..100.
  const xs = Array.from({ length: 100 }, (_, i) => 100 - i);
  assert.deepEqual(medianCi(xs), { low: 40, high: 60 });
  // Small samples fall back towards the range.
  assert.deepEqual(medianCi([5, 1, 3]), { low: 1, high: 5 });
});

test('relative half-width shrinks as a tight sample grows', () => {
  const noisy = [10, 12, 9, 11, 10.5, 9.5];
  const tight = Array.from({ length: 200 }, (_, i) => 10 + ((i * 7) % 11) / 100);
  assert.ok(relativeCiHalfWidth(noisy) > 0.02);
  assert.ok(relativeCiHalfWidth(tight) < 0.02);
});

test('summary carries n, median, interval, MAD and range', () => {
  const s = summarize([1, 2, 3, 4, 100]);
  assert.equal(s.n, 5);
  assert.equal(s.median_ms, 3);
  assert.equal(s.mad_ms, 1); // |1-3|,|2-3|,0,1,97 -> median 1
  assert.equal(s.min_ms, 1);
  assert.equal(s.max_ms, 100);
  assert.ok(s.ci_low_ms <= s.median_ms && s.median_ms <= s.ci_high_ms);
});
