/**
 * A per-layer device model's prediction of a network never run: NeuralPower per layer (or
 * the LUT's measured median where the layer was profiled), then the gap to the whole
 * network (per-op factors and the evicted-weights floor where they were learned, else the
 * single factor), beside the analytic baseline's sum. Times are in the machine state the
 * model was fitted in.
 */
import { LabbenchError } from '../api/errors.js';
import type { DeviceRecord } from '../api/lut.js';
import type { ProfilesDb } from '../../profiles-db/profiles-db.js';
import { analyzeNetwork } from '../workloads/analyze.js';
import { BYTES_PER_ELEMENT } from '../workloads/ir.js';
import { planWorkload } from '../workloads/plan.js';
import { predictAnalyticLayer } from './analytic.js';
import type { DeviceModel } from './fit-device.js';
import { inPlaceMs } from './in-place-gap.js';
import { StateNormalizer } from './machine-state.js';
import { predictNetwork } from './neuralpower.js';

export interface PredictOptions {
  readonly resolution?: number | undefined;
  readonly batch?: number | undefined;
  /** Ignore LUT hits: every layer from the model (how held-out accuracy is measured). */
  readonly modelOnly?: boolean;
}

export interface DevicePrediction {
  readonly layers: readonly { name: string; op: string; runtime_ms: number; power_w?: number; energy_mj?: number; source: 'lut' | 'model'; uncertainty_pct: number }[];
  readonly sum_of_layers_ms: number;
  readonly gap_factor: number;
  readonly total: { readonly runtime_ms: number; readonly power_w?: number; readonly energy_mj?: number };
  /** The analytic baseline's total for the same network (same gap factor not applied). */
  readonly baseline_runtime_ms: number;
}

export function predictWorkload(db: ProfilesDb, device: DeviceRecord, model: DeviceModel, workload: string, o: PredictOptions = {}): DevicePrediction {
  const plan = planWorkload(workload, { resolution: o.resolution, batch: o.batch });
  if (!plan.endToEnd) throw new LabbenchError('BAD_INPUT', `${workload} is a layer sample, not a network to predict`);
  const analysis = analyzeNetwork(plan.endToEnd);
  const lut = o.modelOnly ? undefined : new Map(modelState(db, device, model).lutEntries(db.lutEntries(device.id)).map((e) => [e.key, e]));
  const p = predictNetwork(model.neuralpower, analysis, lut);
  const baseline = analysis.layers.reduce((s, a) => s + predictAnalyticLayer(model.analytic, a, plan.endToEnd!.batch), 0);
  const sum = p.total.runtime_ms;
  const gap = model.gap;
  const weights = analysis.layers.reduce((s, a) => s + a.params * BYTES_PER_ELEMENT, 0);
  const runtime = gap ? gap.residual * p.layers.reduce((s, l, i) => s + inPlaceMs(gap, l.op, l.runtime_ms, analysis.layers[i]!.params * BYTES_PER_ELEMENT, weights), 0) : sum * model.gap_factor;
  const factor = sum > 0 ? runtime / sum : model.gap_factor;
  const energy = p.total.energy_mj === undefined ? undefined : p.total.energy_mj * factor;
  return {
    layers: p.layers.map((l) => ({ name: l.name, op: l.op, runtime_ms: l.runtime_ms, ...(l.power_w !== undefined ? { power_w: l.power_w } : {}), ...(l.energy_mj !== undefined ? { energy_mj: l.energy_mj } : {}), source: l.source, uncertainty_pct: l.uncertainty_pct })),
    sum_of_layers_ms: sum,
    gap_factor: factor,
    total: { runtime_ms: runtime, ...(p.total.power_w !== undefined ? { power_w: p.total.power_w } : {}), ...(energy !== undefined ? { energy_mj: energy } : {}) },
    baseline_runtime_ms: baseline,
  };
}

/** The device's timings in the state the model was fitted in. */
export function modelState(db: ProfilesDb, device: DeviceRecord, model: DeviceModel): StateNormalizer {
  return StateNormalizer.fromDb(db, device.id, model.state?.reference_canary_ms);
}
