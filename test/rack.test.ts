/**
 * A rack: three emulated phones behind one real adb server that listens on every interface
 * (as a phone farm's does), reached only through ADB_SERVER_SOCKET or -H/-P (the
 * ANDROID_ADB_SERVER_PORT the child sees points at nothing). One `profile --device A,B,C`
 * runs a job per phone at once: A and B complete, each with a LUT row for every kernel the
 * network plans, in runs that overlap in time; C has no benchmark_model and fails alone.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmulatedPhone } from './peers/adb-phone/index.js';
import { accepts, freePort, startAdbServer, type AdbServer } from './adb-server.js';
import { labbenchAsyncRun } from './cli-helpers.js';
import { LocalLabService } from '../app/lab-service.js';
import { openProfilesDb } from '../profiles-db/profiles-db.js';
import { plannedKernelsSync } from '../app/predict/kernel-plan.js';
import { zooNetwork } from '../app/workloads/zoo/index.js';
import type { DeviceList, PhoneDeviceInfo } from '../app/api/devices.js';
import type { DeviceOutcome } from '../app/cli/profile-devices.js';

/** An address of this machine that is not loopback, so the server counts as another host's; loopback where there is none. */
function outsideAddress(): string {
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return '127.0.0.1';
}

interface Rack {
  server: AdbServer;
  phones: EmulatedPhone[];
  serials: string[];
  dir: string;
  host: string;
  /** The child's environment: the server only through ADB_SERVER_SOCKET. */
  env: NodeJS.ProcessEnv;
}

let rack: Rack | undefined;
const saved = { socket: process.env.ADB_SERVER_SOCKET, port: process.env.ANDROID_ADB_SERVER_PORT };

before(async () => {
  const server = await startAdbServer({ allInterfaces: true });
  const host = outsideAddress();
  const common = { timeScale: 0.02, screenOn: false, charging: false, benchmarkFlavor: 'modern' } as const;
  const phones = [new EmulatedPhone({ ...common, seed: 41 }), new EmulatedPhone({ ...common, seed: 42 }), new EmulatedPhone({ ...common, seed: 43, benchmarkModelInstalled: false })];
  const serials = [];
  for (const p of phones) serials.push(`127.0.0.1:${await p.start()}`);
  const dir = mkdtempSync(join(tmpdir(), 'labbench-rack-'));
  // This process joins the phones through the same variable the child gets.
  process.env.ADB_SERVER_SOCKET = `tcp:${host}:${server.port}`;
  delete process.env.ANDROID_ADB_SERVER_PORT;
  const joiner = new LocalLabService(join(dir, 'join.db'));
  for (const s of serials) await joiner.connectPhone(s);
  joiner.close();
  const nowhere = await freePort();
  rack = { server, phones, serials, dir, host, env: { ADB_SERVER_SOCKET: `tcp:${host}:${server.port}`, ANDROID_ADB_SERVER_PORT: String(nowhere) } };
});

after(async () => {
  for (const [k, v] of [['ADB_SERVER_SOCKET', saved.socket], ['ANDROID_ADB_SERVER_PORT', saved.port]] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  if (!rack) return;
  for (const p of rack.phones) await p.stop();
  await rack.server.stop();
  rmSync(rack.dir, { recursive: true, force: true });
});

test('devices through ADB_SERVER_SOCKET, and through -H/-P over a wrong one: each phone with its server', async () => {
  const { env, serials, host, server } = rack!;
  const viaEnv = await labbenchAsyncRun(['devices', '--json'], env);
  assert.equal(viaEnv.status, 0, viaEnv.stderr);
  const listed = (JSON.parse(viaEnv.stdout) as DeviceList).devices.filter((d): d is PhoneDeviceInfo => d.kind === 'android');
  assert.deepEqual(listed.map((d) => d.id).sort(), [...serials].sort());
  const remote = host !== '127.0.0.1';
  for (const d of listed) {
    assert.equal(d.adb_server, `${host}:${server.port}`);
    assert.equal(d.remote_adb, remote, 'a server on a non-loopback address is another host’s');
  }
  // -H/-P override the environment, as adb's own flags do; the human table names the server.
  const viaFlags = await labbenchAsyncRun(['devices', '-H', host, '-P', String(server.port)], { ...env, ADB_SERVER_SOCKET: `tcp:127.0.0.1:${env.ANDROID_ADB_SERVER_PORT}` });
  assert.equal(viaFlags.status, 0, viaFlags.stderr);
  for (const s of serials) assert.match(viaFlags.stdout, new RegExp(s.replace(/\./g, '\\.')));
  if (remote) assert.match(viaFlags.stdout, new RegExp(`via adb server ${host.replace(/\./g, '\\.')}:${server.port}`));

  const bad = await labbenchAsyncRun(['devices', '--json'], { ADB_SERVER_SOCKET: 'localfilesystem:/tmp/adb.sock' });
  assert.equal(bad.status, 2, bad.stderr);
  assert.match(bad.stderr, /ADB_SERVER_SOCKET must be tcp:PORT or tcp:HOST:PORT, got 'localfilesystem:\/tmp\/adb\.sock'/);
  if (remote) {
    // Another host's server that is not there: said where it was looked for, and no local server started in its place.
    const none = await labbenchAsyncRun(['devices', '--json'], { ADB_SERVER_SOCKET: `tcp:${host}:${env.ANDROID_ADB_SERVER_PORT}` });
    assert.equal(none.status, 0, none.stderr);
    assert.match((JSON.parse(none.stdout) as DeviceList).notes.join('\n'), new RegExp(`no adb server answers at ${host.replace(/\./g, '\\.')}:${env.ANDROID_ADB_SERVER_PORT} \\(from ADB_SERVER_SOCKET`));
    assert.equal(await accepts(Number(env.ANDROID_ADB_SERVER_PORT)), false, 'nothing listens there afterwards');
  }
});

test('profile --device A,B,C: a job per phone at once; A and B complete with every planned kernel, C fails alone', async () => {
  const { env, serials, dir } = rack!;
  const [a, b, c] = serials as [string, string, string];
  const db = join(dir, 'rack.db');
  const r = await labbenchAsyncRun(['profile', '--device', `${a},${b},${c}`, '--workload', 'cifar10-6conv', '--resolution', '16', '--runs', '2', '--max-runs', '3', '--inner-runs', '3', '--warmup', '1', '--db', db, '--json'], env);
  assert.equal(r.status, 1, `C failed, so the command fails: ${r.stderr}`);
  const { profiles } = JSON.parse(r.stdout) as { profiles: DeviceOutcome[] };
  assert.deepEqual(profiles.map((p) => [p.device, p.status]), [[a, 'done'], [b, 'done'], [c, 'failed']]);
  const failedC = profiles[2]!;
  assert.ok(failedC.status === 'failed' && failedC.error.code === 'RUNNER_FAILED' && /benchmark_model/.test(failedC.error.message), JSON.stringify(failedC));
  assert.match(r.stderr, new RegExp(`labbench: ${c.replace(/\./g, '\\.')}: failed: .*benchmark_model`), 'stderr names the phone that failed');
  assert.match(r.stderr, new RegExp(`profiled ${a.replace(/\./g, '\\.')}, ${b.replace(/\./g, '\\.')}; ${c.replace(/\./g, '\\.')} failed`));
  for (const s of [a, b]) assert.match(r.stderr, new RegExp(`^\\[${s.replace(/\./g, '\\.')}\\] \\[`, 'm'), `progress lines of ${s}`);

  const planned = [...new Set(plannedKernelsSync({ kind: 'android', emulated: true }, zooNetwork('cifar10-6conv', { resolution: 16 }))!.kernels.map((k) => k.key))].sort();
  assert.ok(planned.length >= 5);
  const pdb = openProfilesDb(db);
  try {
    const runs = pdb.listRuns();
    const byPhone = new Map<string, { id: number; started_at: string; finished_at: string | null; status: string }>();
    for (const s of [a, b]) {
      const p = profiles.find((x) => x.device === s)!;
      assert.ok(p.status === 'done');
      assert.deepEqual(p.result.layers.map((l) => l.key).sort(), planned, `${s}: every planned kernel timed`);
      const device = pdb.listDevices().find((d) => d.fingerprint_hash === p.result.device_fingerprint)!;
      assert.equal(device.key, `emulated:${s}`, 'each phone its own device, however alike the two are');
      assert.deepEqual(pdb.lutEntries(device.id).map((e) => e.key).sort(), planned, `${s}: its LUT has a row for every kernel`);
      byPhone.set(s, runs.find((x) => x.id === p.result.run_id)!);
    }
    const [ra, rb] = [byPhone.get(a)!, byPhone.get(b)!];
    assert.notEqual(ra.id, rb.id);
    assert.equal(ra.status, 'complete');
    assert.equal(rb.status, 'complete');
    assert.ok(ra.started_at < rb.finished_at! && rb.started_at < ra.finished_at!, `the two runs overlap in time: ${JSON.stringify([ra, rb])}`);
  } finally {
    pdb.close();
  }
});
