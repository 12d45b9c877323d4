/**
 * The accuracy report of a per-layer device model: per layer type on the held-out
 * workloads' layers (or on the training rows when none was held out), per measured network
 * its model-only prediction and the analytic baseline against the measured end-to-end
 * median, and power and energy where a meter measured them. Measured times are brought to
 * the model's machine state first.
 */
import type { DeviceRecord, LutEntry } from '../api/lut.js';
import type { MachineState } from '../api/predict.js';
import type { ProfilesDb, RunRecord } from '../../profiles-db/profiles-db.js';
import { predictAnalyticLayer } from './analytic.js';
import { isNetworkRun } from './device-runs.js';
import { modelState, predictWorkload, type DevicePrediction } from './device-predict.js';
import { configFeatures, layerFromConfig, layerTypeOf } from './features.js';
import type { DeviceModel } from './fit-device.js';
import type { StateNormalizer } from './machine-state.js';
import { accuracyTable, networkTable, type AccuracyTableRow, type NetworkTable, type NetworkTotalRow } from './metrics.js';
import { predictLayer } from './neuralpower.js';
import { powerAccuracy, type PowerAccuracy } from './power-accuracy.js';

export interface AccuracyReport {
  /** Per layer type, on held-out workloads' layers (or on the training rows when none was held out). */
  readonly layers: readonly AccuracyTableRow[];
  readonly layers_in_sample: boolean;
  /** Per measured network: model-only prediction (gap applied) and baseline against the measured end-to-end median. */
  readonly networks: NetworkTable & { readonly held_out: readonly string[] };
  /** Power (W) and energy (mJ) against runs a meter measured, when the model has power. */
  readonly power?: PowerAccuracy;
  /** The state measured times were brought to (as the model's); absent when they are raw. */
  readonly state?: MachineState;
}

/** Each network measured end to end (once per workload and resolution): model-only prediction and baseline against the measurement. */
function networkRows(db: ProfilesDb, device: DeviceRecord, model: DeviceModel, runs: readonly RunRecord[], state: StateNormalizer): NetworkTotalRow[] {
  const seen = new Set<string>();
  const rows: NetworkTotalRow[] = [];
  for (const run of runs) {
    if (!run.end_to_end || !isNetworkRun(run)) continue;
    const label = `${run.workload}${typeof run.settings.resolution === 'number' ? `@${run.settings.resolution}` : ''}`;
    if (seen.has(label)) continue;
    seen.add(label);
    let p: DevicePrediction;
    try {
      p = predictWorkload(db, device, model, run.workload, {
        resolution: typeof run.settings.resolution === 'number' ? run.settings.resolution : undefined,
        batch: typeof run.settings.batch === 'number' ? run.settings.batch : undefined,
        modelOnly: true,
      });
    } catch {
      continue;
    }
    const raw = run.end_to_end.median_ms;
    const actual = state.endToEndMs(run.id, raw);
    rows.push({ network: label, actual, ...(actual !== raw ? { measured_raw: raw } : {}), predicted: { neuralpower: p.total.runtime_ms, analytic: p.baseline_runtime_ms } });
  }
  return rows;
}

export function accuracyReport(db: ProfilesDb, device: DeviceRecord, model: DeviceModel): AccuracyReport {
  const holdout = model.training.holdout;
  const runs = db.listRuns(device.id).filter((r) => r.status === 'complete');
  const heldKeys = new Set(runs.filter((r) => holdout.includes(r.workload)).flatMap((r) => db.runUnits(r.id).map((u) => u.key)));
  const state = modelState(db, device, model);
  const entries = state.lutEntries(db.lutEntries(device.id).filter((e) => layerTypeOf(e.op) !== undefined));
  const evalRows: LutEntry[] = holdout.length ? entries.filter((e) => heldKeys.has(e.key)) : entries;
  const layerRows = evalRows.map((e) => {
    const { analyzed, batch } = layerFromConfig(e.op, e.config);
    return {
      group: configFeatures(e.op, e.config).type,
      actual: e.median_ms,
      predicted: { neuralpower: predictLayer(model.neuralpower, analyzed, batch).runtime_ms, analytic: predictAnalyticLayer(model.analytic, analyzed, batch) },
    };
  });
  const networks = networkRows(db, device, model, runs, state);
  const stateSummary = model.state && state.summary();
  const power = powerAccuracy(db, device, model, evalRows, runs.filter(isNetworkRun));
  return {
    layers: accuracyTable(layerRows),
    layers_in_sample: holdout.length === 0,
    networks: { ...networkTable(networks), held_out: holdout },
    ...(power ? { power } : {}),
    ...(stateSummary ? { state: stateSummary } : {}),
  };
}
