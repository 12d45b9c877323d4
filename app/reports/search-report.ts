/**
 * `report search --html`: the stored NAS, pruning and quantization runs as the Search page
 * shapes them (renderer/src/lib/search-views.ts): each run's curves over its epochs (a line
 * per phase), a NAS run's found network against its baselines, a pruning run's accuracy
 * against cost per method, and the quantization runs of one network as accuracy against
 * energy with their Pareto front.
 */
import type { SearchRunSummary } from '../api/search.js';
import { EMULATED_LABEL_SUFFIX } from '../api/emulation.js';
import {
  asNasResult,
  asPruneResult,
  asQuantizeResult,
  candidateSeries,
  nasCandidates,
  progressSeries,
  pruneCurves,
  PRUNE_COST_LABELS,
  quantizeCurves,
  quantizeRows,
  runLabel,
  type Metric,
  type NamedSeries,
  type PruneCost,
} from '../../renderer/src/lib/search-views.js';
import { emulatedBanner, esc, htmlPage, num, pct, table, type DeviceMark } from './html.js';
import { svgChart, type ChartSeries } from './svg.js';

const METRICS: readonly { metric: Metric; title: string }[] = [
  { metric: 'loss', title: 'loss' },
  { metric: 'accuracy', title: 'validation accuracy' },
  { metric: 'latency_ms', title: 'predicted latency (ms)' },
];

/** The series' style on a report: a curve through markers, or markers alone. */
const styled = (series: readonly NamedSeries[], style: { line: boolean; markers?: boolean }): ChartSeries[] => series.map((s) => ({ ...s, ...style }));

/** The progress curves of a run, one chart per metric it has (a line per phase), with a NAS run's target. */
export function progressCharts(run: SearchRunSummary): string[] {
  const target = typeof run.params.targetMs === 'number' ? run.params.targetMs : undefined;
  return METRICS.flatMap((m) => {
    const series = styled(progressSeries(run.progress, m.metric), { line: true });
    if (!series.length) return [];
    const extra: ChartSeries[] = m.metric === 'latency_ms' && target !== undefined ? [{ label: 'target', line: true, markers: false, dash: true, points: [{ x: 1, y: target }, { x: run.progress.length, y: target }] }] : [];
    return [svgChart({ id: `run-${run.id}-${m.metric}`, title: `Run ${run.id}: ${m.title} per epoch`, xLabel: 'epoch (whole run)', yLabel: m.title, series: [...series, ...extra], height: 240 })];
  });
}

function nasSection(run: SearchRunSummary): string[] {
  const r = asNasResult(run);
  if (!r) return [];
  const rows = nasCandidates(r);
  return [
    svgChart({ id: `run-${run.id}-candidates`, title: `Run ${run.id}: found network and baselines`, xLabel: 'predicted latency (ms)', yLabel: 'test accuracy', series: styled(candidateSeries(rows), { line: false }) }),
    table(['network', 'predicted ms', 'test accuracy', 'architecture'], rows.map((c) => [c.name, num(c.predicted_latency_ms), pct(c.accuracy * 100), c.architecture]), { numeric: [1, 2] }),
  ];
}

function pruneSection(run: SearchRunSummary): string[] {
  const r = asPruneResult(run);
  if (!r) return [];
  const costs = (['flops', 'latency_ms', 'measured_latency_ms'] as PruneCost[]).map((cost) => ({ cost, series: pruneCurves(r, cost) })).filter((c) => c.series.length);
  return [
    ...costs.map((c) =>
      svgChart({ id: `run-${run.id}-prune-${c.cost}`, title: `Run ${run.id}: accuracy against ${PRUNE_COST_LABELS[c.cost]}`, xLabel: PRUNE_COST_LABELS[c.cost], yLabel: 'test accuracy', series: c.series.map((s) => ({ ...s, line: s.label !== 'unpruned' })) }),
    ),
    table(
      ['method', 'budget', 'FLOPs', 'params', 'test accuracy', 'predicted ms', 'measured ms'],
      r.results.map((x) => [x.method, x.budget, num(x.flops), num(x.params), pct(x.accuracy * 100), num(x.latency_ms), num(x.measured_latency_ms)]),
      { numeric: [1, 2, 3, 4, 5, 6] },
    ),
  ];
}

/** One chart per network and data set: every finished quantization run of it, with their Pareto front. */
function quantizeSection(runs: readonly SearchRunSummary[], run: SearchRunSummary): string[] {
  const rows = quantizeRows(runs, run);
  if (!rows.length) return [];
  const q = asQuantizeResult(run)!;
  const series = quantizeCurves(rows).map((s): ChartSeries => (s.label === 'Pareto front' ? { ...s, line: true } : { ...s, line: false }));
  return [
    svgChart({ id: `quantize-${q.model}-${q.data}`, title: `${q.model} on ${q.data}: accuracy against energy, ${rows.length} runs`, xLabel: 'energy (µJ per inference)', yLabel: 'test accuracy', series }),
    table(
      ['run', 'scheme', 'test accuracy', 'energy µJ', 'mults', 'adds', 'shifts', 'seed accuracy', 'Pareto'],
      rows.map((x) => [x.run_id, x.scheme, pct(x.accuracy * 100), num(x.energy_uj), x.ops.mults, x.ops.adds, x.ops.shifts, x.seed_accuracy === undefined ? '-' : pct(x.seed_accuracy * 100), x.pareto ? 'yes' : '']),
      { numeric: [0, 2, 3, 4, 5, 6, 7] },
    ),
  ];
}

/** The device a run measured or predicted on, as its request named it. */
export function runDevice(run: SearchRunSummary): string | undefined {
  return typeof run.params.device === 'string' ? run.params.device : undefined;
}

/**
 * The report over `runs` (all the DB's, newest first); `only` narrows it to one run (its
 * quantization siblings still drawn beside it). `devices` are the runs' devices by the name
 * their requests gave: an emulated one is marked at the top and on each of its runs.
 */
export function searchReportHtml(runs: readonly SearchRunSummary[], opts: { only?: number; devices?: ReadonlyMap<string, DeviceMark>; generatedAt?: Date } = {}): string {
  const { only } = opts;
  const shown = only === undefined ? runs : runs.filter((r) => r.id === only);
  const markOf = (run: SearchRunSummary): DeviceMark | undefined => {
    const known = opts.devices?.get(runDevice(run) ?? '');
    if (known) return known;
    // A NAS run names its LUT by the device's label, which carries the emulated mark.
    const lut = asNasResult(run)?.lut;
    return lut?.endsWith(EMULATED_LABEL_SUFFIX) ? { label: lut, key: runDevice(run) ?? lut, emulated: true } : undefined;
  };
  const parts: string[] = [];
  const emulated = [...new Map(shown.flatMap((r) => (markOf(r)?.emulated ? [[markOf(r)!.key, markOf(r)!] as const] : []))).values()];
  parts.push(...emulated.map(emulatedBanner));
  parts.push(
    table(
      ['run', 'kind', 'status', 'what', 'started', 'updated'],
      shown.map((r) => [r.id, r.kind, r.status, runLabel(r), r.created_at, r.updated_at]),
      { numeric: [0] },
    ),
  );
  if (!shown.length) parts.push('<p>No search runs in this DB yet: run <code>labbench nas</code>, <code>prune</code> or <code>quantize</code> first.</p>');
  const quantDone = new Set<string>();
  for (const run of shown) {
    parts.push(`<h2 id="run-${run.id}">Run ${run.id}: ${esc(run.kind)} · ${esc(runLabel(run))} · ${esc(run.status)}</h2>`);
    if (markOf(run)?.emulated) parts.push(emulatedBanner(markOf(run)!));
    if (run.error) parts.push(`<p class="note">error: ${esc(run.error)}</p>`);
    parts.push(...progressCharts(run));
    if (run.kind === 'nas') parts.push(...nasSection(run));
    if (run.kind === 'prune') parts.push(...pruneSection(run));
    const q = asQuantizeResult(run);
    if (q && run.status === 'done') {
      // The Pareto chart of a network once, under its newest run.
      const key = `${q.model}|${q.data}`;
      if (!quantDone.has(key)) parts.push(...quantizeSection(runs, run));
      else parts.push(`<p class="note">Drawn with the newer runs of ${esc(q.model)} on ${esc(q.data)} above.</p>`);
      quantDone.add(key);
    }
  }
  return htmlPage({
    title: only === undefined ? 'Search runs' : `Search run ${only}`,
    subtitle: `${shown.length} of ${runs.length} runs: NAS, pruning and quantization`,
    body: parts.join('\n'),
    ...(opts.generatedAt ? { generatedAt: opts.generatedAt } : {}),
  });
}
