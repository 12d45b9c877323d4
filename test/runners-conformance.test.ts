/**
 * One conformance suite for every runner listed in native-runners/index.ts: each on a rig of
 * its own (this CPU; the emulated phone behind the real adb server), the same workload, the
 * same checks through the ProfilingTarget interface the jobs use. A listed runner without a
 * rig here fails, so a new runner cannot join the registry untested.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { RUNNERS, runnerFor } from '../native-runners/index.js';
import type { RunnerDescriptor } from '../native-runners/target.js';
import { startPhoneRig } from './phone-rig.js';
import { ROOT } from './cli-helpers.js';
import { zooNetwork } from '../app/workloads/zoo/index.js';
import { layerPlan } from '../app/workloads/units.js';
import { plannedKernels } from '../app/predict/kernel-plan.js';

/** A device id the runner can profile, on a rig that ends with the test. */
const RIGS: Record<string, (t: TestContext) => Promise<string>> = {
  onnxruntime: () => Promise.resolve('local'),
  'android-tflite': async (t) => (await startPhoneRig(t, { seed: 41, timeScale: 0.02, screenOn: false, charging: false, benchmarkFlavor: 'modern' })).serial,
};

const WORKLOAD = 'cifar10-6conv';
const RESOLUTION = 16;
const FAST = { runs: 3, maxRuns: 3, warmup: 1, innerRuns: 3, maxSecondsPerUnit: 0.5 } as const;

test('every runner folder is listed once in native-runners/index.ts, and every listed runner has a rig here', async () => {
  const dir = join(ROOT, 'native-runners');
  const folders = readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'index.ts')));
  assert.ok(folders.length >= 2);
  for (const f of folders) {
    const mod = (await import(join(dir, f.name, 'index.ts'))) as Record<string, unknown>;
    const descriptors = Object.values(mod).filter((v): v is RunnerDescriptor => typeof v === 'object' && v !== null && 'accepts' in v && 'open' in v);
    assert.equal(descriptors.length, 1, `${f.name}/index.ts exports one runner descriptor`);
    assert.equal(RUNNERS.filter((r) => r === descriptors[0]).length, 1, `${f.name} is listed once`);
  }
  assert.equal(RUNNERS.length, folders.length);
  for (const r of RUNNERS) assert.ok(RIGS[r.name], `runner ${r.name} has a rig in this suite`);
});

const positive = (xs: readonly number[]): boolean => xs.length > 0 && xs.every((x) => Number.isFinite(x) && x > 0);

for (const runner of RUNNERS) {
  test(`${runner.name}: routed its devices, measures units, networks and every planned kernel, honours a cancel`, async (t) => {
    const rig = RIGS[runner.name];
    if (!rig) return assert.fail(`no rig for ${runner.name}`);
    const device = await rig(t);
    assert.equal(runnerFor(device), runner, 'the registry routes its device to it');
    const network = zooNetwork(WORKLOAD, { resolution: RESOLUTION });
    const plan = layerPlan(WORKLOAD, network);
    const req = { device, workload: WORKLOAD, resolution: RESOLUTION, ...FAST };

    const layers = await runner.open(req, 'layers');
    try {
      const fp = await layers.fingerprint();
      assert.ok(typeof fp.kind === 'string' && typeof fp.runtime === 'string', JSON.stringify(fp));
      const units = plan.units.slice(0, 3);
      await layers.prepare?.(units, network, {});
      for (const unit of units) {
        const m = await layers.measureUnit(unit, {});
        assert.ok(positive(m.samplesMs) && m.deviceMs > 0, `${unit.key}: ${JSON.stringify(m.samplesMs)}`);
      }
      const whole = await layers.measureNetwork(network, {});
      assert.ok(positive(whole.samplesMs), 'the network end to end');
      const canceled = new AbortController();
      canceled.abort();
      await assert.rejects(layers.measureUnit(units[0]!, { signal: canceled.signal }), { code: 'CANCELED' }, 'an aborted signal stops a measurement');
    } finally {
      await layers.close?.();
    }

    const kernels = await runner.open(req, 'kernels');
    try {
      assert.ok(kernels.measureKernels, 'kernel mode, the default, is supported');
      await kernels.prepare?.([], network, {});
      const km = await kernels.measureKernels(network, {});
      const planned = await plannedKernels(await kernels.fingerprint(), network);
      assert.deepEqual([...new Set(km.kernels.map((k) => k.key))].sort(), [...new Set(planned.kernels.map((k) => k.key))].sort(), 'the kernels timed are those a prediction plans');
      assert.ok(km.samplesMs.some((s) => positive(s)) && positive(km.endToEnd.samplesMs));
    } finally {
      await kernels.close?.();
    }
  });
}
