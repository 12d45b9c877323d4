/**
 * `report accuracy --html`: predicted against measured, one point per network and predictor
 * (the networks the fit never saw), on the same log axes so y = x is the ideal; power and
 * energy likewise where a meter measured them; the per-group errors as tables.
 */
import type { AccuracyGroup, AccuracyNetworks, AccuracyResult } from '../api/predict.js';
import type { DeviceRecord } from '../api/lut.js';
import { htmlPage, num, pct, table } from './html.js';
import { svgChart, type ChartSeries } from './svg.js';

/** The predictors a report names, the model first: `kernels` or `neuralpower`, then the baselines. */
export function accuracyPredictors(r: AccuracyResult): string[] {
  const names = new Set<string>();
  for (const g of r.layers) for (const p of Object.keys(g.predictors)) names.add(p);
  for (const n of r.networks.rows) for (const p of Object.keys(n.predicted)) names.add(p);
  const model = ['kernels', 'neuralpower'];
  return [...names].sort((a, b) => Number(!model.includes(a)) - Number(!model.includes(b)) || a.localeCompare(b));
}

/** One series per predictor: (measured, predicted) for each network that has both. */
export function predictedVsMeasured(rows: AccuracyNetworks['rows'], predictors: readonly string[]): ChartSeries[] {
  return predictors
    .map((p) => ({ label: p, points: rows.filter((n) => Number.isFinite(n.predicted[p]) && n.actual > 0).map((n) => ({ x: n.actual, y: n.predicted[p]!, label: n.network })) }))
    .filter((s) => s.points.length > 0);
}

function groupTable(groups: readonly AccuracyGroup[] | AccuracyResult['layers'], predictors: readonly string[], unit: string): string {
  // Kernel models report RMSPE only: a column no group has is left out.
  const cols = predictors.flatMap((p) => [
    { head: `${p} RMSPE`, cell: (g: AccuracyGroup) => pct(g.predictors[p]?.rmspe_pct), has: (g: AccuracyGroup) => Number.isFinite(g.predictors[p]?.rmspe_pct) },
    { head: `${p} RMSE ${unit}`, cell: (g: AccuracyGroup) => num(g.predictors[p]?.rmse), has: (g: AccuracyGroup) => Number.isFinite(g.predictors[p]?.rmse) },
  ]).filter((c) => groups.some(c.has));
  return table(['group', 'n', ...cols.map((c) => c.head)], groups.map((g) => [g.group, g.n, ...cols.map((c) => c.cell(g))]), { numeric: [1, ...cols.map((_, i) => 2 + i)] });
}

function networkSection(id: string, title: string, unit: string, nets: AccuracyNetworks, heldOut: readonly string[]): string {
  const predictors = [...new Set(nets.rows.flatMap((n) => Object.keys(n.predicted)))];
  const series = predictedVsMeasured(nets.rows, predictors);
  const rows = nets.rows.map((n) => [n.network + (heldOut.includes(n.network.split('@')[0]!) ? ' (held out)' : ''), num(n.actual), ...predictors.flatMap((p) => [num(n.predicted[p]), pct(n.error_pct[p])])]);
  return [
    series.length ? svgChart({ id, title, xLabel: `measured ${unit}`, yLabel: `predicted ${unit}`, series, logX: true, logY: true, diagonal: true }) : '',
    table(['network', `measured ${unit}`, ...predictors.flatMap((p) => [`${p} ${unit}`, `${p} error`])], rows, { numeric: [1, ...predictors.flatMap((_, i) => [2 + 2 * i, 3 + 2 * i])] }),
    `<p>RMSPE over networks: ${predictors.map((p) => `${p} ${pct(nets.rmspe_pct[p])}`).join(', ')}</p>`,
  ].join('\n');
}

export function accuracyReportHtml(r: AccuracyResult, device: DeviceRecord, generatedAt?: Date): string {
  const predictors = accuracyPredictors(r);
  const kernels = predictors.includes('kernels');
  const parts: string[] = [];
  parts.push('<h2>Networks: predicted against measured latency</h2>');
  if (r.networks.rows.length) {
    parts.push(`<p class="note">One point per network the fit never saw (held out, or profiled after the fit) and predictor; the dashed line is predicted = measured.${r.state ? ' Measured times are brought to the model’s machine state.' : ''}</p>`);
    parts.push(networkSection('accuracy-latency', 'Predicted vs measured latency per network', 'ms', r.networks, r.networks.held_out));
  } else {
    parts.push('<p>No network the fit never saw has been profiled yet: profile one (or fit with <code>--holdout</code>) to see predicted against measured.</p>');
  }
  parts.push(`<h2>${kernels ? 'Kernel kinds (cross-validated, folds by network)' : `Layer types${r.layers_in_sample ? ' (in sample: nothing was held out)' : ' (held-out layers)'}`}</h2>`);
  parts.push(groupTable(r.layers, predictors.filter((p) => r.layers.some((g) => g.predictors[p])), 'ms'));
  if (r.power) {
    const p = r.power;
    parts.push('<h2>Power and energy</h2>', `<p class="note">Baseline ${p.baseline.name} = ${num(p.baseline.power_w)} W: ${p.baseline.note}</p>`);
    parts.push(networkSection('accuracy-energy', 'Predicted vs measured energy per network', 'mJ', p.networks_energy_mj, r.networks.held_out));
    parts.push(networkSection('accuracy-power', 'Predicted vs measured average power per network', 'W', p.networks_power_w, r.networks.held_out));
    const pp = [...new Set(p.layers_power_w.flatMap((g) => Object.keys(g.predictors)))];
    parts.push('<h3>Layer power (W)</h3>', groupTable(p.layers_power_w, pp, 'W'), '<h3>Layer energy (mJ)</h3>', groupTable(p.layers_energy_mj, pp, 'mJ'));
  }
  if (r.excluded) parts.push(`<p class="note">Held out: ${r.excluded.workloads} workload(s); ${r.excluded.kernel_rows} kernel rows and ${r.excluded.calibration_networks} calibration network(s) left out of the fit.</p>`);
  if (r.state) parts.push(`<p class="note">Machine state: reference canary ${num(r.state.reference_canary_ms)} ms over ${r.state.timings} timings (canary p10 ${num(r.state.canary_p10)}, p90 ${num(r.state.canary_p90)}).</p>`);
  return htmlPage({
    title: `Prediction accuracy: ${device.label}`,
    subtitle: `device ${device.key}@${device.fingerprint_hash} · ${kernels ? 'kernel models' : 'NeuralPower'} against the analytic baseline`,
    device,
    body: parts.join('\n'),
    ...(generatedAt ? { generatedAt } : {}),
  });
}
