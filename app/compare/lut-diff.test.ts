import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffEntries, geomeanCi, logSe, ratioCi, t975, type DiffEntry } from './lut-diff.js';
import { ms } from '../api/units.js';

// Hand-made rows: the statistics are chosen to make the arithmetic checkable, not measured.
const row = (key: string, median: number, low: number, high: number, mad = 0, n = 20): DiffEntry => ({ key, op: 'conv', n, median_ms: ms(median), ci_low_ms: ms(low), ci_high_ms: ms(high), mad_ms: ms(mad), min_ms: ms(low), max_ms: ms(high) });

test('the standard error of log(median) comes from the stored interval, else the MAD, else none', () => {
  assert.ok(Math.abs(logSe(row('k', 1, Math.exp(-0.1), Math.exp(0.1))) - 0.2 / 3.919928) < 1e-9);
  const mad = logSe(row('k', 2, 2, 2, 0.1, 25));
  assert.ok(Math.abs(mad - (1.2533 * 1.4826 * 0.1) / 5 / 2) < 1e-9);
  assert.equal(logSe(row('k', 2, 2, 2, 0, 1)), 0);
});

test('a ratio interval adds the two sides in quadrature on the log scale', () => {
  const r = ratioCi(2, 3, 0.03, 0.04);
  assert.equal(r.ratio, 1.5);
  assert.ok(Math.abs(Math.log(r.ci_high / r.ratio) - 1.959964 * 0.05) < 1e-9);
  assert.ok(Math.abs(r.ci_low * r.ci_high - r.ratio * r.ratio) < 1e-12, 'symmetric in log');
});

test('the summary is a geometric mean with a t-interval over keys', () => {
  assert.equal(t975(1), 12.706);
  assert.ok(Math.abs(t975(120) - 1.98) < 0.001);
  const g = geomeanCi([2, 8].map((x) => ({ ratio: x, ci_low: x, ci_high: x })))!;
  assert.ok(Math.abs(g.ratio - 4) < 1e-12);
  const half = (12.706 * Math.sqrt(2 * Math.log(2) ** 2)) / Math.sqrt(2);
  assert.ok(Math.abs(Math.log(g.ci_high / 4) - half) < 1e-9);
  assert.equal(geomeanCi([]), null);
});

test('keys on one side only are listed; a zero median has no ratio', () => {
  const side = (name: string) => ({ name, entries: 0 });
  const d = diffEntries(side('A'), [row('a', 1, 0.9, 1.1), row('b', 1, 0.9, 1.1), row('skip', 0, 0, 0)], side('B'), [row('a', 2, 1.8, 2.2), row('c', 1, 1, 1), row('skip', 0, 0, 0)]);
  assert.deepEqual(d.rows.map((r) => r.key), ['a']);
  assert.deepEqual(d.only_a, ['b']);
  assert.deepEqual(d.only_b, ['c']);
  assert.equal(d.summary?.keys, 1);
  assert.equal(d.summary?.ratio, 2);
});
