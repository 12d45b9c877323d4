/**
 * What the Search page draws from the stored runs (app/api/search.ts): the run's epochs as one
 * timeline, a NAS run's architecture and its baselines, a pruning run's accuracy against cost
 * per method, and the quantization runs of one network as accuracy against energy. Pure
 * functions of the DTOs, so they are tested without a browser.
 */
import type { NasCandidate, NasLayerChoice, NasResult, PruneResult, QuantizeResult, SearchProgressPoint, SearchRunSummary } from '../../../app/api/search.js';

export interface XY {
  readonly x: number;
  readonly y: number;
}

export interface NamedSeries {
  readonly label: string;
  readonly points: readonly XY[];
}

/**
 * uPlot wants one shared, sorted x array with a y per series (null where a series has no
 * point); series with their own x values are merged so.
 */
export function alignSeries(series: readonly NamedSeries[]): (number | null)[][] {
  const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p.x)))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  return [
    xs,
    ...series.map((s) => {
      const ys: (number | null)[] = xs.map(() => null);
      for (const p of s.points) ys[index.get(p.x)!] = p.y;
      return ys;
    }),
  ];
}

export type Metric = 'loss' | 'accuracy' | 'latency_ms';

/**
 * One metric over the whole run, a series per phase: x counts the run's epochs in the order
 * they finished (search, then the found network's training, then each baseline), so phases of
 * one epoch each still spread out, and a phase's line shows how it went.
 */
export function progressSeries(points: readonly SearchProgressPoint[], metric: Metric): NamedSeries[] {
  const byPhase = new Map<string, XY[]>();
  points.forEach((p, i) => {
    const y = p[metric];
    if (typeof y !== 'number' || !Number.isFinite(y)) return;
    const list = byPhase.get(p.phase) ?? [];
    list.push({ x: i + 1, y });
    byPhase.set(p.phase, list);
  });
  return [...byPhase].map(([label, pts]) => ({ label, points: pts }));
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function numbers(r: Record<string, unknown>, keys: readonly string[]): boolean {
  return keys.every((k) => typeof r[k] === 'number');
}

/** The result as a NasResult, when it has that shape (a run still going has none). */
export function asNasResult(run: SearchRunSummary | undefined): NasResult | undefined {
  const r = run?.result;
  if (run?.kind !== 'nas' || !isRecord(r) || !Array.isArray(r.architecture) || !Array.isArray(r.baselines) || !numbers(r, ['accuracy', 'predicted_latency_ms', 'target_ms'])) return undefined;
  return r as unknown as NasResult;
}

export function asPruneResult(run: SearchRunSummary | undefined): PruneResult | undefined {
  const r = run?.result;
  if (run?.kind !== 'prune' || !isRecord(r) || !Array.isArray(r.results) || !isRecord(r.base)) return undefined;
  return r as unknown as PruneResult;
}

export function asQuantizeResult(run: SearchRunSummary | undefined): QuantizeResult | undefined {
  const r = run?.result;
  if (run?.kind !== 'quantize' || !isRecord(r) || !numbers(r, ['test_error', 'energy_uj']) || typeof r.scheme !== 'string') return undefined;
  return r as unknown as QuantizeResult;
}

/** A NAS run's architecture: the result's (with latency per layer) once done, else the latest epoch's choices. */
export function nasChoices(run: SearchRunSummary | undefined): readonly { layer: number; choice: string; latency_ms?: number }[] {
  const done = asNasResult(run);
  if (done) return done.architecture.map((a: NasLayerChoice) => ({ layer: a.layer, choice: a.choice, latency_ms: a.latency_ms }));
  const latest = [...(run?.progress ?? [])].reverse().find((p) => p.choices?.length);
  return (latest?.choices ?? []).map((choice, layer) => ({ layer, choice }));
}

/** `k5e3 ×9 · skip ×5 ...`: an architecture in one line, most used choice first. */
export function architectureSummary(choices: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const c of choices) counts.set(c, (counts.get(c) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([c, n]) => `${c} ×${n}`)
    .join(' · ');
}

export interface CandidateRow {
  readonly name: string;
  readonly kind: 'found' | 'uniform' | 'random' | 'other';
  readonly predicted_latency_ms: number;
  readonly accuracy: number;
  readonly architecture: string;
}

/** The found network first, then the baselines as the run trained them. */
export function nasCandidates(r: NasResult): CandidateRow[] {
  const kindOf = (c: NasCandidate): CandidateRow['kind'] => (c.name.startsWith('uniform') ? 'uniform' : c.name.startsWith('random') ? 'random' : 'other');
  return [
    { name: 'found', kind: 'found', predicted_latency_ms: r.predicted_latency_ms, accuracy: r.accuracy, architecture: architectureSummary(r.architecture.map((a) => a.choice)) },
    ...r.baselines.map((c) => ({ name: c.name, kind: kindOf(c), predicted_latency_ms: c.predicted_latency_ms, accuracy: c.accuracy, architecture: architectureSummary(c.architecture) })),
  ];
}

/** Accuracy against predicted latency, a series per kind of candidate (found, uniform, random). */
export function candidateSeries(rows: readonly CandidateRow[]): NamedSeries[] {
  const kinds = [...new Set(rows.map((r) => r.kind))];
  return kinds.map((k) => ({ label: k === 'found' ? 'found network' : `${k} baselines`, points: rows.filter((r) => r.kind === k).map((r) => ({ x: r.predicted_latency_ms, y: r.accuracy })) }));
}

export type PruneCost = 'flops' | 'latency_ms' | 'measured_latency_ms';

export const PRUNE_COST_LABELS: Readonly<Record<PruneCost, string>> = { flops: 'FLOPs', latency_ms: 'predicted latency (ms)', measured_latency_ms: 'measured latency (ms)' };

/**
 * A pruning run's trade-off against one cost: a series per method (LeGR and the baselines),
 * and the unpruned network as a point of its own; empty where the run has no such cost.
 */
export function pruneCurves(r: PruneResult, cost: PruneCost): NamedSeries[] {
  const rows = r.results.filter((x) => typeof x[cost] === 'number');
  if (!rows.length) return [];
  // The baselines first and LeGR last, so LeGR's markers stay on top where the methods coincide.
  const methods = [...new Set(rows.map((x) => x.method))].sort((a, b) => Number(a === 'legr') - Number(b === 'legr'));
  const series: NamedSeries[] = methods.map((m) => ({
    label: m,
    points: rows
      .filter((x) => x.method === m)
      .map((x) => ({ x: x[cost] as number, y: x.accuracy }))
      .sort((a, b) => a.x - b.x),
  }));
  const base = r.base[cost];
  if (typeof base === 'number') series.push({ label: 'unpruned', points: [{ x: base, y: r.base.accuracy }] });
  return series;
}

export interface QuantizeRow {
  readonly run_id: number;
  readonly scheme: string;
  readonly accuracy: number;
  readonly energy_uj: number;
  readonly ops: QuantizeResult['ops'];
  readonly seed_accuracy?: number;
  /** On the accuracy-energy Pareto front of these runs: no other run is both cheaper and more accurate. */
  readonly pareto: boolean;
}

/** The finished quantization runs of the same network and data as `run`, cheapest first. */
export function quantizeRows(runs: readonly SearchRunSummary[], run: SearchRunSummary | undefined): QuantizeRow[] {
  const mine = asQuantizeResult(run);
  if (!mine) return [];
  return runs
    .flatMap((x) => {
      const q = asQuantizeResult(x);
      return q && x.status === 'done' && q.model === mine.model && q.data === mine.data ? [q] : [];
    })
    .map((q) => ({
      run_id: q.run_id,
      scheme: q.scheme,
      accuracy: 1 - q.test_error,
      energy_uj: q.energy_uj,
      ops: q.ops,
      ...(q.seed_test_error !== undefined ? { seed_accuracy: 1 - q.seed_test_error } : {}),
    }))
    .sort((a, b) => a.energy_uj - b.energy_uj || b.accuracy - a.accuracy || a.run_id - b.run_id)
    // Cheapest first: a row is on the front when it beats the accuracy of every cheaper row.
    .reduce<{ rows: QuantizeRow[]; best: number }>(
      (acc, r) => {
        const pareto = r.accuracy > acc.best;
        return { rows: [...acc.rows, { ...r, pareto }], best: pareto ? r.accuracy : acc.best };
      },
      { rows: [], best: -Infinity },
    ).rows;
}

/**
 * Accuracy against energy per inference: our runs as one curve (cheapest first), their Pareto
 * front where it has more than one point, and the seed's
 * figures for the same schemes at the energy our op count gives them (the seed reports error only).
 */
export function quantizeCurves(rows: readonly QuantizeRow[]): NamedSeries[] {
  if (!rows.length) return [];
  const series: NamedSeries[] = [{ label: 'this bench', points: rows.map((r) => ({ x: r.energy_uj, y: r.accuracy })) }];
  const front = rows.filter((r) => r.pareto);
  if (front.length > 1) series.push({ label: 'Pareto front', points: front.map((r) => ({ x: r.energy_uj, y: r.accuracy })) });
  const seed = rows.filter((r) => r.seed_accuracy !== undefined).map((r) => ({ x: r.energy_uj, y: r.seed_accuracy! }));
  if (seed.length) series.push({ label: 'seed figure', points: seed });
  return series;
}

/** One line about a run for the list: what it searched. */
export function runLabel(run: SearchRunSummary): string {
  const p = run.params;
  const s = (k: string): string => (typeof p[k] === 'string' || typeof p[k] === 'number' ? String(p[k]) : '');
  if (run.kind === 'nas') return [s('targetMs') && `${s('targetMs')} ms`, s('device') || (s('lutFile') ? s('lutFile').split('/').pop()!.replace(/\.json$/, '') : ''), s('data')].filter(Boolean).join(' · ');
  if (run.kind === 'prune') return [s('model'), s('metric'), s('data')].filter(Boolean).join(' · ');
  return [s('model'), s('scheme'), s('data')].filter(Boolean).join(' · ');
}
