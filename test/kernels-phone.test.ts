/**
 * Kernel mode on the emulated phone: the deployed artifact under XNNPACK, every kernel timed
 * from XNNPACK's per-node rows; the kernels planned from the artifact alone are those the
 * profile timed; fit and predict from sample networks; with the phone's power rails as the
 * meter, power per kernel kind and network energy; an old benchmark_model that times the
 * delegate only as a whole is refused with what to do.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startPhoneRig } from './phone-rig.js';
import { labbenchAsyncRun } from './cli-helpers.js';
import { LocalLabService } from '../app/lab-service.js';
import { plannedKernelsSync } from '../app/predict/kernel-plan.js';
import { zooNetwork } from '../app/workloads/zoo/index.js';
import type { AccuracyResult, FitSummary, PredictResult } from '../app/api/predict.js';
import { LabbenchError } from '../app/api/errors.js';

const FAST = { runs: 3, maxRuns: 3, innerRuns: 3, warmup: 1 } as const;

test('XNNPACK kernels are timed one by one, as planned from the artifact; fit and predict from sample networks', async (t) => {
  const { serial, dir, env } = await startPhoneRig(t, { seed: 31, timeScale: 0.02, screenOn: false, charging: false, benchmarkFlavor: 'modern' });
  const service = new LocalLabService(join(dir, 'k.db'));
  t.after(() => service.close());
  const r = await service.profile({ device: serial, workload: 'mobilenetv2', resolution: 64, ...FAST });
  assert.equal(r.mode, 'kernels');
  assert.equal(r.settings.delegate, 'xnnpack', 'XNNPACK is the default delegate');
  // Batch norm is folded and relu6 fused: one kernel per conv.
  assert.ok(!r.layers.some((l) => l.name.endsWith('_bn') && l.op === 'eltwise'));
  assert.ok(Math.abs(r.sum_gap_pct!) < 15, `kernels sum to the inference time: ${r.sum_gap_pct}%`);
  const net = zooNetwork('mobilenetv2', { resolution: 64 });
  const planned = plannedKernelsSync({ kind: 'android', emulated: true }, net)!.kernels.map((k) => k.key).sort();
  assert.deepEqual([...new Set(planned)], r.layers.map((l) => l.key).sort(), 'the kernels a prediction plans are those the profile timed');

  const fit = await labbenchAsyncRun(['fit', '--device', serial, '--db', join(dir, 'k.db'), '--sample', '5', '--rounds', '0', '--json'], env);
  assert.equal(fit.status, 0, fit.stderr);
  const f = JSON.parse(fit.stdout) as FitSummary;
  assert.equal(f.mode, 'kernels');
  assert.ok(f.training_rows > 30);
  const pred = await labbenchAsyncRun(['predict', '--device', serial, '--db', join(dir, 'k.db'), '--workload', 'mnist-2conv', '--json'], env);
  assert.equal(pred.status, 0, pred.stderr);
  const p = JSON.parse(pred.stdout) as PredictResult;
  assert.ok(p.total.runtime_ms > 0 && p.layers.length >= 3);
});

test('with the phone as its own meter: power per kernel kind, network energy predicted and scored', async (t) => {
  const { serial, dir, env } = await startPhoneRig(t, { seed: 32, timeScale: 1, screenOn: false, charging: true, benchmarkFlavor: 'modern' });
  const db = join(dir, 'e.db');
  const meter = `${serial}:rails,poll=20`;
  const fit = await labbenchAsyncRun(['fit', '--device', serial, '--db', db, '--sample', '3', '--rounds', '0', '--meter', meter, '--json'], env);
  assert.equal(fit.status, 0, fit.stderr);
  const f = JSON.parse(fit.stdout) as FitSummary;
  assert.ok(f.power && f.power.networks === 3 && Object.values(f.power.kinds).every((w) => w > 0), JSON.stringify(f.power));
  const prof = await labbenchAsyncRun(['profile', '--device', serial, '--db', db, '--workload', 'mnist-2conv', '--meter', meter, '--runs', '2', '--inner-runs', '3', '--json'], env);
  assert.equal(prof.status, 0, prof.stderr);
  const pr = JSON.parse(prof.stdout) as { energy_mj?: number; power_w?: number };
  assert.ok(pr.energy_mj! > 0 && pr.power_w! > 0, prof.stdout.slice(0, 400));
  const rep = await labbenchAsyncRun(['report', 'accuracy', '--device', serial, '--db', db, '--json'], env);
  assert.equal(rep.status, 0, rep.stderr);
  const a = JSON.parse(rep.stdout) as AccuracyResult;
  const row = a.power!.networks_energy_mj.rows.find((x) => x.network === 'mnist-2conv')!;
  assert.ok(Math.abs(row.actual - pr.energy_mj!) < 1e-9);
  assert.ok(Number.isFinite(row.error_pct.kernels) && Number.isFinite(row.error_pct['constant-power']));
});

test('a benchmark_model that times XNNPACK only as a whole cannot profile kernels, and says what to do', async (t) => {
  const { serial, dir } = await startPhoneRig(t, { seed: 33, timeScale: 0.02, screenOn: false, charging: false, benchmarkFlavor: 'classic' });
  const service = new LocalLabService(join(dir, 'c.db'));
  t.after(() => service.close());
  await assert.rejects(
    service.profile({ device: serial, workload: 'mnist-2conv', ...FAST }),
    (e: unknown) => e instanceof LabbenchError && e.code === 'RUNNER_FAILED' && /per-node times/.test(e.message) && /--per-layer/.test(e.message),
  );
  const layers = await service.profile({ device: serial, workload: 'mnist-2conv', mode: 'layers', ...FAST });
  assert.equal(layers.mode, 'layers');
});
