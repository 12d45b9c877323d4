// `labbench doctor` against real components: Debian's adb server with emulated phones (one that
// never accepts the RSA key, one without benchmark_model, one with an x86-64 build, one
// unplugged, one ready but hot and charging), socat ptys with an emulated UM34C, and ptys a
// non-root user may not open (the CLI run under setpriv as nobody). Each case's fix is checked.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmulatedPhone } from './peers/adb-phone/index.js';
import { freePort, startAdbServer } from './adb-server.js';
import { MeterEmulator } from './peers/meters/meter-emulator.js';
import { PtyPair } from './peers/meters/pty-pair.js';
import { BIN, ROOT } from './cli-helpers.js';
import { EM_X86_64, elfHeader } from './elf-header.js';
import { runCli } from '../app/cli/program.js';
import { createAdbClient, listPhones, push } from '../app/devices/adb/adb-shell.js';
import { LocalLabService } from '../app/lab-service.js';
import { LabBackend } from '../app/server/backend.js';
import type { DoctorCheck, DoctorReport } from '../app/api/doctor.js';

async function doctor(args: readonly string[]): Promise<{ status: number; report: DoctorReport | undefined; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const status = await runCli(['doctor', '--json', ...args], { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) });
  let report: DoctorReport | undefined;
  try {
    report = JSON.parse(stdout) as DoctorReport;
  } catch {
    report = undefined;
  }
  return { status, report, stdout, stderr };
}

function find(r: DoctorReport, id: string, subject: string): DoctorCheck {
  const c = r.checks.find((x) => x.id === id && x.subject.startsWith(subject));
  assert.ok(c, `no ${id} check of ${subject} in ${JSON.stringify(r.checks.map((x) => `${x.id} ${x.subject}`))}`);
  return c;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 8000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('phones: unauthorized, offline, no benchmark_model, a wrong-ABI build, and a ready one that is hot and charging', async (t) => {
  const server = await startAdbServer();
  const saved = process.env.ANDROID_ADB_SERVER_PORT;
  process.env.ANDROID_ADB_SERVER_PORT = String(server.port);
  const dir = mkdtempSync(join(tmpdir(), 'labbench-doctor-'));
  const phones = {
    locked: new EmulatedPhone({ seed: 11, unauthorized: true, timeScale: 0.05 }),
    bare: new EmulatedPhone({ seed: 12, benchmarkModelInstalled: false, timeScale: 0.05 }),
    x86: new EmulatedPhone({ seed: 13, timeScale: 0.05 }),
    gone: new EmulatedPhone({ seed: 14, timeScale: 0.05 }),
    ready: new EmulatedPhone({ seed: 15, timeScale: 0.05, charging: true, batteryLevel: 15 }),
  };
  t.after(async () => {
    if (saved === undefined) delete process.env.ANDROID_ADB_SERVER_PORT;
    else process.env.ANDROID_ADB_SERVER_PORT = saved;
    for (const p of Object.values(phones)) await p.stop();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  for (const p of Object.values(phones)) await p.start();
  const client = createAdbClient(server.port);
  // adb's connect waits ~10 s for a phone that never authorizes: the listing says `unauthorized` long before.
  void client.connect('127.0.0.1', phones.locked.port).catch(() => undefined);
  const joiner = new LocalLabService(join(dir, 'join.db'));
  for (const p of [phones.bare, phones.x86, phones.gone, phones.ready]) await joiner.connectPhone(p.serial);
  joiner.close();
  await push(client, phones.x86.serial, elfHeader(EM_X86_64), '/data/local/tmp/benchmark_model', 0o755); // a desktop build pushed by mistake
  phones.gone.unplug();
  phones.ready.heat(30);
  const state = async (serial: string): Promise<string | undefined> => (await listPhones(client)).find((d) => d.id === serial)?.type;
  await until('the locked phone listed unauthorized', async () => ((await state(phones.locked.serial)) === 'unauthorized' ? true : undefined));
  await until('the unplugged phone listed offline', async () => ((await state(phones.gone.serial)) === 'offline' ? true : undefined));

  const { status, report, stderr } = await doctor([]);
  assert.ok(report, stderr);
  assert.equal(status, 1, 'needed checks failed');
  assert.equal(report.ok, false);
  assert.equal(find(report, 'adb.server', 'adb server').status, 'ok');
  assert.match(find(report, 'adb.server', 'adb server').detail, /protocol version \d+/);

  const locked = find(report, 'phone.state', phones.locked.serial);
  assert.equal(locked.status, 'fail');
  assert.equal(locked.needed, true);
  assert.match(locked.detail, /unauthorized/);
  assert.match(locked.fix ?? '', /Always allow from this computer/);
  assert.match(locked.fix ?? '', /Revoke USB debugging authorizations/);
  assert.match(locked.fix ?? '', /adb kill-server/);
  // A TCP phone is re-joined, not replugged.
  // The fix names the server the bench was pointed at (here by ANDROID_ADB_SERVER_PORT).
  assert.match(locked.fix ?? '', new RegExp(`'adb -H localhost -P ${server.port} disconnect ${phones.locked.serial}'`));

  const gone = find(report, 'phone.state', phones.gone.serial);
  assert.equal(gone.status, 'fail');
  assert.match(gone.detail, /offline/);
  assert.match(gone.fix ?? '', /adb reconnect offline/);

  const bare = find(report, 'phone.benchmark_model', phones.bare.serial);
  assert.match(bare.subject, /\(emulated\)/, 'an emulated phone is marked so');
  assert.equal(bare.status, 'fail');
  assert.equal(bare.needed, true);
  assert.match(bare.detail, /no \/data\/local\/tmp\/benchmark_model/);
  assert.match(bare.fix ?? '', /tensorflow-nightly-public\/.*\/android_aarch64_benchmark_model/);
  assert.match(bare.fix ?? '', new RegExp(`adb -H localhost -P ${server.port} -s ${phones.bare.serial} push android_aarch64_benchmark_model /data/local/tmp/benchmark_model`));
  assert.match(bare.fix ?? '', /bazel build -c opt --config=android_arm64 \/\/tensorflow\/lite\/tools\/benchmark:benchmark_model/);

  const x86 = find(report, 'phone.benchmark_model', phones.x86.serial);
  assert.equal(x86.status, 'fail');
  assert.match(x86.detail, /built for x86-64, 64-bit \(x86_64\), but the phone runs arm64-v8a/);
  assert.match(x86.fix ?? '', /android_aarch64_benchmark_model/);

  const ready = find(report, 'phone.benchmark_model', phones.ready.serial);
  assert.equal(ready.status, 'ok', ready.detail);
  assert.match(ready.detail, /AArch64, 64-bit \(arm64-v8a\), the phone's ABI/);
  const thermal = find(report, 'phone.thermal', phones.ready.serial);
  assert.equal(thermal.status, 'warn');
  assert.match(thermal.detail, /above the 45 C profiling waits for/);
  assert.match(thermal.fix ?? '', /--cool-below/);
  const battery = find(report, 'phone.battery', phones.ready.serial);
  assert.equal(battery.status, 'warn');
  assert.match(battery.detail, /battery at 15 %/);
  assert.match(battery.detail, /charging over USB/);
  assert.equal(battery.needed, false);

  // The build profile would push (--benchmark-binary) is checked against the phone that lacks one.
  const desktop = join(dir, 'benchmark_model');
  writeFileSync(desktop, elfHeader(EM_X86_64));
  const pushed = await doctor(['--benchmark-binary', desktop]);
  assert.ok(pushed.report, pushed.stderr);
  const viaFlag = find(pushed.report, 'phone.benchmark_model', phones.bare.serial);
  assert.equal(viaFlag.status, 'fail');
  assert.match(viaFlag.detail, /profile pushes --benchmark-binary to \/data\/local\/tmp\/labbench\/benchmark_model: .*built for x86-64.*cannot execute it/);
});

test('meters: a bare pty is probed until the UM34C frames parse; a wrong type, a missing rfcomm binding and a bad type', async (t) => {
  // A port nothing listens on: the doctor reports no adb server and starts none.
  const saved = process.env.ANDROID_ADB_SERVER_PORT;
  process.env.ANDROID_ADB_SERVER_PORT = String(await freePort());
  const meter = new MeterEmulator({ type: 'um34c', load: () => 2.5 });
  t.after(async () => {
    if (saved === undefined) delete process.env.ANDROID_ADB_SERVER_PORT;
    else process.env.ANDROID_ADB_SERVER_PORT = saved;
    await meter.stop();
  });
  await meter.start();

  const probed = await doctor(['--meter', meter.hostPath, '--meter-seconds', '0.5']);
  assert.ok(probed.report, probed.stderr);
  assert.equal(probed.status, 0, JSON.stringify(probed.report.checks.filter((c) => c.status === 'fail')));
  assert.equal(find(probed.report, 'adb.server', 'adb server').status, 'warn');
  assert.equal(find(probed.report, 'serial.access', meter.hostPath).status, 'ok');
  const detect = find(probed.report, 'meter.detect', meter.hostPath);
  assert.equal(detect.status, 'ok', detect.detail);
  assert.match(detect.detail, /^um34c's frames parse: \d+ readings/);
  assert.match(detect.detail, new RegExp(`--meter ${meter.hostPath}:um34c`));

  const wrong = await doctor(['--meter', `${meter.hostPath}:ppk2`, '--meter', '/dev/rfcomm97:um34c', '--meter-seconds', '0.5']);
  assert.ok(wrong.report, wrong.stderr);
  assert.equal(wrong.status, 1);
  const ppk2 = find(wrong.report, 'meter.read', `${meter.hostPath}:ppk2`);
  assert.equal(ppk2.status, 'fail');
  assert.match(ppk2.fix ?? '', new RegExp(`labbench doctor --meter ${meter.hostPath}'`));
  const rfcomm = find(wrong.report, 'serial.access', '/dev/rfcomm97');
  assert.equal(rfcomm.status, 'fail');
  assert.equal(rfcomm.needed, true);
  assert.match(rfcomm.fix ?? '', /sudo rfcomm bind 0 XX:XX:XX:XX:XX:XX 1/);
  assert.equal(find(wrong.report, 'meter.read', '/dev/rfcomm97:um34c').status, 'skip');

  const bad = await doctor(['--meter', `${meter.hostPath}:um99x`]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown meter type 'um99x'/);
});

function canDropRoot(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root to make ptys another user may not open';
  if (spawnSync('setpriv', ['--version']).status !== 0) return 'needs setpriv (util-linux)';
  // The CLI runs as nobody: a checkout under a 0700 folder (mktemp -d) is out of its reach.
  const probe = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-e', `require('fs').accessSync(${JSON.stringify(BIN)}, require('fs').constants.R_OK)`], { encoding: 'utf8' });
  if (probe.status !== 0) return `uid 65534 cannot read ${BIN} (a folder above the checkout is closed to others)`;
  return undefined;
}

test('serial ports a non-root user may not open: the dialout fix, and the udev rule where the group has no access', { skip: canDropRoot() }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'labbench-doctor-pty-'));
  // nobody must reach the links: the temp folder is 0700 by default.
  chmodSync(dir, 0o755);
  const group = new PtyPair(join(dir, 'a'));
  const owner = new PtyPair(join(dir, 'b'));
  for (const d of ['a', 'b']) mkdirSync(join(dir, d), { mode: 0o755 });
  t.after(async () => {
    await group.kill();
    await owner.kill();
    rmSync(dir, { recursive: true, force: true });
  });
  await group.start();
  await owner.start();
  // As a USB serial port is on Debian: root:dialout 0660; and a port only its owner may open.
  const dialout = Number(spawnSync('getent', ['group', 'dialout'], { encoding: 'utf8' }).stdout.split(':')[2] ?? 20);
  chownSync(realpathSync(group.hostPath), 0, dialout);
  chmodSync(realpathSync(group.hostPath), 0o660);
  chownSync(realpathSync(owner.hostPath), 0, 0);
  chmodSync(realpathSync(owner.hostPath), 0o600);

  const port = await freePort();
  const child = spawn('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BIN, 'doctor', '--json', '--meter', `${group.hostPath}:um34c`, '--meter', owner.hostPath], {
    cwd: ROOT,
    env: { ...process.env, ANDROID_ADB_SERVER_PORT: String(port), HOME: dir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const status = await new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  assert.equal(status, 1, stderr);
  const report = JSON.parse(stdout) as DoctorReport;

  const g = find(report, 'serial.access', group.hostPath);
  assert.equal(g.status, 'fail');
  assert.equal(g.needed, true);
  assert.match(g.detail, /rw-rw---- root:dialout/);
  assert.match(g.detail, /EACCES/);
  assert.match(g.fix ?? '', /^sudo usermod -aG dialout \$USER, then log out and back in/);
  assert.equal(find(report, 'meter.read', `${group.hostPath}:um34c`).status, 'skip');

  const o = find(report, 'serial.access', owner.hostPath);
  assert.equal(o.status, 'fail');
  assert.match(o.detail, /rw------- root:root/);
  assert.match(o.fix ?? '', /pseudo-terminal/);
  assert.match(o.fix ?? '', /SUBSYSTEM=="tty", ATTRS\{idVendor\}=="XXXX", ATTRS\{idProduct\}=="YYYY", MODE="0660", GROUP="dialout"/);
  assert.match(o.fix ?? '', /udevadm control --reload-rules/);
  assert.match(o.fix ?? '', /sudo usermod -aG dialout/);
  assert.equal(find(report, 'adb.server', 'adb server').status, 'warn');
});

test('the UI door: devices.doctor answers the report; a host path from a page is refused', async (t) => {
  const saved = process.env.ANDROID_ADB_SERVER_PORT;
  process.env.ANDROID_ADB_SERVER_PORT = String(await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'labbench-doctor-ui-'));
  const backend = new LabBackend(new LocalLabService(join(dir, 'ui.db')), { watchPhones: false });
  t.after(async () => {
    await backend.close();
    if (saved === undefined) delete process.env.ANDROID_ADB_SERVER_PORT;
    else process.env.ANDROID_ADB_SERVER_PORT = saved;
    rmSync(dir, { recursive: true, force: true });
  });
  const r = await backend.call('devices.doctor', { meters: ['/dev/rfcomm96:um34c'] });
  assert.ok(r.ok, JSON.stringify(r));
  const report = r.value as DoctorReport;
  assert.equal(report.ok, false);
  assert.equal(find(report, 'serial.access', '/dev/rfcomm96').status, 'fail');
  const refused = await backend.call('devices.doctor', { benchmarkBinary: '/etc/passwd' });
  assert.equal(refused.ok, false);
  assert.equal(!refused.ok && refused.error.code, 'BAD_INPUT');
});
