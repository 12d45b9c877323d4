import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyFittedDb } from '../../test/fitted-db.js';
import { pixel1LutPath } from '../../test/cli-helpers.js';
import { openProfilesDb, type ProfilesDb } from '../../profiles-db/profiles-db.js';
import { LocalLabService } from '../lab-service.js';
import { LabbenchError } from '../api/errors.js';
import type { DeviceRecord } from '../api/lut.js';
import { SPNAS_LAYERS, spnasNetwork } from '../workloads/zoo/spnas-space.js';
import type { Network } from '../workloads/ir.js';
import { mulberry32 } from '../util/rng.js';
import { allowedChoices, toSpnasChoices, uniformArchitecture, type Architecture } from '../nas/architecture.js';
import { loadSpnasLatency } from '../nas/nas-job.js';
import { latestKernelModel, predictFromPlan } from './kernel-predict.js';
import type { KernelDeviceModel } from './kernel-fit.js';
import { plannedKernels, type PlannedKernels } from './kernel-plan.js';
import { SKIP, spnasLatency, type SpnasLatencyTable } from './spnas-lut.js';
import { spnasKernelLayer, spnasKernelTable, spnasLayerOf } from './spnas-kernels.js';

// Small networks: the planning (ORT optimizing each artifact) stays well under a second each.
const RES = 32;
const dir = mkdtempSync(join(tmpdir(), 'labbench-spnas-kernels-'));
const DB = join(dir, 'fitted.db');
let db: ProfilesDb;
let device: DeviceRecord;
let model: KernelDeviceModel;

before(async () => {
  await copyFittedDb(DB);
  db = openProfilesDb(DB);
  device = db.resolveDevice('local');
  model = latestKernelModel(db, device)!;
  assert.ok(model, 'the shared fit is a kernel model');
});

after(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const plan = (arch: Architecture) => plannedKernels(device.fingerprint, spnasNetwork(toSpnasChoices(arch), { resolution: RES }));

test('every planned kernel of a network of the space is charged to its block or to the stem and head', async () => {
  assert.equal(spnasLayerOf('L7-k5e6/dw'), 7);
  assert.equal(spnasLayerOf('L21-k3e3'), 21);
  assert.equal(spnasLayerOf('stem_bn'), undefined);
  assert.equal(spnasLayerOf('head'), undefined);
  const arch = uniformArchitecture(2).map((c, i) => (i % 3 === 0 && allowedChoices(i).includes(SKIP) ? SKIP : c));
  const p = await plan(arch);
  const charged = new Set<number>();
  p.kernels.forEach((k, i) => {
    const layer = spnasKernelLayer(k);
    if (layer === undefined) {
      // Not a block's: the stem's, the head's (head conv, pool, fc, softmax) or a layout conversion of the input or of theirs.
      const fixedPart = (name: string): boolean => /^(input$|stem|head|pool|flatten|fc|prob)/.test(name);
      assert.ok(k.layers.length ? k.layers.every(fixedPart) : fixedPart(k.at ?? '') || p.operators[i] === 0, `${k.key} ${k.layers.join('+')} at ${k.at ?? ''}`);
    } else {
      assert.ok(k.layers.every((l) => spnasLayerOf(l) === layer), `one kernel, one block: ${k.layers.join('+')}`);
      charged.add(layer);
    }
  });
  // Every layer that runs has kernels; the skipped ones have none.
  assert.deepEqual([...charged].sort((a, b) => a - b), SPNAS_LAYERS.filter((l) => arch[l.index] !== SKIP).map((l) => l.index));
});

/** Random architectures of the space (every layer uniform over what it allows). */
function randomArchitecture(rand: () => number): Architecture {
  return SPNAS_LAYERS.map((l) => {
    const allowed = allowedChoices(l.index);
    return allowed[Math.floor(rand() * allowed.length)]!;
  });
}

async function checkAgainstWholeNetworks(m: KernelDeviceModel, t: SpnasLatencyTable): Promise<void> {
  assert.equal(t.resolution, RES);
  for (const l of SPNAS_LAYERS) {
    for (let o = 0; o < 4; o++) assert.ok(t.cells[l.index * 5 + o]! > 0, `layer ${l.index} option ${o}: ${t.cells[l.index * 5 + o]}`);
    const skip = t.cells[l.index * 5 + SKIP]!;
    assert.ok(l.residual ? Math.abs(skip) < 1e-9 : Number.isNaN(skip), `layer ${l.index} skip ${skip}`);
  }
  assert.ok(t.fixed_ms > 0);
  // Bigger blocks cost more: k5e6 over k3e3 in every layer of the uniform networks.
  assert.ok(spnasLatency(t, uniformArchitecture(3)) > spnasLatency(t, uniformArchitecture(0)));
  const rand = mulberry32(7);
  for (let n = 0; n < 3; n++) {
    const arch = randomArchitecture(rand);
    const whole = predictFromPlan(m, await plan(arch)).total.runtime_ms;
    const summed = spnasLatency(t, arch);
    assert.ok(Math.abs(summed / whole - 1) < 0.05, `${arch.join('')}: table ${summed.toFixed(3)} ms, whole network ${whole.toFixed(3)} ms`);
  }
}

test('the table is the kernel model on the whole fused network: architectures it was not built from agree within a few %', async () => {
  // The shared fit's kernel models with two calibrations: one with a per-kernel cost and an
  // offset (its own, from three networks, extrapolates to either side of the floor at half
  // the kernel sum from one network to the next), and one under that floor everywhere.
  const withCalibration = (c: Partial<KernelDeviceModel['model']['calibration']>): KernelDeviceModel => ({ ...model, model: { ...model.model, calibration: { ...model.model.calibration, ...c } } });
  // The five plans once for all the tables.
  const plans = new Map<string, Promise<PlannedKernels>>();
  const cached = (n: Network): Promise<PlannedKernels> => {
    const key = n.layers.map((l) => l.name).join(',');
    if (!plans.has(key)) plans.set(key, plannedKernels(device.fingerprint, n));
    return plans.get(key)!;
  };
  const linear = withCalibration({ scale: 1.2, per_kernel_ms: 0.004, offset_ms: 0.05 });
  const t = await spnasKernelTable(device, linear, RES, cached);
  await checkAgainstWholeNetworks(linear, t);
  const floored = withCalibration({ scale: 0.1, per_kernel_ms: 0, offset_ms: 0 });
  await checkAgainstWholeNetworks(floored, await spnasKernelTable(device, floored, RES, cached));
  // The offset is the network's, not a block's: in the fixed part once, the cells unchanged.
  const noOffset = await spnasKernelTable(device, withCalibration({ scale: 1.2, per_kernel_ms: 0.004, offset_ms: 0 }), RES, cached);
  assert.ok(Math.abs(t.fixed_ms - noOffset.fixed_ms - 0.05) < 1e-9, `${t.fixed_ms} vs ${noOffset.fixed_ms}`);
  assert.deepEqual([...t.cells], [...noOffset.cells]);
});

test('nas takes the kernel table where the device has a kernel model; --latency lut and a LUT file keep the LUT; kernels without a model is refused', async () => {
  const bad = (code: string, re: RegExp) => (e: unknown) => e instanceof LabbenchError && e.code === code && re.test(e.message);
  // No spnas-space LUT on this device: the space's own 224 px.
  const k = await loadSpnasLatency(db, { device: 'local' });
  assert.equal(k.source, 'kernels');
  assert.equal(k.table.resolution, 224);
  assert.match(k.label, /^the kernel model .* of /);
  await assert.rejects(loadSpnasLatency(db, { device: 'local', latency: 'lut' }), bad('LUT_NOT_FOUND', /profile it first/));
  await assert.rejects(loadSpnasLatency(db, { lutFile: pixel1LutPath(), latency: 'kernels' }), bad('BAD_INPUT', /give --device/));
  const lut = await loadSpnasLatency(db, { lutFile: pixel1LutPath() });
  assert.equal(lut.source, 'lut');
  assert.equal(lut.table.fixed_ms, 19.6);
  db.close();
  const svc = new LocalLabService(DB);
  const imported = await svc.lutImport(readFileSync(pixel1LutPath(), 'utf8'), 'pixel1-single-path-nas-lut.json');
  svc.close();
  db = openProfilesDb(DB);
  const key = imported.device.key;
  assert.equal((await loadSpnasLatency(db, { device: key })).source, 'lut');
  await assert.rejects(loadSpnasLatency(db, { device: key, latency: 'kernels' }), bad('BAD_INPUT', /labbench fit --device/));
});
