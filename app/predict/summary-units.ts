/**
 * Fitted models and predictions as the service's DTOs carry them (app/api/predict.ts): the
 * numeric code keeps plain numbers; here, where a DTO's part is made, they take their units.
 */
import type { FitSummary, PredictResult } from '../api/predict.js';
import { bytes, millijoules, ms, seconds, signedMs, watts } from '../api/units.js';
import type { DevicePrediction } from './device-predict.js';
import type { InNetworkGap } from './in-place-gap.js';
import type { KernelPowerModel } from './kernel-fit.js';
import type { KernelCalibration } from './kernel-model.js';

type Prediction = Pick<PredictResult, 'layers' | 'total' | 'sum_of_layers_ms' | 'gap_factor' | 'baseline'>;

/** A network's prediction (NeuralPower or kernel models) as PredictResult's layers, total and baseline. */
export function predictionParts(p: DevicePrediction): Prediction {
  const power = (x: { power_w?: number; energy_mj?: number }) => ({
    ...(x.power_w !== undefined ? { power_w: watts(x.power_w) } : {}),
    ...(x.energy_mj !== undefined ? { energy_mj: millijoules(x.energy_mj) } : {}),
  });
  return {
    // Spread first, so that each field keeps its place in the JSON (the two predictors order them differently).
    layers: p.layers.map((l) => ({ ...l, runtime_ms: ms(l.runtime_ms), ...power(l) }) as PredictResult['layers'][number]),
    total: { runtime_ms: ms(p.total.runtime_ms), ...power(p.total) },
    sum_of_layers_ms: ms(p.sum_of_layers_ms),
    gap_factor: p.gap_factor,
    baseline: { name: 'analytic', runtime_ms: ms(p.baseline_runtime_ms) },
  };
}

export function gapSummary(g: InNetworkGap): NonNullable<FitSummary['gap_in_network']> {
  if (!g.evicted) return g as Omit<InNetworkGap, 'evicted'>;
  return { ...g, evicted: { ...g.evicted, cache_bytes: bytes(g.evicted.cache_bytes) } };
}

/** The calibration's offset is a fitted intercept: it may be below zero. */
export function calibrationSummary(c: KernelCalibration): NonNullable<FitSummary['calibration']> {
  return { ...c, per_kernel_ms: signedMs(c.per_kernel_ms), offset_ms: signedMs(c.offset_ms) };
}

export function powerSummary(p: KernelPowerModel): NonNullable<FitSummary['power']> {
  return { ...p, kinds: Object.fromEntries((Object.entries(p.kinds) as [string, number][]).map(([kind, w]) => [kind, watts(w)])), mean_w: watts(p.mean_w) };
}

export function profiledSummary(ps: readonly { workload: string; units: number; wall_s: number }[]): FitSummary['profiled'] {
  return ps.map((p) => ({ ...p, wall_s: seconds(p.wall_s) }));
}
