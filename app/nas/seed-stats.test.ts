/** Results over seeds (mean, sd, Welch's verdict) and the skip-heavy collapse check of `nas`. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeComparison, summarizeSeeds, tCritical, welch } from './seed-stats.js';
import { skipCollapse } from './nas-job.js';
import { uniformArchitecture } from './architecture.js';
import { SKIP } from '../predict/spnas-lut.js';
import { SPNAS_LAYERS } from '../workloads/zoo/spnas-space.js';

test('mean and sample sd over seeds; Welch says whether a difference is outside the noise', () => {
  const s = summarizeSeeds([0.8, 0.82, 0.84]);
  assert.ok(Math.abs(s.mean - 0.82) < 1e-12 && Math.abs(s.sd - 0.02) < 1e-12);
  assert.deepEqual(summarizeSeeds([0.5]), { n: 1, mean: 0.5, sd: 0 });
  // 2 points apart with a 1-point spread each side: t = 0.02 / sqrt(2 * 0.01^2 / 3) = 2.45, df 4 -> 2.776: inside.
  const close = welch([0.81, 0.82, 0.83], [0.79, 0.8, 0.81]);
  assert.ok(Math.abs(close.t! - 2.449) < 1e-3 && Math.abs(close.df! - 4) < 1e-9, JSON.stringify(close));
  assert.equal(close.noise, 'inside');
  assert.match(describeComparison(close), /^\+2\.00 points \(Welch t 2\.45, df 4\.0, \|t\| <= 2\.78: inside the noise\)$/);
  const far = welch([0.9, 0.91, 0.92], [0.8, 0.81, 0.82]);
  assert.equal(far.noise, 'outside');
  assert.equal(welch([0.9], [0.8, 0.81]).noise, 'unknown');
  assert.match(describeComparison(welch([0.9], [0.8])), /one seed/);
  assert.equal(tCritical(1), 12.706);
  assert.equal(tCritical(4.7), 2.776);
  assert.ok(tCritical(1000) > 1.96 && tCritical(1000) < 1.97);
});

test('a found network that skips more than half of its skippable layers carries a collapse warning', () => {
  const skippable = SPNAS_LAYERS.filter((l) => l.residual).map((l) => l.index);
  assert.deepEqual(skipCollapse(uniformArchitecture(0)), { skipped: { layers: 0, of: skippable.length } });
  const half = [...uniformArchitecture(0)];
  for (const i of skippable.slice(0, Math.floor(skippable.length / 2))) half[i] = SKIP;
  assert.equal(skipCollapse(half).warning, undefined);
  const most = [...half];
  most[skippable[skippable.length - 1]!] = SKIP;
  const c = skipCollapse(most);
  assert.deepEqual(c.skipped, { layers: Math.floor(skippable.length / 2) + 1, of: skippable.length });
  assert.match(c.warning!, /^skip-heavy collapse: the found network skips 8 of its 15 skippable layers/);
});
