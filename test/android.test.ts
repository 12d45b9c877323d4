/**
 * Phones end to end: the emulated phone (a device-side ADB peer with its own performance
 * and thermal model) behind Debian's real adb server, reached through adbkit. Nothing of
 * adbkit or the server is mocked; the phone runs in this process so tests can pull its
 * cable or heat it mid-job, so every CLI call here is asynchronous.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { EmulatedPhone } from './peers/adb-phone/index.js';
import { startAdbServer, type AdbServer } from './adb-server.js';
import { spawn } from 'node:child_process';
import { BIN, labbenchAsyncRun } from './cli-helpers.js';
import { LocalLabService } from '../app/lab-service.js';
import type { ProfileProgress } from '../app/api/profile.js';
import { openProfilesDb } from '../profiles-db/profiles-db.js';
import { createAdbClient, shell, push } from '../app/devices/adb/adb-shell.js';
import { benchmarkArgv } from '../native-runners/android-tflite/argv.js';
import { buildTflite } from '../native-runners/android-tflite/tflite-writer.js';

/** Quick phone settings: few samples, short runs; the phone sleeps 2 % of simulated time. */
const PHONE_QUICK = ['--runs', '2', '--max-runs', '3', '--inner-runs', '3', '--warmup', '1'];

async function rig(t: { after: (fn: () => Promise<void> | void) => void }): Promise<{ server: AdbServer; phone: EmulatedPhone; serial: string; dir: string }> {
  const server = await startAdbServer();
  const phone = new EmulatedPhone({ seed: 7, timeScale: 0.02, screenOn: false, charging: false });
  const port = await phone.start();
  const serial = `127.0.0.1:${port}`;
  const dir = mkdtempSync(join(tmpdir(), 'labbench-android-'));
  // The service in this process reads the server port from the environment, as adb does.
  const savedPort = process.env.ANDROID_ADB_SERVER_PORT;
  process.env.ANDROID_ADB_SERVER_PORT = String(server.port);
  t.after(async () => {
    if (savedPort === undefined) delete process.env.ANDROID_ADB_SERVER_PORT;
    else process.env.ANDROID_ADB_SERVER_PORT = savedPort;
    await phone.stop();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  // Joined the way a phone farm's phone is: `labbench devices connect HOST:PORT`, which
  // answers once adb lists the phone as a usable device.
  const joined = await labbenchAsyncRun(['devices', 'connect', serial, '--json'], { ANDROID_ADB_SERVER_PORT: String(server.port) });
  if (joined.status !== 0) throw new Error(`devices connect failed: ${joined.stderr}`);
  if ((JSON.parse(joined.stdout) as { id: string; state: string }).state !== 'device') throw new Error(`devices connect answered ${joined.stdout}`);
  return { server, phone, serial, dir };
}

test('devices lists the phone with its details; an unplugged phone leaves the list within 2 s', async (t) => {
  const { server, phone, serial } = await rig(t);
  const env = { ANDROID_ADB_SERVER_PORT: String(server.port) };
  const r = await labbenchAsyncRun(['devices', '--json'], env);
  assert.equal(r.status, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as { devices: Record<string, unknown>[] };
  const p = doc.devices.find((d) => d.id === serial);
  assert.ok(p, 'the phone is listed');
  assert.equal(p.kind, 'android');
  assert.equal(p.model, 'Pixel');
  assert.equal(p.soc, 'msm8996');
  assert.equal(p.android_version, '10');
  assert.equal(p.abi, 'arm64-v8a');
  assert.equal(p.cores, 4);
  assert.equal((p.clusters as unknown[]).length, 2, 'little and big clusters');
  assert.equal(typeof p.battery_level, 'number');
  assert.ok((p.thermal as unknown[]).length >= 2);
  assert.equal(p.rooted, false);

  const t0 = Date.now();
  phone.unplug();
  let gone = false;
  while (Date.now() - t0 < 2000) {
    const again = JSON.parse((await labbenchAsyncRun(['devices', '--json'], env)).stdout) as { devices: { id: string }[] };
    if (!again.devices.some((d) => d.id === serial)) {
      gone = true;
      break;
    }
  }
  assert.ok(gone, `gone from the list within 2 s (took ${Date.now() - t0} ms)`);
});

test('profile spnas-space on the phone: 88 options, skips and fixed parts; the export has the Pixel 1 LUT shape', async (t) => {
  const { server, serial, dir } = await rig(t);
  const env = { ANDROID_ADB_SERVER_PORT: String(server.port) };
  const db = join(dir, 'phone.db');
  const r = await labbenchAsyncRun(['profile', '--device', serial, '--workload', 'spnas-space', '--db', db, '--json', '--canary-every', '0', ...PHONE_QUICK], env);
  assert.equal(r.status, 0, r.stderr);
  const out = join(dir, 'phone.lut.json');
  assert.equal((await labbenchAsyncRun(['lut', 'export', '--device', serial, '--out', out, '--db', db], env)).status, 0);
  const show = JSON.parse((await labbenchAsyncRun(['lut', 'show', '--device', serial, '--db', db, '--json'], env)).stdout) as { entries: { op: string; key: string; median_ms: number; config: Record<string, unknown> }[] };
  const blocks = show.entries.filter((e) => e.op === 'mbconv');
  assert.equal(blocks.length, 88);
  assert.equal(new Set(blocks.map((b) => b.config.layer)).size, 22);
  assert.equal(new Set(blocks.map((b) => b.config.option)).size, 4);
  assert.ok(show.entries.some((e) => e.op === 'skip'), 'skips measured');
  assert.equal(show.entries.filter((e) => e.op === 'network').length, 2, 'stem and head');
  // Physics of the phone, not of the bench: on every layer, 5x5 expansion 6 costs more than 3x3 expansion 3.
  for (let layer = 0; layer < 22; layer++) {
    const at = (o: number) => blocks.find((b) => b.config.layer === layer && b.config.option === o)!.median_ms;
    assert.ok(at(3) > at(0), `layer ${layer}: k5e6 > k3e3`);
  }
  // Same keys as the public Pixel 1 table, so either can drive the NAS.
  assert.ok(blocks.some((b) => b.key === 'mbconv L1 k5 e6 s2 o24 in=16x112x112'));
});

test('a layer measured while the canary drifted (the phone throttling) is measured again', async (t) => {
  const { phone, serial, dir } = await rig(t);
  const service = new LocalLabService(join(dir, 'canary.db'));
  t.after(() => service.close());
  let heated = false;
  const result = await service.profile(
    { device: serial, workload: 'cifar10-6conv', mode: 'layers', runs: 2, maxRuns: 3, innerRuns: 3, warmup: 1, canaryEvery: 3, canaryDrift: 0.05, coolBelowC: 500 },
    {
      onProgress: (p: ProfileProgress) => {
        // After a few units, heat the phone far past its throttling point.
        if (!heated && p.phase === 'units' && p.done >= 4) {
          heated = true;
          phone.heat(45);
        }
      },
    },
  );
  assert.ok(heated);
  assert.ok(result.remeasured_units.length > 0, 'some units were measured again');
  assert.ok(result.warnings.some((w) => /canary drifted/.test(w)));
  // Re-measurement replaces rows: each unit is still counted (and stored) once.
  assert.equal(result.measured_units, new Set(result.layers.map((l) => l.key)).size);
  // The flagged units were those measured after the heat, before the check that saw it.
  assert.ok(result.remeasured_units.every((k) => result.layers.some((l) => l.key === k)));
});

test('an unplug mid-job pauses it; after the replug it completes with every layer measured once', async (t) => {
  const { phone, serial, dir } = await rig(t);
  const dbPath = join(dir, 'unplug.db');
  const service = new LocalLabService(dbPath);
  t.after(() => service.close());
  let unplugged = false;
  const phases: string[] = [];
  const result = await service.profile(
    { device: serial, workload: 'resnet56', mode: 'layers', runs: 2, maxRuns: 3, innerRuns: 3, warmup: 1, canaryEvery: 0, unplugTimeoutS: 60 },
    {
      onProgress: (p: ProfileProgress) => {
        phases.push(p.phase);
        if (!unplugged && p.phase === 'units' && p.done >= 5) {
          unplugged = true;
          phone.unplug();
          setTimeout(() => void phone.replug(), 1500);
        }
      },
    },
  );
  assert.ok(unplugged);
  assert.ok(phases.includes('paused'), 'the job paused');
  const units = new Set(result.layers.map((l) => l.key));
  assert.equal(result.measured_units, units.size, 'every unit measured once, none twice');
  const db = openProfilesDb(dbPath);
  t.after(() => db.close());
  const run = db.getRun(result.run_id)!;
  assert.equal(run.status, 'complete');
  assert.equal(db.runUnits(run.id).length, units.size);
  for (const u of db.runUnits(run.id)) assert.ok(u.stats.n >= 2, `${u.key}: a full set of samples, not a partial one`);
});

test('hostile model names are passed as data, never run as commands', async (t) => {
  const { server, phone, serial } = await rig(t);
  const client = createAdbClient(server.port);
  const hostile = "/data/local/tmp/a b;touch /data/local/tmp/pwned;'$(touch /data/local/tmp/pwned2)'.tflite";
  const art = buildTflite({ name: 'one', input: [3, 8, 8], batch: 1, layers: [{ op: 'relu', name: 'r', inputs: ['input'] }] });
  await push(client, serial, art.bytes, hostile);
  const r = await shell(client, serial, [...benchmarkArgv({ binary: '/data/local/tmp/benchmark_model', graph: hostile, threads: 1, warmupRuns: 1, numRuns: 2, minSecs: 0, warmupMinSecs: 0, delegate: 'cpu' })]);
  assert.equal(r.exitCode, 0, r.stdout);
  assert.match(r.stdout, /\[r\]:0/, 'the hostile-named model itself was benchmarked');
  assert.ok(phone.fs.exists(hostile));
  assert.ok(!phone.fs.exists('/data/local/tmp/pwned'));
  assert.ok(!phone.fs.exists('/data/local/tmp/pwned2'));
});

test('devices --watch reports a phone leaving and coming back', async (t) => {
  const { server, phone, serial } = await rig(t);
  const child = spawn(process.execPath, [BIN, 'devices', '--watch', '--json'], { env: { ...process.env, ANDROID_ADB_SERVER_PORT: String(server.port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const lines: string[] = [];
  let buf = '';
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop()!;
    lines.push(...parts.filter(Boolean));
  });
  const waitFor = async (pred: (l: Record<string, unknown>) => boolean, ms: number): Promise<number> => {
    const t0 = Date.now();
    while (Date.now() - t0 < ms) {
      if (lines.some((l) => pred(JSON.parse(l) as Record<string, unknown>))) return Date.now() - t0;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`no such line within ${ms} ms: ${lines.join(' | ')}`);
  };
  await waitFor((l) => l.event === 'added' && l.id === serial, 10_000);
  phone.unplug();
  const gone = await waitFor((l) => l.event === 'removed' && l.id === serial, 2000);
  assert.ok(gone <= 2000);
  await phone.replug();
  const client = createAdbClient(server.port);
  const added = (): number => lines.filter((l) => (JSON.parse(l) as { event?: string }).event === 'added').length;
  const n = added();
  // adb leaves a TCP phone offline after its port returns: redial (as the bench does) until it is back.
  for (let i = 0; i < 8 && added() === n; i++) {
    await client.disconnect('127.0.0.1', phone.port).catch(() => undefined);
    await client.connect('127.0.0.1', phone.port).catch(() => undefined);
    await waitFor(() => added() > n, 2000).catch(() => undefined);
  }
  assert.ok(added() > n, `the phone came back: ${lines.join(' | ')}`);
  child.kill('SIGINT');
});
