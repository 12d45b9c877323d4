/**
 * Kernel mode end to end through the CLI on this CPU: from an empty DB, `fit` profiles its
 * own sample networks (a round more where errors stay high), fits kernel models and the
 * network terms; `predict` plans an ONNX file it never ran into ORT's kernels; `profile` of
 * that file gives the truth, in the fit's machine state too; `report accuracy` compares the
 * two; a held-out workload contributes no row; a second fit profiles nothing again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { AccuracyResult, FitSummary, PredictResult } from '../app/api/predict.js';
import type { ProfileResult } from '../app/api/profile.js';
import type { LutView } from '../app/api/lut.js';
import { labbench, tempDir } from './cli-helpers.js';

const MODEL = join('app', 'workloads', 'fixtures', 'torch-mobilenetv3-small-op13.onnx');
const FIT = ['--sample', '6', '--rounds', '1', '--per-round', '3', '--json'];

function json<T>(args: readonly string[]): T {
  const r = labbench(args);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as T;
}

test('fit samples, predicts a file it never ran, profiles it, and reports the two side by side', (t) => {
  const db = join(tempDir(t), 'k.db');
  const fit = json<FitSummary>(['fit', '--device', 'local', '--db', db, ...FIT]);
  assert.equal(fit.mode, 'kernels');
  assert.ok(fit.sampling!.networks >= 6 && fit.sampling!.kernel_rows > 50, JSON.stringify(fit.sampling));
  assert.ok(fit.sampling!.rows_per_min > 0 && fit.sampling!.wall_s > 0);
  assert.ok(fit.types.some((k) => k.type === 'pwconv' && Number.isFinite(k.cv_rmspe_pct)), JSON.stringify(fit.types));
  assert.ok(fit.calibration && fit.calibration.networks === fit.sampling!.networks && fit.calibration.scale > 0.5 && fit.calibration.scale < 2);
  assert.ok(fit.state && fit.state.exponent !== undefined, 'the machine state is named, with its exponent');

  const pred = json<PredictResult>(['predict', '--device', 'local', '--db', db, '--workload', MODEL, '--json']);
  assert.equal(pred.mode, 'kernels');
  assert.ok(pred.layers.length >= 10 && pred.layers.every((l) => l.source === 'model' && l.runtime_ms > 0));
  assert.ok(pred.layers.some((l) => l.op === 'reorder'), 'ORT layout conversions are kernels too');
  assert.ok(pred.total.runtime_ms > 0 && pred.baseline.runtime_ms > 0);

  const prof = json<ProfileResult>(['profile', '--device', 'local', '--db', db, '--workload', MODEL, '--runs', '5', '--max-seconds', '0.5', '--json']);
  assert.equal(prof.mode, 'kernels');
  assert.equal(prof.workload, 'torch-mobilenetv3-small-op13.onnx');
  assert.ok(prof.end_to_end!.median_ms > 0 && prof.end_to_end!.reference_median_ms! > 0, JSON.stringify(prof.end_to_end));
  // Kernel times come from the profiled session, the end to end from the plain one beside it.
  assert.ok(prof.sum_of_layers_ms > 0 && prof.layers.every((l) => l.n === prof.layers[0]!.n));

  const acc = json<AccuracyResult>(['report', 'accuracy', '--device', 'local', '--db', db, '--json']);
  const row = acc.networks.rows.find((r) => r.network === 'torch-mobilenetv3-small-op13.onnx');
  assert.ok(row, 'a network profiled after the fit is one it never saw');
  assert.ok(Math.abs(row.predicted.kernels! - pred.total.runtime_ms) < 1e-9, 'the report predicts as predict did');
  assert.ok(Math.abs(row.actual - prof.end_to_end!.reference_median_ms!) < 1e-9);
  assert.equal(acc.excluded?.kernel_rows, 0);

  const lut = json<LutView>(['lut', 'show', '--device', 'local', '--db', db, '--json']);
  assert.ok(lut.entries.some((e) => e.key.startsWith('kernel ') && e.op.startsWith('kernel/')));

  // Held out: the file's kernels and its calibration network stay out of the fit.
  const again = json<FitSummary>(['fit', '--device', 'local', '--db', db, '--holdout', 'torch-mobilenetv3-small-op13.onnx', ...FIT]);
  assert.equal(again.sampling!.networks, 0, 'the sample networks are profiled once');
  const held = json<AccuracyResult>(['report', 'accuracy', '--device', 'local', '--db', db, '--json']);
  assert.ok(held.excluded!.kernel_rows > 0 && held.excluded!.calibration_networks === 1, JSON.stringify(held.excluded));
  assert.ok(held.networks.rows.some((r) => r.network === 'torch-mobilenetv3-small-op13.onnx'));
  const human = labbench(['report', 'accuracy', '--device', 'local', '--db', db]);
  assert.match(human.stdout, /held out: 1 workload\(s\); \d+ kernel rows and 1 calibration network\(s\) excluded/);
});

test('per-layer mode stays available: every layer alone, unfused', (t) => {
  const db = join(tempDir(t), 'l.db');
  const layers = json<ProfileResult>(['profile', '--device', 'local', '--db', db, '--workload', 'cifar10-6conv', '--per-layer', '--runs', '3', '--max-runs', '3', '--warmup', '1', '--json']);
  assert.equal(layers.mode, 'layers');
  assert.ok(layers.layers.some((l) => l.op === 'relu'), 'unfused: each activation is a layer of its own');
  assert.equal(layers.settings.graph_optimization, 'disabled');
});
