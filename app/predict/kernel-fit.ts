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
import { KERNEL_KINDS, networkContext, type KernelConfig, type KernelKind, type NetworkContext } from '../workloads/kernels.js';
import type { Network } from '../workloads/ir.js';
import { planWorkload } from '../workloads/plan.js';
import { analyzeNetwork } from '../workloads/analyze.js';
import { nnlsSmall } from './linalg.js';
import { KERNEL_OP_PREFIX } from '../profiling/kernel-job.js';
import { fitKernelModel, type CalibrationRun, type KernelFitOptions, type KernelModel, type KernelRow } from './kernel-model.js';
import { StateNormalizer } from './machine-state.js';

export const KERNEL_MODEL_KIND = 'kernels';

/**
 * Power of kernels, per kind, from networks a meter measured whole: a network's power above
 * idle is the time-weighted mean of its kernels' powers, P = sum over kinds of share x
 * power(kind), fitted by non-negative least squares on relative error. Energy of a network
 * is then P x its predicted time, and a kernel's its kind's power x its time.
 */
export interface KernelPowerModel {
  readonly kinds: Partial<Record<KernelKind, number>>;
  readonly networks: number;
  /** RMS relative error of the fit on its own networks, percent. */
  readonly rmspe_pct: number;
  /** Mean measured network power, W: the constant-power baseline. */
  readonly mean_w: number;
}

/** What `labbench fit` stores for a kernel-mode device. */
export interface KernelDeviceModel {
  readonly format: 'labbench-kernel-device-model';
  readonly version: 1;
  readonly model: KernelModel;
  readonly power?: KernelPowerModel;
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

/**
 * How strongly kernel times follow the canary: a sample is brought to the reference state as
 * t x (reference / c)^STATE_EXPONENT. Fixed, not fitted: estimates from the data were biased
 * by the canary's own noise or by the networks around a kernel (docs/decisions/0023-state-per-sample.md).
 */
export const STATE_EXPONENT = 0.75;

/** The network a run measured, rebuilt from its workload (its source file, for an ONNX model) and settings. */
export function runNetwork(workload: string, settings: Readonly<Record<string, unknown>>): Network | undefined {
  const res = typeof settings.resolution === 'number' ? settings.resolution : undefined;
  const batch = typeof settings.batch === 'number' ? settings.batch : undefined;
  try {
    return planWorkload(workload, { resolution: res, batch }).endToEnd;
  } catch {
    return undefined;
  }
}

/** A run's network context, for rows profiled before every field of it was recorded. */
function runContext(run: RunRecord): NetworkContext | undefined {
  const network = runNetwork(typeof run.settings.source === 'string' ? run.settings.source : run.workload, run.settings);
  return network ? networkContext(analyzeNetwork(network)) : undefined;
}

export interface KernelTrainingData {
  readonly rows: KernelRow[];
  readonly runs: CalibrationRun[];
  readonly workloads: Set<string>;
  /** Networks a meter measured: their power above idle and each kernel kind's share of their kernel time. */
  readonly powered: { readonly power_w: number; readonly shares: Partial<Record<KernelKind, number>> }[];
  /** What the holdout kept out: its kernel rows and its calibration networks. */
  readonly excluded: { rows: number; runs: number };
}

/** Kernel rows and calibration networks of the device's complete kernel-mode runs outside `holdout`, in the normalizer's state. */
export function kernelTrainingData(db: ProfilesDb, device: DeviceRecord, holdout: readonly string[], state: StateNormalizer): KernelTrainingData {
  const rows: KernelRow[] = [];
  const runs: CalibrationRun[] = [];
  const powered: KernelTrainingData['powered'] = [];
  const workloads = new Set<string>();
  const excluded = { rows: 0, runs: 0 };
  for (const run of db.listRuns(device.id)) {
    if (run.status !== 'complete' || !isKernelRun(run)) continue;
    if (holdout.includes(run.workload)) {
      const n = db.runUnits(run.id).filter((u) => u.op.startsWith(KERNEL_OP_PREFIX)).length;
      excluded.rows += n;
      if (run.end_to_end && n > 0) excluded.runs++;
      continue;
    }
    workloads.add(run.workload);
    let sum = 0;
    let count = 0;
    const byKind: Partial<Record<KernelKind, number>> = {};
    let context: NetworkContext | undefined | null = null;
    for (const u of db.runUnits(run.id)) {
      if (!u.op.startsWith(KERNEL_OP_PREFIX)) continue;
      let config = u.config as KernelConfig;
      if (config.context?.act_bytes === undefined) {
        if (context === null) context = runContext(run);
        if (context) config = { ...config, context };
      }
      const ms = state.unitMs(run.id, u.key, u.stats.median_ms);
      rows.push({ config, ms, group: run.id });
      sum += ms * u.layers.length;
      count += u.layers.length;
      byKind[config.kind] = (byKind[config.kind] ?? 0) + ms * u.layers.length;
    }
    if (run.end_to_end && count > 0) runs.push({ endToEndMs: state.endToEndMs(run.id, run.end_to_end.median_ms), kernelSumMs: sum, kernels: count });
    const p = run.end_to_end_power;
    if (p && !('missing' in p) && p.power_w > 0 && sum > 0) powered.push({ power_w: p.power_w, shares: Object.fromEntries(Object.entries(byKind).map(([k, v]) => [k, v / sum])) });
  }
  return { rows, runs, workloads, powered, excluded };
}

export function fitKernelDevice(db: ProfilesDb, device: DeviceRecord, holdout: readonly string[], o: KernelFitOptions = {}): KernelDeviceModel {
  const state = StateNormalizer.fromSamples(db.canarySamples(device.id), undefined, STATE_EXPONENT);
  const data = kernelTrainingData(db, device, holdout, state);
  if (data.rows.length === 0) throw new LabbenchError('BAD_INPUT', `${device.key}: no kernel-mode profiles to fit (profile networks without --per-layer, or let fit sample them)`);
  const model = fitKernelModel(data.rows, data.runs, o);
  const summary = state.summary();
  const power = fitKernelPower(data.powered);
  return {
    format: 'labbench-kernel-device-model',
    version: 1,
    model,
    ...(power ? { power } : {}),
    ...(summary ? { state: summary } : {}),
    training: { rows: data.rows.length, networks: data.runs.length, holdout: [...holdout], workloads: data.workloads.size, last_run_id: Math.max(0, ...db.listRuns(device.id).map((r) => r.id)) },
  };
}

/** The device's timings in the state its kernel model was fitted in. */
export function kernelModelState(db: ProfilesDb, device: DeviceRecord, m: KernelDeviceModel): StateNormalizer {
  return StateNormalizer.fromDb(db, device.id, m.state?.reference_canary_ms, m.state?.exponent);
}

/** Fewest metered networks for a power model. */
const MIN_POWERED = 3;

export function fitKernelPower(powered: KernelTrainingData['powered']): KernelPowerModel | undefined {
  if (powered.length < MIN_POWERED) return undefined;
  const kinds = KERNEL_KINDS.filter((k) => powered.some((p) => (p.shares[k] ?? 0) > 0));
  // Kinds that never hold more than a sliver of a network's time cannot be told apart: they share one power.
  const major = kinds.filter((k) => powered.some((p) => (p.shares[k] ?? 0) > 0.05)).slice(0, 9);
  const columns = (p: (typeof powered)[number]): number[] => [...major.map((k) => p.shares[k] ?? 0), kinds.filter((k) => !major.includes(k)).reduce((s, k) => s + (p.shares[k] ?? 0), 0)];
  const { beta } = nnlsSmall(powered.map(columns), powered.map((p) => p.power_w), powered.map((p) => 1 / (p.power_w * p.power_w)));
  const mean = powered.reduce((s, p) => s + p.power_w, 0) / powered.length;
  // A kind the fit left at 0 (too little of it to tell) takes the mean power rather than none.
  const rest = beta[major.length]! > 0 ? beta[major.length]! : mean;
  const perKind: Partial<Record<KernelKind, number>> = Object.fromEntries(kinds.map((k) => [k, major.includes(k) ? beta[major.indexOf(k)]! || mean : rest]));
  const predicted = powered.map((p) => kernelPowerW(perKind, p.shares, mean));
  const rel = powered.map((p, i) => predicted[i]! / p.power_w - 1);
  return { kinds: perKind, networks: powered.length, rmspe_pct: 100 * Math.sqrt(rel.reduce((s, e) => s + e * e, 0) / rel.length), mean_w: mean };
}

/** A network's power from its kernel kinds' shares of its time. */
export function kernelPowerW(perKind: Partial<Record<KernelKind, number>>, shares: Partial<Record<KernelKind, number>>, fallback: number): number {
  let p = 0;
  let covered = 0;
  for (const [k, share] of Object.entries(shares) as [KernelKind, number][]) {
    p += share * (perKind[k] ?? fallback);
    covered += share;
  }
  return covered > 0 ? p / covered : fallback;
}
