// Training rows read from a real DB file: rows profiled before the network context held every field get it from their run's network.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openProfilesDb } from '../../profiles-db/profiles-db.js';
import { cpuFingerprint, statsOf, tempDir } from '../../profiles-db/test-fixtures/helpers.js';
import { kernelSampleNetwork } from '../workloads/samples/kernel-sampler.js';
import { analyzeNetwork } from '../workloads/analyze.js';
import { networkContext, unfusedKernels } from '../workloads/kernels.js';
import { kernelTrainingData } from './kernel-fit.js';
import { KERNEL_OP_PREFIX } from '../profiling/kernel-job.js';
import { StateNormalizer } from './machine-state.js';

test("rows of an older profile, whose context holds the network's weights only, are read with the whole context of their run's network", () => {
  const db = openProfilesDb(join(tempDir(), 'ctx.db'));
  try {
    const device = db.upsertDevice({ key: 'local', label: 'Test CPU', fingerprint: cpuFingerprint(), origin: 'measured' });
    const workload = 'kernel-sample:1:0';
    const analysis = analyzeNetwork(kernelSampleNetwork(1, 0));
    const full = networkContext(analysis);
    assert.ok(full.act_bytes! > 0 && full.fc_weight_bytes! > 0 && full.fc_weight_bytes! < full.weight_bytes);
    const run = db.startRun({ deviceId: device.id, workload, settings: { mode: 'kernels' } });
    const kernels = unfusedKernels(analysis).slice(0, 5);
    for (const k of kernels) {
      const old = { ...k.config, context: { weight_bytes: full.weight_bytes } };
      db.recordUnit(run.id, { key: k.key, op: `${KERNEL_OP_PREFIX}${k.kind}`, config: old, layers: [...k.layers] }, [0.1, 0.1], statsOf([0.1, 0.1]));
    }
    db.recordEndToEnd(run.id, [1, 1], statsOf([1, 1]));
    db.completeRun(run.id);
    const data = kernelTrainingData(db, device, [], StateNormalizer.fromDb(db, device.id));
    assert.equal(data.rows.length, kernels.length);
    for (const r of data.rows) assert.deepEqual(r.config.context, full);
    assert.deepEqual(data.excluded, { rows: 0, runs: 0 });
    // Held out, the run gives nothing, and the data say what was kept out.
    const held = kernelTrainingData(db, device, [workload], StateNormalizer.fromDb(db, device.id));
    assert.equal(held.rows.length, 0);
    assert.equal(held.runs.length, 0);
    assert.deepEqual(held.excluded, { rows: kernels.length, runs: 1 });
  } finally {
    db.close();
  }
});
