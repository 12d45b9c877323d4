// NeuralPower end to end on a hidden roofline-like device (testing/roofline-device.ts):
// fit on random layer configurations as a LUT would hold them, then predict held-out
// configurations and whole zoo networks never measured, against the analytic baseline
// with wrong peaks and with peaks fitted to the same data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeNetwork } from '../workloads/analyze.js';
import { zooNetwork } from '../workloads/zoo/index.js';
import { fitAnalytic, fitAnalyticOverhead, predictAnalyticLayer, predictAnalyticNetwork } from './analytic.js';
import { layerTypeOf } from './features.js';
import { accuracyTable, networkTable, type AccuracyRow } from './metrics.js';
import { fitNeuralPower, parseNeuralPowerModel, predictLayer, predictNetwork } from './neuralpower.js';
import { mulberry32, pick } from '../util/rng.js';
import { HIDDEN_DEVICE, measure, randomLayer, trueLatencyMs, truePowerW } from './testing/roofline-device.js';

const u = mulberry32(42);
const KINDS = { conv: 200, pwconv: 60, dwconv: 120, fc: 80, pool: 60, other: 60 } as const;
function draw(scale: number): ReturnType<typeof measure>[] {
  const out: ReturnType<typeof measure>[] = [];
  for (const [kind, count] of Object.entries(KINDS) as [keyof typeof KINDS, number][]) {
    for (let i = 0; i < Math.round(count * scale); i++) {
      const { layer, inputs } = randomLayer(kind, u);
      out.push(measure(HIDDEN_DEVICE, layer, inputs, pick([1, 1, 2, 4], u), u));
    }
  }
  return out;
}
const train = draw(1);
const heldOut = draw(0.5);
const model = fitNeuralPower(train);
const batchOf = (s: { config: Readonly<Record<string, unknown>> }): number => s.config.batch as number;
// The baseline with the peaks a datasheet might promise (2x the real ones), overhead fitted.
const wrongPeaks = fitAnalyticOverhead(train, { peak_flops: 2 * HIDDEN_DEVICE.peak_flops, bandwidth: 2 * HIDDEN_DEVICE.bandwidth });
// The fair baseline: peaks and overhead fitted to the same training data.
const fitted = fitAnalytic(train);

test('held-out layers: NeuralPower RMSPE < 10 %, the analytic baseline far worse', () => {
  const rows: AccuracyRow[] = heldOut
    .filter((s) => ['conv', 'dwconv', 'fc'].includes(layerTypeOf(s.op)!))
    .map((s) => ({
      group: layerTypeOf(s.op)!,
      actual: s.runtime_ms,
      predicted: {
        neuralpower: predictLayer(model, s.analyzed, batchOf(s)).runtime_ms,
        paleo_wrong_peaks: predictAnalyticLayer(wrongPeaks, s.analyzed, batchOf(s)),
        paleo_fitted: predictAnalyticLayer(fitted, s.analyzed, batchOf(s)),
      },
    }));
  const sizes = Object.fromEntries(['conv', 'dwconv', 'fc'].map((t) => [t, { neuralpower: model.types[t as 'conv']!.runtime!.terms.length }]));
  const table = accuracyTable(rows, sizes);
  const report = table.map((r) => `${r.group} n=${r.n} ` + Object.entries(r.predictors).map(([k, v]) => `${k} ${v.rmspe_pct.toFixed(1)}%`).join(' ')).join('\n');
  const all = table.find((r) => r.group === 'all')!.predictors;
  assert.ok(all.neuralpower!.rmspe_pct < 10, report);
  assert.ok(all.paleo_wrong_peaks!.rmspe_pct > 3 * all.neuralpower!.rmspe_pct, report);
  assert.ok(all.paleo_fitted!.rmspe_pct > 2 * all.neuralpower!.rmspe_pct, report);
  for (const r of table) assert.ok(r.predictors.neuralpower!.rmspe_pct < 12, report);
});

test('the CV error of each type foretells its held-out error', () => {
  for (const type of ['conv', 'dwconv', 'fc', 'pool', 'other'] as const) {
    const mine = heldOut.filter((s) => layerTypeOf(s.op) === type);
    const rows = mine.map((s) => ({ group: type, actual: s.runtime_ms, predicted: { np: predictLayer(model, s.analyzed, batchOf(s)).runtime_ms } }));
    const heldPct = accuracyTable(rows)[0]!.predictors.np!.rmspe_pct;
    const cvPct = model.types[type]!.runtime!.cv.rmspe_pct;
    assert.ok(heldPct < 2 * cvPct && cvPct < 2 * heldPct, `${type}: CV ${cvPct.toFixed(1)} % vs held-out ${heldPct.toFixed(1)} %`);
  }
});

test('power: held-out RMSPE < 10 % per layer type', () => {
  const rows = heldOut.map((s) => ({ group: layerTypeOf(s.op)!, actual: s.power_w!, predicted: { np: predictLayer(model, s.analyzed, batchOf(s)).power_w! } }));
  for (const r of accuracyTable(rows)) assert.ok(r.predictors.np!.rmspe_pct < 10, `${r.group}: ${r.predictors.np!.rmspe_pct}`);
});

test('networks never measured: runtime and energy within 10 %, better than the analytic baseline', () => {
  const rt = [];
  const en = [];
  for (const name of ['vgg16', 'alexnet', 'nin', 'cifar10-6conv', 'resnet56', 'mobilenetv2']) {
    const a = analyzeNetwork(zooNetwork(name));
    const t = a.layers.map((l) => trueLatencyMs(HIDDEN_DEVICE, l, 1));
    const T = t.reduce((s, x) => s + x, 0);
    const E = a.layers.reduce((s, l, i) => s + t[i]! * truePowerW(HIDDEN_DEVICE, l, 1), 0);
    const p = predictNetwork(model, a);
    assert.ok(p.layers.every((l) => l.source === 'model'));
    rt.push({ network: name, actual: T, predicted: { neuralpower: p.total.runtime_ms, paleo_fitted: predictAnalyticNetwork(fitted, a).total.runtime_ms } });
    en.push({ network: name, actual: E, predicted: { neuralpower: p.total.energy_mj! } });
  }
  const runtime = networkTable(rt);
  const energy = networkTable(en);
  const report = JSON.stringify({ runtime, energy }, null, 1);
  assert.ok(runtime.rows.every((r) => Math.abs(r.error_pct.neuralpower!) < 10), report);
  assert.ok(energy.rows.every((r) => Math.abs(r.error_pct.neuralpower!) < 10), report);
  assert.ok(runtime.rmspe_pct.neuralpower! < runtime.rmspe_pct.paleo_fitted!, report);
});

test('the fitted model is plain JSON: a saved and loaded copy predicts the same', () => {
  const copy = parseNeuralPowerModel(JSON.parse(JSON.stringify(model)));
  for (const s of heldOut.slice(0, 40)) assert.deepEqual(predictLayer(copy, s.analyzed, batchOf(s)), predictLayer(model, s.analyzed, batchOf(s)));
  // Sparse: the lasso keeps a fraction of the expansion (C(b + K, K) - 1 monomials of b bases, plus the specials).
  const conv = model.types.conv!.runtime!;
  const binomial = (n: number, k: number): number => (k === 0 ? 1 : (binomial(n, k - 1) * (n - k + 1)) / k);
  const columns = binomial(conv.bases.length + conv.degree, conv.degree) - 1 + 5;
  assert.ok(conv.terms.length < columns / 2, `${conv.terms.length} of ${columns} terms`);
});
