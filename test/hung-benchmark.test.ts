/**
 * Faults that end, on the emulated phone behind the real adb server: a benchmark_model that
 * hangs (the phone's `faults.benchmarkHangs`) is killed on the phone by pid and tried again,
 * a bounded number of times, then fails the unit naming the phone, the unit and the run's
 * last output; a run that hangs once costs a retry, not the job; an artifact that vanished
 * from the phone is pushed again. An unplug still pauses the job (test/android.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { LabbenchError } from '../app/api/errors.js';
import { LocalLabService } from '../app/lab-service.js';
import type { ProfileRequest } from '../app/api/profile.js';
import { createAdbClient, shell } from '../app/devices/adb/adb-shell.js';
import { DEVICE_DIR, MAX_HANG_TRIES } from '../native-runners/android-tflite/target.js';
import { openProfilesDb } from '../profiles-db/profiles-db.js';
import { ROOT_CRED } from './peers/adb-phone/fs.js';
import { startPhoneRig } from './phone-rig.js';

const PHONE = { seed: 7, timeScale: 0.02, screenOn: false, charging: false } as const;
const QUICK = { workload: 'resnet56', mode: 'layers', runs: 2, maxRuns: 3, innerRuns: 3, warmup: 1, canaryEvery: 0 } as const satisfies Omit<ProfileRequest, 'device'>;

test('a benchmark_model that always hangs ends the unit in bounded time, killed on the phone, naming phone, unit and last output', async (t) => {
  // Raw pipes: closing the adb session does not end the hung process; only a kill by pid does.
  const { phone, serial, dir, server } = await startPhoneRig(t, { ...PHONE, rawShellPipes: true }, { prefix: 'labbench-hang-' });
  const dbPath = join(dir, 'hang.db');
  const service = new LocalLabService(dbPath);
  t.after(() => service.close());
  phone.faults.benchmarkHangs = Number.POSITIVE_INFINITY;
  const warnings: string[] = [];
  const t0 = Date.now();
  const err = await service.profile({ device: serial, ...QUICK, hangTimeoutS: 1 }, { onWarning: (m) => warnings.push(m) }).then(
    () => assert.fail('the job should fail'),
    (e: unknown) => e,
  );
  const tookS = (Date.now() - t0) / 1000;
  assert.ok(err instanceof LabbenchError, String(err));
  assert.equal(err.code, 'RUNNER_FAILED');
  const port = serial.split(':')[1]!;
  assert.match(err.message, new RegExp(`^[^:]*Pixel[^:]* \\(127\\.0\\.0\\.1:${port}\\): benchmark_model hung on unit \\S+ \\[[^\\]]+\\] ${MAX_HANG_TRIES} times \\(no result within 1 s each; each killed on the phone\\)`));
  assert.match(err.message, /its last output: .*Running benchmark for at least 1 iterations/);
  assert.ok(tookS < 60, `bounded: ${tookS.toFixed(1)} s`);
  assert.equal(warnings.filter((w) => /hung on unit .* killed pid \d+ on the phone, trying again/.test(w)).length, MAX_HANG_TRIES - 1, warnings.join('\n'));

  // Gone from the phone: its own process table, and `pidof` / `ps -A` over adb.
  assert.deepEqual(phone.procs.list().filter((p) => p.name === 'benchmark_model'), []);
  const client = createAdbClient(server.port);
  assert.equal((await shell(client, serial, ['pidof', 'benchmark_model'])).exitCode, 1);
  assert.doesNotMatch((await shell(client, serial, ['ps', '-A'])).stdout, /benchmark_model/);
  const kills = phone.commandLog.filter((l) => /^kill -9 \d+/.test(l));
  assert.equal(kills.length, MAX_HANG_TRIES, 'each hung run killed by its pid');

  // The run is kept, incomplete, with the reason.
  const db = openProfilesDb(dbPath);
  t.after(() => db.close());
  const run = db.listRuns()[0]!;
  assert.equal(run.status, 'incomplete');
  assert.equal(run.error, err.message);
  assert.equal(run.owner, null, 'released for the next job');
});

test('a run that hangs once is killed and tried again; the job completes', async (t) => {
  const { phone, serial, dir } = await startPhoneRig(t, PHONE, { prefix: 'labbench-hang-once-' });
  const service = new LocalLabService(join(dir, 'once.db'));
  t.after(() => service.close());
  phone.faults.benchmarkHangs = 1;
  const result = await service.profile({ device: serial, ...QUICK, hangTimeoutS: 3 });
  assert.equal(phone.faults.benchmarkHangs, 0, 'the hang happened');
  assert.ok(result.warnings.some((w) => /hung on unit .* killed pid \d+ on the phone, trying again \(2 of 3\)/.test(w)), result.warnings.join('\n'));
  assert.equal(result.measured_units, new Set(result.layers.map((l) => l.key)).size);
  assert.ok(result.end_to_end, 'measured end to end');
  assert.deepEqual(phone.procs.list().filter((p) => p.name === 'benchmark_model'), []);
});

test('an artifact that vanished from the phone is pushed again and the unit measured', async (t) => {
  const { phone, serial, dir } = await startPhoneRig(t, PHONE, { prefix: 'labbench-repush-' });
  const service = new LocalLabService(join(dir, 'repush.db'));
  t.after(() => service.close());
  let wiped = 0;
  const result = await service.profile(
    { device: serial, ...QUICK },
    {
      onProgress: (p) => {
        // After two units, storage is cleared behind the job's back.
        if (wiped === 0 && p.phase === 'units' && p.done >= 2) {
          for (const f of phone.fs.list(DEVICE_DIR)) phone.fs.remove(`${DEVICE_DIR}/${f}`, ROOT_CRED);
          wiped = 1;
        }
      },
    },
  );
  assert.equal(wiped, 1);
  assert.ok(result.warnings.some((w) => /was gone from the phone; pushed it again/.test(w)), result.warnings.join('\n'));
  assert.equal(result.measured_units, new Set(result.layers.map((l) => l.key)).size);
});
