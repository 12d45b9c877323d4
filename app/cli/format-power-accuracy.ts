/** `report accuracy`, human form: the power (W) and energy (mJ) tables, when a meter measured the device. */
import type { AccuracyGroup, AccuracyNetworks, AccuracyResult } from '../api/predict.js';
import { table } from './format.js';

const LAYER_PREDICTORS = ['neuralpower', 'constant-power'];
const pct = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? '-' : `${x.toFixed(1)}%`);
const num = (x: number | undefined): string => (x === undefined ? '-' : Math.abs(x) >= 100 ? x.toFixed(1) : Math.abs(x) >= 1 ? x.toFixed(3) : x.toFixed(4));

function groups(title: string, unit: string, rows: readonly AccuracyGroup[]): string[] {
  if (rows.length === 0) return [];
  const out = [['LAYER TYPE', 'N', ...LAYER_PREDICTORS.flatMap((p) => [`${p} RMSPE`, `${p} RMSE ${unit}`])]];
  for (const g of rows) out.push([g.group, String(g.n), ...LAYER_PREDICTORS.flatMap((p) => [pct(g.predictors[p]?.rmspe_pct), num(g.predictors[p]?.rmse)])]);
  return [title, table(out)];
}

function networks(title: string, unit: string, n: AccuracyNetworks, heldOut: readonly string[]): string[] {
  if (n.rows.length === 0) return [];
  // Kernel models name their predictor `kernels`, NeuralPower `neuralpower`.
  const PREDICTORS = Object.keys(n.rows[0]!.predicted);
  const out = [['NETWORK', `MEASURED ${unit}`, ...PREDICTORS.flatMap((p) => [`${p} ${unit}`, 'error'])]];
  for (const r of n.rows) out.push([r.network + (heldOut.includes(r.network.split('@')[0]!) ? ' (held out)' : ''), num(r.actual), ...PREDICTORS.flatMap((p) => [num(r.predicted[p]), pct(r.error_pct[p])])]);
  return [title, table(out), `RMSPE over networks: ${PREDICTORS.map((p) => `${p} ${pct(n.rmspe_pct[p])}`).join(', ')}`];
}

export function formatPowerAccuracy(r: AccuracyResult): string {
  const p = r.power;
  if (!p) return '';
  const held = r.networks.held_out;
  return [
    '',
    `Power and energy (above idle) against metered runs; baseline ${p.baseline.name} = ${p.baseline.power_w.toFixed(3)} W: ${p.baseline.note}`,
    ...groups('Layer power (W)', 'W', p.layers_power_w),
    ...groups('Layer energy (mJ)', 'mJ', p.layers_energy_mj),
    ...(p.layers_not_above_idle ? [`${p.layers_not_above_idle} layer(s) measured at or below idle were left out`] : []),
    ...networks(`Network average power (W)${p.layers_power_w.length ? ', sum of layers' : ', the network metered whole'}`, 'W', p.networks_power_w, held),
    ...networks(`Network energy (mJ)${p.layers_power_w.length ? ', sum of layers' : ', the network metered whole'}`, 'mJ', p.networks_energy_mj, held),
  ].join('\n');
}
