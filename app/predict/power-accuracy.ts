/**
 * Power and energy accuracy of a fitted device model against runs a meter measured: per
 * layer type, NeuralPower's layer power (W) and energy (mJ) against each held-out layer's
 * measured power and power x median; per network, the average power and the energy of the
 * whole network, E = sum P_n T_n, against the same sum over the run's measured layers.
 *
 * What "measured" means here: a meter sees a unit while it loops in isolation, so the
 * measured network energy is the sum over its layers (what `profile --meter` reports), not
 * the energy of one end-to-end inference; predictions are compared on the same footing
 * (model-only sum of layers, no gap factor). Powers are above idle, as stored.
 *
 * Baseline: the analytic baseline has no power model, so it gets a constant one, the
 * device's mean measured layer power over the training rows (`mean_power_w` of the model):
 * its layer power is that constant, its energy the constant times the analytic runtime.
 */
import type { DeviceRecord, LutEntry } from '../api/lut.js';
import type { ProfilesDb } from '../../profiles-db/profiles-db.js';
import { analyzeNetwork } from '../workloads/analyze.js';
import { planWorkload } from '../workloads/plan.js';
import { predictAnalyticLayer } from './analytic.js';
import { configFeatures, layerFromConfig } from './features.js';
import { accuracyTable, networkTable, type AccuracyRow, type AccuracyTableRow, type NetworkTable, type NetworkTotalRow } from './metrics.js';
import { predictLayer, predictNetwork, type NeuralPowerModel } from './neuralpower.js';
import type { AnalyticParams } from './analytic.js';
import { watts, type Watts } from '../api/units.js';

export const CONSTANT_POWER = 'constant-power';

export interface PowerAccuracy {
  /** The baseline's constant power, W, and what it is. */
  readonly baseline: { readonly name: typeof CONSTANT_POWER; readonly power_w: Watts; readonly note: string };
  /** Layer rows: held-out layers with a measured power above zero (all rows when nothing was held out). */
  readonly layers_power_w: readonly AccuracyTableRow[];
  readonly layers_energy_mj: readonly AccuracyTableRow[];
  /** Layers with a measured power at or below 0 W (under the idle noise), left out of RMSPE. */
  readonly layers_not_above_idle: number;
  /** Networks whose every layer has a measured power. */
  readonly networks_power_w: NetworkTable;
  readonly networks_energy_mj: NetworkTable;
}

/** Mean of the positive measured layer powers (the constant-power baseline), or undefined when none. */
export function meanMeasuredPower(powers: readonly (number | undefined)[]): number | undefined {
  const p = powers.filter((x): x is number => x !== undefined && x > 0 && Number.isFinite(x));
  return p.length ? p.reduce((a, b) => a + b, 0) / p.length : undefined;
}

const measured = (e: { power?: LutEntry['power'] }): number | undefined => (e.power && 'power_w' in e.power ? e.power.power_w : undefined);

interface ModelParts {
  readonly neuralpower: NeuralPowerModel;
  readonly analytic: AnalyticParams;
  readonly mean_power_w?: number | undefined;
}

/**
 * Undefined when the model has no power model or no measured layer power is there to compare
 * with. `evalRows` are the LUT rows the runtime report scores (held-out ones when any);
 * `networkRuns` the complete network runs, newest last.
 */
export function powerAccuracy(
  db: ProfilesDb,
  device: DeviceRecord,
  model: ModelParts,
  evalRows: readonly LutEntry[],
  networkRuns: readonly { id: number; workload: string; settings: Readonly<Record<string, unknown>> }[],
): PowerAccuracy | undefined {
  const constant = model.mean_power_w;
  const hasPowerModel = Object.values(model.neuralpower.types).some((t) => t?.power);
  if (!hasPowerModel || constant === undefined) return undefined;
  const powerRows: AccuracyRow[] = [];
  const energyRows: AccuracyRow[] = [];
  let notAbove = 0;
  for (const e of evalRows) {
    const p = measured(e);
    if (p === undefined) continue;
    if (!(p > 0)) {
      notAbove++;
      continue;
    }
    const { analyzed, batch } = layerFromConfig(e.op, e.config);
    const np = predictLayer(model.neuralpower, analyzed, batch);
    const group = configFeatures(e.op, e.config).type;
    const analyticMs = predictAnalyticLayer(model.analytic, analyzed, batch);
    powerRows.push({ group, actual: p, predicted: { ...(np.power_w !== undefined ? { neuralpower: np.power_w } : {}), [CONSTANT_POWER]: constant } });
    energyRows.push({ group, actual: p * e.median_ms, predicted: { ...(np.power_w !== undefined ? { neuralpower: np.power_w * np.runtime_ms } : {}), [CONSTANT_POWER]: constant * analyticMs } });
  }

  // Per network: the newest complete run whose every layer has power; E and P_avg over its parts.
  const byLabel = new Map<string, { power: NetworkTotalRow; energy: NetworkTotalRow }>();
  for (const run of networkRuns) {
    const resolution = typeof run.settings.resolution === 'number' ? run.settings.resolution : undefined;
    const batch = typeof run.settings.batch === 'number' ? run.settings.batch : undefined;
    let plan;
    try {
      plan = planWorkload(run.workload, { resolution, batch });
    } catch {
      continue;
    }
    if (!plan.endToEnd) continue;
    const units = new Map(db.runUnits(run.id).map((u) => [u.key, u]));
    let energy = 0;
    let time = 0;
    let complete = true;
    for (const part of plan.parts) {
      const u = units.get(part.key);
      const p = u ? measured(u) : undefined;
      if (!u || p === undefined) {
        complete = false;
        break;
      }
      energy += p * u.stats.median_ms;
      time += u.stats.median_ms;
    }
    if (!complete || !(energy > 0)) continue;
    const analysis = analyzeNetwork(plan.endToEnd);
    const np = predictNetwork(model.neuralpower, analysis);
    const analyticMs = analysis.layers.reduce((s, a) => s + predictAnalyticLayer(model.analytic, a, plan.endToEnd!.batch), 0);
    const label = `${run.workload}${resolution !== undefined ? `@${resolution}` : ''}`;
    const npE = np.total.energy_mj;
    byLabel.set(label, {
      power: { network: label, actual: energy / time, predicted: { ...(np.total.power_w !== undefined ? { neuralpower: np.total.power_w } : {}), [CONSTANT_POWER]: constant } },
      energy: { network: label, actual: energy, predicted: { ...(npE !== undefined ? { neuralpower: npE } : {}), [CONSTANT_POWER]: constant * analyticMs } },
    });
  }
  if (powerRows.length === 0 && byLabel.size === 0) return undefined;
  const nets = [...byLabel.values()];
  return {
    baseline: { name: CONSTANT_POWER, power_w: watts(constant), note: "the analytic baseline has no power model: the device's mean measured layer power (training rows) for every layer, times the analytic runtime for energy" },
    layers_power_w: powerRows.length ? accuracyTable(powerRows) : [],
    layers_energy_mj: energyRows.length ? accuracyTable(energyRows) : [],
    layers_not_above_idle: notAbove,
    networks_power_w: nets.length ? networkTable(nets.map((n) => n.power)) : { rows: [], rmspe_pct: {} },
    networks_energy_mj: nets.length ? networkTable(nets.map((n) => n.energy)) : { rows: [], rmspe_pct: {} },
  };
}
