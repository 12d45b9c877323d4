// One job at a time measures a run: openRun's refusal while the holder lives (this process,
// another job; another host), its take-over once the holder is gone (a dead pid, a pid reused
// by another process), and release. Two processes at once: test/concurrent-profile.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { LabbenchError } from '../app/api/errors.js';
import { newRunOwner, openProfilesDb, type RunOwner } from './profiles-db.js';
import { cpuFingerprint, SETTINGS, statsOf, tempDir, unit } from './test-fixtures/helpers.js';

function fresh() {
  const db = openProfilesDb(join(tempDir(), 'lock.db'));
  const device = db.upsertDevice({ key: 'local', label: 'Test CPU', fingerprint: cpuFingerprint(), origin: 'measured' });
  const run = { deviceId: device.id, workload: 'cifar10-6conv', settings: { ...SETTINGS } };
  return { db, run };
}

/** The pid of a process that has just exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

function refusal(fn: () => unknown): LabbenchError {
  try {
    fn();
  } catch (e) {
    if (e instanceof LabbenchError) return e;
    throw e;
  }
  assert.fail('not refused');
}

test('a run held by a live job is refused to a second one, naming the run and the holder; the DB is unchanged', () => {
  const { db, run } = fresh();
  const first = newRunOwner();
  const opened = db.openRun(run, { fresh: false, owner: first });
  assert.equal(opened.resumed, false);
  db.recordUnit(opened.run.id, unit(1), [1, 2, 3], statsOf([1, 2, 3]));
  assert.equal(db.getRun(opened.run.id)!.owner?.token, first.token);

  // Another job of this very process: alive, so refused too.
  const e = refusal(() => db.openRun(run, { fresh: false, owner: newRunOwner() }));
  assert.equal(e.code, 'RUN_IN_USE');
  assert.match(e.message, new RegExp(`^run ${opened.run.id} \\(cifar10-6conv on local\\) is being measured by pid ${process.pid} on ${hostname()} since \\d{4}-`));
  assert.match(e.message, new RegExp(`kill ${process.pid}`));
  assert.equal(db.listRuns().length, 1, 'no second run');
  assert.equal(db.getRun(opened.run.id)!.owner?.token, first.token, 'still the first job’s');
  assert.deepEqual(db.completedUnits(opened.run.id), new Set([unit(1).key]));

  // The holder itself may open it again (a retry inside one job).
  assert.equal(db.openRun(run, { fresh: false, owner: first }).run.id, opened.run.id);
  // --fresh measures a new run and does not touch the held one.
  const other = db.openRun(run, { fresh: true, owner: newRunOwner() });
  assert.notEqual(other.run.id, opened.run.id);
  assert.equal(db.getRun(opened.run.id)!.owner?.token, first.token);
});

test('released or completed runs are free; a release by another job is a no-op', () => {
  const { db, run } = fresh();
  const first = newRunOwner();
  const { run: r } = db.openRun(run, { fresh: false, owner: first });
  db.releaseRun(r.id, newRunOwner().token);
  assert.equal(db.getRun(r.id)!.owner?.token, first.token);
  db.releaseRun(r.id, first.token);
  assert.equal(db.getRun(r.id)!.owner, null);
  const second = newRunOwner();
  const again = db.openRun(run, { fresh: false, owner: second });
  assert.equal(again.run.id, r.id);
  assert.equal(again.resumed, true);
  assert.equal(again.tookOverFrom, undefined, 'nothing to take over');
  db.completeRun(r.id);
  assert.equal(db.getRun(r.id)!.owner, null, 'complete: held by none');
});

test('a dead holder’s run is taken over, and so is one whose pid now belongs to another process', () => {
  for (const dead of [
    { ...newRunOwner(), pid: deadPid() },
    // This process's pid, but not the process that took the run (another start time).
    { ...newRunOwner(), started: 'not-this-process' },
  ] satisfies RunOwner[]) {
    const { db, run } = fresh();
    const held = db.openRun(run, { fresh: false, owner: dead });
    db.recordUnit(held.run.id, unit(1), [1, 2, 3], statsOf([1, 2, 3]));
    const mine = newRunOwner();
    const opened = db.openRun(run, { fresh: false, owner: mine });
    assert.equal(opened.run.id, held.run.id, 'the same run, resumed');
    assert.equal(opened.tookOverFrom?.pid, dead.pid);
    assert.equal(db.getRun(held.run.id)!.owner?.token, mine.token);
    assert.deepEqual(db.completedUnits(held.run.id), new Set([unit(1).key]), 'its units kept');
  }
});

test('a holder on another host cannot be checked: refused, with the way out', () => {
  const { db, run } = fresh();
  db.openRun(run, { fresh: false, owner: { ...newRunOwner(), host: 'rack-7', pid: deadPid() } });
  const e = refusal(() => db.openRun(run, { fresh: false, owner: newRunOwner() }));
  assert.equal(e.code, 'RUN_IN_USE');
  assert.match(e.message, /on rack-7 since/);
  assert.match(e.message, /another host.*--fresh/);
});
