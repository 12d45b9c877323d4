/**
 * NeuralPower (Cai et al., ACML'17), as the talk in seed/ presents it: per layer type, a
 * sparse polynomial model of runtime T(x) and of power P(x) over the layer's features,
 * and network-level predictions
 *
 *   T_total = sum_n T_n,   E_total = sum_n P_n T_n,   P_avg = E_total / T_total.
 *
 * `fitNeuralPower` fits one model per layer type present in the samples (polynomial.ts
 * chooses target transform, degree and L1 strength by cross-validation), plus a `generic`
 * model over type-independent features, used for a layer type that had no samples.
 * `predictNetwork` takes a measured LUT row when the layer's key is in the LUT and the
 * model otherwise. The fitted model is plain JSON (`NeuralPowerModel`).
 *
 * Not here: the LUT itself (profiles-db), the analytic baseline (analytic.ts).
 */
import type { AnalyzedLayer, NetworkAnalysis } from '../workloads/analyze.js';
import { layerKey } from '../workloads/units.js';
import { LabbenchError } from '../api/errors.js';
import { fitAnalytic, type AnalyticParams } from './analytic.js';
import { BASE_FEATURES, GENERIC_FEATURES, LAYER_TYPES, SPECIAL_FEATURES, configFeatures, layerFeatures, layerTypeOf, type LayerFeatures, type LayerSample, type LayerType } from './features.js';
import { fitPolynomial, predictPolynomial, type BaseFeature, type PolynomialFitOptions, type PolynomialModel } from './polynomial.js';

export type { LayerSample } from './features.js';

export interface NeuralPowerOptions extends PolynomialFitOptions {
  /**
   * Measured peaks of the device (a micro-benchmark). When given, the `log-ratio` family
   * models T / A with A the analytic estimate at these peaks; otherwise A is fitted per
   * layer type by non-negative least squares (analytic.ts `fitAnalytic`).
   */
  readonly analytic?: AnalyticParams;
  /** Fewest samples of a type (or of power figures) to fit a model for it. Default 5. */
  readonly minSamples?: number;
  /**
   * Runtime models per type, each selected by CV on its own fold assignment (seeds seed,
   * seed + 1, ...); a layer's runtime is their geometric mean. Default 5. Why: which of
   * several near-equal candidates CV picks depends on the folds, and they part ways on
   * layers unlike the training rows (docs/decisions/0012-neuralpower-ensemble.md).
   */
  readonly ensemble?: number;
}

/** The analytic estimate a `log-ratio` model divides by, in a JSON-safe form (ms = a*flops + b*bytes + c). */
export interface AnalyticOffset {
  readonly ms_per_flop: number;
  readonly ms_per_byte: number;
  readonly overhead_ms: number;
}

export interface TypeModel {
  /** IR ops of the training samples. */
  readonly ops: readonly string[];
  readonly n_runtime: number;
  readonly n_power: number;
  /** The runtime model (the first member when there is an ensemble: its family, degree and CV error are what reports show). */
  readonly runtime?: PolynomialModel;
  /** Every member of the runtime ensemble, `runtime` first; predictions are their geometric mean. Absent: `runtime` alone. */
  readonly runtime_members?: readonly PolynomialModel[];
  readonly power?: PolynomialModel;
  /** The analytic estimate A of a layer's runtime: a `log-ratio` model divides by it, and every prediction is bounded by it. Always present since the bound; older files have it for `log-ratio` only. */
  readonly offset?: AnalyticOffset;
  /**
   * The band of efficiency the training rows showed: with B = A + floor_ms (floor_ms: the
   * fastest training row, a stand-in for the fixed cost of launching any layer), the
   * smallest and largest measured runtime / B. A prediction is kept within
   * [lo / RATIO_MARGIN, hi * RATIO_MARGIN] x B. Why: a layer outside the sampled space meets
   * a polynomial extrapolated past where it was fitted, while a device does not leave the
   * band of efficiency it showed on hundreds of layers by that much
   * (docs/decisions/0013-neuralpower-efficiency-band.md).
   */
  readonly bound?: {
    readonly floor_ms: number;
    readonly lo: number;
    readonly hi: number;
    /**
     * Beyond the largest training row (B > largest_ms) the polynomial is not used: the
     * layer runs at the median runtime / B of the three largest rows. Big layers run in the
     * device's asymptotic regime (compute- or memory-bound), and a polynomial of degree 2-3
     * in log space grows past it quickly, even within the band
     * (docs/decisions/0013-neuralpower-efficiency-band.md).
     */
    readonly largest_ms?: number;
    readonly largest_ratio?: number;
  };
}

/** Slack around the training rows' runtime / A band before a prediction is clamped. */
export const RATIO_MARGIN = 1.5;

export type ModelGroup = LayerType | 'generic';

/** A fitted NeuralPower model: plain JSON, safe to save, export and load. */
export interface NeuralPowerModel {
  readonly format: 'labbench-neuralpower';
  readonly version: 1;
  readonly types: Partial<Record<ModelGroup, TypeModel>>;
  /** Samples not used, counted by reason (`op mbconv`, `runtime <= 0`, `type dwconv: 3 < 5 samples`). */
  readonly skipped: Readonly<Record<string, number>>;
}

export interface LayerPrediction {
  readonly runtime_ms: number;
  readonly power_w?: number;
  /** Cross-validated RMSPE of the runtime model used, percent. */
  readonly uncertainty_pct: number;
  /** Cross-validated RMSPE of the power model used, percent. */
  readonly power_uncertainty_pct?: number;
  readonly type: LayerType;
  /** The model that answered: the layer's type, or `generic` when its type had no model. */
  readonly model: ModelGroup;
}

export interface NetworkLayerPrediction {
  readonly name: string;
  readonly op: string;
  /** units.ts `layerKey` at the network's batch: the LUT row looked up. */
  readonly key: string;
  readonly runtime_ms: number;
  readonly power_w?: number;
  /** power_w * runtime_ms (W x ms = mJ). */
  readonly energy_mj?: number;
  readonly source: 'lut' | 'model';
  /** Model: its CV RMSPE; LUT: half the confidence interval of the median over the median; percent. */
  readonly uncertainty_pct: number;
}

export interface NetworkPrediction {
  readonly layers: readonly NetworkLayerPrediction[];
  /** Sums; power_w and energy_mj only when every layer has a power figure. */
  readonly total: { readonly runtime_ms: number; readonly power_w?: number; readonly energy_mj?: number };
}

/** What predictNetwork reads from a LUT row (LutEntry fits; `power_w` where a meter ran). */
export interface LutRow {
  readonly median_ms: number;
  readonly ci_low_ms?: number;
  readonly ci_high_ms?: number;
  readonly power_w?: number;
}

const count = (m: Record<string, number>, reason: string, by = 1): void => {
  m[reason] = (m[reason] ?? 0) + by;
};

function toOffset(p: AnalyticParams): AnalyticOffset {
  return { ms_per_flop: Number.isFinite(p.peak_flops) ? 1000 / p.peak_flops : 0, ms_per_byte: Number.isFinite(p.bandwidth) ? 1000 / p.bandwidth : 0, overhead_ms: p.overhead_ms };
}

function offsetMs(o: AnalyticOffset, f: LayerFeatures): number {
  return o.ms_per_flop * f.values.flops! + o.ms_per_byte * f.values.bytes! + o.overhead_ms;
}

interface Prepared {
  readonly features: LayerFeatures;
  readonly runtime_ms: number;
  readonly power_w: number | undefined;
}

function fitGroup(group: ModelGroup, bases: readonly BaseFeature[], rows: readonly Prepared[], opts: NeuralPowerOptions, skipped: Record<string, number>): TypeModel | undefined {
  const minSamples = Math.max(3, opts.minSamples ?? 5);
  const ops = [...new Set(rows.map((r) => r.features.op))].sort();
  if (rows.length < minSamples) {
    count(skipped, `type ${group}: ${rows.length} < ${minSamples} samples`, rows.length);
    return undefined;
  }
  const analytic = opts.analytic ?? fitAnalytic(rows.map((r) => ({ flops: r.features.values.flops!, bytes: r.features.values.bytes!, runtime_ms: r.runtime_ms })));
  const offset = toOffset(analytic);
  const offsets = rows.map((r) => offsetMs(offset, r.features));
  const runtimeData = { bases, specials: SPECIAL_FEATURES, rows: rows.map((r) => r.features.values), y: rows.map((r) => r.runtime_ms), offset: offsets };
  const members = Array.from({ length: Math.max(1, Math.floor(opts.ensemble ?? 5)) }, (_, i) => fitPolynomial(runtimeData, { ...opts, seed: (opts.seed ?? 1) + i }));
  const runtime = members[0]!;
  const powered = rows.filter((r) => r.power_w !== undefined);
  let power: PolynomialModel | undefined;
  if (powered.length >= minSamples) {
    const asked = (opts.families ?? []).filter((f) => f !== 'log-ratio');
    const families = asked.length ? asked : (['log', 'relative'] as const);
    power = fitPolynomial({ bases, specials: SPECIAL_FEATURES, rows: powered.map((r) => r.features.values), y: powered.map((r) => r.power_w!) }, { ...opts, families });
  } else if (powered.length > 0) {
    count(skipped, `power ${group}: ${powered.length} < ${minSamples} samples`, powered.length);
  }
  const floorMs = Math.min(...rows.map((r) => r.runtime_ms));
  const banded = rows.map((r, i) => ({ b: offsets[i]! + floorMs, ratio: r.runtime_ms / (offsets[i]! + floorMs) })).filter((x) => Number.isFinite(x.ratio) && x.ratio > 0);
  const ratios = banded.map((x) => x.ratio);
  const top = [...banded].sort((x, y) => y.b - x.b).slice(0, 3).map((x) => x.ratio).sort((x, y) => x - y);
  return {
    ops,
    n_runtime: rows.length,
    n_power: power ? powered.length : 0,
    runtime,
    ...(members.length > 1 ? { runtime_members: members } : {}),
    ...(power ? { power } : {}),
    offset,
    ...(ratios.length
      ? {
          bound: {
            floor_ms: floorMs,
            lo: Math.min(...ratios),
            hi: Math.max(...ratios),
            largest_ms: Math.max(...banded.map((x) => x.b)),
            largest_ratio: top[top.length >> 1]!,
          },
        }
      : {}),
  };
}

/**
 * Fits NeuralPower's layer-level models from measured layers. Samples whose op is not a
 * single layer (`mbconv`, `network`, `skip`) or whose runtime is not positive are left
 * out and counted in `skipped`; a sample's power is used when it is a positive number.
 * Throws LabbenchError LUT_INVALID on a config that cannot be analyzed, BAD_INPUT when no
 * layer sample is usable.
 */
export function fitNeuralPower(samples: readonly LayerSample[], opts: NeuralPowerOptions = {}): NeuralPowerModel {
  const skipped: Record<string, number> = {};
  const byType = new Map<LayerType, Prepared[]>();
  const all: Prepared[] = [];
  for (const s of samples) {
    const type = layerTypeOf(s.op);
    if (type === undefined) {
      count(skipped, `op ${s.op}`);
      continue;
    }
    if (!(s.runtime_ms > 0) || !Number.isFinite(s.runtime_ms)) {
      count(skipped, 'runtime <= 0');
      continue;
    }
    const power = s.power_w !== undefined && s.power_w > 0 && Number.isFinite(s.power_w) ? s.power_w : undefined;
    const p: Prepared = { features: configFeatures(s.op, s.config), runtime_ms: s.runtime_ms, power_w: power };
    all.push(p);
    const list = byType.get(type);
    if (list) list.push(p);
    else byType.set(type, [p]);
  }
  if (all.length === 0) throw new LabbenchError('BAD_INPUT', 'NeuralPower: no layer samples to fit (a LUT of single layers is needed; NAS blocks are not layers)');
  const types: Partial<Record<ModelGroup, TypeModel>> = {};
  for (const type of LAYER_TYPES) {
    const rows = byType.get(type);
    if (!rows) continue;
    const m = fitGroup(type, BASE_FEATURES[type], rows, opts, skipped);
    if (m) types[type] = m;
  }
  const generic = fitGroup('generic', GENERIC_FEATURES, all, opts, {});
  if (generic) types.generic = generic;
  return { format: 'labbench-neuralpower', version: 1, types, skipped };
}

function predictFeatures(model: NeuralPowerModel, f: LayerFeatures): LayerPrediction {
  const own = model.types[f.type];
  const generic = model.types.generic;
  const tm = own?.runtime ? own : generic;
  const group: ModelGroup = own?.runtime ? f.type : 'generic';
  if (!tm?.runtime) throw new LabbenchError('BAD_INPUT', `NeuralPower model has no runtime model for ${f.type} layers (${f.op}) and no generic one`);
  // A layer with no FLOPs under an offset without byte or fixed terms: keep the ratio defined.
  const analytic = tm.offset ? offsetMs(tm.offset, f) : undefined;
  const offset = analytic !== undefined ? Math.max(analytic, 1e-9) : undefined;
  const members = tm.runtime_members?.length ? tm.runtime_members : [tm.runtime];
  let runtime_ms = Math.exp(members.reduce((acc, m) => acc + Math.log(predictPolynomial(m, f.values, offset)), 0) / members.length);
  const bound = tm.bound;
  if (analytic !== undefined && bound) {
    const b = analytic + bound.floor_ms;
    if (bound.largest_ms !== undefined && bound.largest_ratio !== undefined && b > bound.largest_ms) runtime_ms = b * bound.largest_ratio;
    else runtime_ms = Math.min(Math.max(runtime_ms, (b * bound.lo) / RATIO_MARGIN), b * bound.hi * RATIO_MARGIN);
  }
  const pm = own?.power ?? generic?.power;
  return {
    runtime_ms,
    uncertainty_pct: tm.runtime.cv.rmspe_pct,
    ...(pm ? { power_w: predictPolynomial(pm, f.values), power_uncertainty_pct: pm.cv.rmspe_pct } : {}),
    type: f.type,
    model: group,
  };
}

/** Runtime (and power, where modelled) of one analyzed layer run at `batch`. */
export function predictLayer(model: NeuralPowerModel, a: AnalyzedLayer, batch = 1): LayerPrediction {
  return predictFeatures(model, layerFeatures(a, batch));
}

/**
 * Per-layer and total runtime, power and energy of a network at its own batch. A layer
 * whose `layerKey` is in `lut` takes the measured row as is (its power too, if the row
 * has one; else the model's power); any other layer is predicted by the model.
 */
export function predictNetwork(model: NeuralPowerModel, analysis: NetworkAnalysis, lut?: ReadonlyMap<string, LutRow>): NetworkPrediction {
  const batch = analysis.network.batch;
  const layers = analysis.layers.map((a): NetworkLayerPrediction => {
    const key = layerKey(a, batch);
    const row = lut?.get(key);
    const base = { name: a.layer.name, op: a.layer.op, key };
    let runtime_ms: number;
    let power_w: number | undefined;
    let uncertainty_pct: number;
    let source: 'lut' | 'model';
    if (row) {
      source = 'lut';
      runtime_ms = row.median_ms;
      const halfCi = row.ci_low_ms !== undefined && row.ci_high_ms !== undefined ? (row.ci_high_ms - row.ci_low_ms) / 2 : 0;
      uncertainty_pct = row.median_ms > 0 ? (100 * halfCi) / row.median_ms : 0;
      power_w = row.power_w ?? (hasPowerModel(model, a) ? predictLayer(model, a, batch).power_w : undefined);
    } else {
      source = 'model';
      const p = predictLayer(model, a, batch);
      runtime_ms = p.runtime_ms;
      power_w = p.power_w;
      uncertainty_pct = p.uncertainty_pct;
    }
    return { ...base, runtime_ms, ...(power_w !== undefined ? { power_w, energy_mj: power_w * runtime_ms } : {}), source, uncertainty_pct };
  });
  const runtime_ms = layers.reduce((s, l) => s + l.runtime_ms, 0);
  const allPower = layers.every((l) => l.energy_mj !== undefined);
  if (!allPower) return { layers, total: { runtime_ms } };
  const energy_mj = layers.reduce((s, l) => s + l.energy_mj!, 0);
  return { layers, total: { runtime_ms, power_w: runtime_ms > 0 ? energy_mj / runtime_ms : 0, energy_mj } };
}

function hasPowerModel(model: NeuralPowerModel, a: AnalyzedLayer): boolean {
  const type = layerTypeOf(a.layer.op);
  return Boolean((type && model.types[type]?.power) ?? model.types.generic?.power);
}

/**
 * Checks that a parsed JSON value is a NeuralPower model this version reads (format and
 * version, and a runtime model per group); throws LabbenchError BAD_INPUT otherwise.
 */
export function parseNeuralPowerModel(json: unknown): NeuralPowerModel {
  const m = json as Partial<NeuralPowerModel> | null;
  if (!m || typeof m !== 'object' || m.format !== 'labbench-neuralpower') throw new LabbenchError('BAD_INPUT', 'not a labbench NeuralPower model (format field)');
  if (m.version !== 1) throw new LabbenchError('BAD_INPUT', `NeuralPower model version ${String(m.version)} is not supported (1 is)`);
  if (!m.types || typeof m.types !== 'object') throw new LabbenchError('BAD_INPUT', 'NeuralPower model has no types');
  for (const [group, tm] of Object.entries(m.types)) {
    const t = tm as TypeModel | undefined;
    const members = t?.runtime_members;
    if (members !== undefined && !Array.isArray(members)) throw new LabbenchError('BAD_INPUT', `NeuralPower model: group ${group} has a runtime ensemble that is not a list`);
    for (const r of [t?.runtime, ...(members ?? [])]) {
      if (!r || !Array.isArray(r.terms) || !Array.isArray(r.bases) || typeof r.intercept !== 'number') throw new LabbenchError('BAD_INPUT', `NeuralPower model: group ${group} has no valid runtime model`);
      if (r.family === 'log-ratio' && !t?.offset) throw new LabbenchError('BAD_INPUT', `NeuralPower model: group ${group} is log-ratio without an offset`);
    }
  }
  return { skipped: {}, ...m } as NeuralPowerModel;
}
