/**
 * A profiling process killed with SIGKILL mid-run leaves a DB that opens, with every
 * finished unit kept and the run incomplete; the same command again resumes the run and
 * measures only what is missing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openProfilesDb } from '../profiles-db/profiles-db.js';
import { labbench, labbenchAsync, tempDir } from './cli-helpers.js';

// Per-layer mode: a run of many units, each recorded as it finishes (kernel mode records a network at once).
const SETTINGS = ['--per-layer', '--runs', '10', '--max-runs', '40', '--warmup', '2', '--max-seconds', '0.4'];

test('SIGKILL mid-run keeps finished layers; a rerun completes without measuring them again', async (t) => {
  const dir = tempDir(t);
  const db = join(dir, 'k.db');
  const args = ['profile', '--device', 'local', '--workload', 'resnet56', '--db', db, ...SETTINGS];
  const child = labbenchAsync(args);
  let stderr = '';
  const killedAt = await new Promise<number>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      // Kill once at least 3 units are done and while many remain.
      const m = [...stderr.matchAll(/\] (\d+)\/(\d+)/g)].pop();
      if (m && Number(m[1]) >= 3 && child.exitCode === null && !child.killed) {
        child.kill('SIGKILL');
        resolve(Number(m[1]));
      }
    });
    child.on('exit', (code, sig) => {
      if (sig !== 'SIGKILL') reject(new Error(`profile ended before it was killed (${code}): ${stderr}`));
    });
  });
  await new Promise((r) => child.once('exit', r));

  const pdb = openProfilesDb(db);
  const runs = pdb.listRuns();
  assert.equal(runs.length, 1);
  const run = runs[0]!;
  assert.equal(run.status, 'incomplete');
  const kept = pdb.runUnits(run.id);
  assert.ok(kept.length >= killedAt, `${kept.length} units kept, ${killedAt} reported done`);
  const keptMeasuredAt = new Map(pdb.lutEntries(run.device_id).map((e) => [e.key, e.measured_at]));
  pdb.close();

  const again = labbench([...args, '--json']);
  assert.equal(again.status, 0, again.stderr);
  const r = JSON.parse(again.stdout) as { run_id: number; resumed_units: number; measured_units: number; layers: { key: string }[] };
  assert.equal(r.run_id, run.id, 'the interrupted run is resumed, not restarted');
  assert.equal(r.resumed_units, kept.length);
  const total = new Set(r.layers.map((l) => l.key)).size;
  assert.equal(r.measured_units, total - kept.length, 'only missing units are measured');

  const after = openProfilesDb(db);
  assert.equal(after.getRun(run.id)?.status, 'complete');
  const entries = after.lutEntries(run.device_id);
  for (const u of kept) assert.equal(entries.find((e) => e.key === u.key)?.measured_at, keptMeasuredAt.get(u.key), `${u.key} was not measured again`);
  after.close();
});

test('Ctrl-C (SIGINT) cancels a profile: exit 130, finished units kept, the run resumable', async (t) => {
  const dir = tempDir(t);
  const db = join(dir, 'c.db');
  const child = labbenchAsync(['profile', '--device', 'local', '--workload', 'resnet56', '--db', db, ...SETTINGS]);
  let stderr = '';
  const code = await new Promise<number | null>((resolve) => {
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = [...stderr.matchAll(/\] (\d+)\/(\d+)/g)].pop();
      if (m && Number(m[1]) >= 2 && !child.killed) child.kill('SIGINT');
    });
    child.on('exit', (c) => resolve(c));
  });
  assert.equal(code, 130, stderr);
  assert.match(stderr, /stopping; measured units are kept/);
  const pdb = openProfilesDb(db);
  t.after(() => pdb.close());
  const run = pdb.listRuns()[0]!;
  assert.equal(run.status, 'incomplete');
  assert.ok(pdb.runUnits(run.id).length >= 2);
  assert.equal(pdb.findResumableRun(run.device_id, 'resnet56', run.settings)?.id, run.id);
});
