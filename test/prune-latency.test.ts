/**
 * LeGR with a latency budget on the emulated phone, through the CLI: `fit` profiles a small
 * layer sample on the phone (so the pruned layers' channel counts are not in its LUT and
 * NeuralPower predicts them), then `prune --metric latency` cuts the ranking by predicted
 * latency and measures every final net on the phone through the ordinary profile path.
 * The phone runs in this process, so every CLI call is asynchronous.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startPhoneRig } from './phone-rig.js';
import { labbenchAsyncRun } from './cli-helpers.js';
import type { PruneResult } from '../app/api/search.js';
import { openProfilesDb } from '../profiles-db/profiles-db.js';
import { formatPrune } from '../app/prune/report.js';

test('prune --metric latency on the emulated phone: budgets met in predicted latency, each pruned net measured on the phone', async (t) => {
  const { serial, dir, env } = await startPhoneRig(t, { seed: 13, timeScale: 0.02, screenOn: false, charging: false, benchmarkFlavor: 'modern' }, { prefix: 'labbench-prune-lat-' });
  const db = join(dir, 'l.db');

  const fit = await labbenchAsyncRun(['fit', '--device', serial, '--db', db, '--sample', '16', '--rounds', '0', '--json'], env);
  assert.equal(fit.status, 0, fit.stderr);

  // No --out: the nets are still written (to a temp folder) and measured.
  const r = await labbenchAsyncRun(
    ['prune', '--model', 'mnist-2conv', '--budget', '0.4,0.75', '--metric', 'latency', '--device', serial, '--data', 'mnist', '--limit', '300', '--epochs', '1',
      '--population', '2', '--generations', '1', '--fitness-images', '128', '--fitness-validation', '100', '--finetune-images', '256', '--no-baselines', '--db', db, '--json'],
    env,
  );
  assert.equal(r.status, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as PruneResult;
  assert.equal(doc.metric, 'latency');
  assert.equal(doc.device, serial);
  const base = doc.base;
  assert.ok(base.latency_ms! > 0 && base.measured_latency_ms! > 0, `base: predicted ${base.latency_ms}, measured ${base.measured_latency_ms}`);
  assert.deepEqual(doc.results.map((x) => `${x.method}@${x.budget}`), ['legr@0.4', 'legr@0.75']);
  for (const x of doc.results) {
    const pred = x.latency_ms!;
    const meas = x.measured_latency_ms!;
    assert.ok(pred > 0 && meas > 0, `${x.budget}: predicted ${pred}, measured ${meas}`);
    // The budget is a fraction of the unpruned net's predicted latency.
    assert.ok(pred <= x.budget * base.latency_ms! * (1 + 1e-9), `${x.budget}: ${pred} ms over ${x.budget} x ${base.latency_ms} ms`);
    // The prediction tracks what the phone measures (the model was fitted on other layers).
    assert.ok(meas / pred > 1 / 3 && meas / pred < 3, `${x.budget}: measured ${meas} ms against predicted ${pred} ms`);
    assert.ok(x.flops < base.flops && x.onnx_bytes < base.onnx_bytes);
  }
  // The tighter budget is faster on the phone, and both are faster than the unpruned net.
  const [tight, loose] = doc.results;
  assert.ok(tight!.measured_latency_ms! < loose!.measured_latency_ms! && loose!.measured_latency_ms! < base.measured_latency_ms!,
    `measured: ${tight!.measured_latency_ms} < ${loose!.measured_latency_ms} < ${base.measured_latency_ms}`);

  const human = formatPrune(doc);
  assert.match(human, /pred ms\s+meas ms/);
  const pdb = openProfilesDb(db);
  const run = pdb.listSearchRuns().find((x) => x.id === doc.run_id)!;
  pdb.close();
  assert.equal(run.status, 'done');
  assert.ok(run.progress.filter((p) => p.phase === 'finetune:legr').every((p) => p.latency_ms! > 0));
});
