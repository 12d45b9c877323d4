/**
 * `report lut --html`: a device's LUT. The Single-Path NAS space's rows as the LUTs page's
 * heatmap (layer x choice, the grid of renderer/src/lib/lut-grid.ts); every op's rows, fastest
 * to slowest, as one curve each; a summary table per op.
 */
import type { LutRecord, LutView } from '../api/lut.js';
import { lutGrid } from '../../renderer/src/lib/lut-grid.js';
import { htmlPage, num, table } from './html.js';
import { svgChart, svgHeatmap, type ChartSeries } from './svg.js';

/** Above this many rows an op's curve is drawn as a line without a marker per row. */
const MARKERS_UP_TO = 400;

/** Each op's rows by rank (fastest first) against median latency. */
export function lutRankSeries(entries: readonly LutRecord[]): ChartSeries[] {
  const byOp = new Map<string, LutRecord[]>();
  for (const e of entries) {
    const list = byOp.get(e.op) ?? [];
    list.push(e);
    byOp.set(e.op, list);
  }
  return [...byOp]
    .sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]))
    .map(([op, rows]) => {
      const sorted = rows.filter((r) => r.median_ms > 0).sort((a, b) => a.median_ms - b.median_ms);
      return { label: `${op} (${rows.length})`, line: true, markers: sorted.length <= MARKERS_UP_TO, points: sorted.map((r, i) => ({ x: i + 1, y: r.median_ms, label: r.key })) };
    });
}

function quantile(sorted: readonly number[], q: number): number | undefined {
  if (!sorted.length) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))];
}

export function lutReportHtml(view: LutView, generatedAt?: Date): string {
  const { device, entries } = view;
  const parts: string[] = [];
  const grid = lutGrid(entries);
  if (grid) {
    parts.push('<h2>Single-Path NAS space</h2>', `<p class="note">Median latency of each searchable layer's choices (${grid.cells.size} cells; kernel size x expansion ratio, or skip).</p>`);
    parts.push(
      svgHeatmap({
        id: 'lut-heatmap',
        title: 'Latency per layer and choice',
        xLabel: 'choice (kernel x expansion)',
        yLabel: 'layer',
        columns: grid.options,
        rows: grid.layers.map(String),
        value: (row, col) => grid.cells.get(`${row}|${col}`),
        unit: 'ms',
      }),
    );
  }
  if (entries.length) {
    parts.push('<h2>Rows by op</h2>');
    parts.push(svgChart({ id: 'lut-ranks', title: 'Median latency of every row, fastest to slowest, per op', xLabel: 'rank within op', yLabel: 'median latency (ms)', series: lutRankSeries(entries), logY: true }));
    const ops = [...new Set(entries.map((e) => e.op))].sort();
    parts.push(
      table(
        ['op', 'rows', 'min ms', 'median ms', 'max ms', 'with power'],
        ops.map((op) => {
          const rows = entries.filter((e) => e.op === op);
          const ms = rows.map((e) => e.median_ms).sort((a, b) => a - b);
          return [op, rows.length, num(ms[0]), num(quantile(ms, 0.5)), num(ms[ms.length - 1]), rows.filter((e) => e.power && 'power_w' in e.power).length];
        }),
        { numeric: [1, 2, 3, 4, 5] },
      ),
    );
  } else {
    parts.push('<p>This device has no LUT rows yet.</p>');
  }
  const times = entries.map((e) => e.measured_at).sort();
  const imported = entries.filter((e) => e.imported_at).length;
  return htmlPage({
    title: `LUT: ${device.label}`,
    subtitle: `device ${device.key}@${device.fingerprint_hash} · ${device.origin} · ${entries.length} rows${imported ? ` (${imported} imported)` : ''}${times.length ? ` · measured ${times[0] === times[times.length - 1] ? times[0] : `${times[0]} to ${times[times.length - 1]}`}` : ''}`,
    device,
    body: parts.join('\n'),
    ...(generatedAt ? { generatedAt } : {}),
  });
}
