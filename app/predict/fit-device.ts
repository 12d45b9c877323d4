/**
 * Device-level prediction with per-layer models: fit NeuralPower and the analytic baseline
 * from a device's LUT, and learn the systematic gap between a sum of isolated layers and
 * the whole network (inter-layer overhead, caches, fusion). This file fits and loads the
 * stored model (`labbench fit`); the gap is learn-gap.ts and in-place-gap.ts, predictions
 * device-predict.ts, the accuracy report device-accuracy.ts.
 */
import { LabbenchError } from '../api/errors.js';
import type { DeviceRecord, LutEntry } from '../api/lut.js';
import type { MachineState } from '../api/predict.js';
import type { ProfilesDb } from '../../profiles-db/profiles-db.js';
import { MICROBENCH, microbenchPlan } from '../workloads/samples/microbench.js';
import { fitAnalyticOverhead, type AnalyticParams } from './analytic.js';
import { layerFromConfig, layerTypeOf, type LayerSample } from './features.js';
import type { InNetworkGap } from './in-place-gap.js';
import { learnGap } from './learn-gap.js';
import { StateNormalizer } from './machine-state.js';
import { fitNeuralPower, parseNeuralPowerModel, type NeuralPowerModel } from './neuralpower.js';
import { meanMeasuredPower } from './power-accuracy.js';

// Thin exports of what moved out of this file, for the modules that import them from here.
export { evictedBytes, fitInPlace, inPlaceMs, type EvictedWeights, type GapRow, type InNetworkGap } from './in-place-gap.js';
export { predictWorkload, type DevicePrediction, type PredictOptions } from './device-predict.js';
export { accuracyReport, type AccuracyReport } from './device-accuracy.js';

export const MODEL_KIND = 'neuralpower';

/** What `labbench fit` stores: NeuralPower, its baseline, the learned gap, and what it saw. */
export interface DeviceModel {
  readonly format: 'labbench-device-model';
  readonly version: 1;
  readonly neuralpower: NeuralPowerModel;
  readonly analytic: AnalyticParams;
  /** Median of end-to-end / sum-of-layers over measured networks (1 when none): the gap applied when `gap` is absent. */
  readonly gap_factor: number;
  readonly gap_runs: number;
  /** The gap learned layer by layer, where training networks were profiled per operator in place; absent otherwise (and in older files). */
  readonly gap?: InNetworkGap;
  /** Mean measured layer power over the training rows, W (the constant-power baseline); absent without a meter. */
  readonly mean_power_w?: number;
  /**
   * Where the profiles timed a canary beside their samples (this host's CPU): the state every
   * timing was brought to before the fit (machine-state.ts). Predictions are in that state.
   * Absent: raw times (phones, older files).
   */
  readonly state?: MachineState;
  readonly training: { readonly rows: number; readonly holdout: readonly string[]; readonly workloads: readonly string[] };
}

/** LUT rows usable as layer training data, minus those only the held-out workloads measured. */
export function trainingRows(db: ProfilesDb, device: DeviceRecord, holdout: readonly string[]): { rows: LutEntry[]; workloads: string[] } {
  const runs = db.listRuns(device.id);
  const keep = new Set<string>();
  const held = new Set<string>();
  const workloads = new Set<string>();
  for (const run of runs) {
    const target = holdout.includes(run.workload) ? held : keep;
    if (target === keep) workloads.add(run.workload);
    for (const u of db.runUnits(run.id)) target.add(u.key);
  }
  const rows = db.lutEntries(device.id).filter((e) => layerTypeOf(e.op) !== undefined && (keep.has(e.key) || !held.has(e.key)));
  return { rows, workloads: [...workloads] };
}

export function peaksFromMicrobench(entries: readonly LutEntry[]): { peak_flops: number; bandwidth: number } | undefined {
  const plan = microbenchPlan();
  const at = (name: string) => {
    const u = plan.units.find((x) => x.layers.includes(name))!;
    const e = entries.find((x) => x.key === u.key);
    return e ? { e, a: layerFromConfig(e.op, e.config) } : undefined;
  };
  const c = at('peak-compute');
  const m = at('peak-memory');
  if (!c || !m) return undefined;
  return { peak_flops: (c.a.analyzed.flops * c.a.batch) / (c.e.median_ms / 1000), bandwidth: m.a.analyzed.bytes / (m.e.median_ms / 1000) };
}

export function fitDeviceModel(db: ProfilesDb, device: DeviceRecord, holdout: readonly string[]): DeviceModel {
  const { rows, workloads } = trainingRows(db, device, holdout);
  const state = StateNormalizer.fromDb(db, device.id);
  // Power where a meter measured it: the models then predict power and energy too.
  // Isolated rows only: in-place times mixed in would teach the models a layer's time in
  // place, and the gap would then apply the in-place factor a second time
  // (docs/decisions/0006-isolated-training-rows.md).
  const samples: LayerSample[] = state.lutEntries(rows).map((e) => ({ op: e.op, config: e.config, runtime_ms: e.median_ms, ...(e.power && 'power_w' in e.power ? { power_w: e.power.power_w } : {}) }));
  const peaks = peaksFromMicrobench(state.lutEntries(db.lutEntries(device.id)));
  if (!peaks) throw new LabbenchError('BAD_INPUT', `${device.key}: no micro-benchmark rows; profile the '${MICROBENCH}' workload first (labbench fit does this)`);
  const neuralpower = fitNeuralPower(samples, { analytic: { ...peaks, overhead_ms: 0 } });
  const analytic = fitAnalyticOverhead(samples, peaks);
  const gap = learnGap(db, device, holdout, state);
  const meanPower = meanMeasuredPower(samples.map((s) => s.power_w));
  const stateSummary = state.summary();
  return {
    format: 'labbench-device-model',
    version: 1,
    neuralpower,
    analytic,
    gap_factor: gap.factor,
    gap_runs: gap.runs,
    ...(gap.gap ? { gap: gap.gap } : {}),
    ...(meanPower !== undefined ? { mean_power_w: meanPower } : {}),
    ...(stateSummary ? { state: stateSummary } : {}),
    training: { rows: samples.length, holdout: [...holdout], workloads },
  };
}

export function loadDeviceModel(db: ProfilesDb, device: DeviceRecord): DeviceModel {
  const stored = db.latestModel(device.id, MODEL_KIND);
  if (!stored) throw new LabbenchError('BAD_INPUT', `${device.key}: no fitted model; run labbench fit --device ${device.key}`);
  const m = stored.model as unknown as DeviceModel;
  return { ...m, neuralpower: parseNeuralPowerModel(m.neuralpower) };
}
