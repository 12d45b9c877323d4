/**
 * The canary timed beside measured runs, on onnxruntime-node: every run gets the mean of the
 * readings just before and just after it; short runs share readings, long runs get one each.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NetworkBuilder } from '../../app/workloads/builder.js';
import { layerPlan } from '../../app/workloads/units.js';
import { canaryUnit } from '../canary.js';
import { buildOnnx } from './artifact.js';
import { measureOnnx, openCanary, type CanaryProbe, type MeasureOptions } from './runner.js';

const OPTS: MeasureOptions = { threads: 1, graphOptimization: 'disabled', executionProvider: 'cpu', warmup: 2, minRuns: 40, maxRuns: 40, targetRelCi: 1, maxSeconds: 30 };

/** The real canary, with each reading kept in order. */
async function recordedCanary(): Promise<{ probe: CanaryProbe; readings: number[] }> {
  const real = await openCanary(buildOnnx(canaryUnit(1).network), OPTS);
  const readings: number[] = [];
  return {
    readings,
    probe: {
      run: async () => {
        const ms = await real.run();
        readings.push(ms);
        return ms;
      },
      release: () => real.release(),
    },
  };
}

const layer = (channels: number, side: number) => {
  const b = new NetworkBuilder('t', [channels, side, side], 1);
  b.conv(channels, 3, { name: 'conv' });
  return buildOnnx(layerPlan('t', b.build()).units[0]!.network);
};

test('short runs share canary readings; each run gets the mean of the readings around it', async () => {
  const { probe, readings } = await recordedCanary();
  try {
    const m = await measureOnnx(layer(4, 8), { ...OPTS, canary: probe });
    assert.equal(m.canaryMs?.length, 40);
    assert.ok(readings.length >= 2 && readings.length < 40, `${readings.length} readings for 40 runs of a ~0.01 ms layer`);
    const means = new Set(readings.slice(1).map((r, i) => (readings[i]! + r) / 2));
    assert.ok(m.canaryMs.every((c) => means.has(c) && c > 0));
    assert.equal(m.canaryMs[0], (readings[0]! + readings[1]!) / 2);
    assert.equal(m.canaryMs[39], (readings[readings.length - 2]! + readings[readings.length - 1]!) / 2, 'the last runs pair with the reading after the loop');
  } finally {
    await probe.release();
  }
});

test('runs longer than the reading interval get a reading each; without a canary none is taken', async () => {
  const { probe, readings } = await recordedCanary();
  try {
    const m = await measureOnnx(layer(128, 56), { ...OPTS, minRuns: 6, maxRuns: 6, canary: probe });
    assert.ok(m.wallMs.every((ms) => ms >= 3), `runs of ${m.wallMs.map((x) => x.toFixed(1)).join(', ')} ms`);
    assert.equal(readings.length, 7, 'one before each run, one after the last');
    assert.deepEqual(m.canaryMs, readings.slice(1).map((r, i) => (readings[i]! + r) / 2));
    const plain = await measureOnnx(layer(4, 8), OPTS);
    assert.equal(plain.canaryMs, undefined);
  } finally {
    await probe.release();
  }
});

test('past canaryReadings, readings thin out as the series grows; each run still gets the readings around it', async () => {
  const { probe, readings } = await recordedCanary();
  try {
    const m = await measureOnnx(layer(128, 56), { ...OPTS, canaryEveryMs: 3, canaryReadings: 4, canary: probe });
    assert.equal(m.canaryMs?.length, 40);
    // Every run of 3 ms or more would get one (41 readings); a period of a quarter of the time so far gives far fewer.
    assert.ok(m.wallMs.every((ms) => ms >= 3), `runs of ${m.wallMs.map((x) => x.toFixed(1)).join(', ')} ms`);
    assert.ok(readings.length >= 5 && readings.length <= 20, `${readings.length} readings for 40 runs`);
    const means = new Set(readings.slice(1).map((r, i) => (readings[i]! + r) / 2));
    assert.ok(m.canaryMs.every((c) => means.has(c)));
  } finally {
    await probe.release();
  }
});
