/**
 * The search on the real engine: thresholds that move the choices where the LUT says so, and
 * the `nas` command end to end on the public Pixel 1 LUT with a tiny proxy (a few hundred
 * images at 16 px), including a stop after the first search epoch and a resume from its
 * checkpoint.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openProfilesDb } from '../../profiles-db/profiles-db.js';
import { labbenchAsyncRun, labbenchHere, pixel1LutPath, tempDir } from '../../test/cli-helpers.js';
import { loadSpnasLut, runNas } from './nas-job.js';
import type { NasProgress, NasResult } from '../api/search.js';
import { LabbenchError } from '../api/errors.js';
import { searchInChild, searchOn } from '../../test/nas-threshold-search.js';
import { initEngine } from '../train/engine.js';
import { loadDataset } from '../train/data.js';
import { train } from '../train/trainer.js';
import { Supernet } from './supernet.js';
import { choiceName } from './architecture.js';
import type { TrainableModel } from '../train/types.js';

const TINY = ['--limit', '128', '--resolution', '16', '--width', '0.125', '--batch-size', '32', '--epochs', '1', '--train-epochs', '1'];

/**
 * The `nas` command starts at once, in a child on the second core, beside the searches this
 * process trains; its test reads what it printed.
 */
const cliDir = mkdtempSync(join(tmpdir(), 'labbench-nas-cli-'));
const cliDb = join(cliDir, 'nas.db');
const cliRun = labbenchAsyncRun(['nas', '--lut', pixel1LutPath(), '--target-ms', '80', '--data', 'fashion-mnist', ...TINY, '--random-baselines', '1', '--seeds', '2', '--out', join(cliDir, 'out'), '--db', cliDb, '--json']);
after(async () => {
  await cliRun;
  rmSync(cliDir, { recursive: true, force: true });
});

test('thresholds move the choices: a free 5x5 ring is kept, a costly one is dropped', { timeout: 600_000 }, async () => {
  // Options in order k3e3, k3e6, k5e3, k5e6, skip (as costly as the largest option, so that
  // skipping saves nothing). Everything starts at k5e6 (66 ms); 22.5 ms forces the one cheap
  // step in every layer.
  const [kernelFree, kernelCostly] = await Promise.all([searchInChild([1, 3, 1, 3, 3], 22.5), searchOn([1, 1, 3, 3, 3], 22.5)]);
  const count = (arch: string[], re: RegExp): number => arch.filter((c) => re.test(c)).length;
  // The free part stays as it started in nearly every layer (the cross-entropy's noisy pull
  // may move a few); the costly part is dropped in most layers within 4 tiny epochs.
  assert.ok(count(kernelFree, /^k5/) >= 18, `5x5 free, expansion 6 costly: ${kernelFree.join(' ')}`);
  assert.ok(count(kernelFree, /e3$/) >= 15, `5x5 free, expansion 6 costly: ${kernelFree.join(' ')}`);
  assert.ok(count(kernelCostly, /e6$/) >= 18, `5x5 costly, expansion 6 free: ${kernelCostly.join(' ')}`);
  assert.ok(count(kernelCostly, /^k3/) >= 15, `5x5 costly, expansion 6 free: ${kernelCostly.join(' ')}`);
});

test('the search ends once every decision has settled, with the architecture that searching on would keep', { timeout: 600_000 }, async () => {
  await initEngine();
  const data = loadDataset('mnist', { limit: 640, resolution: 16, seed: 3 });
  const { table } = loadSpnasLut(undefined, { lutFile: pixel1LutPath() });
  const make = (): Supernet => new Supernet({ input: data.shape, classes: data.classes, width: 0.125, seed: 5 }, table, 80);
  const opts = { epochs: 8, batchSize: 32, optimizer: 'adam' as const, learningRate: 2e-3, seed: 1 };
  const early = make();
  const r = await train(early, data, opts);
  const stopped = r.epochs.at(-1)!;
  assert.ok(stopped.stoppedAfterBatches !== undefined && stopped.epoch < 7, `the search ran to epoch ${stopped.epoch + 1} of 8`);
  assert.ok(early.finished());
  const found = early.state().architecture.map(choiceName);
  early.dispose();
  // The same search, seeds and steps, with the stop hidden: two epochs past the stop, it keeps the same choices.
  const full = make();
  const hidden: TrainableModel = { variables: full.variables, forward: (x, t) => full.forward(x, t), extraLoss: () => full.extraLoss(), afterStep: () => full.afterStep() };
  const all = await train(hidden, data, { ...opts, epochs: stopped.epoch + 3 });
  assert.equal(all.epochs.length, stopped.epoch + 3);
  assert.equal(all.epochs.at(-1)!.stoppedAfterBatches, undefined);
  assert.deepEqual(full.state().architecture.map(choiceName), found);
  full.dispose();
});

test('labbench nas on the Pixel 1 LUT meets the target, trains the found network and baselines at the same latency', { timeout: 600_000 }, async () => {
  const db = cliDb;
  const r = await cliRun;
  assert.equal(r.status, 0, r.stderr);
  const res = JSON.parse(r.stdout) as NasResult;
  assert.ok(res.predicted_latency_ms <= 80 && res.predicted_latency_ms >= 76, `${res.predicted_latency_ms} ms`);
  assert.equal(res.architecture.length, 22);
  assert.equal(res.workload, `spnas:${res.architecture.map((l) => l.choice).join(',')}`);
  assert.equal(res.resolution, 224);
  const sum = res.architecture.reduce((s, l) => s + l.latency_ms, 0) + 19.6;
  assert.ok(Math.abs(sum - res.predicted_latency_ms) < 0.01);
  // Four steps teach these nets nothing (the accuracy bar is in the resume test): what is checked
  // here is that every network is trained once per seed and compared with the found one.
  assert.equal(res.seeds, 2);
  for (const c of [res, ...res.baselines]) {
    assert.equal(c.accuracies.length, 2);
    assert.ok(Math.abs(c.accuracy - (c.accuracies[0]! + c.accuracies[1]!) / 2) < 1e-12);
    assert.ok(Math.abs(c.accuracy_sd - Math.abs(c.accuracies[0]! - c.accuracies[1]!) / Math.SQRT2) < 1e-12);
  }
  for (const b of res.baselines) {
    assert.ok(b.noise === 'inside' || b.noise === 'outside', `${b.name}: ${b.noise}`);
    assert.match(b.comparison!, new RegExp(`^found - ${b.name}: [+-]\\d+\\.\\d\\d points \\((Welch t|no spread)`));
  }
  assert.match(r.stdout, /"comparison"/);
  const skipped = res.architecture.filter((l) => l.choice === 'skip').length;
  assert.deepEqual(res.skipped, { layers: skipped, of: 15 });
  assert.equal(res.warnings.length, skipped > 7.5 ? 1 : 0);
  if (skipped > 7.5) assert.match(r.stderr, /warning: skip-heavy collapse: the found network skips \d+ of its 15 skippable layers/);
  assert.deepEqual(res.baselines.map((b) => b.name), ['uniform-k3e3', 'uniform-k3e6', 'uniform-k5e3', 'uniform-k5e6', 'random-1']);
  const random = res.baselines.find((b) => b.name === 'random-1')!;
  assert.ok(random.predicted_latency_ms <= 80 && random.predicted_latency_ms >= 76);
  assert.ok(existsSync(res.artifacts!.onnx!) && statSync(res.artifacts!.tflite!).size > 1e6, 'the found network is exported at 224 px');
  assert.match(r.stderr, /search epoch 1\/1/);

  // The run is in the DB with its progress, for the UI and for `--resume`.
  const pdb = openProfilesDb(db);
  const [run] = pdb.listSearchRuns('nas');
  pdb.close();
  assert.equal(run!.status, 'done');
  assert.deepEqual(run!.progress.map((p) => p.phase), ['search', ...['train', 'baseline:uniform-k3e3', 'baseline:uniform-k3e6', 'baseline:uniform-k5e3', 'baseline:uniform-k5e6', 'baseline:random-1'].flatMap((p) => [p, `${p} (seed 2)`])]);

  const bad = await labbenchHere(['nas', '--lut', pixel1LutPath(), '--target-ms', '20', '--data', 'fashion-mnist', '--db', db]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /no architecture of the space is as fast as 20.0 ms on this LUT \(the fastest is 51.1 ms\)/);
  const noLut = await labbenchHere(['nas', '--target-ms', '80', '--data', 'mnist', '--db', db]);
  assert.equal(noLut.status, 2);
  assert.match(noLut.stderr, /--device ID .* or --lut FILE/);
  const unknown = await labbenchHere(['nas', '--device', 'no-such-phone', '--target-ms', '80', '--data', 'mnist', '--db', db]);
  assert.equal(unknown.status, 2);
});

test('a search stopped after its first epoch resumes from the checkpoint', { timeout: 600_000 }, async (t) => {
  const dir = tempDir(t);
  const db = openProfilesDb(join(dir, 'resume.db'));
  t.after(() => db.close());
  // The found network trains 3 epochs on 576 images (54 steps): enough to beat a constant output.
  const req = { lutFile: pixel1LutPath(), targetMs: 90, data: 'mnist' as const, limit: 640, resolution: 16, width: 0.25, batchSize: 32, epochs: 2, trainEpochs: 3, noBaselines: true };
  const stop = new AbortController();
  const onProgress = (p: NasProgress): void => {
    if (p.point?.phase === 'search' && p.point.epoch === 1) stop.abort();
  };
  await assert.rejects(runNas(db, req, { onProgress, signal: stop.signal }), (e: unknown) => e instanceof LabbenchError && e.code === 'CANCELED');
  const [stopped] = db.listSearchRuns('nas');
  assert.equal(stopped!.status, 'canceled');
  assert.ok(existsSync(stopped!.checkpoint!));

  const phases: string[] = [];
  const res = await runNas(db, { targetMs: 1, data: 'mnist', resume: stopped!.id }, { onProgress: (p) => p.point && phases.push(`${p.point.phase}:${p.point.epoch}`) });
  // Only the second search epoch is run again; the run's own request wins over the new one.
  assert.deepEqual(phases, ['search:2', 'train:1', 'train:2', 'train:3']);
  // A constant output scores at most the commonest digit's share of these 106 test images.
  assert.ok(res.accuracy > 0.3, `found network: test accuracy ${res.accuracy}`);
  assert.equal(res.run_id, stopped!.id);
  assert.equal(res.target_ms, 90);
  assert.equal(db.getSearchRun(stopped!.id)!.status, 'done');
});
