// The benchmark's profile text, against the layout of TF's stats_calculator.cc.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cppDefault, cppFixed3 } from './cpp-format.js';
import { profileReport, Stat, StatsCalculator } from './profile-format.js';

test('numbers print like C++ iostreams', () => {
  assert.equal(cppDefault(2949900), '2.9499e+06');
  assert.equal(cppDefault(57758.2), '57758.2');
  assert.equal(cppDefault(0.5), '0.5');
  assert.equal(cppDefault(1), '1');
  assert.equal(cppDefault(150), '150');
  assert.equal(cppDefault(0.00536), '0.00536');
  assert.equal(cppDefault(0.0000123), '1.23e-05');
  assert.equal(cppDefault(123456.7), '123457');
  assert.equal(cppFixed3(2.0664), '2.066');
});

test('Stat prints count/first/curr/min/max/avg/std, or the all-same form', () => {
  const s = new Stat();
  for (const v of [2989660, 2912978, 2727203, 3189476]) s.update(v);
  assert.equal(s.toString(), 'count=4 first=2989660 curr=3189476 min=2727203 max=3189476 avg=2.95483e+06 std=165708');
  const one = new Stat();
  one.update(132);
  assert.equal(one.toString(), 'count=1 curr=132');
  assert.equal(new Stat().toString(), 'count=0');
});

test('stdout table: tab-separated, right-aligned columns, [start] in the classic build', () => {
  const c = new StatsCalculator();
  c.addNodeStats('[a]:0', 'CONV_2D', 0, 0, 1500, 0);
  c.addNodeStats('[b]:1', 'RELU', 1, 1500, 500, 0);
  c.updateRunTotalUs(2000);
  const out = profileReport(c, null, { csv: false, startColumn: true }).split('\n');
  assert.equal(out[0], '============================== Run Order ==============================');
  assert.equal(out[1], '\t             [node type]\t          [start]\t  [first]\t [avg ms]\t     [%]\t  [cdf%]\t  [mem KB]\t[times called]\t[Name]');
  assert.equal(out[2], '\t                 CONV_2D\t            0.000\t    1.500\t    1.500\t 75.000%\t 75.000%\t     0.000\t        1\t[a]:0');
  assert.equal(out[3], '\t                    RELU\t            1.500\t    0.500\t    0.500\t 25.000%\t100.000%\t     0.000\t        1\t[b]:1');
  assert.ok(out.includes('\t                 CONV_2D\t        1\t     1.500\t    75.000%\t    75.000%\t     0.000\t        1'));
  assert.ok(out.includes('Timings (microseconds): count=1 curr=2000'));
  assert.ok(out.includes('2 nodes observed'));
  const modern = profileReport(c, null, { csv: false, startColumn: false }).split('\n');
  assert.equal(modern[2], '\t                 CONV_2D\t    1.500\t    1.500\t 75.000%\t 75.000%\t     0.000\t        1\t[a]:0');
});

test('CSV form', () => {
  const c = new StatsCalculator();
  c.addNodeStats('[a]:0', 'CONV_2D', 0, 0, 1500, 0);
  c.addNodeStats('[b]:1', 'RELU', 1, 1500, 500, 0);
  c.updateRunTotalUs(2000);
  const out = profileReport(c, null, { csv: true, startColumn: true }).split('\n');
  assert.equal(out[1], 'node type, start, first, avg_ms, %, cdf%, mem KB, times called, name');
  assert.equal(out[2], 'CONV_2D, 0, 1.5, 1.5, 75%, 75%, 0, 1, [a]:0');
  assert.equal(out[3], 'RELU, 1.5, 0.5, 0.5, 25%, 100%, 0, 1, [b]:1');
  assert.ok(out.includes('node type, count, avg_ms, avg %, cdf %, mem KB, times called'));
  assert.ok(out.includes('CONV_2D, 1, 1.5, 75%, 75%, 0, 1'));
});
