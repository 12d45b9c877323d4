import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LabbenchError } from '../app/api/errors.js';
import { openProfilesDb } from './profiles-db.js';
import { countRows, cpuFingerprint, dumpDb, SETTINGS, statsOf, tempDir, unit } from './test-fixtures/helpers.js';
import { ms, type Ms } from '../app/api/units.js';

function fresh(name: string) {
  const path = join(tempDir(), name);
  const db = openProfilesDb(path);
  const device = db.upsertDevice({ key: 'local', label: 'Test CPU', fingerprint: cpuFingerprint(), origin: 'measured' });
  return { path, db, device };
}

test('run lifecycle: start, record units, resume, end to end, complete', () => {
  const { db, device } = fresh('lifecycle.db');
  const run = db.startRun({ deviceId: device.id, workload: 'cifar10-6conv', settings: { ...SETTINGS } });
  assert.equal(run.status, 'incomplete');
  assert.equal(run.finished_at, null);
  assert.equal(run.end_to_end, null);
  assert.deepEqual(run.settings, SETTINGS);
  assert.deepEqual(db.completedUnits(run.id), new Set());

  db.recordUnit(run.id, unit(1), [3, 1, 2], statsOf([3, 1, 2]));
  db.recordUnit(run.id, unit(2), [5, 4, 6, 5], statsOf([5, 4, 6, 5]));
  assert.deepEqual(db.completedUnits(run.id), new Set([unit(1).key, unit(2).key]));
  assert.deepEqual(db.unitSamples(run.id, unit(1).key), [3, 1, 2], 'raw samples in measuring order');

  // Same settings in another key order (and as another object): the same run resumes.
  const reordered = Object.fromEntries(Object.entries(SETTINGS).reverse());
  assert.equal(db.findResumableRun(device.id, 'cifar10-6conv', reordered)?.id, run.id);
  assert.equal(db.findResumableRun(device.id, 'cifar10-6conv', { ...SETTINGS, threads: 2 }), undefined);
  assert.equal(db.findResumableRun(device.id, 'vgg16', SETTINGS), undefined);

  const units = db.runUnits(run.id);
  assert.deepEqual(
    units.map((u) => [u.key, u.op, u.layers, u.stats]),
    [
      [unit(1).key, 'conv', unit(1).layers, statsOf([1, 2, 3])],
      [unit(2).key, 'conv', unit(2).layers, statsOf([4, 5, 5, 6])],
    ],
  );
  assert.deepEqual(units[0]?.config, unit(1).config);

  // Each unit is in the device's LUT at once, as measured by this run.
  const lut = db.lutEntries(device.id);
  assert.deepEqual(lut.map((e) => [e.key, e.median_ms, e.n]), [
    [unit(1).key, 2, 3],
    [unit(2).key, 5, 4],
  ]);
  assert.deepEqual(db.lutSources(device.id).runs.map((r) => [r.id, r.entries]), [[run.id, 2]]);

  db.recordEndToEnd(run.id, [10, 12, 11], statsOf([10, 12, 11]));
  assert.deepEqual(db.getRun(run.id)?.end_to_end, statsOf([10, 11, 12]));
  assert.deepEqual(db.endToEndSamples(run.id), [10, 12, 11]);
  assert.equal(db.getRun(run.id)?.in_network, null, 'no per-operator times given');
  db.recordEndToEnd(run.id, [10, 12, 11], statsOf([10, 12, 11]), undefined, { conv1: 6.5, relu1: 0.25 });
  assert.deepEqual(db.getRun(run.id)?.in_network, { conv1: 6.5, relu1: 0.25 });
  assert.throws(() => db.recordEndToEnd(run.id, [10], statsOf([10]), undefined, { conv1: Number.NaN }), /finite/);
  assert.deepEqual(db.getRun(run.id)?.in_network, { conv1: 6.5, relu1: 0.25 }, 'a refused write changes nothing');

  db.completeRun(run.id);
  const done = db.getRun(run.id);
  assert.equal(done?.status, 'complete');
  assert.ok(done?.finished_at);
  assert.equal(db.findResumableRun(device.id, 'cifar10-6conv', SETTINGS), undefined, 'a complete run is not resumable');
  assert.throws(() => db.recordUnit(run.id, unit(3), [1], statsOf([1])), /already complete/);
  db.completeRun(run.id); // idempotent

  const second = db.startRun({ deviceId: device.id, workload: 'cifar10-6conv', settings: SETTINGS });
  assert.deepEqual(db.listRuns(device.id).map((r) => r.id), [second.id, run.id], 'newest first');
  assert.deepEqual(db.listRuns().map((r) => r.id), [second.id, run.id]);
  assert.equal(db.getRun(9999), undefined);
  db.close();
});

test('failRun keeps the run incomplete and resumable, with the reason; completing clears it', () => {
  const { db, device } = fresh('fail.db');
  const run = db.startRun({ deviceId: device.id, workload: 'w', settings: SETTINGS });
  db.recordUnit(run.id, unit(1), [1], statsOf([1]));
  db.failRun(run.id, 'runner crashed: exit 139');
  const failed = db.findResumableRun(device.id, 'w', SETTINGS);
  assert.equal(failed?.id, run.id);
  assert.equal(failed?.status, 'incomplete');
  assert.equal(failed?.error, 'runner crashed: exit 139');
  db.completeRun(run.id);
  assert.equal(db.getRun(run.id)?.error, null);
  assert.throws(() => db.failRun(run.id, 'late'), /already complete/);
  assert.throws(() => db.failRun(777, 'x'), /no run 777/);
  db.close();
});

test('recording a unit again replaces its samples, stats and LUT row', () => {
  const { db, device } = fresh('rerecord.db');
  const run = db.startRun({ deviceId: device.id, workload: 'w', settings: SETTINGS });
  db.recordUnit(run.id, unit(1), [1, 2, 3, 4, 5], statsOf([1, 2, 3, 4, 5]));
  db.recordUnit(run.id, unit(1), [7, 8, 9], statsOf([7, 8, 9]));
  assert.deepEqual(db.unitSamples(run.id, unit(1).key), [7, 8, 9]);
  assert.equal(db.runUnits(run.id).length, 1);
  assert.equal(db.lutEntries(device.id)[0]?.median_ms, 8);
  db.close();
});

test('a recordUnit that fails midway (NaN stat, after the samples went in) leaves no partial rows', () => {
  const { path, db, device } = fresh('rollback.db');
  const run = db.startRun({ deviceId: device.id, workload: 'w', settings: SETTINGS });
  db.recordUnit(run.id, unit(1), [1, 2, 3], statsOf([1, 2, 3]));
  const before = dumpDb(path);
  const bad = { ...statsOf([4, 5, 6]), mad_ms: Number.NaN as Ms };
  assert.throws(
    () => db.recordUnit(run.id, unit(2), [4, 5, 6], bad),
    (err: unknown) => err instanceof LabbenchError && err.code === 'DB_FAILED' && /recordUnit failed: NOT NULL constraint failed: run_units\.mad_ms/.test(err.message),
  );
  assert.throws(() => db.recordUnit(run.id, unit(2), [4, 5, 6], { ...statsOf([4, 5, 6]), ci_low_ms: ms(5.5) }), /CHECK constraint failed/);
  assert.throws(() => db.recordUnit(run.id, unit(2), [4, -5, 6], statsOf([4, 5, 6])), /CHECK constraint failed/);
  assert.throws(() => db.recordUnit(run.id, unit(2), [4, 5, 6], { ...statsOf([4, 5, 6]), n: 2.5 }), /cannot store REAL value in INTEGER column/);
  assert.equal(dumpDb(path), before);
  assert.deepEqual(db.completedUnits(run.id), new Set([unit(1).key]));
  assert.equal(countRows(path, 'samples'), 3);
  db.close();
});

test('a writer killed with SIGKILL mid-transaction leaves the units it finished and a resumable run', () => {
  const path = join(tempDir(), 'killed.db');
  const fixture = fileURLToPath(new URL('./test-fixtures/killed-writer.ts', import.meta.url));
  const repoRoot = fileURLToPath(new URL('..', import.meta.url));
  const child = spawnSync(process.execPath, ['--import', 'tsx', fixture, path], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
  assert.equal(child.signal, 'SIGKILL', `the child died by SIGKILL (status ${child.status}, stderr: ${child.stderr})`);

  const db = openProfilesDb(path);
  const device = db.resolveDevice('local');
  const resumable = db.findResumableRun(device.id, 'killed-net', SETTINGS);
  assert.ok(resumable, 'the run is there and resumable');
  assert.equal(resumable.status, 'incomplete');
  assert.equal(resumable.finished_at, null);
  assert.deepEqual(db.completedUnits(resumable.id), new Set([unit(1).key, unit(2).key]));
  assert.deepEqual(db.unitSamples(resumable.id, unit(3).key), [], 'nothing of the unit being written when killed');
  assert.equal(countRows(path, 'samples'), 6);
  assert.equal(db.lutEntries(device.id).length, 2);

  // And the job can go on where it stopped.
  db.recordUnit(resumable.id, unit(3), [1, 2], statsOf([1, 2]));
  db.completeRun(resumable.id);
  assert.equal(db.findResumableRun(device.id, 'killed-net', SETTINGS), undefined);
  db.close();
});

test('device conditions are kept with each sample; a mismatched list is refused whole', () => {
  const { path, db, device } = fresh('conditions.db');
  const run = db.startRun({ deviceId: device.id, workload: 'spnas-space', settings: { ...SETTINGS } });
  const conditions = [{ temperature_c: 38.5, cpu_khz: [1593600, 1593600, 2150400, 2150400] }, { temperature_c: 44.1, cpu_khz: [1593600, 1593600, 1824000, 1824000] }, {}];
  db.recordUnit(run.id, unit(1), [3, 4, 5], statsOf([3, 4, 5]), conditions);
  assert.deepEqual(db.sampleConditions(run.id, unit(1).key), [
    { temperature_c: 38.5, cpu_khz: [1593600, 1593600, 2150400, 2150400] },
    { temperature_c: 44.1, cpu_khz: [1593600, 1593600, 1824000, 1824000] },
    { temperature_c: null, cpu_khz: null },
  ]);
  const before = dumpDb(path);
  assert.throws(() => db.recordUnit(run.id, unit(2), [1, 2], statsOf([1, 2]), [{ temperature_c: 30 }]));
  assert.equal(dumpDb(path), before);
});
