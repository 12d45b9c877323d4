/** Plain-text renderings of API results for people; `--json` prints the DTOs instead. */
import type { DeviceInfo, DeviceList } from '../api/devices.js';
import type { LutEntry, LutView } from '../api/lut.js';
import type { ProfileResult } from '../api/profile.js';

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
      if (dev.state !== 'device') return `${dev.state}${dev.note ? ` (${dev.note})` : ''}`;
      const clusters = (dev.clusters ?? []).map((c) => `${c.cores.length}x${(c.max_khz / 1e6).toFixed(2)}GHz`).join('+');
      const hottest = dev.thermal?.length ? Math.max(...dev.thermal.map((z) => z.temp_c)) : undefined;
      return [
        `${dev.label}, ${dev.soc ?? '?'}, Android ${dev.android_version ?? '?'}, ${dev.abi ?? '?'}, ${dev.cores ?? '?'} cores ${clusters}`,
        `battery ${dev.battery_level ?? '?'}%${dev.usb_charging ? ' charging' : ''}, ${hottest === undefined ? '' : `${hottest.toFixed(1)} C, `}${dev.rooted ? 'rooted' : 'not rooted'}${dev.note ? `; ${dev.note}` : ''}`,
      ].join('; ');
    }
  }
}

export function formatDevices(d: DeviceList): string {
  const rows = [['ID', 'KIND', 'DESCRIPTION']];
  for (const dev of d.devices) {
    rows.push([dev.id, dev.kind, describe(dev)]);
  }
  return [table(rows), ...d.notes.map((n) => `note: ${n}`)].join('\n');
}

export function formatProfile(r: ProfileResult): string {
  const rows = [['LAYER', 'OP', 'MEDIAN ms', '95% CI ms', 'N']];
  for (const l of r.layers) rows.push([l.name, l.op, ms(l.median_ms), `${ms(l.ci_ms[0])}-${ms(l.ci_ms[1])}`, String(l.n)]);
  const e = r.end_to_end;
  return [
    `${r.workload} on ${r.device} (run ${r.run_id}, ${r.measured_units} units measured, ${r.resumed_units} kept from an interrupted run)`,
    table(rows),
    `end to end: median ${ms(e.median_ms)} ms (95% CI ${ms(e.ci_ms[0])}-${ms(e.ci_ms[1])}, n=${e.n}); sum of layers ${ms(r.sum_of_layers_ms)} ms (${r.sum_gap_pct >= 0 ? '+' : ''}${r.sum_gap_pct.toFixed(1)}%)`,
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
  const head = `${v.device.key}@${v.device.fingerprint_hash} ${v.device.label} (${v.device.origin}), ${v.entries.length} entries`;
  const grid = spnasGrid(v.entries);
  const rest = v.entries.filter((e) => !grid || e.op !== 'mbconv');
  const rows = [['KEY', 'MEDIAN ms', '95% CI ms', 'N', 'MEASURED']];
  for (const e of rest) rows.push([e.key, ms(e.median_ms), `${ms(e.ci_low_ms)}-${ms(e.ci_high_ms)}`, String(e.n), e.measured_at]);
  return [head, ...(grid ? [grid] : []), ...(rest.length ? [table(rows)] : [])].join('\n');
}
