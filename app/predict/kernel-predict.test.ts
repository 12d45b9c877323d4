// The network terms on a run's own profiled kernels (a kernel model without error), read from a real DB file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openProfilesDb } from '../../profiles-db/profiles-db.js';
import { cpuFingerprint, statsOf, tempDir } from '../../profiles-db/test-fixtures/helpers.js';
import { KERNEL_OP_PREFIX } from '../profiling/kernel-job.js';
import { ms } from '../api/units.js';
import { onProfiledKernels } from './kernel-predict.js';
import type { KernelDeviceModel } from './kernel-fit.js';

const model: KernelDeviceModel = {
  format: 'labbench-kernel-device-model',
  version: 1,
  model: {
    format: 'labbench-kernel-model',
    version: 1,
    kinds: {},
    roofline: { ms_per_flop: 0, ms_per_byte: 0, overhead_ms: 0.001 },
    calibration: { scale: 0.9, per_kernel_ms: -0.01, offset_ms: 0.05, networks: 3, rmspe_pct: 1 },
  },
  // The machine the model was fitted on ran the canary in 0.4 ms.
  state: { reference_canary_ms: ms(0.4), timings: 3, canary_p10: 1, canary_p90: 1, exponent: 1 },
  training: { rows: 0, networks: 0, holdout: [], workloads: 0 },
};

test("a run's profiled kernels, in the model's state and as often as its layers run them, go through the model's network terms", () => {
  const db = openProfilesDb(join(tempDir(), 'oracle.db'));
  try {
    const device = db.upsertDevice({ key: 'local', label: 'Test CPU', fingerprint: cpuFingerprint(), origin: 'measured' });
    const run = db.startRun({ deviceId: device.id, workload: 'net', settings: { mode: 'kernels' } });
    // Timed at 1.5x the reference (canary 0.6 ms): at the reference the conv takes 1 ms, run by two layers, the pool 1/3 ms.
    const slow = [{ canary_ms: 0.6 }, { canary_ms: 0.6 }];
    db.recordUnit(run.id, { key: 'conv', op: `${KERNEL_OP_PREFIX}conv`, config: { key: 'conv' }, layers: ['c1', 'c2'] }, [1.5, 1.5], statsOf([1.5, 1.5]), slow);
    db.recordUnit(run.id, { key: 'pool', op: `${KERNEL_OP_PREFIX}pool`, config: { key: 'pool' }, layers: ['p1'] }, [0.5, 0.5], statsOf([0.5, 0.5]), slow);
    // Not a kernel: left out of the sum.
    db.recordUnit(run.id, { key: 'other', op: 'conv', config: { key: 'other' }, layers: ['o1'] }, [9, 9], statsOf([9, 9]), slow);
    db.recordEndToEnd(run.id, [3, 3], statsOf([3, 3]), slow);
    db.completeRun(run.id);
    const on = onProfiledKernels(db, device, model, run.id)!;
    assert.equal(on.kernels, 3);
    assert.ok(Math.abs(on.kernel_sum_ms - (2 * 1 + 1 / 3)) < 1e-9, `${on.kernel_sum_ms}`);
    assert.ok(Math.abs(on.network_ms - (0.9 * (7 / 3) - 0.01 * 3 + 0.05)) < 1e-9, `${on.network_ms}`);

    const empty = db.startRun({ deviceId: device.id, workload: 'per-layer', settings: {} });
    db.recordUnit(empty.id, { key: 'conv', op: 'conv', config: { key: 'conv' }, layers: ['c1'] }, [1, 1], statsOf([1, 1]));
    db.completeRun(empty.id);
    assert.equal(onProfiledKernels(db, device, model, empty.id), undefined);
  } finally {
    db.close();
  }
});
