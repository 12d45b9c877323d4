/**
 * Power per layer, end to end: the emulated phone behind the real adb server, and a meter
 * emulator on a socat pty read through the real serialport binding, whose load is the
 * phone's own power draw (its physics, not the bench's). The phone runs in real time here
 * (time scale 1), because a meter samples in real time.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { MeterEmulator, type EmulatedMeterType } from './peers/meters/meter-emulator.js';
import { startPhoneRig } from './phone-rig.js';
import { labbenchAsyncRun } from './cli-helpers.js';
import { LocalLabService } from '../app/lab-service.js';
import type { ProfileProgress, ProfileResult } from '../app/api/profile.js';

const PHONE_SETTINGS = { runs: 2, maxRuns: 2, innerRuns: 3, warmup: 1, canaryEvery: 0 } as const;

async function rig(t: { after: (fn: () => Promise<void> | void) => void }, type: EmulatedMeterType, garbleRate = 0) {
  const held: { meter?: MeterEmulator } = {};
  const r = await startPhoneRig(t, { seed: 11, timeScale: 1, screenOn: false, charging: false }, { prefix: 'labbench-power-', beforeStop: () => held.meter?.stop() });
  const { phone } = r;
  const meter = (held.meter = new MeterEmulator({ type, seed: 5, load: () => phone.physics.powerW(), faults: { garbleRate } }));
  const { hostPath } = await meter.start();
  return { ...r, meter, hostPath };
}

test('profile --meter PTY:um34c on the phone stores per-layer power and energy; lut show shows them', async (t) => {
  const { server, serial, hostPath, dir } = await rig(t, 'um34c');
  const env = { ANDROID_ADB_SERVER_PORT: String(server.port) };
  const db = join(dir, 'p.db');
  const r = await labbenchAsyncRun(['profile', '--device', serial, '--workload', 'resnet56', '--resolution', '16', '--meter', `${hostPath}:um34c`, '--per-layer', '--db', db, '--json', '--runs', '2', '--max-runs', '2', '--inner-runs', '3', '--warmup', '1', '--canary-every', '0'], env);
  assert.equal(r.status, 0, r.stderr);
  const p = JSON.parse(r.stdout) as ProfileResult;
  assert.ok(p.meter && p.meter.samples > 20, 'the meter delivered readings');
  assert.ok(p.meter.idle_w !== null && p.meter.idle_w > 0.1, 'an idle baseline was measured');
  const convs = p.layers.filter((l) => l.op === 'conv');
  for (const l of convs) {
    assert.ok(l.power_w !== undefined && l.energy_mj !== undefined, `${l.name} has power (${l.power_missing})`);
    // A conv keeps a core busy: above idle, below the whole phone's budget.
    assert.ok(l.power_w > 0.05 && l.power_w < 6, `${l.name}: ${l.power_w} W above idle`);
    assert.ok(Math.abs(l.energy_mj - l.power_w * l.median_ms) < 1e-9);
  }
  assert.ok(p.energy_mj !== undefined && p.power_w !== undefined, 'network E and P_avg');
  const show = JSON.parse((await labbenchAsyncRun(['lut', 'show', '--device', serial, '--db', db, '--json'], env)).stdout) as { entries: { op: string; power?: { power_w?: number; missing?: string } }[] };
  assert.ok(show.entries.filter((e) => e.op === 'conv').every((e) => typeof e.power?.power_w === 'number'));
  const human = await labbenchAsyncRun(['lut', 'show', '--device', serial, '--db', db], env);
  assert.match(human.stdout, /POWER W/);
});

/** Conv layers' power from one profile run with a line meter. */
async function convPower(service: LocalLabService, serial: string, meter: string, onProgress?: (p: ProfileProgress) => void): Promise<ProfileResult> {
  return service.profile({ device: serial, workload: 'vgg13', meter, mode: 'layers', ...PHONE_SETTINGS }, onProgress ? { onProgress } : {});
}

test('with 10% garbled frames, powers match a clean run within the spread and the drops are counted', async (t) => {
  const { serial, hostPath, dir, meter } = await rig(t, 'line');
  const service = new LocalLabService(join(dir, 'g.db'));
  t.after(() => service.close());
  const clean = await convPower(service, serial, `${hostPath}:line`);
  meter.setGarbleRate(0.1);
  const garbled = await service.profile({ device: serial, workload: 'vgg13', meter: `${hostPath}:line`, mode: 'layers', fresh: true, ...PHONE_SETTINGS });
  assert.ok(garbled.meter!.dropped > 0, 'garbled frames were dropped and counted');
  assert.equal(clean.meter!.dropped, 0);
  const byName = new Map(clean.layers.map((l) => [l.name, l]));
  let compared = 0;
  for (const g of garbled.layers.filter((l) => l.op === 'conv')) {
    const c = byName.get(g.name)!;
    assert.ok(g.power_w !== undefined && c.power_w !== undefined);
    // Within the run-to-run spread: a generous 5 standard errors plus the phone's own drift (15 %).
    const tol = 0.15 * Math.abs(c.power_w) + 0.05;
    assert.ok(Math.abs(g.power_w - c.power_w) < tol, `${g.name}: ${g.power_w.toFixed(3)} vs clean ${c.power_w.toFixed(3)} W`);
    compared++;
  }
  assert.ok(compared >= 5);
});

test('a meter unplugged mid-job leaves those layers marked without power, never zero', async (t) => {
  const { serial, hostPath, dir, meter } = await rig(t, 'line');
  const service = new LocalLabService(join(dir, 'u.db'));
  t.after(() => service.close());
  let pulled = false;
  const r = await convPower(service, serial, `${hostPath}:line`, (p) => {
    if (!pulled && p.phase === 'units' && p.done >= 4) {
      pulled = true;
      void meter.unplug();
    }
  });
  assert.ok(pulled);
  const missing = r.layers.filter((l) => l.power_missing !== undefined);
  assert.ok(missing.length > 0, 'layers measured without the meter are marked');
  for (const l of missing) assert.equal(l.power_w, undefined, `${l.name}: no power value, not zero`);
  assert.ok(r.layers.slice(0, 3).every((l) => l.power_w !== undefined), 'layers before the unplug kept their power');
  assert.equal(r.energy_mj, undefined, 'no network energy from a partial set');
  assert.ok(r.warnings.some((w) => /no power/.test(w)));
});

test('meter read streams a meter through the CLI', async (t) => {
  const meter = new MeterEmulator({ type: 'um25c', seed: 2, load: () => 2.5 });
  const { hostPath } = await meter.start();
  t.after(() => meter.stop());
  const r = await labbenchAsyncRun(['meter', 'read', '--meter', `${hostPath}:um25c`, '--seconds', '2', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as { n: number; mean_w: number; rate_hz: number; kind: string };
  assert.equal(doc.kind, 'um25c');
  assert.ok(doc.n >= 8, `${doc.n} readings in 2 s`);
  assert.ok(doc.rate_hz > 4 && doc.rate_hz < 10, 'a UM meter answers 5-8 times a second');
  assert.ok(Math.abs(doc.mean_w - 2.5) < 0.1, `mean ${doc.mean_w} W for a 2.5 W load`);
  const bad = await labbenchAsyncRun(['meter', 'read', '--meter', `${hostPath}:um99`, '--seconds', '1']);
  assert.equal(bad.status, 2);
});

test('the phone as its own meter: battery current and voltage over adb give per-layer power', async (t) => {
  const { serial, dir } = await rig(t, 'line');
  const service = new LocalLabService(join(dir, 'b.db'));
  t.after(() => service.close());
  const r = await service.profile({ device: serial, workload: 'resnet56', resolution: 16, meter: `${serial}:battery,poll=20`, mode: 'layers', ...PHONE_SETTINGS });
  assert.equal(r.meter?.kind, 'battery');
  assert.ok(r.meter.idle_w !== null && r.meter.idle_w > 0.1);
  const convs = r.layers.filter((l) => l.op === 'conv' && l.power_w !== undefined);
  assert.ok(convs.length >= 3, 'conv layers got power from the fuel gauge');
  assert.ok(convs.every((l) => l.power_w! > 0 && l.power_w! < 6));
});
