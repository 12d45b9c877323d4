import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeviceClock } from './clock.js';

test('the least-delayed arrival sets the offset; later, slower arrivals do not move it', () => {
  const c = new DeviceClock({ maxDriftPpm: 0 });
  c.observe(0, 1000 + 7);
  c.observe(10, 1010 + 2);
  c.observe(20, 1020 + 9);
  assert.equal(c.toHost(30), 1032);
});

test('a slow device clock is followed at most maxDriftPpm; a device reset re-anchors', () => {
  const c = new DeviceClock({ maxDriftPpm: 1000 });
  c.observe(0, 1000);
  c.observe(1000, 2010); // 10 ms behind after 1 s: creeps 1 ms
  assert.equal(c.toHost(1000), 2001);
  c.observe(5, 2700); // device reset
  assert.equal(c.toHost(5), 2700);
});

test('late arrivals: a host stall that catches up keeps the offset; a lasting gap moves it', () => {
  const c = new DeviceClock({ maxDriftPpm: 0, jumpMs: 100, confirmMs: 500 });
  c.observe(0, 1000);
  c.observe(100, 1400); // the host stalled 300 ms ...
  assert.equal(c.toHost(100), 1100);
  c.observe(400, 1401); // ... and the backlog arrives
  assert.equal(c.toHost(400), 1400);
  for (let d = 500; d <= 1200; d += 100) c.observe(d, d + 1000 + 400); // 400 ms lost, uncounted
  assert.equal(c.toHost(1200), 2600);
});

test('anchor: a lower bound holds against late first arrivals', () => {
  const c = new DeviceClock({ maxDriftPpm: 0 });
  c.anchor(0, 500);
  c.observe(10, 560); // the first chunk was read 50 ms late
  assert.equal(c.toHost(10), 510);
  c.observe(20, 515); // arrivals can still pull it down
  assert.equal(c.toHost(20), 515);
  assert.throws(() => new DeviceClock().toHost(0));
});
