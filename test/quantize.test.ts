import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../app/train/engine.js';
import { binaryConnectSte, DEFAULT_RANGE, flightnnQuantize, glorotH, lightnnArray, lightnnSte, lightnnValues, powerTerms, roundPow2 } from '../app/quantize/quantizers.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labbenchAsyncRun, labbenchHere } from './cli-helpers.js';
import type { QuantizeResult, QuantizeSweepResult } from '../app/api/search.js';
import { openProfilesDb } from '../profiles-db/profiles-db.js';
import { formatQuantizeSweep } from '../app/quantize/report.js';
import { countOps, energyMicrojoules, HOROWITZ_45NM_INT32, paretoFront } from '../app/quantize/energy.js';

/**
 * The three `labbench quantize` trainings start at once, each in a child (the engine trains on
 * one thread), beside the tests this process runs; each CLI test reads its own run.
 */
const cliDir = mkdtempSync(join(tmpdir(), 'labbench-quantize-'));
const DB = { lightnn1: join(cliDir, 'q.db'), sweep: join(cliDir, 's.db'), bnn: join(cliDir, 'b.db') };
const cli = {
  // 108 steps on 2,700 images: 11-13% test error over seeds 1-3 (a constant output: ~89%).
  lightnn1: labbenchAsyncRun(['quantize', '--model', 'mnist-1hidden', '--scheme', 'lightnn-1', '--data', 'mnist', '--limit', '3000', '--epochs', '2', '--batch-size', '50', '--lr', '0.003', '--db', DB.lightnn1, '--json']),
  sweep: labbenchAsyncRun(['quantize', '--model', 'mnist-1hidden', '--scheme', 'conventional,lightnn-1,binaryconnect', '--data', 'mnist', '--limit', '300', '--epochs', '1', '--db', DB.sweep, '--json']),
  // 108 steps on 2,700 images: 11-12% test error over seeds 1-3, the loss falling from ~0.10 to ~0.06.
  bnn: labbenchAsyncRun(['quantize', '--model', 'mnist-1hidden', '--scheme', 'binarynet', '--act-reg', '--data', 'mnist', '--limit', '3000', '--epochs', '2', '--batch-size', '50', '--db', DB.bnn, '--json']),
};
after(async () => {
  await Promise.all(Object.values(cli));
  rmSync(cliDir, { recursive: true, force: true });
});

await initEngine('cpu');

const isPow2 = (v: number): boolean => {
  const e = Math.log2(Math.abs(v));
  return Number.isInteger(e) && e >= DEFAULT_RANGE.minExp && e <= DEFAULT_RANGE.maxExp;
};

/** Whether |v| is a sum of at most k signed powers of two in range (brute force over the exponents). */
function sumOfPow2(v: number, k: number): boolean {
  if (v === 0) return true;
  if (k === 0) return false;
  for (let e = DEFAULT_RANGE.minExp; e <= DEFAULT_RANGE.maxExp; e++) {
    for (const s of [1, -1]) if (sumOfPow2(v - s * 2 ** e, k - 1)) return true;
  }
  return false;
}

const sample = Array.from({ length: 400 }, (_, i) => Math.sin(i * 12.9898) * 1.3);

test('LightNN-1 values are signed powers of two (or 0 below the smallest); LightNN-2 values are sums of two', () => {
  const x = tf.tensor1d(sample);
  const q1 = lightnnValues(x, 1).dataSync();
  const q2 = lightnnValues(x, 2).dataSync();
  sample.forEach((w, i) => {
    const a = q1[i]!;
    assert.ok(a === 0 ? Math.abs(w) < 2 ** (DEFAULT_RANGE.minExp - 1) : isPow2(a) && Math.sign(a) === Math.sign(w), `${w} -> ${a}`);
    assert.ok(sumOfPow2(q2[i]!, 2), `${w} -> ${q2[i]}`);
    // Two terms never do worse than one.
    assert.ok(Math.abs(q2[i]! - Math.min(Math.max(w, -2), 2)) <= Math.abs(a - Math.min(Math.max(w, -2), 2)) + 1e-7);
  });
  // Nearest in value: 0.7 -> 0.5 (0.75 is the midpoint of 0.5 and 1), 0.8 -> 1; 0.375 = 0.25 + 0.125.
  assert.deepEqual([...roundPow2(tf.tensor1d([0.7, 0.8, -0.3, 5])).dataSync()], [0.5, 1, -0.25, 1]);
  assert.deepEqual([...lightnnValues(tf.tensor1d([0.375, 0.625]), 2).dataSync()], [0.375, 0.625]);
  assert.deepEqual(powerTerms(0.375, 2), [0.25, 0.125]);
  x.dispose();
});

test('LightNN-K read off the float bits equals K rounds of the tensor ops (roundPow2 on the residual), edges included', () => {
  const edges = [0, 2 ** -9, 2 ** -9 * 0.999, 2 ** -8, 0.75, 0.7499999, 0.7500001, 1.5, 3, 1e-30, 1e6, 0.375, -0.625, 2 ** -8 * 1.5, -(2 ** -5) * 1.5000001];
  const values = Float32Array.from([...edges, ...edges.map((v) => -v), ...Array.from({ length: 5000 }, (_, i) => Math.sin(i * 78.233) * 2 ** ((i % 14) - 11))]);
  for (const k of [1, 2]) {
    const want = tf.tidy(() => {
      let q = tf.zeros([values.length]);
      let r: tf.Tensor = tf.tensor1d(values);
      for (let i = 0; i < k; i++) {
        const t = roundPow2(r);
        q = tf.add(q, t);
        r = tf.sub(r, t);
      }
      return q.dataSync();
    });
    const got = lightnnArray(values, k);
    values.forEach((v, i) => assert.equal(got[i], want[i], `K=${k}: ${v} -> ${got[i]}, ops give ${want[i]}`));
  }
});

// The path training runs (LightnnMemo.ste through makeQuantizer) has its own test in app/quantize/binary.test.ts.
test('the straight-through estimators lightnnSte and binaryConnectSte pass the gradient to the latent weights unchanged', () => {
  const w = tf.tensor1d([0.3, -0.7, 0.05, 1.2]);
  const c = tf.tensor1d([1, 2, 3, 4]);
  for (const q of [lightnnSte(1), lightnnSte(2), binaryConnectSte(0.1)]) {
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(q(v), c)))(w);
    assert.deepEqual([...g.dataSync()], [1, 2, 3, 4]);
  }
  assert.deepEqual([...binaryConnectSte(0.25)(tf.tensor1d([0.3, -0.7, 0])).dataSync()], [0.25, -0.25, 0.25]);
  assert.ok(Math.abs(glorotH(784, 100) - Math.sqrt(1.5 / 884)) < 1e-12);
});

test('FLightNN: the trainable threshold picks K per filter, and an energy penalty moves it to fewer terms', () => {
  // A dense [in, out] matrix: 6 filters (columns) of 16 weights.
  const w = tf.variable(tf.randomUniform([16, 6], -1, 1, 'float32', 4));
  const t = tf.variable(tf.fill([6], 0.0));
  const forward = () => flightnnQuantize(w, t, 1, 0.01);
  const ks = (): number[] => Array.from(tf.tidy(() => forward().keep.dataSync()));
  assert.deepEqual(ks(), [1, 1, 1, 1, 1, 1]);
  // With t = 0 every filter keeps two terms: the value is LightNN-2's.
  const two = lightnnValues(w, 2).dataSync();
  const v = tf.tidy(() => forward().value.dataSync());
  assert.deepEqual([...v], [...two]);
  const opt = tf.train.sgd(0.05);
  for (let i = 0; i < 60; i++) opt.minimize(() => tf.sum(forward().keep) as tf.Scalar, false, [t]);
  const after = ks();
  assert.ok(after.reduce((a, b) => a + b, 0) < 6, `K=2 filters left: ${after}`);
  const one = lightnnValues(w, 1).dataSync();
  const mixed = tf.tidy(() => forward().value.dataSync());
  // A filter with K = 1 equals LightNN-1 on all its weights.
  for (let f = 0; f < 6; f++) {
    if (after[f] !== 0) continue;
    for (let r = 0; r < 16; r++) assert.equal(mixed[r * 6 + f], one[r * 6 + f]);
  }
});

test('energy: multiplies for conventional, shifts and adds per power-of-two term for LightNN, adds for BinaryConnect, XNOR and popcount words for binary-binary layers', () => {
  const layer = { name: 'fc', weights: Float32Array.from([0.5, -0.375, 0, 0.25]), uses: 10, biasAdds: 2 };
  const none = { xnors: 0, popcounts: 0 };
  assert.deepEqual(countOps([layer], 'conventional'), { mults: 40, adds: 42, shifts: 0, ...none });
  // LightNN-2 terms: 0.5 -> 1, -0.375 -> 2, 0 -> 0, 0.25 -> 1: 4 terms x 10 uses.
  assert.deepEqual(countOps([layer], 'lightnn-2'), { mults: 0, adds: 42, shifts: 40, ...none });
  assert.deepEqual(countOps([{ ...layer, weights: Float32Array.from([0.5, -0.25, 0, 1]) }], 'lightnn-1'), { mults: 0, adds: 32, shifts: 30, ...none });
  assert.deepEqual(countOps([layer], 'binaryconnect'), { mults: 0, adds: 42, shifts: 0, ...none });
  // Binary inputs with power-of-two weights: each term is the constant +-2^n, an add without a shift.
  assert.deepEqual(countOps([{ ...layer, fanIn: 2, binaryInput: true }], 'lightnn-2-bin'), { mults: 0, adds: 42, shifts: 0, ...none });
  // Binary-binary: 100 outputs of fan-in 70 (3 words of 32 bits each) x 4 positions.
  const bb = { name: 'conv', weights: new Float32Array(7000).fill(0.1), uses: 4, biasAdds: 0, fanIn: 70, binaryInput: true };
  assert.deepEqual(countOps([bb], 'binarynet'), { mults: 0, adds: 1200, shifts: 0, xnors: 1200, popcounts: 1200 });
  // XNOR-Net adds a multiply by alpha per output; its first layer (real inputs) an add per use.
  assert.deepEqual(countOps([bb], 'xnor'), { mults: 400, adds: 1200, shifts: 0, xnors: 1200, popcounts: 1200 });
  assert.deepEqual(countOps([{ ...bb, binaryInput: false }], 'xnor'), { mults: 400, adds: 28000, shifts: 0, ...none });
  // With its input scaling K: a multiply per output, an add per input element and a 3x3 box per position.
  assert.deepEqual(countOps([{ ...bb, inputScale: { inputElems: 7 * 6 * 6, window: 9 } }], 'xnor'), { mults: 800, adds: 1200 + 252 + 36, shifts: 0, xnors: 1200, popcounts: 1200 });
  assert.deepEqual(countOps([{ ...bb, binaryInput: false }], 'binarynet'), { mults: 0, adds: 28000, shifts: 0, ...none });
  const e = energyMicrojoules({ mults: 1e6, adds: 1e6, shifts: 1e6, xnors: 1e6, popcounts: 1e6 });
  const t = HOROWITZ_45NM_INT32;
  assert.ok(Math.abs(e - (t.mult_pj + t.add_pj + t.shift_pj + t.xnor_pj + t.popcount_pj)) < 1e-9);
  const front = paretoFront([
    { energy_uj: 1, test_error: 0.05 },
    { energy_uj: 2, test_error: 0.06 },
    { energy_uj: 3, test_error: 0.01 },
  ]);
  assert.deepEqual(front.map((p) => p.energy_uj), [1, 3]);
});

test('labbench quantize --json: LightNN-1 training beats a bar far above chance, an energy without multiplies, and the seed figure beside it', async () => {
  const r = await cli.lightnn1;
  assert.equal(r.status, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as QuantizeResult;
  assert.equal(doc.scheme, 'lightnn-1');
  assert.ok(doc.test_error < 0.2, String(doc.test_error));
  assert.equal(doc.ops.mults, 0);
  assert.ok(doc.ops.shifts > 0 && doc.ops.shifts <= 79_400 && doc.energy_uj > 0);
  assert.equal(doc.seed_test_error, 0.0209);
  assert.equal((await labbenchHere(['quantize', '--model', 'mnist-1hidden', '--scheme', 'lightnn-3', '--data', 'mnist', '--db', DB.lightnn1])).status, 2);
  assert.equal((await labbenchHere(['quantize', '--model', 'mnist-1hidden', '--scheme', 'lightnn-1', '--data', 'mnist', '--lr-schedule', 'step', '--db', DB.lightnn1])).status, 2);
  assert.equal((await labbenchHere(['quantize', '--model', 'mnist-1hidden', '--scheme', 'lightnn-1', '--data', 'mnist', '--final-lr', '2', '--db', DB.lightnn1])).status, 2);
});

test('labbench quantize with several schemes: one stored run each, and the accuracy-energy Pareto front of those runs', async () => {
  const db = DB.sweep;
  const r = await cli.sweep;
  assert.equal(r.status, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as QuantizeSweepResult;
  assert.deepEqual(doc.runs.map((x) => x.scheme), ['conventional', 'lightnn-1', 'binaryconnect']);
  // BinaryConnect (adds only) is the cheapest, conventional (multiplies) the dearest.
  const [conv, l1, bc] = doc.runs;
  const summary = doc.runs.map((x) => `${x.scheme}: ${x.test_error} at ${x.energy_uj} uJ`).join('; ');
  assert.ok(bc!.energy_uj < l1!.energy_uj && l1!.energy_uj < conv!.energy_uj, summary);
  // The front: no run off it beats one on it on both axes, and each run on it beats every cheaper run's error.
  assert.equal(doc.pareto[0], 'binaryconnect', summary);
  const on = doc.pareto.map((s) => doc.runs.find((x) => x.scheme === s)!);
  for (const x of doc.runs.filter((y) => !doc.pareto.includes(y.scheme))) assert.ok(on.some((p) => p.energy_uj <= x.energy_uj && p.test_error <= x.test_error), `${x.scheme} is dominated: ${summary}`);
  for (let i = 1; i < on.length; i++) assert.ok(on[i]!.test_error < on[i - 1]!.test_error && on[i]!.energy_uj > on[i - 1]!.energy_uj, summary);
  const pdb = openProfilesDb(db);
  const runs = pdb.listSearchRuns().filter((x) => x.kind === 'quantize');
  pdb.close();
  assert.deepEqual(runs.map((x) => x.id).sort(), doc.runs.map((x) => x.run_id).sort());
  assert.ok(runs.every((x) => x.status === 'done' && typeof x.result?.energy_uj === 'number'), JSON.stringify(runs.map((x) => x.status)));
  const human = formatQuantizeSweep(doc);
  assert.match(human, /Pareto front \(test error against energy, cheapest first\): binaryconnect/);
  // Unknown or repeated schemes are bad input.
  assert.equal((await labbenchHere(['quantize', '--model', 'mnist-1hidden', '--scheme', 'lightnn-1,lightnn-3', '--data', 'mnist', '--db', db])).status, 2);
  assert.equal((await labbenchHere(['quantize', '--model', 'mnist-1hidden', '--scheme', 'lightnn-1,lightnn-1', '--data', 'mnist', '--db', db])).status, 2);
});

test('labbench quantize --scheme binarynet --act-reg: a BNN on MNIST beats a bar far above chance, and the activation-distribution loss is reported and falls', async () => {
  const db = DB.bnn;
  const r = await cli.bnn;
  assert.equal(r.status, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as QuantizeResult;
  assert.equal(doc.binary_activations, true);
  assert.ok(doc.test_error < 0.2, String(doc.test_error));
  assert.equal(doc.seed_test_error, 0.0679);
  const reg = doc.act_reg!;
  assert.deepEqual(reg.terms, ['degeneration', 'saturation', 'mismatch']);
  assert.equal(reg.per_epoch.length, 2);
  assert.ok(reg.first > 0 && reg.last < 0.8 * reg.first, JSON.stringify(reg));
  // fc2's 10 outputs read 100 binary inputs: 4 words each, an XNOR and a popcount per word.
  assert.equal(doc.ops.xnors, 40);
  assert.equal(doc.ops.popcounts, 40);
  // The regularizer is for binary activations only, and its terms are named.
  assert.equal((await labbenchHere(['quantize', '--model', 'mnist-1hidden', '--scheme', 'lightnn-1', '--act-reg', '--data', 'mnist', '--db', db])).status, 2);
  const bad = await labbenchHere(['quantize', '--model', 'mnist-1hidden', '--scheme', 'binarynet', '--act-reg-terms', 'degeneration,bogus', '--data', 'mnist', '--db', db]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--act-reg-terms takes degeneration, saturation, mismatch/);
});
