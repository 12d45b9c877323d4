// Inner layers of block parts, timed in place by an end-to-end run, become layer training rows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openProfilesDb } from '../../profiles-db/profiles-db.js';
import { cpuFingerprint, statsOf, tempDir } from '../../profiles-db/test-fixtures/helpers.js';
import { planWorkload } from '../workloads/plan.js';
import { analyzeNetwork } from '../workloads/analyze.js';
import { layerConfig } from '../workloads/units.js';
import { inNetworkRows } from './fit-device.js';

test('a NAS-space run gives one row per inner layer it timed, in place; parts, held-out runs and incomplete runs give none', () => {
  const db = openProfilesDb(join(tempDir(), 'inner.db'));
  try {
    const device = db.upsertDevice({ key: 'local', label: 'Test CPU', fingerprint: cpuFingerprint(), origin: 'measured' });
    const plan = planWorkload('spnas-space', { resolution: 64 });
    const layers = analyzeNetwork(plan.endToEnd!).layers;
    const dw = layers.find((a) => a.layer.name === 'L3-k3e6/dw')!;
    const expand = layers.find((a) => a.layer.name === 'L3-k3e6/expand')!;
    const inNetwork: Record<string, number> = Object.fromEntries(plan.parts.map((p) => [p.name, 1]));
    inNetwork['L3-k3e6/dw'] = 0.25;
    inNetwork['L3-k3e6/expand'] = 0.5;
    const settings = { runs: 10, warmup: 2, threads: 1, graph_optimization: 'disabled', resolution: 64 };
    const run = db.startRun({ deviceId: device.id, workload: 'spnas-space', settings });
    db.recordEndToEnd(run.id, [20, 21, 22], statsOf([20, 21, 22]), undefined, inNetwork);
    db.completeRun(run.id);
    // An incomplete run's times are not used: it may have been killed before its end to end settled.
    const open = db.startRun({ deviceId: device.id, workload: 'spnas-space', settings: { ...settings, runs: 11 } });
    db.recordEndToEnd(open.id, [20], statsOf([20]), undefined, { ...inNetwork, 'L3-k3e6/dw': 9 });

    const rows = inNetworkRows(db, device, []);
    assert.deepEqual(
      rows.sort((a, b) => a.runtime_ms - b.runtime_ms),
      [
        { op: 'dwconv', config: layerConfig(dw, 1), runtime_ms: 0.25 },
        { op: 'pwconv', config: layerConfig(expand, 1), runtime_ms: 0.5 },
      ],
    );
    assert.deepEqual(inNetworkRows(db, device, ['spnas-space']), [], 'a held-out network lends no rows');
  } finally {
    db.close();
  }
});
