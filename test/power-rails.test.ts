/**
 * A Pixel's ODPM power rails as a meter (SERIAL:rails), end to end: the emulated phone's
 * PowerStats HAL behind the real adb server, its rails' energy accumulating from the phone's
 * own power model; the meter differences it into watts per rail. Real time (time scale 1).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { EmulatedPhone } from './peers/adb-phone/index.js';
import type { PowerStatsHal } from './peers/adb-phone/power-stats.js';
import { startPhoneRig } from './phone-rig.js';
import { labbenchAsyncRun } from './cli-helpers.js';
import { LocalLabService } from '../app/lab-service.js';
import { openAnyMeter, type PowerSample } from '../app/meters/meter.js';
import { readMeter } from '../app/meters/read.js';
import { LabbenchError } from '../app/api/errors.js';

const PHONE_SETTINGS = { runs: 2, maxRuns: 2, innerRuns: 3, warmup: 1, canaryEvery: 0 } as const;

function rig(t: { after: (fn: () => Promise<void> | void) => void }, hal: PowerStatsHal = 'aidl') {
  return startPhoneRig(t, { seed: 13, timeScale: 1, screenOn: false, charging: true, powerStats: hal }, { prefix: 'labbench-rails-' });
}

test('profile --meter SERIAL:rails stores per-layer power from the ODPM rails (on USB power: the fuel gauge could not)', async (t) => {
  const { serial, dir } = await rig(t);
  const service = new LocalLabService(join(dir, 'r.db'));
  t.after(() => service.close());
  const r = await service.profile({ device: serial, workload: 'resnet56', resolution: 16, meter: `${serial}:rails,poll=20`, mode: 'layers', ...PHONE_SETTINGS });
  assert.equal(r.meter?.kind, 'rails');
  // Screen off, idle: SoC base 0.3 W plus four cores' leakage.
  assert.ok(r.meter.idle_w !== null && r.meter.idle_w > 0.3 && r.meter.idle_w < 0.5, `idle ${r.meter.idle_w} W`);
  assert.equal(r.meter.dropped, 0);
  const convs = r.layers.filter((l) => l.op === 'conv');
  assert.ok(convs.length >= 3);
  for (const l of convs) {
    assert.ok(l.power_w !== undefined, `${l.name}: ${l.power_missing}`);
    // One busy big core at full clock: 1.55 W of which 80 % on its rail and 20 % on DDR, all counted.
    assert.ok(l.power_w > 0.3 && l.power_w < 3.5, `${l.name}: ${l.power_w} W above idle`);
  }
  assert.ok(r.energy_mj !== undefined && r.energy_mj > 0);
});

test('rails: watts per rail add up to the phone draw; meter read through the CLI; HIDL 1.0 phones and phones without rails', async (t) => {
  const { serial, phone, server } = await rig(t);
  const meter = await openAnyMeter(`${serial}:rails,poll=10`);
  const got: PowerSample[] = [];
  meter.onSample((s) => got.push(s));
  await meter.start();
  const done = phone.physics.addLoad([2, 3], 1, 0.5);
  await new Promise((r) => setTimeout(r, 1500));
  done();
  await meter.close();
  assert.match(meter.stats().device ?? '', /PowerStats HAL 2\.0, 6 rails/);
  const busy = got.filter((s) => s.watts > 2);
  assert.ok(busy.length >= 5, `${got.length} samples, ${busy.length} under load`);
  for (const s of got) {
    const rails = s.rails!;
    assert.deepEqual(Object.keys(rails).sort(), ['S2S_VDD_G3D', 'S3M_VDD_CPUCL1', 'S4M_VDD_CPUCL0', 'S5M_VDD_INT', 'S5S_VDDQ_MEM', 'VSYS_PWR_DISPLAY']);
    assert.ok(Math.abs(Object.values(rails).reduce((a, b) => a + b, 0) - s.watts) < 1e-9);
  }
  // Under load: two big cores at full clock (2 x 1.55 W) and half the GPU.
  const mid = busy.slice(1, -1);
  const gpu = mid.reduce((a, s) => a + s.rails!.S2S_VDD_G3D!, 0) / mid.length;
  assert.ok(gpu > 0.6 && gpu < 1.1, `GPU rail ${gpu} W`);
  const cpuOnly = await readMeter(`${serial}:rails,poll=10,only=cpu`, 1);
  const all = await readMeter(`${serial}:rails,poll=10`, 1);
  assert.ok(cpuOnly.mean_w < all.mean_w - 0.1, 'only=cpu sums the CPU rails alone');

  const env = { ANDROID_ADB_SERVER_PORT: String(server.port) };
  const cli = await labbenchAsyncRun(['meter', 'read', '--meter', `${serial}:rails`, '--seconds', '2', '--json'], env);
  assert.equal(cli.status, 0, cli.stderr);
  const doc = JSON.parse(cli.stdout) as { kind: string; n: number; mean_w: number };
  assert.equal(doc.kind, 'rails');
  assert.ok(doc.n >= 4 && Math.abs(doc.mean_w - phone.physics.powerW()) < 0.1, `${doc.n} readings, mean ${doc.mean_w} W vs ${phone.physics.powerW()} W`);

  const hidl = new EmulatedPhone({ seed: 14, timeScale: 1, screenOn: true, charging: false, powerStats: 'hidl' });
  const none = new EmulatedPhone({ seed: 15, timeScale: 1, powerStats: 'none' });
  const service = new LocalLabService(':memory:');
  t.after(async () => {
    service.close();
    await hidl.stop();
    await none.stop();
  });
  for (const p of [hidl, none]) await service.connectPhone(`127.0.0.1:${await p.start()}`);
  const h = await readMeter(`${hidl.serial}:rails`, 1.5);
  assert.equal(h.stats.device, 'PowerStats HAL 1.0, 6 rails');
  assert.ok(Math.abs(h.mean_w - hidl.physics.powerW()) < 0.1, 'screen on: the display rail counts');
  await assert.rejects(readMeter(`${none.serial}:rails`, 1), (e: unknown) => e instanceof LabbenchError && e.code === 'DEVICE_UNAVAILABLE' && /no ODPM power rails/.test(e.message));
  const noRail = await labbenchAsyncRun(['meter', 'read', '--meter', `${serial}:rails,only=modem`, '--seconds', '1'], env);
  assert.equal(noRail.status, 2, noRail.stderr);
  assert.match(noRail.stderr, /no rail matches only=modem/);
});

test('rails: garbled rows, missing rails and a HAL restart are dropped and counted, never averaged in', async (t) => {
  const { serial, phone } = await rig(t);
  phone.powerStats.glitches = { garble: 0.05, missing: 0.05 };
  const truth = phone.physics.powerW();
  const reset = setTimeout(() => phone.powerStats.reset(), 1200);
  t.after(() => clearTimeout(reset));
  const r = await readMeter(`${serial}:rails,poll=20`, 3);
  const d = r.stats.dropReasons;
  assert.ok((d.garbled ?? 0) > 0 && (d['missing-rail'] ?? 0) > 0, JSON.stringify(d));
  assert.equal(d.reset, 1, 'the counter reset was seen once');
  assert.ok(r.n >= 15, `${r.n} good readings`);
  // Every sample that was kept is the phone's true (idle) draw: nothing from across a gap or the reset.
  assert.ok(Math.abs(r.mean_w - truth) < 0.05 && r.sd_w < 0.1, `mean ${r.mean_w} sd ${r.sd_w} vs ${truth} W`);
});
