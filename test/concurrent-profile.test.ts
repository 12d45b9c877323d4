/**
 * Two `labbench profile` processes on one run (same device, workload, settings and DB): the
 * second refuses at once, naming the run and the process that holds it, and the first
 * completes a consistent run. A holder killed with SIGKILL leaves its run to the next
 * profile, which takes it over and says so.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { openProfilesDb } from '../profiles-db/profiles-db.js';
import { labbenchAsync, labbenchAsyncRun, tempDir } from './cli-helpers.js';

const SETTINGS = ['--per-layer', '--runs', '5', '--max-runs', '10', '--warmup', '1', '--max-seconds', '0.3', '--canary-every', '0'];

/** Resolves once the child's progress bar shows at least `n` units done. */
function unitsDone(child: ChildProcess, n: number): Promise<string> {
  let stderr = '';
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = [...stderr.matchAll(/\] (\d+)\/(\d+)/g)].pop();
      if (m && Number(m[1]) >= n) resolve(stderr);
    });
    child.once('exit', (code) => reject(new Error(`profile ended (${code}) before ${n} units: ${stderr}`)));
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

test('a second profile of a run in progress refuses at once, naming the run and its holder; the first completes', async (t) => {
  const dir = tempDir(t);
  const db = join(dir, 'two.db');
  const args = ['profile', '--device', 'local', '--workload', 'cifar10-6conv', '--db', db, ...SETTINGS];
  const first = labbenchAsync([...args, '--json']);
  t.after(() => {
    if (first.exitCode === null) first.kill('SIGKILL');
  });
  let firstOut = '';
  first.stdout!.on('data', (d: Buffer) => (firstOut += d.toString()));
  const firstExit = exited(first);
  await unitsDone(first, 1);

  const second = await labbenchAsyncRun(args);
  assert.equal(first.exitCode, null, 'the second ended while the first still ran');
  assert.equal(second.status, 1, second.stderr);
  assert.match(second.stderr, new RegExp(`run 1 \\(cifar10-6conv on local\\) is being measured by pid ${first.pid} on ${hostname()} since `));
  assert.match(second.stderr, new RegExp(`kill ${first.pid}`));

  assert.equal(await firstExit, 0);
  const result = JSON.parse(firstOut) as { run_id: number; layers: { key: string }[]; measured_units: number };
  const pdb = openProfilesDb(db);
  t.after(() => pdb.close());
  const runs = pdb.listRuns();
  assert.equal(runs.length, 1, 'the second started no run');
  const run = runs[0]!;
  assert.equal(run.id, result.run_id);
  assert.equal(run.status, 'complete');
  assert.equal(run.error, null, 'no failure recorded by the second');
  assert.equal(run.owner, null, 'released');
  const keys = new Set(result.layers.map((l) => l.key));
  assert.equal(pdb.runUnits(run.id).length, keys.size);
  assert.equal(result.measured_units, keys.size, 'each unit measured once, by the first');
});

test('a profile killed with SIGKILL leaves its run to the next one, which takes it over and says so', async (t) => {
  const dir = tempDir(t);
  const db = join(dir, 'killed.db');
  const args = ['profile', '--device', 'local', '--workload', 'cifar10-6conv', '--db', db, ...SETTINGS];
  const holder = labbenchAsync(args);
  t.after(() => {
    if (holder.exitCode === null) holder.kill('SIGKILL');
  });
  await unitsDone(holder, 1);
  holder.kill('SIGKILL');
  await exited(holder);
  const before = openProfilesDb(db);
  const left = before.listRuns()[0]!;
  before.close();
  assert.equal(left.owner?.pid, holder.pid, 'the killed process still holds the run');

  const next = await labbenchAsyncRun([...args, '--json']);
  assert.equal(next.status, 0, next.stderr);
  assert.match(next.stderr, new RegExp(`warning: run ${left.id} was held by pid ${holder.pid} on ${hostname()}, which is gone \\(killed\\?\\); resuming it`));
  const r = JSON.parse(next.stdout) as { run_id: number; resumed_units: number };
  assert.equal(r.run_id, left.id);
  assert.ok(r.resumed_units >= 1);
  const after = openProfilesDb(db);
  t.after(() => after.close());
  assert.equal(after.getRun(left.id)?.status, 'complete');
  assert.equal(after.getRun(left.id)?.owner, null);
});
