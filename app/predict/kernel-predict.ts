/**
 * Predictions and accuracy reports of a device's kernel model: a network is planned into the
 * kernels its runtime would run (kernel-plan.ts), each kernel predicted, and the sum taken to
 * the network's end-to-end time by the calibration the fit learned from its own sample
 * networks. Every prediction is model-only: a network the bench never ran has no rows.
 */
import type { DeviceRecord } from '../api/lut.js';
import type { AccuracyResult } from '../api/predict.js';
import type { ProfilesDb } from '../../profiles-db/profiles-db.js';
import type { Network } from '../workloads/ir.js';
import { kernelName, type KernelKind } from '../workloads/kernels.js';
import { LabbenchError } from '../api/errors.js';
import { KERNEL_SAMPLER_PREFIX } from '../workloads/samples/kernel-sampler.js';
import { calibrated, parseKernelModel, predictKernel, rooflineMs } from './kernel-model.js';
import { isKernelRun, KERNEL_MODEL_KIND, kernelModelState, kernelPowerW, kernelTrainingData, runNetwork, type KernelDeviceModel } from './kernel-fit.js';
import { plannedKernels, type PlannedKernels } from './kernel-plan.js';
import { KERNEL_OP_PREFIX } from '../profiling/kernel-job.js';
import { networkTable } from './metrics.js';
import { MODEL_KIND } from './fit-device.js';
import type { DevicePrediction } from './device-predict.js';
import { watts } from '../api/units.js';

export async function predictKernelNetwork(device: DeviceRecord, m: KernelDeviceModel, network: Network): Promise<DevicePrediction> {
  return predictFromPlan(m, await plannedKernels(device.fingerprint, network));
}

/** A planned network's prediction: each kernel from the model, the sum through the calibration. */
export function predictFromPlan(m: KernelDeviceModel, plan: PlannedKernels): DevicePrediction {
  const layers: DevicePrediction['layers'][number][] = [];
  let sum = 0;
  let baseline = 0;
  let count = 0;
  plan.kernels.forEach((k, i) => {
    if (plan.operators[i] === 0) return;
    const ms = predictKernel(m.model, k.config);
    sum += ms;
    baseline += rooflineMs(m.model.roofline, k.config);
    count++;
    layers.push({ name: kernelName(k), op: k.kind, runtime_ms: ms, source: 'model', uncertainty_pct: m.model.kinds[k.kind]?.cv.rmspe_pct ?? NaN });
  });
  const total = calibrated(m.model.calibration, sum, count);
  const power = m.power;
  if (!power) return { layers, sum_of_layers_ms: sum, gap_factor: sum > 0 ? total / sum : 1, total: { runtime_ms: total }, baseline_runtime_ms: baseline };
  // With a power model: each kernel at its kind's power; the network's power is their time-weighted mean.
  const shares: Partial<Record<KernelKind, number>> = {};
  for (const l of layers) shares[l.op as KernelKind] = (shares[l.op as KernelKind] ?? 0) + (sum > 0 ? l.runtime_ms / sum : 0);
  const powerW = kernelPowerW(power.kinds, shares, power.mean_w);
  const withPower = layers.map((l) => {
    const w = power.kinds[l.op as KernelKind] ?? power.mean_w;
    return { ...l, power_w: w, energy_mj: w * l.runtime_ms };
  });
  return { layers: withPower, sum_of_layers_ms: sum, gap_factor: sum > 0 ? total / sum : 1, total: { runtime_ms: total, power_w: powerW, energy_mj: powerW * total }, baseline_runtime_ms: baseline };
}

/** A run's own profiled kernels taken to its end to end by the model's network terms. */
export interface OnProfiledKernels {
  /** The run's kernel times in the model's state, each as often as its layers run it. */
  readonly kernel_sum_ms: number;
  readonly kernels: number;
  /** The calibration applied to that sum: what the model would predict with every kernel's time right. */
  readonly network_ms: number;
}

/**
 * The network terms on a profiled run's measured kernels: the prediction of a kernel model
 * without error. Set beside the real prediction, it says how much of a network's miss lies in
 * the kernel models and how much in the terms that take their sum to the whole network.
 * Undefined for a run without kernel rows.
 */
export function onProfiledKernels(db: ProfilesDb, device: DeviceRecord, m: KernelDeviceModel, runId: number, state = kernelModelState(db, device, m)): OnProfiledKernels | undefined {
  let sum = 0;
  let kernels = 0;
  for (const u of db.runUnits(runId)) {
    if (!u.op.startsWith(KERNEL_OP_PREFIX)) continue;
    sum += state.unitMs(runId, u.key, u.stats.median_ms) * u.layers.length;
    kernels += u.layers.length;
  }
  return kernels > 0 ? { kernel_sum_ms: sum, kernels, network_ms: calibrated(m.model.calibration, sum, kernels) } : undefined;
}

/**
 * Per kind, the cross-validated error of the fit; per network the fit never saw (held out,
 * or profiled after the fit), the prediction against the measured end-to-end median in the
 * model's state and as taken.
 */
export async function kernelAccuracyReport(db: ProfilesDb, device: DeviceRecord, m: KernelDeviceModel): Promise<Omit<AccuracyResult, 'device'>> {
  const state = kernelModelState(db, device, m);
  const holdout = m.training.holdout;
  const lastRun = m.training.last_run_id ?? Infinity;
  const rows = [];
  const energy: { network: string; actual: number; predicted: Record<string, number> }[] = [];
  const powerRows: { network: string; actual: number; predicted: Record<string, number> }[] = [];
  const seen = new Set<string>();
  for (const run of db.listRuns(device.id)) {
    if (run.status !== 'complete' || !isKernelRun(run) || !run.end_to_end || run.workload.startsWith(KERNEL_SAMPLER_PREFIX)) continue;
    if (!holdout.includes(run.workload) && run.id <= lastRun) continue;
    const label = `${run.workload}${typeof run.settings.resolution === 'number' ? `@${run.settings.resolution}` : ''}`;
    if (seen.has(label)) continue;
    const network = runNetwork(typeof run.settings.source === 'string' ? run.settings.source : run.workload, run.settings);
    if (!network) continue;
    seen.add(label);
    const p = await predictKernelNetwork(device, m, network);
    const raw = run.end_to_end.median_ms;
    const actual = state.endToEndMs(run.id, raw);
    rows.push({ network: label, actual, ...(actual !== raw ? { measured_raw: raw } : {}), predicted: { kernels: p.total.runtime_ms, analytic: p.baseline_runtime_ms } });
    const pw = run.end_to_end_power;
    if (m.power && pw && !('missing' in pw) && p.total.energy_mj !== undefined && p.total.power_w !== undefined) {
      energy.push({ network: label, actual: pw.energy_mj, predicted: { kernels: p.total.energy_mj, 'constant-power': m.power.mean_w * p.total.runtime_ms } });
      powerRows.push({ network: label, actual: pw.power_w, predicted: { kernels: p.total.power_w, 'constant-power': m.power.mean_w } });
    }
  }
  const { excluded } = kernelTrainingData(db, device, holdout, state);
  return {
    layers: Object.entries(m.model.kinds).map(([kind, k]) => ({ group: kind, n: k.n, predictors: { kernels: { rmspe_pct: k.cv.rmspe_pct, rmse: NaN, median_ape_pct: k.cv.median_ape_pct } } })),
    layers_in_sample: false,
    networks: { ...networkTable(rows), held_out: [...holdout] },
    excluded: { workloads: holdout.length, kernel_rows: excluded.rows, calibration_networks: excluded.runs },
    ...(m.power
      ? {
          power: {
            baseline: { name: 'constant-power', power_w: watts(m.power.mean_w), note: `the mean power of the ${m.power.networks} metered networks the fit saw, times the predicted time` },
            layers_power_w: [],
            layers_energy_mj: [],
            layers_not_above_idle: 0,
            networks_power_w: networkTable(powerRows),
            networks_energy_mj: networkTable(energy),
          },
        }
      : {}),
    ...(m.state ? { state: m.state } : {}),
  };
}

export function loadKernelModel(json: unknown): KernelDeviceModel {
  const m = json as Partial<KernelDeviceModel> | null;
  if (!m || m.format !== 'labbench-kernel-device-model' || m.version !== 1 || !m.model) throw new LabbenchError('BAD_INPUT', 'not a labbench kernel device model');
  return { ...(m as KernelDeviceModel), model: parseKernelModel(m.model) };
}

/** The device's kernel model, when its newest fitted model is one. */
export function latestKernelModel(db: ProfilesDb, device: DeviceRecord): KernelDeviceModel | undefined {
  const k = db.latestModel(device.id, KERNEL_MODEL_KIND);
  if (!k) return undefined;
  const n = db.latestModel(device.id, MODEL_KIND);
  return n && n.id > k.id ? undefined : loadKernelModel(k.model);
}
