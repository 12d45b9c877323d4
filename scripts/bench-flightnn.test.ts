import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flightnnClaim, flightnnOptions, meanFront, pairedT } from './bench-flightnn.js';

const row = (label: string, error: number, energy: number) => ({
  label,
  scheme: (label.startsWith('flightnn') ? 'flightnn' : label) as 'flightnn' | 'lightnn-1' | 'lightnn-2' | 'conventional',
  error: { mean: error },
  energy: { mean: energy },
});

test('the front over the means keeps what no other row beats on both axes, cheapest first', () => {
  const rows = [row('conventional', 0.1, 3), row('lightnn-2', 0.12, 0.7), row('lightnn-1', 0.15, 0.4), row('flightnn@0.1', 0.16, 0.5)];
  assert.deepEqual(meanFront(rows), ['lightnn-1', 'lightnn-2', 'conventional']);
});

test("the seed's claim: a FLightNN point below the LightNN-1 to LightNN-2 line holds it, one beaten by LightNN does not", () => {
  const l = [row('lightnn-2', 0.12, 0.7), row('lightnn-1', 0.16, 0.3)];
  // The line gives 0.14 at 0.5 uJ.
  assert.equal(flightnnClaim([...l, row('flightnn@0.01', 0.13, 0.5)]).holds, true);
  assert.equal(flightnnClaim([...l, row('flightnn@0.01', 0.15, 0.5)]).holds, false);
  const beaten = flightnnClaim([...l, row('flightnn@0.01', 0.13, 0.5), row('flightnn@0.001', 0.125, 0.75)]);
  assert.equal(beaten.holds, false);
  assert.match(beaten.text, /beaten on both axes by LightNN: flightnn@0.001/);
  assert.equal(flightnnClaim(l).holds, false);
  // A penalty beaten by LightNN-1 and by another penalty is off FLightNN's own front: it does not count.
  assert.equal(flightnnClaim([...l, row('flightnn@0.01', 0.13, 0.5), row('flightnn@1', 0.165, 0.6)]).holds, true);
});

test('the options: quick shrinks, flags override, bad penalties are refused', () => {
  assert.deepEqual(flightnnOptions(true, []), { seeds: 3, model: 'mnist-2conv', data: 'fashion-mnist', epochs: 1, limit: 2000, penalties: [0.1, 1, 10] });
  const o = flightnnOptions(false, ['--flightnn-data=mnist', '--flightnn-penalties=0.01,0.2', '--flightnn-seeds=2']);
  assert.equal(o.data, 'mnist');
  assert.deepEqual(o.penalties, [0.01, 0.2]);
  assert.equal(o.seeds, 2);
  assert.throws(() => flightnnOptions(false, ['--flightnn-penalties=0.01,-1']), /positive/);
  assert.throws(() => flightnnOptions(false, ['--flightnn-data=cifar10']), /mnist or fashion-mnist/);
  assert.throws(() => flightnnOptions(false, ['--flightnn-seeds=1.5']), /whole number/);
});

test('paired by seed: a shift shared by every seed cancels, a steady difference stands out', () => {
  const p = pairedT([0.22, 0.18, 0.2], [0.21, 0.17, 0.195]);
  assert.equal(p.noise, 'outside');
  assert.ok(Math.abs(p.diff - 0.025 / 3) < 1e-12);
  assert.equal(pairedT([0.22, 0.18, 0.2], [0.23, 0.17, 0.2]).noise, 'inside');
  assert.equal(pairedT([0.2], [0.1]).noise, 'unknown');
});
