/**
 * Power and energy prediction accuracy against metered runs, through the CLI: the emulated
 * phone with its ODPM rails as the meter; two small networks profiled with power, one held
 * out of the fit; `report accuracy` scores NeuralPower's power and energy against what was
 * measured, beside the constant-power baseline.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { EmulatedPhone } from './peers/adb-phone/index.js';
import { startAdbServer } from './adb-server.js';
import { labbenchAsyncRun } from './cli-helpers.js';
import { LocalLabService } from '../app/lab-service.js';
import type { AccuracyResult } from '../app/api/predict.js';
import type { ProfileResult } from '../app/api/profile.js';
import { planWorkload } from '../app/workloads/plan.js';

const PHONE_SETTINGS = { runs: 2, maxRuns: 2, innerRuns: 3, warmup: 1, canaryEvery: 0 } as const;

test('report accuracy gives power (W) and energy (mJ) errors per layer type and per network against metered runs', async (t) => {
  const server = await startAdbServer();
  const phone = new EmulatedPhone({ seed: 21, timeScale: 1, screenOn: false, charging: true });
  const serial = `127.0.0.1:${await phone.start()}`;
  const dir = mkdtempSync(join(tmpdir(), 'labbench-pacc-'));
  const saved = process.env.ANDROID_ADB_SERVER_PORT;
  process.env.ANDROID_ADB_SERVER_PORT = String(server.port);
  const db = join(dir, 'a.db');
  const service = new LocalLabService(db);
  t.after(async () => {
    service.close();
    if (saved === undefined) delete process.env.ANDROID_ADB_SERVER_PORT;
    else process.env.ANDROID_ADB_SERVER_PORT = saved;
    await phone.stop();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  await service.connectPhone(serial);
  const meter = `${serial}:rails,poll=20`;
  const measured = new Map<string, ProfileResult>();
  for (const workload of ['mnist-resnet', 'mnist-2conv']) measured.set(workload, await service.profile({ device: serial, workload, meter, mode: 'layers', ...PHONE_SETTINGS }));
  for (const [w, p] of measured) assert.ok(p.energy_mj !== undefined, `${w}: every layer has power (${p.layers.filter((l) => l.power_missing).map((l) => `${l.name}: ${l.power_missing}`).join('; ')}; meter ${JSON.stringify(p.meter)})`);

  const env = { ANDROID_ADB_SERVER_PORT: String(server.port) };
  const fit = await labbenchAsyncRun(['fit', '--device', serial, '--db', db, '--sample', '0', '--holdout', 'mnist-2conv', '--json'], env);
  assert.equal(fit.status, 0, fit.stderr);
  const rep = await labbenchAsyncRun(['report', 'accuracy', '--device', serial, '--db', db, '--json'], env);
  assert.equal(rep.status, 0, rep.stderr);
  const r = JSON.parse(rep.stdout) as AccuracyResult;
  const p = r.power!;
  assert.ok(p, 'a power section');
  assert.equal(p.baseline.name, 'constant-power');
  assert.ok(p.baseline.power_w > 0.3 && p.baseline.power_w < 3, `baseline ${p.baseline.power_w} W`);

  // Layer level: only held-out layers (mnist-2conv's), both predictors scored, per type and overall.
  const all = p.layers_power_w.find((g) => g.group === 'all')!;
  const heldUnits = planWorkload('mnist-2conv').units.length;
  assert.ok(all && all.n >= heldUnits / 2 && all.n <= heldUnits, `${all?.n} held-out layers with power, of ${heldUnits}`);
  for (const table of [p.layers_power_w, p.layers_energy_mj]) {
    for (const g of table) for (const name of ['neuralpower', 'constant-power']) assert.ok(Number.isFinite(g.predictors[name]?.rmspe_pct), `${g.group} ${name}`);
  }

  // Network level: measured E is the profile's own sum of P_n T_n, P_avg = E / T.
  for (const [table, unit] of [[p.networks_energy_mj, 'mJ'], [p.networks_power_w, 'W']] as const) {
    assert.deepEqual(table.rows.map((x) => x.network).sort(), ['mnist-2conv', 'mnist-resnet']);
    for (const row of table.rows) {
      const prof = measured.get(row.network)!;
      const want = unit === 'mJ' ? prof.energy_mj! : prof.power_w!;
      assert.ok(Math.abs(row.actual / want - 1) < 1e-9, `${row.network}: ${row.actual} ${unit} measured, profile said ${want}`);
      for (const name of ['neuralpower', 'constant-power']) assert.ok(Number.isFinite(row.error_pct[name]), `${row.network} ${name}`);
      // The emulated phone runs every layer on one big core: power is predictable to well within a factor of 2.
      assert.ok(Math.abs(row.error_pct.neuralpower!) < 50, `${row.network} ${unit}: NeuralPower off by ${row.error_pct.neuralpower}%`);
    }
  }
  const human = await labbenchAsyncRun(['report', 'accuracy', '--device', serial, '--db', db], env);
  assert.equal(human.status, 0, human.stderr);
  assert.match(human.stdout, /Layer power \(W\)[\s\S]*Network energy \(mJ\), sum of layers[\s\S]*mnist-2conv \(held out\)/);
  assert.match(human.stdout, /baseline constant-power = \d\.\d{3} W/);
});
