/**
 * Inline SVG plots for the HTML reports, drawn in plain TS on the server: an x-y chart
 * (markers, lines, or both, linear or log axes) and a heatmap. Every mark is an element of
 * its own (`circle.mark`, `path.line`, `rect.cell`) with a `<title>` tooltip, so a browser
 * shows the values and a test can count what was drawn.
 */
import { esc, num } from './html.js';

export interface XY {
  readonly x: number;
  readonly y: number;
  /** Tooltip text for the point. */
  readonly label?: string;
}

export interface ChartSeries {
  readonly label: string;
  readonly points: readonly XY[];
  /** Join the points (in the order given). */
  readonly line?: boolean;
  /** A marker per point (default true). */
  readonly markers?: boolean;
  readonly dash?: boolean;
}

export interface ChartSpec {
  /** Names the chart for tests and links (`data-chart`). */
  readonly id: string;
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly ChartSeries[];
  readonly logX?: boolean;
  readonly logY?: boolean;
  /** Draw y = x (predicted against measured). */
  readonly diagonal?: boolean;
  readonly width?: number;
  readonly height?: number;
}

export const PALETTE = ['#1f6feb', '#d9480f', '#2b8a3e', '#8e44ad', '#c2185b', '#00838f', '#7c6f00', '#5d4037'] as const;

const M = { left: 64, right: 16, top: 12, bottom: 46 };

interface Scale {
  readonly to: (v: number) => number;
  readonly ticks: readonly number[];
}

function scale(values: readonly number[], log: boolean, from: number, to: number): Scale {
  const vs = values.filter((v) => Number.isFinite(v) && (!log || v > 0));
  let lo = vs.length ? Math.min(...vs) : 0;
  let hi = vs.length ? Math.max(...vs) : 1;
  if (log) {
    if (!vs.length) [lo, hi] = [1, 10];
    let a = Math.floor(Math.log10(lo));
    let b = Math.ceil(Math.log10(hi));
    if (a === b) [a, b] = [a - 0.5, b + 0.5];
    // Decades; under two decades, the 2s and 5s between them too.
    const ticks: number[] = [];
    for (let e = Math.floor(a); e <= Math.ceil(b); e++) {
      for (const m of b - a <= 2 ? [1, 2, 5] : [1]) {
        const l = Math.log10(m * 10 ** e);
        if (l >= a - 1e-9 && l <= b + 1e-9) ticks.push(m * 10 ** e);
      }
    }
    return { to: (v) => from + ((Math.log10(v) - a) / (b - a)) * (to - from), ticks };
  }
  if (lo === hi) [lo, hi] = lo === 0 ? [-1, 1] : [lo - Math.abs(lo) * 0.1, hi + Math.abs(hi) * 0.1];
  const pad = (hi - lo) * 0.05;
  [lo, hi] = [lo - pad, hi + pad];
  const raw = (hi - lo) / 6;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return { to: (v) => from + ((v - lo) / (hi - lo)) * (to - from), ticks };
}

function legend(series: readonly { label: string; color: string }[]): string {
  return `<div class="legend">${series.map((s) => `<span><i style="background:${s.color}"></i>${esc(s.label)}</span>`).join('')}</div>`;
}

/** An x-y chart as a `<figure>`: title, SVG and legend. Points with non-finite values (or <= 0 on a log axis) are left out. */
export function svgChart(spec: ChartSpec): string {
  const W = spec.width ?? 720;
  const H = spec.height ?? 320;
  const ok = (p: XY): boolean => Number.isFinite(p.x) && Number.isFinite(p.y) && (!spec.logX || p.x > 0) && (!spec.logY || p.y > 0);
  const series = spec.series.map((s, i) => ({ ...s, points: s.points.filter(ok), color: PALETTE[i % PALETTE.length]! }));
  const all = series.flatMap((s) => s.points);
  const xs = all.map((p) => p.x);
  const ys = all.map((p) => p.y);
  // On a y = x chart both axes share one range, so the diagonal is the diagonal.
  const sx = scale(spec.diagonal ? [...xs, ...ys] : xs, !!spec.logX, M.left, W - M.right);
  const sy = scale(spec.diagonal ? [...xs, ...ys] : ys, !!spec.logY, H - M.bottom, M.top);
  const px = (v: number): string => sx.to(v).toFixed(1);
  const py = (v: number): string => sy.to(v).toFixed(1);
  const grid = [
    ...sx.ticks.map((t) => `<g class="tick x"><line class="grid" x1="${px(t)}" x2="${px(t)}" y1="${M.top}" y2="${H - M.bottom}"/><text x="${px(t)}" y="${H - M.bottom + 14}" text-anchor="middle">${esc(num(t))}</text></g>`),
    ...sy.ticks.map((t) => `<g class="tick y"><line class="grid" x1="${M.left}" x2="${W - M.right}" y1="${py(t)}" y2="${py(t)}"/><text x="${M.left - 6}" y="${py(t)}" dy="0.32em" text-anchor="end">${esc(num(t))}</text></g>`),
  ].join('');
  let diag = '';
  if (spec.diagonal && all.length) {
    const lo = Math.min(...xs, ...ys);
    const hi = Math.max(...xs, ...ys);
    diag = `<path class="diagonal" d="M${px(lo)},${py(lo)}L${px(hi)},${py(hi)}" stroke="#8a93a3" stroke-dasharray="4 4" fill="none"><title>predicted = measured</title></path>`;
  }
  const marks = series
    .map((s) => {
      const line = s.line && s.points.length > 1 ? `<path class="line" d="${s.points.map((p, i) => `${i ? 'L' : 'M'}${px(p.x)},${py(p.y)}`).join('')}" fill="none" stroke="${s.color}" stroke-width="1.8"${s.dash ? ' stroke-dasharray="6 4"' : ''}/>` : '';
      const dots = s.markers === false ? '' : s.points.map((p) => `<circle class="mark" cx="${px(p.x)}" cy="${py(p.y)}" r="4" fill="${s.color}" fill-opacity="0.85"><title>${esc(`${s.label}: ${p.label ? `${p.label}, ` : ''}${spec.xLabel} ${num(p.x)}, ${spec.yLabel} ${num(p.y)}`)}</title></circle>`).join('');
      return `<g class="series" data-series="${esc(s.label)}">${line}${dots}</g>`;
    })
    .join('');
  const axes =
    `<rect class="frame" x="${M.left}" y="${M.top}" width="${W - M.left - M.right}" height="${H - M.top - M.bottom}" fill="none"/>` +
    `<text class="axis-label x" x="${(M.left + W - M.right) / 2}" y="${H - 8}" text-anchor="middle">${esc(spec.xLabel)}${spec.logX ? ' (log)' : ''}</text>` +
    `<text class="axis-label y" transform="translate(14,${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(spec.yLabel)}${spec.logY ? ' (log)' : ''}</text>`;
  return `<figure class="chart" data-chart="${esc(spec.id)}"><figcaption>${esc(spec.title)}</figcaption><svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${esc(spec.title)}" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}">${grid}${axes}${diag}${marks}</svg>${legend(series)}</figure>`;
}

export interface HeatmapSpec {
  readonly id: string;
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly columns: readonly string[];
  readonly rows: readonly string[];
  /** The value of a cell, or undefined where there is none (drawn empty). */
  readonly value: (row: string, column: string) => number | undefined;
  readonly unit: string;
}

/** Light yellow to dark blue, on a log scale of the values (latencies span decades). */
function heatColor(t: number): string {
  const stops = [
    [255, 247, 188],
    [127, 205, 187],
    [44, 127, 184],
    [37, 52, 148],
  ] as const;
  const u = Math.min(1, Math.max(0, t)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(u));
  const f = u - i;
  const c = stops[i]!.map((a, k) => Math.round(a + (stops[i + 1]![k]! - a) * f));
  return `rgb(${c.join(',')})`;
}

export function svgHeatmap(spec: HeatmapSpec): string {
  const cw = Math.max(28, Math.min(64, 640 / Math.max(1, spec.columns.length)));
  const ch = Math.max(12, Math.min(26, 520 / Math.max(1, spec.rows.length)));
  const left = 64;
  const top = 12;
  const W = left + cw * spec.columns.length + 16;
  const H = top + ch * spec.rows.length + 46;
  const values = spec.rows.flatMap((r) => spec.columns.map((c) => spec.value(r, c))).filter((v): v is number => v !== undefined && v > 0);
  const lo = Math.log10(values.length ? Math.min(...values) : 1);
  const hi = Math.log10(values.length ? Math.max(...values) : 10);
  const t = (v: number): number => (hi > lo ? (Math.log10(v) - lo) / (hi - lo) : 0.5);
  const cells = spec.rows
    .flatMap((r, i) =>
      spec.columns.map((c, j) => {
        const v = spec.value(r, c);
        if (v === undefined) return '';
        const fill = v > 0 ? heatColor(t(v)) : '#eee';
        return `<rect class="cell" data-row="${esc(r)}" data-column="${esc(c)}" x="${left + j * cw}" y="${top + i * ch}" width="${cw - 1}" height="${ch - 1}" fill="${fill}"><title>${esc(`${spec.yLabel} ${r}, ${c}: ${num(v)} ${spec.unit}`)}</title></rect>`;
      }),
    )
    .join('');
  const ylabels = spec.rows.map((r, i) => `<g class="tick y"><text x="${left - 6}" y="${top + i * ch + ch / 2}" dy="0.32em" text-anchor="end">${esc(r)}</text></g>`).join('');
  const xlabels = spec.columns.map((c, j) => `<g class="tick x"><text x="${left + j * cw + cw / 2}" y="${top + spec.rows.length * ch + 14}" text-anchor="middle">${esc(c)}</text></g>`).join('');
  const axes =
    `<text class="axis-label x" x="${left + (cw * spec.columns.length) / 2}" y="${H - 8}" text-anchor="middle">${esc(spec.xLabel)}</text>` +
    `<text class="axis-label y" transform="translate(14,${top + (ch * spec.rows.length) / 2}) rotate(-90)" text-anchor="middle">${esc(spec.yLabel)}</text>`;
  const steps = [0, 0.25, 0.5, 0.75, 1];
  const scaleBar = `<div class="legend">${esc(spec.unit)}, log colour scale: ${steps.map((s) => `<span><i style="background:${heatColor(s)}"></i>${esc(num(10 ** (lo + (hi - lo) * s)))}</span>`).join('')}</div>`;
  return `<figure class="chart heatmap" data-chart="${esc(spec.id)}"><figcaption>${esc(spec.title)}</figcaption><svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${esc(spec.title)}" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}">${cells}${ylabels}${xlabels}${axes}</svg>${scaleBar}</figure>`;
}
