import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../app/train/engine.js';
import { analyzeNetwork } from '../app/workloads/analyze.js';
import { zooNetwork } from '../app/workloads/zoo/index.js';
import { channelGroups, pruneArrays, sliceAxis, zeroChannels, type KeepSets } from '../app/prune/channels.js';
import { createIrNet, disposeIrNet, forwardIrNet, irNetFromArrays, readArrays, type WeightArrays } from '../app/train/ir-net.js';
import { cutToBudget, globalRanking, identityTerms, keepAfter, layerNorms, uniformCut } from '../app/prune/ranking.js';
import { evolve, mutate } from '../app/prune/evolution.js';
import { trainSubset } from '../app/train/trained.js';
import { loadDataset } from '../app/train/data.js';
import { Rng } from '../app/train/rng.js';
import type { Network } from '../app/workloads/ir.js';
import { createRequire } from 'node:module';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { labbench, labbenchHere, tempDir } from './cli-helpers.js';
import type { PruneResult } from '../app/api/search.js';
import { openProfilesDb } from '../profiles-db/profiles-db.js';
import { exportTrained } from '../app/prune/export.js';
import { formatPrune } from '../app/prune/report.js';
import { loadOrt } from '../native-runners/onnxruntime/runner.js';

/** node-tflite by file (see tflite-writer.test.ts for why), typed with what is used here. */
interface TfliteTensor {
  copyFrom(data: ArrayBufferView): void;
  copyTo(data: ArrayBufferView): void;
}
const { Interpreter } = createRequire(import.meta.url)('node-tflite/index.js') as {
  Interpreter: new (model: ArrayBufferView, options?: { numThreads?: number }) => { inputs: TfliteTensor[]; outputs: TfliteTensor[]; allocateTensors(): void; invoke(): void };
};

await initEngine('cpu');

/** Random BN statistics and affine terms, so a wrong slice of any of them shows. */
function randomizeBn(arrays: WeightArrays, rng: Rng): WeightArrays {
  const out: WeightArrays = new Map(arrays);
  for (const [name, a] of arrays) {
    if (!/\.(gamma|beta|mean|var|bias)$/.test(name)) continue;
    const d = a.data.map(() => (name.endsWith('.var') ? 0.5 + rng.next() : rng.normal() * 0.3));
    out.set(name, { shape: a.shape, data: d });
  }
  return out;
}

function forwardArrays(network: Network, arrays: WeightArrays, x: tf.Tensor4D): Float32Array {
  const net = irNetFromArrays(network, arrays);
  try {
    return tf.tidy(() => forwardIrNet(net, x, false).dataSync() as Float32Array);
  } finally {
    disposeIrNet(net);
  }
}

function randomKeep(network: Network, rng: Rng): KeepSets {
  const keep = new Map<number, number[]>();
  for (const g of channelGroups(network)) {
    if (!g.prunable) continue;
    const k = [...Array(g.channels).keys()].filter(() => rng.next() < 0.6);
    keep.set(g.id, k.length ? k : [0]);
  }
  return keep;
}

for (const name of ['mnist-vgg', 'mnist-resnet', 'mnist-2conv', 'mnist-1hidden']) {
  test(`${name}: the physically pruned network computes what the unpruned one does with those channels zeroed`, () => {
    const network = zooNetwork(name);
    const rng = new Rng(7);
    const net = createIrNet(network, 3);
    const arrays = randomizeBn(readArrays(net), rng);
    disposeIrNet(net);
    const groups = channelGroups(network);
    const keep = randomKeep(network, rng);
    const x = tf.randomUniform([2, 28, 28, 1], 0, 1, 'float32', 5) as tf.Tensor4D;
    const pruned = pruneArrays(network, groups, arrays, keep);
    const a = forwardArrays(pruned.network, pruned.arrays, x);
    const b = forwardArrays(network, zeroChannels(groups, arrays, keep), x);
    x.dispose();
    assert.equal(a.length, 20);
    for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) < 1e-3 * (1 + Math.abs(b[i]!)), `${name} output ${i}: ${a[i]} vs ${b[i]}`);
    const before = analyzeNetwork(network).total;
    const after = analyzeNetwork(pruned.network).total;
    assert.ok(after.params < before.params && after.flops < before.flops);
    // The arrays hold exactly the parameters shape inference counts (BN stats aside).
    const stored = [...pruned.arrays].filter(([n]) => !/\.(mean|var)$/.test(n)).reduce((s, [, v]) => s + v.data.length, 0);
    assert.equal(stored, after.params);
  });
}

test('residual additions: the convs feeding one sum form one channel group; the logits stay whole', () => {
  const network = zooNetwork('mnist-resnet');
  const groups = channelGroups(network);
  const byProducer = (p: string) => groups.find((g) => g.producers.includes(p))!;
  // stem + stage1/conv2 are summed; stage2/conv2 and its shortcut are summed.
  assert.deepEqual([...byProducer('conv1').producers].sort(), ['conv1', 'stage1/conv2']);
  assert.deepEqual([...byProducer('stage2/conv2').producers].sort(), ['stage2/conv2', 'stage2/shortcut']);
  assert.deepEqual([...byProducer('stage2/conv2').bns].sort(), ['stage2/bn2', 'stage2/shortcut_bn']);
  assert.equal(byProducer('stage1/conv1').producers.length, 1);
  assert.ok(byProducer('stage1/conv1').prunable);
  assert.equal(byProducer('fc').prunable, false);
  // stage3's sum feeds gap -> flatten -> fc: the fc is its consumer, one position per channel.
  assert.deepEqual(byProducer('stage3/conv2').consumers.find((c) => c.layer === 'fc'), { layer: 'fc', kind: 'fc', spatial: 1 });
});

test('sliceAxis keeps the asked indices along one axis', () => {
  const data = Float32Array.from({ length: 24 }, (_, i) => i);
  const r = sliceAxis(data, [2, 3, 4], 1, [0, 2]);
  assert.deepEqual(r.shape, [2, 2, 4]);
  assert.deepEqual([...r.data], [0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15, 20, 21, 22, 23]);
});

test('global ranking: scores are alpha * norm + kappa, and the budget cut meets the FLOPs budget with the fewest removals', () => {
  const network = zooNetwork('mnist-vgg');
  const groups = channelGroups(network);
  const net = createIrNet(network, 1);
  const arrays = readArrays(net);
  disposeIrNet(net);
  const layers = layerNorms(groups, arrays);
  const terms = identityTerms(layers);
  const raised = { alpha: terms.alpha, kappa: terms.kappa.map((k, i) => (i === 0 ? 100 : k)) };
  const ranking = globalRanking(layers, raised);
  assert.ok(ranking.every((f, i) => i === 0 || ranking[i - 1]!.score <= f.score));
  // kappa = 100 on the first layer puts all its filters last.
  const first = layers[0]!.group;
  const tail = ranking.slice(-layers[0]!.norms.length);
  assert.ok(tail.every((f) => f.group === first));
  const flops = (n: Network) => analyzeNetwork(n).total.flops;
  for (const budget of [0.3, 0.5, 0.7]) {
    const cut = cutToBudget(network, groups, ranking, budget, flops);
    assert.ok(cut.cost <= budget * cut.base, `${budget}: ${cut.cost / cut.base}`);
    // One filter fewer removed would miss the budget.
    const removed = [...cut.keep.values()].reduce((s, k) => s + k.length, 0);
    const total = layers.reduce((s, l) => s + l.norms.length, 0);
    const m = total - removed;
    const looser = keepAfter(ranking, groups, m - 1);
    assert.ok(flops(pruneArrays(network, groups, arrays, looser).network) > budget * cut.base);
    const uni = uniformCut(network, groups, layers, budget, flops);
    assert.ok(uni.cost <= budget * uni.base);
  }
});

test('regularized evolution improves the fitness of a toy objective', async () => {
  const target = [2, 0.5, 1, 3];
  const start = { alpha: [1, 1, 1, 1], kappa: [0, 0, 0, 0] };
  const fit = async (t: { alpha: readonly number[]; kappa: readonly number[] }) => -t.alpha.reduce((s, a, i) => s + (Math.log(a) - Math.log(target[i]!)) ** 2 + t.kappa[i]! ** 2, 0);
  const initial = await fit(start);
  const r = await evolve(start, fit, { population: 16, sample: 4, generations: 300, mutateFraction: 0.25, seed: 3 });
  assert.ok(r.bestFitness > initial + 0.5 * -initial, `${initial} -> ${r.bestFitness}`);
  assert.ok(r.history.every((h, i) => i === 0 || h >= r.history[i - 1]!));
  // A child differs from its parent in about mutateFraction of the layers.
  const child = mutate({ alpha: Array(20).fill(1), kappa: Array(20).fill(0) }, new Rng(1), 0.1, 0.3);
  assert.equal(child.alpha.filter((a) => a !== 1).length, 2);
  // Without a count, children follow the population until the time budget is spent: each
  // evaluation takes 1/8 s of this clock, so 1 s holds the population of 4 and 4 children.
  let clock = 0;
  const slow = async (t: { alpha: readonly number[]; kappa: readonly number[] }) => {
    clock += 0.125;
    return fit(t);
  };
  const timed = await evolve(start, slow, { population: 4, sample: 2, seconds: 1, seed: 3, clock: () => clock });
  assert.equal(timed.generations, 4);
  assert.equal(timed.history.length, 8);
  await assert.rejects(evolve(start, fit, { population: 4 }), /generations or a time budget/);
});

test('every LeGR candidate is fine-tuned on one seeded subset of the training images', () => {
  const data = loadDataset('mnist', { limit: 600, seed: 1 });
  const a = trainSubset(data, 100, 7);
  const b = trainSubset(data, 100, 7);
  const c = trainSubset(data, 100, 8);
  assert.equal(a.train.n, 100);
  assert.deepEqual(a.train.y, b.train.y);
  assert.deepEqual(a.train.x, b.train.x);
  assert.notDeepEqual(a.train.x, c.train.x);
  // A random subset, not the first images: it spreads over the split and over the classes.
  assert.notDeepEqual(a.train.x, data.train.x.subarray(0, a.train.x.length));
  assert.ok(new Set(a.train.y).size >= 8);
});

for (const name of ['mnist-resnet', 'mnist-2conv']) {
  test(`${name}: a pruned net exports to ONNX and TFLite with its trained weights (same outputs as tfjs) and smaller files`, async () => {
    const network = zooNetwork(name);
    const rng = new Rng(11);
    const net = createIrNet(network, 5);
    const arrays = randomizeBn(readArrays(net), rng);
    disposeIrNet(net);
    const groups = channelGroups(network);
    const pruned = pruneArrays(network, groups, arrays, randomKeep(network, rng));
    const x = tf.randomUniform([1, 28, 28, 1], 0, 1, 'float32', 9) as tf.Tensor4D;
    const logits = forwardArrays(pruned.network, pruned.arrays, x);
    // The exported files end in the zoo net's softmax.
    const want = tf.tidy(() => tf.softmax(tf.tensor1d(logits)).dataSync() as Float32Array);
    const pixels = x.dataSync() as Float32Array;
    x.dispose();
    const full = exportTrained(network, arrays);
    const small = exportTrained(pruned.network, pruned.arrays);
    assert.ok(small.onnx.length < full.onnx.length && small.tflite.length < full.tflite.length);
    const ort = loadOrt();
    const session = await ort.InferenceSession.create(small.onnx);
    // One channel: NHWC and NCHW hold the same bytes.
    const out = await session.run({ input: new ort.Tensor('float32', pixels, [1, 1, 28, 28]) });
    const onnxLogits = Object.values(out)[0]!.data as Float32Array;
    const it = new Interpreter(small.tflite, { numThreads: 1 });
    it.allocateTensors();
    it.inputs[0]!.copyFrom(pixels);
    it.invoke();
    const tfliteLogits = new Float32Array(10);
    it.outputs[0]!.copyTo(tfliteLogits);
    for (let i = 0; i < 10; i++) {
      assert.ok(Math.abs(onnxLogits[i]! - want[i]!) < 1e-4 + 1e-3 * Math.abs(want[i]!), `onnx ${i}: ${onnxLogits[i]} vs ${want[i]}`);
      assert.ok(Math.abs(tfliteLogits[i]! - want[i]!) < 1e-4 + 1e-3 * Math.abs(want[i]!), `tflite ${i}: ${tfliteLogits[i]} vs ${want[i]}`);
    }
  });
}

test('labbench prune --json: one ranking cut at two FLOPs budgets beside both baselines, exported smaller, stored as a search run', async (t) => {
  const dir = tempDir(t);
  const db = join(dir, 'p.db');
  // 2 epochs of 1,800 images (56 steps) train the MLP well past what a constant output scores on these 333 test images.
  const args = ['prune', '--model', 'mnist-1hidden', '--budget', '0.4,0.7', '--data', 'mnist', '--limit', '2000', '--epochs', '2', '--population', '2', '--generations', '1', '--fitness-images', '128', '--fitness-validation', '100', '--out', join(dir, 'out'), '--db', db, '--json'];
  const r = labbench(args);
  assert.equal(r.status, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as PruneResult;
  assert.deepEqual(doc.results.map((x) => `${x.method}@${x.budget}`), ['legr@0.4', 'legr@0.7', 'global-norm@0.4', 'global-norm@0.7', 'uniform@0.4', 'uniform@0.7']);
  for (const x of doc.results) {
    assert.ok(x.flops <= x.budget * doc.base.flops, `${x.method}@${x.budget}`);
    assert.ok(x.onnx_bytes < doc.base.onnx_bytes && x.tflite_bytes < doc.base.tflite_bytes);
    assert.equal(statSync(x.artifacts!.onnx).size, x.onnx_bytes);
    // Pruned to 40 % of its FLOPs and fine-tuned one epoch, the net still classifies (a broken cut or fine-tune falls to chance).
    assert.ok(x.accuracy > 0.75, `${x.method}@${x.budget}: test accuracy ${x.accuracy}`);
  }
  assert.ok(doc.base.accuracy > 0.8, `unpruned: test accuracy ${doc.base.accuracy}`);
  // --generations fixes the count: no time budget; 2 + 1 candidates, all fine-tuned on the same 128 images.
  assert.deepEqual([doc.evaluations, doc.generations, doc.population, doc.time_budget_s, doc.fitness_images], [3, 1, 2, undefined, 128]);
  const pdb = openProfilesDb(db);
  const run = pdb.listSearchRuns().find((x) => x.id === doc.run_id)!;
  pdb.close();
  assert.equal(run.kind, 'prune');
  assert.equal(run.status, 'done');
  // The DB keeps the first candidate, each new best and the last (the listener saw all three).
  const evolved = run.progress.filter((p) => p.phase === 'evolve').map((p) => p.epoch);
  assert.equal(evolved[0], 1);
  assert.equal(evolved.at(-1), 3);
  assert.ok(evolved.length >= 2 && evolved.length <= 3, evolved.join(','));

  // Without --generations the evolution runs children until its time budget is spent (the trained net is cached beside the DB).
  const timed = labbench(['prune', '--model', 'mnist-1hidden', '--budget', '0.5', '--data', 'mnist', '--limit', '2000', '--epochs', '2', '--population', '2', '--time-budget', '2', '--fitness-images', '128', '--fitness-validation', '100', '--finetune-images', '256', '--no-baselines', '--db', db, '--json']);
  assert.equal(timed.status, 0, timed.stderr);
  const tdoc = JSON.parse(timed.stdout) as PruneResult;
  assert.equal(tdoc.time_budget_s, 2);
  assert.ok(tdoc.generations >= 1 && tdoc.evaluations === 2 + tdoc.generations, `${tdoc.generations} generations, ${tdoc.evaluations} evaluations`);
  assert.ok(tdoc.ranking_seconds >= 2, `evolution stopped after ${tdoc.ranking_seconds} s of its 2 s`);
  assert.match(formatPrune(tdoc), /population 2 \+ \d+ generations = \d+ candidates evaluated \(time budget 2 s\), each fine-tuned on the same 128 images/);
  assert.match(formatPrune(doc), /population 2 \+ 1 generations = 3 candidates evaluated \(generations fixed\)/);

  // Bad budgets and a latency budget without a device are bad input (exit 2).
  assert.equal((await labbenchHere(['prune', '--model', 'mnist-1hidden', '--budget', '2', '--data', 'mnist', '--db', db])).status, 2);
  assert.equal((await labbenchHere(['prune', '--model', 'mnist-1hidden', '--budget', '0.5', '--time-budget', '-1', '--data', 'mnist', '--db', db])).status, 2);
  assert.equal((await labbenchHere(['prune', '--model', 'mnist-1hidden', '--budget', '0.5', '--metric', 'latency', '--data', 'mnist', '--db', db])).status, 2);
});
