import { test } from 'node:test';
import assert from 'node:assert/strict';
import { quietRuns } from './kernel-job.js';

// Two kernels over 12 runs; runs 1, 3, 5, 7, 9 and 11 were interrupted (every kernel slower).
const slow = (r: number): number => (r % 2 ? 3 : 1);
const samples = [Array.from({ length: 12 }, (_, r) => 0.5 * slow(r) + r * 0.001), Array.from({ length: 12 }, (_, r) => 0.2 * slow(r))];

test('quietRuns keeps the runs with the lowest kernel totals, at least five', () => {
  assert.deepEqual(quietRuns(samples), [0, 2, 4, 6, 8]);
});

test('quietRuns keeps every run when there are too few to choose from', () => {
  const few = samples.map((s) => s.slice(0, 6));
  assert.deepEqual(quietRuns(few), [0, 1, 2, 3, 4, 5]);
});

test('quietRuns takes a quarter of many runs, and ignores kernels the runtime eliminated', () => {
  const many = [Array.from({ length: 40 }, (_, r) => 40 - r), []];
  assert.deepEqual(quietRuns(many), [30, 31, 32, 33, 34, 35, 36, 37, 38, 39]);
});
