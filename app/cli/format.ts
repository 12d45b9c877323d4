/** Plain-text renderings of API results for people; `--json` prints the DTOs instead. */
import type { DeviceInfo, DeviceList } from '../api/devices.js';
import type { LutEntry, LutView } from '../api/lut.js';
import type { ProfileResult } from '../api/profile.js';
import type { AccuracyResult, FitSummary, MachineState, PredictResult } from '../api/predict.js';
import type { NasResult, SearchProgressPoint } from '../api/search.js';

export function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}

const ms = (x: number): string => (x >= 100 ? x.toFixed(1) : x >= 1 ? x.toFixed(3) : x.toFixed(4));

function describe(dev: DeviceInfo): string {
  switch (dev.kind) {
    case 'local-cpu':
      return `${dev.cpu_model}, ${dev.cores} cores, ${dev.os}`;
    case 'local-gpu':
      return `${dev.name}, ${dev.memory_mb} MiB, driver ${dev.driver}; profiling: ${dev.profiling}`;
    case 'android': {
      const via = dev.remote_adb && dev.adb_server ? `via adb server ${dev.adb_server}; ` : '';
      if (dev.state !== 'device') return `${via}${dev.state}${dev.note ? ` (${dev.note})` : ''}`;
      const clusters = (dev.clusters ?? []).map((c) => `${c.cores.length}x${c.core_type ? `${c.core_type}@` : ''}${(c.max_khz / 1e6).toFixed(2)}GHz`).join('+');
      const hottest = dev.thermal?.length ? Math.max(...dev.thermal.map((z) => z.temp_c)) : undefined;
      return [
        `${via}${dev.label}, ${dev.soc ?? '?'}, Android ${dev.android_version ?? '?'}, ${dev.abi ?? '?'}, ${dev.cores ?? '?'} cores ${clusters}`,
        `${dev.battery_present === false ? 'no battery' : `battery ${dev.battery_level ?? '?'}%`}${dev.usb_charging ? ' charging' : ''}, ${hottest === undefined ? '' : `${hottest.toFixed(1)} C, `}${dev.rooted ? 'rooted' : 'not rooted'}${dev.note ? `; ${dev.note}` : ''}`,
      ].join('; ');
    }
  }
}

export function formatDevices(d: DeviceList): string {
  const rows = [['ID', 'KIND', 'DESCRIPTION']];
  for (const dev of d.devices) {
    rows.push([dev.id, dev.kind, describe(dev)]);
  }
  const ports = d.serial_ports.map((p) => `serial port ${p.path}${p.manufacturer ? ` (${p.manufacturer})` : ''}`);
  return [table(rows), ...ports, ...d.notes.map((n) => `note: ${n}`)].join('\n');
}

export function formatProfile(r: ProfileResult): string {
  const withPower = r.meter !== undefined;
  const inPlace = r.layers.some((l) => l.in_network_ms !== undefined);
  const kernels = r.mode === 'kernels';
  const rows = [[kernels ? 'KERNEL (first layer)' : 'LAYER', kernels ? 'KIND' : 'OP', 'MEDIAN ms', '95% CI ms', 'N', ...(inPlace ? ['IN NETWORK ms'] : []), ...(withPower ? ['POWER W', 'ENERGY mJ'] : [])]];
  for (const l of r.layers) {
    const pw = withPower ? (l.power_w !== undefined ? [l.power_w.toFixed(3), (l.energy_mj ?? 0).toFixed(4)] : ['missing', '-']) : [];
    const inNet = inPlace ? [l.in_network_ms !== undefined ? ms(l.in_network_ms) : '-'] : [];
    rows.push([l.name, l.op, ms(l.median_ms), `${ms(l.ci_ms[0])}-${ms(l.ci_ms[1])}`, String(l.n), ...inNet, ...pw]);
  }
  const e = r.end_to_end;
  const gap = r.sum_gap_pct ?? 0;
  const what = kernels ? 'kernels' : 'layers';
  return [
    kernels
      ? `${r.workload} on ${r.device} as deployed (run ${r.run_id}, ${r.measured_units} distinct kernels timed in place)`
      : `${r.workload} on ${r.device} (run ${r.run_id}, ${r.measured_units} units measured, ${r.resumed_units} kept from an interrupted run)`,
    table(rows),
    e
      ? `end to end: median ${ms(e.median_ms)} ms (95% CI ${ms(e.ci_ms[0])}-${ms(e.ci_ms[1])}, n=${e.n})${e.reference_median_ms !== undefined ? `, ${ms(e.reference_median_ms)} ms in the state of the device's model` : ''}; sum of ${what} ${ms(r.sum_of_layers_ms)} ms (${gap >= 0 ? '+' : ''}${gap.toFixed(1)}%)`
      : `sum of layers ${ms(r.sum_of_layers_ms)} ms (a layer sample: no network to run end to end)`,
    ...(r.meter
      ? [
          `meter ${r.meter.meter}: ${r.meter.samples} readings, ${r.meter.dropped} dropped${Object.keys(r.meter.drop_reasons).length ? ` (${Object.entries(r.meter.drop_reasons).map(([k, v]) => `${k} ${v}`).join(', ')})` : ''}, idle ${r.meter.idle_w?.toFixed(3) ?? '?'} W${r.meter.missing_units ? `, ${r.meter.missing_units} unit(s) without power` : ''}`,
          ...(r.energy_mj !== undefined ? [`network: E = ${r.energy_mj.toFixed(3)} mJ, P_avg = ${(r.power_w ?? 0).toFixed(3)} W (above idle)`] : []),
        ]
      : []),
    ...(r.remeasured_units.length ? [`re-measured after the canary drifted: ${r.remeasured_units.length} unit(s)`] : []),
    ...r.warnings.map((w) => `warning: ${w}`),
    `wall ${r.wall_s.toFixed(1)} s for ${r.device_s.toFixed(2)} s of device time`,
  ].join('\n');
}

/** A Single-Path NAS LUT reads best as its table: searchable layer x option. */
function spnasGrid(entries: readonly LutEntry[]): string | undefined {
  const cells = entries.filter((e) => e.op === 'mbconv' && typeof e.config.layer === 'number' && typeof e.config.option === 'number');
  if (cells.length === 0) return undefined;
  const layers = [...new Set(cells.map((e) => e.config.layer as number))].sort((a, b) => a - b);
  const options = [...new Set(cells.map((e) => e.config.option as number))].sort((a, b) => a - b);
  const label = (o: number): string => {
    const c = cells.find((e) => e.config.option === o)!.config;
    return `k${String(c.kernel)}e${String(c.expansion)}`;
  };
  const rows = [['LAYER', ...options.map(label)]];
  for (const l of layers) {
    rows.push([String(l), ...options.map((o) => {
      const e = cells.find((c) => c.config.layer === l && c.config.option === o);
      return e ? ms(e.median_ms) : '-';
    })]);
  }
  return `${layers.length} searchable layers x ${options.length} options (median ms)\n${table(rows)}`;
}

export function formatLut(v: LutView): string {
  const head = `${v.device.key}@${v.device.fingerprint_hash} ${v.device.label} (${v.device.origin}${v.device.imported_at ? `, imported ${v.device.imported_at}` : ''}), ${v.entries.length} entries${v.device.emulated ? '; EMULATED: not measurements of real hardware' : ''}`;
  const grid = spnasGrid(v.entries);
  // Blocks outside the grid (an imported table's kernel-7 MBConvs) are listed as rows.
  const rest = v.entries.filter((e) => !grid || !(e.op === 'mbconv' && typeof e.config.layer === 'number' && typeof e.config.option === 'number'));
  const withPower = rest.some((e) => e.power);
  const rows = [['KEY', 'MEDIAN ms', '95% CI ms', 'N', ...(withPower ? ['POWER W', 'ENERGY mJ'] : []), 'MEASURED']];
  for (const e of rest) {
    const pw = withPower ? (e.power && !('missing' in e.power) ? [e.power.power_w.toFixed(3), e.power.energy_mj.toFixed(4)] : [e.power ? 'missing' : '-', '-']) : [];
    rows.push([e.key, ms(e.median_ms), `${ms(e.ci_low_ms)}-${ms(e.ci_high_ms)}`, String(e.n), ...pw, e.measured_at]);
  }
  return [head, ...(grid ? [grid] : []), ...(rest.length ? [table(rows)] : [])].join('\n');
}

const pct = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? '-' : `${x.toFixed(1)}%`);

function formatKernelFit(r: FitSummary): string {
  const rows = [['KERNEL KIND', 'N', 'TREES', 'CV RMSPE', 'CV MEDIAN |e|']];
  for (const t of r.types) rows.push([t.type, String(t.n), String(t.terms), pct(t.cv_rmspe_pct), pct(t.cv_median_ape_pct)]);
  const c = r.calibration;
  const s = r.sampling;
  return [
    `kernel models for ${r.device} (model ${r.model_id}) from ${r.training_rows} kernel rows${r.holdout.length ? `, holding out ${r.holdout.join(', ')}` : ''}`,
    ...(s
      ? [
          `sampled ${s.networks} network(s) now: ${s.kernel_rows} kernel rows in ${s.profiling_s.toFixed(1)} s of profiling (${s.rows_per_min.toFixed(0)} rows/min); fit wall ${s.wall_s.toFixed(1)} s`,
          ...s.rounds.map((x) => `round ${x.round}: ${x.networks} more networks for ${x.focus.join(', ')}`),
        ]
      : []),
    table(rows),
    ...(c ? [`network = ${c.scale.toFixed(3)} x sum of kernels ${c.per_kernel_ms >= 0 ? '+' : '-'} ${(Math.abs(c.per_kernel_ms) * 1000).toFixed(2)} us x kernels + ${(c.offset_ms * 1000).toFixed(1)} us (from ${c.networks} sample networks, ${pct(c.rmspe_pct)} RMS)`] : []),
    `analytic baseline: ${r.analytic.peak_gflops.toFixed(2)} GFLOP/s, ${r.analytic.bandwidth_gbps.toFixed(2)} GB/s, ${r.analytic.overhead_ms.toFixed(4)} ms per kernel`,
    ...(r.power ? [`power per kernel kind (from ${r.power.networks} metered networks, ${pct(r.power.rmspe_pct)} RMS): ${Object.entries(r.power.kinds).map(([k, w]) => `${k} ${w.toFixed(3)} W`).join(', ')}`] : []),
    ...(r.state ? [formatState(r.state)] : []),
  ].join('\n');
}

export function formatFit(r: FitSummary): string {
  if (r.mode === 'kernels') return formatKernelFit(r);
  const rows = [['TYPE', 'N', 'TARGET', 'DEGREE', 'TERMS', 'CV RMSPE']];
  for (const t of r.types) rows.push([t.type, String(t.n), t.family, String(t.degree), String(t.terms), pct(t.cv_rmspe_pct)]);
  return [
    `NeuralPower for ${r.device} (model ${r.model_id}) from ${r.training_rows} layer rows${r.holdout.length ? `, holding out ${r.holdout.join(', ')}` : ''}`,
    ...r.profiled.map((p) => `profiled ${p.workload} first: ${p.units} units in ${p.wall_s.toFixed(1)} s`),
    table(rows),
    `analytic baseline: ${r.analytic.peak_gflops.toFixed(2)} GFLOP/s, ${r.analytic.bandwidth_gbps.toFixed(2)} GB/s, ${r.analytic.overhead_ms.toFixed(4)} ms per layer`,
    r.gap_in_network
      ? `network gap, per op in place (from ${r.gap_in_network.runs} run(s) timed per operator): ${Object.entries(r.gap_in_network.ops)
          .map(([op, g]) => `${op} x${g.factor.toFixed(3)}`)
          .join(', ')}, other ops x${r.gap_in_network.default_factor.toFixed(3)}; between operators x${r.gap_in_network.residual.toFixed(3)}${
          r.gap_in_network.evicted
            ? `; weights evicted in place: ${r.gap_in_network.evicted.form === 'floor' ? `read from memory at ${(1e-6 / r.gap_in_network.evicted.ms_per_byte).toFixed(1)} GB/s at least` : `+${(r.gap_in_network.evicted.ms_per_byte * 2 ** 20).toFixed(4)} ms per MB`} for layers of up to ${(r.gap_in_network.evicted.cache_bytes / 2 ** 20).toFixed(1)} MB (${r.gap_in_network.evicted.parts} training parts)`
            : ''
        }`
      : `network gap (end to end / sum of layers): x${r.gap_factor.toFixed(3)} from ${r.gap_runs} run(s)`,
    ...(r.state ? [formatState(r.state)] : []),
  ].join('\n');
}

function formatState(s: MachineState): string {
  return `machine state: times brought to a canary of ${ms(s.reference_canary_ms)} ms${s.exponent !== undefined ? ` (as (reference / canary)^${s.exponent.toFixed(2)})` : ''} (${s.timings} timings; their canary ran at x${s.canary_p10.toFixed(2)}-x${s.canary_p90.toFixed(2)} of it, 10th-90th percentile)`;
}

export function formatPrediction(r: PredictResult): string {
  const kernels = r.mode === 'kernels';
  const rows = [[kernels ? 'KERNEL' : 'LAYER', kernels ? 'KIND' : 'OP', 'RUNTIME ms', 'SOURCE', '+-']];
  for (const l of r.layers) rows.push([l.name, l.op, ms(l.runtime_ms), l.source, pct(l.uncertainty_pct)]);
  const t = r.total;
  return [
    `${r.workload} on ${r.device}${kernels ? ` (${r.layers.length} kernels as the runtime runs them)` : ''}`,
    table(rows),
    `total ${ms(t.runtime_ms)} ms (sum of ${kernels ? 'kernels' : 'layers'} ${ms(r.sum_of_layers_ms)} ms x ${kernels ? 'network terms' : 'gap'} ${r.gap_factor.toFixed(3)})${t.power_w !== undefined ? `, ${t.power_w.toFixed(3)} W` : ''}${t.energy_mj !== undefined ? `, ${t.energy_mj.toFixed(3)} mJ` : ''}`,
    ...(r.state ? [formatState(r.state)] : []),
    `analytic baseline: ${ms(r.baseline.runtime_ms)} ms`,
  ].join('\n');
}

function formatKernelAccuracy(r: AccuracyResult): string {
  const lrows = [['KERNEL KIND', 'N', 'CV RMSPE', 'CV MEDIAN |e|']];
  for (const g of r.layers) lrows.push([g.group, String(g.n), pct(g.predictors.kernels?.rmspe_pct), pct(g.predictors.kernels?.median_ape_pct)]);
  const raw = r.networks.rows.some((n) => n.measured_raw !== undefined);
  const preds = ['kernels', 'analytic'];
  const nrows = [['NETWORK', 'MEASURED ms', ...(raw ? ['AS TAKEN ms'] : []), ...preds.flatMap((p) => [`${p} ms`, 'error'])]];
  for (const n of r.networks.rows) {
    nrows.push([n.network + (r.networks.held_out.includes(n.network.split('@')[0]!) ? ' (held out)' : ''), ms(n.actual), ...(raw ? [ms(n.measured_raw ?? n.actual)] : []), ...preds.flatMap((p) => [n.predicted[p] === undefined ? '-' : ms(n.predicted[p]), pct(n.error_pct[p])])]);
  }
  const within = r.networks.rows.filter((n) => Math.abs(n.error_pct.kernels ?? Infinity) <= 10).length;
  const x = r.excluded;
  return [
    `Kernel models on ${r.device}: cross-validated per kind (folds by network)`,
    table(lrows),
    r.networks.rows.length ? `Networks the fit never saw (held out, or profiled after it): ${within} of ${r.networks.rows.length} within 10%` : 'No network the fit never saw has been profiled yet.',
    ...(r.networks.rows.length ? [table(nrows), `RMSPE over networks: ${preds.map((p) => `${p} ${pct(r.networks.rmspe_pct[p])}`).join(', ')}`] : []),
    ...(x ? [`held out: ${x.workloads} workload(s); ${x.kernel_rows} kernel rows and ${x.calibration_networks} calibration network(s) excluded from the fit`] : []),
    ...(r.state ? [`${formatState(r.state)}; MEASURED is in that state, AS TAKEN the median as measured`] : []),
  ].join('\n');
}

export function formatAccuracy(r: AccuracyResult): string {
  if (r.layers.some((g) => g.predictors.kernels)) return formatKernelAccuracy(r);
  const preds = ['neuralpower', 'analytic'];
  const lrows = [['LAYER TYPE', 'N', ...preds.flatMap((p) => [`${p} RMSPE`, `${p} RMSE ms`])]];
  for (const g of r.layers) lrows.push([g.group, String(g.n), ...preds.flatMap((p) => [pct(g.predictors[p]?.rmspe_pct), g.predictors[p] ? ms(g.predictors[p].rmse) : '-'])]);
  const raw = r.networks.rows.some((n) => n.measured_raw !== undefined);
  const nrows = [['NETWORK', 'MEASURED ms', ...(raw ? ['AS TAKEN ms'] : []), ...preds.flatMap((p) => [`${p} ms`, 'error'])]];
  for (const n of r.networks.rows) {
    nrows.push([
      n.network + (r.networks.held_out.includes(n.network.split('@')[0]!) ? ' (held out)' : ''),
      ms(n.actual),
      ...(raw ? [ms(n.measured_raw ?? n.actual)] : []),
      ...preds.flatMap((p) => [n.predicted[p] === undefined ? '-' : ms(n.predicted[p]), pct(n.error_pct[p])]),
    ]);
  }
  return [
    `Layer-level accuracy on ${r.device}${r.layers_in_sample ? ' (in sample: nothing was held out)' : ' (held-out layers)'}`,
    table(lrows),
    'Network-level accuracy (model only, no LUT rows)',
    table(nrows),
    `RMSPE over networks: ${preds.map((p) => `${p} ${pct(r.networks.rmspe_pct[p])}`).join(', ')}`,
    ...(r.state ? [`${formatState(r.state)}; MEASURED is in that state, AS TAKEN the median as measured`] : []),
  ].join('\n');
}

export function formatNasPoint(p: SearchProgressPoint): string {
  const parts = [`${p.phase} epoch ${p.epoch}/${p.epochs}`];
  if (p.loss !== undefined) parts.push(`loss ${p.loss.toFixed(3)}`);
  if (p.accuracy !== undefined) parts.push(`val acc ${(p.accuracy * 100).toFixed(1)}%`);
  if (p.latency_ms !== undefined) parts.push(`latency ${p.latency_ms.toFixed(1)} ms`);
  if (p.images_per_s !== undefined) parts.push(`${p.images_per_s.toFixed(0)} img/s`);
  if (p.choices) parts.push(p.choices.join(' '));
  return parts.join(', ');
}

export function formatNas(r: NasResult): string {
  const layers = [['LAYER', 'CHOICE', 'LUT ms']];
  for (const l of r.architecture) layers.push([String(l.layer), l.choice, ms(l.latency_ms)]);
  // Mean ± sample sd over the training seeds (results stored before seeds existed have neither).
  const acc = (c: { accuracy: number; accuracy_sd?: number }): string => `${(c.accuracy * 100).toFixed(2)}%${c.accuracy_sd !== undefined && (r.seeds ?? 1) > 1 ? ` ± ${(c.accuracy_sd * 100).toFixed(2)}` : ''}`;
  const cands = [['NETWORK', 'PREDICTED ms', `TEST ACC${(r.seeds ?? 1) > 1 ? ` (mean ± sd, ${r.seeds} seeds)` : ''}`]];
  cands.push([`found (run ${r.run_id})`, ms(r.predicted_latency_ms), acc(r)]);
  for (const b of r.baselines) cands.push([b.name, ms(b.predicted_latency_ms), acc(b)]);
  return [
    `Single-Path NAS on ${r.lut}, target ${r.target_ms} ms (engine: ${r.engine})`,
    table(layers),
    `predicted latency ${ms(r.predicted_latency_ms)} ms; search ${r.search_seconds.toFixed(1)} s${r.search_epochs !== undefined ? ` (${r.search_epochs.toFixed(2)} epochs)` : ''}, training the found network ${r.train_seconds.toFixed(1)} s`,
    table(cands),
    ...r.baselines.flatMap((b) => (b.comparison ? [b.comparison] : [])),
    ...(r.skipped ? [`skipped layers: ${r.skipped.layers} of ${r.skipped.of} skippable`] : []),
    ...(r.warnings ?? []).map((w) => `warning: ${w}`),
    ...(r.artifacts ? [`exported: ${[r.artifacts.onnx, r.artifacts.tflite].filter(Boolean).join(', ')}`] : []),
  ].join('\n');
}
