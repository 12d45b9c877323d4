// Network-level formulas (T = sum T_n, E = sum P_n T_n, P_avg = E / T) with hand-made
// models whose every figure can be worked out, LUT hits against model fallbacks, the
// generic fallback, and what fitNeuralPower leaves out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeNetwork, type NetworkAnalysis } from '../workloads/analyze.js';
import { NetworkBuilder } from '../workloads/builder.js';
import { layerConfig, layerKey } from '../workloads/units.js';
import { LabbenchError } from '../api/errors.js';
import type { LutEntry } from '../api/lut.js';
import { ms } from '../api/units.js';
import { fitNeuralPower, parseNeuralPowerModel, predictLayer, predictNetwork, RATIO_MARGIN, type LutRow, type NeuralPowerModel, type TypeModel } from './neuralpower.js';
import { layerFeatures, layerFromConfig } from './features.js';
import type { PolynomialModel } from './polynomial.js';

const close = (a: number | undefined, b: number, tol = 1e-9): void => {
  assert.ok(a !== undefined, `expected ${b}, got undefined`);
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);
};

/** A `linear` polynomial: intercept + (feature / scale) when `feature` is given, else a constant. */
function poly(intercept: number, cvPct: number, feature?: string, scale = 1): PolynomialModel {
  return {
    family: 'linear',
    degree: 1,
    lambda: 0,
    bases: [],
    terms: feature ? [{ name: feature, special: feature, mean: 0, sd: scale, coef: 1 }] : [],
    intercept,
    target_range: [1e-9, 1e9],
    cv: { folds: 5, n: 10, rmspe_pct: cvPct, rmse: 0, se_pct: 0 },
    candidates: [],
  };
}

const typeModel = (runtime: PolynomialModel, power?: PolynomialModel): TypeModel => ({ ops: [], n_runtime: 10, n_power: power ? 10 : 0, runtime, ...(power ? { power } : {}) });

// conv and fc: T = FLOPs / 1000 ms; conv 5 W, fc 3 W. No `other` model: relu falls back
// to `generic`, 1 ms at 2 W.
const MODEL: NeuralPowerModel = {
  format: 'labbench-neuralpower',
  version: 1,
  types: {
    conv: typeModel(poly(0, 12, 'flops', 1000), poly(5, 4)),
    fc: typeModel(poly(0, 20, 'flops', 1000), poly(3, 6)),
    generic: typeModel(poly(1, 50), poly(2, 10)),
  },
  skipped: {},
};

function tiny(batch = 1): NetworkAnalysis {
  const b = new NetworkBuilder('tiny', [3, 8, 8], batch);
  b.conv(4, 3, { name: 'conv' }); // [4,8,8]: MACs 4*64*27 = 6912, FLOPs 2*6912 + 256 = 14080
  b.relu({ name: 'relu' });
  b.fc(10, { name: 'fc' }); // 256 -> 10: FLOPs 2*2560 + 10 = 5130
  return analyzeNetwork(b.build());
}

test('network totals by hand: T = sum T_n, E = sum P_n T_n, P_avg = E / T', () => {
  const p = predictNetwork(MODEL, tiny());
  assert.deepEqual(
    p.layers.map((l) => [l.name, l.source, l.uncertainty_pct]),
    [
      ['conv', 'model', 12],
      ['relu', 'model', 50],
      ['fc', 'model', 20],
    ],
  );
  close(p.layers[0]!.runtime_ms, 14.08);
  close(p.layers[0]!.energy_mj, 5 * 14.08);
  close(p.layers[1]!.runtime_ms, 1);
  close(p.layers[2]!.runtime_ms, 5.13);
  // T = 14.08 + 1 + 5.13 = 20.21; E = 70.4 + 2 + 15.39 = 87.79; P = 87.79 / 20.21
  close(p.total.runtime_ms, 20.21);
  close(p.total.energy_mj, 87.79);
  close(p.total.power_w, 87.79 / 20.21);
});

test('batch scales FLOPs and the LUT key', () => {
  const a = tiny(2);
  const p = predictNetwork(MODEL, a);
  close(p.layers[0]!.runtime_ms, 28.16);
  assert.equal(p.layers[0]!.key, layerKey(a.layers[0]!, 2));
  assert.match(p.layers[0]!.key, / n2$/);
  const one = predictLayer(MODEL, a.layers[2]!, 2);
  assert.deepEqual(one, { runtime_ms: 10.26, power_w: 3, uncertainty_pct: 20, power_uncertainty_pct: 6, type: 'fc', model: 'fc' });
});

test('a LUT hit is used as is, a miss falls back to the model', () => {
  const a = tiny();
  const convKey = layerKey(a.layers[0]!, 1);
  const entry: LutEntry = {
    key: convKey,
    op: 'conv',
    config: layerConfig(a.layers[0]!, 1),
    measured_at: '2024-01-01T00:00:00Z',
    n: 30,
    median_ms: ms(10),
    ci_low_ms: ms(9.8),
    ci_high_ms: ms(10.4),
    mad_ms: ms(0.1),
    min_ms: ms(9.5),
    max_ms: ms(11),
  };
  // A LutEntry (no power) is a LutRow: the conv's power comes from the model (5 W).
  const p = predictNetwork(MODEL, a, new Map([[convKey, entry]]));
  assert.deepEqual(
    p.layers.map((l) => l.source),
    ['lut', 'model', 'model'],
  );
  close(p.layers[0]!.runtime_ms, 10);
  close(p.layers[0]!.uncertainty_pct, 3); // half CI 0.3 / median 10
  close(p.total.runtime_ms, 16.13);
  close(p.total.energy_mj, 50 + 2 + 15.39);
  // A row that carries power overrides the model's.
  const withPower = new Map<string, LutRow>([[convKey, { median_ms: 10, power_w: 6 }]]);
  const q = predictNetwork(MODEL, a, withPower);
  close(q.total.energy_mj, 60 + 2 + 15.39);
  close(q.total.power_w, 77.39 / 16.13);
  // Keys of other batches do not hit.
  const other = predictNetwork(MODEL, tiny(2), new Map([[convKey, entry]]));
  assert.equal(other.layers[0]!.source, 'model');
});

test('without power models the totals carry runtime only', () => {
  const noPower: NeuralPowerModel = { ...MODEL, types: { conv: typeModel(poly(0, 12, 'flops', 1000)), generic: typeModel(poly(1, 50)) } };
  const p = predictNetwork(noPower, tiny());
  assert.deepEqual(Object.keys(p.total), ['runtime_ms']);
  assert.ok(p.layers.every((l) => l.power_w === undefined && l.energy_mj === undefined));
  // fc has no model of its own: the generic one answers.
  assert.equal(predictLayer(noPower, tiny().layers[2]!).model, 'generic');
  const none: NeuralPowerModel = { ...MODEL, types: { conv: typeModel(poly(0, 12, 'flops', 1000)) } };
  assert.throws(() => predictNetwork(none, tiny()), (e: unknown) => e instanceof LabbenchError && /no runtime model for other layers/.test(e.message));
});

test('fitNeuralPower: non-layer rows and bad runtimes are skipped and counted; too few samples give no type model', () => {
  const b = new NetworkBuilder('s', [8, 16, 16]);
  for (let i = 1; i <= 6; i++) b.conv(8 * i, 3, { from: 'input', name: `c${i}` });
  const a = analyzeNetwork(b.build());
  const samples = a.layers.map((l, i) => ({ op: 'conv', config: layerConfig(l, 1), runtime_ms: 0.1 * (i + 1) }));
  const model = fitNeuralPower([
    ...samples,
    { op: 'mbconv', config: {}, runtime_ms: 3 },
    { op: 'conv', config: samples[0]!.config, runtime_ms: 0 },
    { op: 'relu', config: { inputs: [[8, 16, 16]], batch: 1 }, runtime_ms: 0.01 },
  ]);
  assert.deepEqual(model.skipped, { 'op mbconv': 1, 'runtime <= 0': 1, 'type other: 1 < 5 samples': 1 });
  assert.deepEqual(Object.keys(model.types).sort(), ['conv', 'generic']);
  assert.equal(model.types.conv!.n_runtime, 6);
  assert.throws(() => fitNeuralPower([{ op: 'network', config: {}, runtime_ms: 1 }]), (e: unknown) => e instanceof LabbenchError && e.code === 'BAD_INPUT');
});

test('parseNeuralPowerModel accepts a saved model and refuses others', () => {
  assert.deepEqual(parseNeuralPowerModel(JSON.parse(JSON.stringify(MODEL))), MODEL);
  const bad = (v: unknown): void => assert.throws(() => parseNeuralPowerModel(v), (e: unknown) => e instanceof LabbenchError && e.code === 'BAD_INPUT');
  bad(null);
  bad({ format: 'something-else' });
  bad({ ...MODEL, version: 2 });
  bad({ ...MODEL, types: { conv: { ops: [] } } });
});

test('a prediction stays within the efficiency band the training rows showed', () => {
  // conv: T = FLOPs / 1000 ms, wildly off for big layers; A = FLOPs / 1e6 ms, floor 0.5 ms,
  // band [0.5, 2] x B with B = A + 0.5.
  const bounded: NeuralPowerModel = {
    ...MODEL,
    types: { ...MODEL.types, conv: { ...typeModel(poly(0, 12, 'flops', 1000)), offset: { ms_per_flop: 1e-6, ms_per_byte: 0, overhead_ms: 0 }, bound: { floor_ms: 0.5, lo: 0.5, hi: 2 } } },
  };
  const a = tiny().layers[0]!; // conv, 14080 FLOPs: unbounded 14.08 ms
  const b = 14080e-6 + 0.5;
  close(predictLayer(MODEL, a).runtime_ms, 14.08);
  close(predictLayer(bounded, a).runtime_ms, b * 2 * RATIO_MARGIN);
  const low: NeuralPowerModel = { ...bounded, types: { ...bounded.types, conv: { ...bounded.types.conv!, runtime: poly(1e-6, 12) } } };
  close(predictLayer(low, a).runtime_ms, (b * 0.5) / RATIO_MARGIN);
});

test('fitNeuralPower stores, per type, the analytic estimate and a band holding every training row; past the largest row, its efficiency', () => {
  const samples = [4, 8, 16, 32, 64, 128].map((out, i) => {
    const n = new NetworkBuilder(`c${i}`, [8, 16, 16]);
    n.conv(out, 3, { name: 'c' });
    const a = analyzeNetwork(n.build()).layers[0]!;
    return { op: 'conv', config: layerConfig(a, 1), runtime_ms: 0.05 + a.flops / 2e6 };
  });
  const m = fitNeuralPower(samples, { analytic: { peak_flops: 4e9, bandwidth: 1e10, overhead_ms: 0 } });
  const conv = m.types.conv!;
  assert.ok(conv.offset && conv.bound, 'offset and bound stored');
  assert.equal(conv.bound.floor_ms, Math.min(...samples.map((s) => s.runtime_ms)));
  for (const s of samples) {
    const a = layerFromConfig(s.op, s.config);
    const f = layerFeatures(a.analyzed, a.batch).values;
    const ratio = s.runtime_ms / (conv.offset.ms_per_flop * f.flops! + conv.offset.ms_per_byte * f.bytes! + conv.offset.overhead_ms + conv.bound.floor_ms);
    assert.ok(ratio >= conv.bound.lo - 1e-12 && ratio <= conv.bound.hi + 1e-12, `${ratio} in [${conv.bound.lo}, ${conv.bound.hi}]`);
  }
  // 16x the largest training layer's FLOPs: the runtime / B of the largest rows, not the polynomial's reach.
  const n = new NetworkBuilder('huge', [32, 64, 64]);
  n.conv(512, 3, { name: 'c' });
  const huge = analyzeNetwork(n.build()).layers[0]!;
  const f = layerFeatures(huge, 1).values;
  const b = conv.offset.ms_per_flop * f.flops! + conv.offset.ms_per_byte * f.bytes! + conv.offset.overhead_ms + conv.bound.floor_ms;
  assert.ok(b > conv.bound.largest_ms!);
  close(predictLayer(m, huge).runtime_ms, b * conv.bound.largest_ratio!);
  // The generating law, 0.05 ms + FLOPs / 2e6, is within 20 % of that (the fixed 0.05 ms and the bytes in B weigh less on a bigger layer).
  const truth = 0.05 + huge.flops / 2e6;
  assert.ok(Math.abs(predictLayer(m, huge).runtime_ms / truth - 1) < 0.2, `${predictLayer(m, huge).runtime_ms} vs ${truth}`);
});

test('the runtime ensemble: one model per fold seed, the prediction their geometric mean', () => {
  const samples = [4, 8, 12, 16, 24, 32, 48, 64, 96, 128].map((out, i) => {
    const n = new NetworkBuilder(`c${i}`, [8, 16, 16]);
    n.conv(out, 3, { name: 'c' });
    const a = analyzeNetwork(n.build()).layers[0]!;
    return { op: 'conv', config: layerConfig(a, 1), runtime_ms: (0.05 + a.flops / 2e6) * (1 + 0.1 * Math.sin(7 * i)) };
  });
  const m = fitNeuralPower(samples, { analytic: { peak_flops: 4e9, bandwidth: 1e10, overhead_ms: 0 }, ensemble: 3 });
  const conv = m.types.conv!;
  assert.equal(conv.runtime_members?.length, 3);
  assert.equal(conv.runtime_members![0], conv.runtime);
  const n = new NetworkBuilder('q', [8, 16, 16]);
  n.conv(40, 3, { name: 'c' });
  const q = analyzeNetwork(n.build()).layers[0]!;
  const single = (r: NonNullable<TypeModel['runtime']>): number => predictLayer({ ...m, types: { conv: { ...conv, runtime: r, runtime_members: [r] } } }, q).runtime_ms;
  const geo = Math.exp(conv.runtime_members!.reduce((s, r) => s + Math.log(single(r)), 0) / 3);
  close(predictLayer(m, q).runtime_ms, geo, 1e-9);
  // A saved model keeps its members; a broken member is refused.
  assert.deepEqual(parseNeuralPowerModel(JSON.parse(JSON.stringify(m))).types.conv!.runtime_members!.length, 3);
  const broken = JSON.parse(JSON.stringify(m)) as { types: { conv: { runtime_members: unknown[] } } };
  broken.types.conv.runtime_members[1] = { family: 'log' };
  assert.throws(() => parseNeuralPowerModel(broken), LabbenchError);
});
