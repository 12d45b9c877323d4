/**
 * Kernel models per device: training rows and calibration networks read from the device's
 * kernel-mode runs, every timing brought to one machine state first, the model fitted and
 * its accuracy reported. Held-out workloads contribute nothing: no kernel row, no
 * calibration network.
 */
import { LabbenchError } from '../api/errors.js';
import type { DeviceRecord } from '../api/lut.js';
import type { MachineState } from '../api/predict.js';
import type { ProfilesDb, RunRecord } from '../../profiles-db/profiles-db.js';
import type { CanarySamples } from '../../profiles-db/runs.js';
import type { KernelConfig } from '../workloads/kernels.js';
import { KERNEL_OP_PREFIX } from '../profiling/kernel-job.js';
import { median } from '../profiling/stats.js';
import { fitKernelModel, type CalibrationRun, type KernelFitOptions, type KernelModel, type KernelRow } from './kernel-model.js';
import { StateNormalizer } from './machine-state.js';

export const KERNEL_MODEL_KIND = 'kernels';

/** What `labbench fit` stores for a kernel-mode device. */
export interface KernelDeviceModel {
  readonly format: 'labbench-kernel-device-model';
  readonly version: 1;
  readonly model: KernelModel;
  readonly state?: MachineState;
  readonly training: {
    readonly rows: number;
    readonly networks: number;
    readonly holdout: readonly string[];
    readonly workloads: number;
    /** The newest run when the model was fitted: runs after it are networks the fit never saw. */
    readonly last_run_id?: number;
  };
}

export const isKernelRun = (r: RunRecord): boolean => r.settings.mode === 'kernels';

/** Fewest pairs of one kernel timed in two runs for the state exponent to be measured; fewer keep exponent 1. */
const MIN_STATE_PAIRS = 50;

/**
 * How strongly kernel times follow the canary: the same kernel timed in two networks at two
 * states gives log(t2 / t1) against log(c2 / c1); the exponent minimizing the mean absolute
 * residual over all such pairs (a grid over 0..1, robust to the odd disturbed run).
 */
export function stateExponent(samples: readonly CanarySamples[]): number {
  const byKey = new Map<string, { t: number; c: number }[]>();
  for (const s of samples) {
    if (s.kind !== 'unit' || s.latency_ms.length === 0) continue;
    const list = byKey.get(s.unit_key) ?? byKey.set(s.unit_key, []).get(s.unit_key)!;
    list.push({ t: median(s.latency_ms), c: median(s.canary_ms) });
  }
  const pairs: [number, number][] = [];
  for (const list of byKey.values()) for (let i = 1; i < list.length; i++) if (list[i]!.t > 0 && list[0]!.t > 0) pairs.push([Math.log(list[i]!.c / list[0]!.c), Math.log(list[i]!.t / list[0]!.t)]);
  if (pairs.length < MIN_STATE_PAIRS) return 1;
  let best = 1;
  let bestErr = Infinity;
  for (let g = 0; g <= 1.0001; g += 0.05) {
    const err = pairs.reduce((s, [dc, dt]) => s + Math.abs(dt - g * dc), 0);
    if (err < bestErr) {
      bestErr = err;
      best = Math.round(g * 100) / 100;
    }
  }
  return best;
}

export interface KernelTrainingData {
  readonly rows: KernelRow[];
  readonly runs: CalibrationRun[];
  readonly workloads: Set<string>;
}

/** Kernel rows and calibration networks of the device's complete kernel-mode runs outside `holdout`, in the normalizer's state. */
export function kernelTrainingData(db: ProfilesDb, device: DeviceRecord, holdout: readonly string[], state: StateNormalizer): KernelTrainingData {
  const rows: KernelRow[] = [];
  const runs: CalibrationRun[] = [];
  const workloads = new Set<string>();
  for (const run of db.listRuns(device.id)) {
    if (run.status !== 'complete' || !isKernelRun(run) || holdout.includes(run.workload)) continue;
    workloads.add(run.workload);
    let sum = 0;
    let count = 0;
    for (const u of db.runUnits(run.id)) {
      if (!u.op.startsWith(KERNEL_OP_PREFIX)) continue;
      const ms = state.unitMs(run.id, u.key, u.stats.median_ms);
      rows.push({ config: u.config as KernelConfig, ms, group: run.id });
      sum += ms * u.layers.length;
      count += u.layers.length;
    }
    if (run.end_to_end && count > 0) runs.push({ endToEndMs: state.endToEndMs(run.id, run.end_to_end.median_ms), kernelSumMs: sum, kernels: count });
  }
  return { rows, runs, workloads };
}

export function fitKernelDevice(db: ProfilesDb, device: DeviceRecord, holdout: readonly string[], o: KernelFitOptions = {}): KernelDeviceModel {
  const samples = db.canarySamples(device.id);
  const exponent = stateExponent(samples);
  const state = StateNormalizer.fromSamples(samples, undefined, exponent);
  const data = kernelTrainingData(db, device, holdout, state);
  if (data.rows.length === 0) throw new LabbenchError('BAD_INPUT', `${device.key}: no kernel-mode profiles to fit (profile networks without --per-layer, or let fit sample them)`);
  const model = fitKernelModel(data.rows, data.runs, o);
  const summary = state.summary();
  return {
    format: 'labbench-kernel-device-model',
    version: 1,
    model,
    ...(summary ? { state: summary } : {}),
    training: { rows: data.rows.length, networks: data.runs.length, holdout: [...holdout], workloads: data.workloads.size, last_run_id: Math.max(0, ...db.listRuns(device.id).map((r) => r.id)) },
  };
}

/** The device's timings in the state its kernel model was fitted in. */
export function kernelModelState(db: ProfilesDb, device: DeviceRecord, m: KernelDeviceModel): StateNormalizer {
  return StateNormalizer.fromDb(db, device.id, m.state?.reference_canary_ms, m.state?.exponent);
}
