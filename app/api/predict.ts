/** Fitting, prediction and accuracy reports as they cross the API. */
import { z } from 'zod';
import { deviceId, name, whole } from './parse.js';
import type { Bytes, Millijoules, Ms, Seconds, Watts } from './units.js';

export const FitRequestSchema = z.strictObject({
  device: deviceId,
  /** Workloads whose layers are kept out of the fit, to measure accuracy on them. */
  holdout: z.array(name()).max(256).readonly().optional(),
  /** Sampled layer configurations (coverage of the feature space) profiled before the first fit that lacks them (default 150; 0: never). */
  sample: whole(0).optional(),
  /** When given, the sample is profiled only if the device has fewer LUT rows than this. */
  minRows: whole(0).optional(),
  /**
   * `kernels` (default, and for a device with kernel-mode profiles): sample networks profiled
   * whole as deployed, kernel models fitted. `layers`: NeuralPower on per-layer profiles (the
   * default for a device that has only those). In kernel mode `sample` is the number of
   * sample networks profiled first (default 150).
   */
  mode: z.enum(['kernels', 'layers']).optional(),
  /** Kernel mode: a power meter (`PORT:TYPE[,options]`): sample networks are metered whole too, and kernel powers are fitted. */
  meter: name(500).optional(),
  /** With `meter`: how many of the sample networks are metered (default 20; each costs an idle baseline and a loop). */
  meterNetworks: whole(0).optional(),
  /** Kernel mode: rounds of further sampling where the cross-validated error stays high (default 2), and networks per round (default 60). */
  rounds: whole(0).optional(),
  perRound: whole(1).optional(),
});
export type FitRequest = Readonly<z.infer<typeof FitRequestSchema>>;

export interface FitSummary {
  readonly device: string;
  readonly model_id: number;
  readonly mode?: 'kernels' | 'layers';
  readonly training_rows: number;
  readonly holdout: readonly string[];
  /** Per layer type: samples, chosen target transform and degree, terms kept, cross-validated RMSPE. */
  readonly types: readonly { type: string; n: number; family: string; degree: number; terms: number; cv_rmspe_pct: number; cv_median_ape_pct?: number }[];
  readonly analytic: { readonly peak_gflops: number; readonly bandwidth_gbps: number; readonly overhead_ms: Ms };
  readonly gap_factor: number;
  readonly gap_runs: number;
  /** The gap learned per op from networks timed per operator in place (see predict/in-place-gap.ts InNetworkGap); absent when none was. */
  readonly gap_in_network?: {
    readonly ops: Readonly<Record<string, { readonly factor: number; readonly parts: number }>>;
    readonly default_factor: number;
    readonly residual: number;
    readonly runs: number;
    /** Extra in-place time of weights that stay cached when a layer runs alone but are evicted inside its network (predict/in-place-gap.ts EvictedWeights). */
    readonly evicted?: { readonly cache_bytes: Bytes; readonly ms_per_byte: number; readonly parts: number; readonly form?: 'floor' };
  };
  /** Profiling done first (sampler, micro-benchmark), with its wall time. */
  readonly profiled: readonly { workload: string; units: number; wall_s: Seconds }[];
  /** Where samples carried a canary: the state timings were brought to before the fit (MachineState). */
  readonly state?: MachineState;
  /** Kernel mode: measured end to end = scale x kernel sum + per_kernel_ms x kernels + offset_ms, from the fit's sample networks. */
  readonly calibration?: { readonly scale: number; readonly per_kernel_ms: Ms; readonly offset_ms: Ms; readonly networks: number; readonly rmspe_pct: number };
  /** Kernel mode with metered networks: power per kernel kind (W) and the fit's error on its own networks. */
  readonly power?: { readonly kinds: Readonly<Record<string, Watts>>; readonly networks: number; readonly rmspe_pct: number; readonly mean_w: Watts };
  /** Kernel mode: what the fit profiled, how long it took, and the kinds each adaptive round sampled more of. */
  readonly sampling?: {
    readonly networks: number;
    readonly kernel_rows: number;
    readonly wall_s: Seconds;
    readonly profiling_s: Seconds;
    readonly rows_per_min: number;
    readonly rounds: readonly { round: number; focus: readonly string[]; networks: number }[];
  };
}

/**
 * The host's speed, told by a canary layer timed beside every sample (this CPU): every
 * timing is brought to the reference canary time; p10/p90 are how far the canary's median
 * strayed from it over the profiled units and networks (1.2 = 20% slower).
 */
export interface MachineState {
  readonly reference_canary_ms: Ms;
  readonly timings: number;
  readonly canary_p10: number;
  readonly canary_p90: number;
  /**
   * Kernel models: a timing is brought to the reference by (reference / its canary median)^exponent,
   * the exponent measured from kernels timed in several networks at several states.
   * Absent: the median of sample / canary, run by run (exponent 1).
   */
  readonly exponent?: number;
}

export const PredictRequestSchema = z.strictObject({
  device: deviceId,
  /** A zoo name, or an ONNX file's path on this machine. */
  workload: name(4096),
  resolution: whole(1).optional(),
  batch: whole(1).optional(),
  /** Every layer from the model, LUT rows ignored. */
  modelOnly: z.boolean().optional(),
});
export type PredictRequest = Readonly<z.infer<typeof PredictRequestSchema>>;

/** An ONNX file the user dropped, base64 in JSON (files stay small: layer shapes, not weights, matter). */
export const PredictOnnxRequestSchema = z.strictObject({
  device: deviceId,
  fileName: name(),
  base64: z.string().min(1).max(96 * 1024 * 1024),
  modelOnly: z.boolean().optional(),
});
export type PredictOnnxRequest = Readonly<z.infer<typeof PredictOnnxRequestSchema>>;

export interface PredictResult {
  readonly device: string;
  readonly workload: string;
  /** `kernels`: per kernel as the runtime runs them (layers are kernels then); `layers`: NeuralPower per layer. */
  readonly mode?: 'kernels' | 'layers';
  /** Kernel models: the machine state the prediction is in. */
  readonly state?: MachineState;
  readonly layers: readonly { name: string; op: string; runtime_ms: Ms; power_w?: Watts; energy_mj?: Millijoules; source: 'lut' | 'model'; uncertainty_pct: number }[];
  readonly total: { readonly runtime_ms: Ms; readonly power_w?: Watts; readonly energy_mj?: Millijoules };
  readonly sum_of_layers_ms: Ms;
  readonly gap_factor: number;
  readonly baseline: { readonly name: 'analytic'; readonly runtime_ms: Ms };
}

export interface AccuracyResult {
  readonly device: string;
  /** Per layer type (NeuralPower) or kernel kind (kernel models: cross-validated, folds by network). */
  readonly layers: readonly { group: string; n: number; predictors: Readonly<Record<string, { rmspe_pct: number; rmse: number; median_ape_pct?: number }>> }[];
  readonly layers_in_sample: boolean;
  readonly networks: {
    /** `actual` in the model's machine state; `measured_raw` the median as taken, where the two differ. */
    readonly rows: readonly { network: string; actual: number; measured_raw?: number; predicted: Readonly<Record<string, number>>; error_pct: Readonly<Record<string, number>> }[];
    readonly rmspe_pct: Readonly<Record<string, number>>;
    readonly held_out: readonly string[];
  };
  /**
   * Power (W) and energy (mJ) against runs a meter measured, when the device has them: per layer
   * type (held-out layers) and per network (sum of its measured layers, E = sum P_n T_n).
   * The baseline is a constant power (the device's mean measured layer power), since the
   * analytic baseline has none.
   */
  readonly power?: {
    readonly baseline: { readonly name: string; readonly power_w: Watts; readonly note: string };
    readonly layers_power_w: readonly AccuracyGroup[];
    readonly layers_energy_mj: readonly AccuracyGroup[];
    readonly layers_not_above_idle: number;
    readonly networks_power_w: AccuracyNetworks;
    readonly networks_energy_mj: AccuracyNetworks;
  };
  /** The machine state measured times were brought to (the model's), where samples carried a canary. */
  readonly state?: MachineState;
  /** Kernel models: what the held-out workloads would have contributed and did not. */
  readonly excluded?: { readonly workloads: number; readonly kernel_rows: number; readonly calibration_networks: number };
  /** The model came from a model file: this is the exporting bench's report, on its runs (`labbench model import`). */
  readonly imported?: { readonly source: string; readonly checksum: string; readonly exported_by: string; readonly exported_at: string };
}

/** One group's RMSPE (percent) and RMSE (in the value's unit) per predictor. */
export interface AccuracyGroup {
  readonly group: string;
  readonly n: number;
  readonly predictors: Readonly<Record<string, { rmspe_pct: number; rmse: number }>>;
}

/** Per network: measured, predicted and signed error per predictor; RMSPE over networks. */
export interface AccuracyNetworks {
  readonly rows: readonly { network: string; actual: number; predicted: Readonly<Record<string, number>>; error_pct: Readonly<Record<string, number>> }[];
  readonly rmspe_pct: Readonly<Record<string, number>>;
}
