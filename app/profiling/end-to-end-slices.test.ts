// End-to-end runs taken in slices spread over the unit queue, pooled into one measurement, on a real DB file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openProfilesDb } from '../../profiles-db/profiles-db.js';
import { cpuFingerprint, tempDir } from '../../profiles-db/test-fixtures/helpers.js';
import { pooled, runProfileJob } from './profile-job.js';
import type { Measured, ProfilingTarget } from '../../native-runners/target.js';

/** A device that answers from a script and logs what it was asked, in order. */
class ScriptedTarget implements ProfilingTarget {
  readonly deviceKey = 'scripted';
  readonly label = 'scripted device';
  readonly settings = {};
  readonly log: string[] = [];
  private slice = 0;
  constructor(readonly endToEndSlices: number) {}
  fingerprint() {
    return Promise.resolve(cpuFingerprint({ note: 'scripted' }));
  }
  measureUnit(): Promise<Measured> {
    this.log.push('unit');
    return Promise.resolve({ samplesMs: [1, 1, 1], deviceMs: 3 });
  }
  measureNetwork(): Promise<Measured> {
    this.log.push('net');
    // Slice i runs at 10 + i ms: a host whose speed drifts between slices.
    const ms = 10 + this.slice++;
    return Promise.resolve({ samplesMs: [ms, ms], deviceMs: 2 * ms, wallMedianMs: ms + 1, nodesMs: { conv1: ms / 2 } });
  }
}

test('four slices: one before the first unit, two at thirds of the queue, one after the last; stats over all samples', async () => {
  const db = openProfilesDb(join(tempDir(), 'slices.db'));
  try {
    const target = new ScriptedTarget(4);
    const r = await runProfileJob(db, target, { device: 'scripted', workload: 'cifar10-6conv' }, { resolution: null, batch: 1, canaryEvery: 0, canaryDrift: 0.1 });
    const units = r.measured_units;
    assert.equal(units, 17);
    const at = target.log.flatMap((x, i) => (x === 'net' ? [target.log.slice(0, i).filter((y) => y === 'unit').length] : []));
    assert.deepEqual(at, [0, Math.floor(units / 3), Math.floor((2 * units) / 3), units]);
    assert.equal(r.end_to_end?.n, 8);
    assert.equal(r.end_to_end?.median_ms, 11.5, 'the median of 10,10,11,11,12,12,13,13');
    assert.equal(r.end_to_end?.wall_median_ms, 12.5, 'the median of the slices\' wall medians');
  } finally {
    db.close();
  }
});

test('one slice (the default): the network once, after every unit', async () => {
  const db = openProfilesDb(join(tempDir(), 'one.db'));
  try {
    const target = new ScriptedTarget(1);
    await runProfileJob(db, target, { device: 'scripted', workload: 'cifar10-6conv' }, { resolution: null, batch: 1, canaryEvery: 0, canaryDrift: 0.1 });
    assert.equal(target.log.indexOf('net'), target.log.length - 1);
    assert.equal(target.log.filter((x) => x === 'net').length, 1);
  } finally {
    db.close();
  }
});

test('a layer sample has no network to run: slices ask for none, and the job ends', async () => {
  const db = openProfilesDb(join(tempDir(), 'sample.db'));
  try {
    const target = new ScriptedTarget(4);
    const r = await runProfileJob(db, target, { device: 'scripted', workload: 'layer-sample:5' }, { resolution: null, batch: 1, canaryEvery: 0, canaryDrift: 0.1 });
    assert.equal(r.measured_units, 5);
    assert.ok(!target.log.includes('net'));
    assert.equal(r.end_to_end, undefined);
  } finally {
    db.close();
  }
});

test('pooled: all samples, node times weighted by each slice\'s samples, nodes missing from a slice dropped', () => {
  const p = pooled([
    { samplesMs: [10, 10, 10], deviceMs: 30, wallMedianMs: 11, nodesMs: { a: 4, b: 1 } },
    { samplesMs: [20], deviceMs: 20, wallMedianMs: 21, nodesMs: { a: 8 } },
  ]);
  assert.deepEqual(p, { samplesMs: [10, 10, 10, 20], deviceMs: 50, wallMedianMs: 16, nodesMs: { a: 5 } });
});
