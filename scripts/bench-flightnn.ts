/**
 * `npm run bench` section `flightnn`: the seed's claim that FLightNN gives a better accuracy-energy
 * Pareto front than LightNN-1 and LightNN-2, checked over several seeds. Per seed, one
 * `quantizeSweep` (conventional, lightnn-2, lightnn-1, flightnn at the first penalty) and one
 * `quantize` per further FLightNN penalty, through the service into a throw-away DB, every run
 * with the same network, data, epochs and images. Per scheme: test error mean ± sd, energy per
 * inference (it follows the learned weights, FLightNN's two-term share above all, so a mean too);
 * the Pareto front over the means; FLightNN minus LightNN-1 and minus LightNN-2 on test error
 * (Welch, app/nas/seed-stats.ts); and whether the claim holds at this budget.
 *
 * mnist-2conv by default: the zoo's conv net for the seed's table (per-filter two-term choice
 * is what FLightNN learns, and a conv layer has filters worth choosing between).
 *
 * Flags (all optional; `--quick` shrinks the defaults): --flightnn-seeds=N, --flightnn-model=NAME,
 * --flightnn-data=fashion-mnist|mnist, --flightnn-epochs=N, --flightnn-limit=N,
 * --flightnn-penalties=0.1,1,10. Measurements: docs/decisions/0022-flightnn-pareto.md.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalLabService } from '../app/lab-service.js';
import type { QuantizeRequest, QuantizeResult } from '../app/api/search.js';
import { paretoFront } from '../app/quantize/energy.js';
import { describeComparison, summarizeSeeds, tCritical, welch, type Comparison, type SeedSummary } from '../app/nas/seed-stats.js';
import { flagValue, numericFlag } from './bench-flags.js';

type Scheme = QuantizeRequest['scheme'];
const BASELINES: readonly Scheme[] = ['conventional', 'lightnn-2', 'lightnn-1'];

export interface FlightnnBenchOptions {
  readonly seeds: number;
  readonly model: string;
  readonly data: 'mnist' | 'fashion-mnist';
  readonly epochs: number;
  readonly limit?: number;
  readonly penalties: readonly number[];
}

export interface FlightnnRow {
  /** 'lightnn-1', or 'flightnn@0.01' for FLightNN at that penalty. */
  readonly label: string;
  readonly scheme: Scheme;
  readonly penalty?: number;
  readonly errors: readonly number[];
  readonly error: SeedSummary;
  readonly energies: readonly number[];
  readonly energy: SeedSummary;
  /** FLightNN: share of filters with two terms, mean over seeds. */
  readonly two_term_share?: number;
  readonly train_s: number;
}

export interface FlightnnBench {
  readonly options: FlightnnBenchOptions;
  readonly rows: readonly FlightnnRow[];
  /** Labels on the Pareto front of the rows' means, cheapest first. */
  readonly pareto: readonly string[];
  /** Welch on the seeds' test errors, and paired by seed (each seed shares its data split and start across schemes). */
  readonly verdicts: readonly { readonly flightnn: string; readonly baseline: string; readonly comparison: Comparison; readonly paired: Comparison; readonly text: string }[];
  readonly claim: ClaimVerdict;
  readonly wall_s: number;
}

export function flightnnOptions(quick: boolean, args: readonly string[]): FlightnnBenchOptions {
  const flag = (name: string): string | undefined => flagValue(args, name);
  const num = (name: string): number | undefined => numericFlag(args, name, (n) => Number.isInteger(n) && n > 0, 'not a whole number >= 1');
  const data = flag('flightnn-data') ?? 'fashion-mnist';
  if (data !== 'mnist' && data !== 'fashion-mnist') throw new Error(`--flightnn-data=${data}: mnist or fashion-mnist`);
  const penalties = (flag('flightnn-penalties') ?? '0.1,1,10').split(',').map(Number);
  if (!penalties.length || penalties.some((p) => !(Number.isFinite(p) && p > 0))) throw new Error(`--flightnn-penalties: positive numbers, comma-separated`);
  const limit = num('flightnn-limit') ?? (quick ? 2000 : 12000);
  return { seeds: num('flightnn-seeds') ?? 3, model: flag('flightnn-model') ?? 'mnist-2conv', data, epochs: num('flightnn-epochs') ?? (quick ? 1 : 3), limit, penalties };
}

export async function benchFlightnn(quick: boolean, args: readonly string[] = [], log: (line: string) => void = () => undefined): Promise<FlightnnBench> {
  const o = flightnnOptions(quick, args);
  const dir = mkdtempSync(join(tmpdir(), 'labbench-bench-flightnn-'));
  const service = new LocalLabService(join(dir, 'bench.db'));
  const runs: { label: string; penalty?: number; r: QuantizeResult }[] = [];
  const t0 = performance.now();
  try {
    for (let k = 0; k < o.seeds; k++) {
      const seed = k + 1;
      const common = { model: o.model, data: o.data, epochs: o.epochs, seed, ...(o.limit !== undefined ? { limit: o.limit } : {}) };
      const [first, ...rest] = o.penalties;
      const sweep = await service.quantizeSweep({ ...common, schemes: [...BASELINES, 'flightnn'], flightnnPenalty: first! });
      for (const r of sweep.runs) runs.push(r.scheme === 'flightnn' ? { label: `flightnn@${first}`, penalty: first!, r } : { label: r.scheme, r });
      for (const p of rest) runs.push({ label: `flightnn@${p}`, penalty: p, r: await service.quantize({ ...common, scheme: 'flightnn', flightnnPenalty: p }) });
      log(`flightnn seed ${seed}: ${runs.filter((x) => x.r.run_id >= sweep.runs[0]!.run_id).map((x) => `${x.label} ${(100 * x.r.test_error).toFixed(2)}% ${x.r.energy_uj.toFixed(3)} uJ`).join(', ')}`);
    }
  } finally {
    service.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const labels = [...new Set(runs.map((x) => x.label))];
  const rows: FlightnnRow[] = labels.map((label) => {
    const of = runs.filter((x) => x.label === label);
    const shares = of.map((x) => x.r.two_term_filters).filter((s): s is number => s !== undefined);
    return {
      label, scheme: of[0]!.r.scheme, ...(of[0]!.penalty !== undefined ? { penalty: of[0]!.penalty } : {}),
      errors: of.map((x) => x.r.test_error), error: summarizeSeeds(of.map((x) => x.r.test_error)),
      energies: of.map((x) => x.r.energy_uj), energy: summarizeSeeds(of.map((x) => x.r.energy_uj)),
      ...(shares.length ? { two_term_share: shares.reduce((a, b) => a + b, 0) / shares.length } : {}),
      train_s: of.reduce((a, x) => a + x.r.train_seconds, 0) / of.length,
    };
  });
  const verdicts = rows.filter((r) => r.scheme === 'flightnn').flatMap((f) =>
    rows.filter((r) => r.scheme === 'lightnn-1' || r.scheme === 'lightnn-2').map((b) => {
      const comparison = welch(f.errors, b.errors);
      const p = pairedT(f.errors, b.errors);
      return { flightnn: f.label, baseline: b.label, comparison, paired: p, text: `test error ${f.label} - ${b.label} = ${describeComparison(comparison)}; paired by seed: ${describeComparison(p).replace('Welch t', 'paired t')}` };
    }),
  );
  return { options: o, rows, pareto: meanFront(rows), verdicts, claim: flightnnClaim(rows), wall_s: (performance.now() - t0) / 1000 };
}

/** Paired t-test on per-seed differences a_i - b_i (two-sided, 5 %), in seed-stats' Comparison shape. */
export function pairedT(a: readonly number[], b: readonly number[]): Comparison {
  const d = summarizeSeeds(a.map((x, i) => x - b[i]!));
  if (a.length !== b.length || d.n < 2) return { diff: d.mean, noise: 'unknown' };
  if (d.sd === 0) return { diff: d.mean, noise: d.mean === 0 ? 'inside' : 'outside' };
  const t = d.mean / (d.sd / Math.sqrt(d.n));
  const critical = tCritical(d.n - 1);
  return { diff: d.mean, t, df: d.n - 1, critical, noise: Math.abs(t) > critical ? 'outside' : 'inside' };
}

interface MeanPoint {
  readonly label: string;
  readonly scheme: Scheme;
  readonly error: { readonly mean: number };
  readonly energy: { readonly mean: number };
}

/** The Pareto front (lower test error, lower energy) over the rows' means, cheapest first. */
export function meanFront(rows: readonly MeanPoint[]): string[] {
  return paretoFront(rows.map((r) => ({ label: r.label, energy_uj: r.energy.mean, test_error: r.error.mean }))).map((p) => p.label);
}

export interface ClaimVerdict {
  readonly holds: boolean;
  readonly text: string;
}

const beats = (a: MeanPoint, b: MeanPoint): boolean => a.error.mean <= b.error.mean && a.energy.mean <= b.energy.mean && (a.error.mean < b.error.mean || a.energy.mean < b.energy.mean);

/**
 * The seed's claim on the means, LightNN-1, LightNN-2 and FLightNN only: it holds when no point of
 * FLightNN's own front (over its penalties) is beaten by a LightNN one, and at least one beats a
 * LightNN point or lies below the straight line from LightNN-1 to LightNN-2 (a better trade-off
 * than mixing the two).
 */
export function flightnnClaim(rows: readonly MeanPoint[]): ClaimVerdict {
  const l1 = rows.find((r) => r.scheme === 'lightnn-1');
  const l2 = rows.find((r) => r.scheme === 'lightnn-2');
  const fl = rows.filter((r) => r.scheme === 'flightnn');
  if (!l1 || !l2 || !fl.length) return { holds: false, text: 'needs lightnn-1, lightnn-2 and flightnn rows' };
  // FLightNN's own front: a penalty that another penalty beats is off it and does not count against it.
  const front = fl.filter((f) => !fl.some((g) => beats(g, f)));
  const beaten = front.filter((f) => beats(l1, f) || beats(l2, f)).map((f) => f.label);
  const chord = (e: number): number => (l2.energy.mean === l1.energy.mean ? Math.min(l1.error.mean, l2.error.mean) : l1.error.mean + ((e - l1.energy.mean) * (l2.error.mean - l1.error.mean)) / (l2.energy.mean - l1.energy.mean));
  const better = front.filter((f) => beats(f, l1) || beats(f, l2) || (f.energy.mean >= Math.min(l1.energy.mean, l2.energy.mean) && f.energy.mean <= Math.max(l1.energy.mean, l2.energy.mean) && f.error.mean < chord(f.energy.mean))).map((f) => f.label);
  const holds = beaten.length === 0 && better.length > 0;
  const why = beaten.length ? `FLightNN's front beaten on both axes by LightNN: ${beaten.join(', ')}` : better.length ? `better trade-off than LightNN-1/LightNN-2: ${better.join(', ')}; none beaten by them` : 'no FLightNN point beats LightNN-1/LightNN-2 or lies below the line between them';
  return { holds, text: `${holds ? 'holds' : 'does not hold'} on the means (${why})` };
}

const pm = (s: SeedSummary, scale: number, digits: number): string => `${(scale * s.mean).toFixed(digits)} ± ${(scale * s.sd).toFixed(digits)}`;

export function formatFlightnnBench(b: FlightnnBench): string {
  const o = b.options;
  const head = ['scheme', 'test error %', 'energy uJ', 'two-term filters', 'train s', 'pareto'];
  const table = b.rows.map((r) => [r.label, pm(r.error, 100, 2), pm(r.energy, 1, 4), r.two_term_share === undefined ? '-' : `${(100 * r.two_term_share).toFixed(1)} %`, r.train_s.toFixed(0), b.pareto.includes(r.label) ? '*' : '']);
  const widths = head.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const allInside = b.verdicts.length > 0 && b.verdicts.every((v) => v.comparison.noise !== 'outside' && v.paired.noise !== 'outside');
  return [
    `\nFLightNN against LightNN-1 and LightNN-2: ${o.model} on ${o.data} (${o.limit ?? 'all'} training images, ${o.epochs} epoch(s), same budget for every scheme), ${o.seeds} seeds, FLightNN penalties ${o.penalties.join(', ')}; mean ± sd over seeds (${b.wall_s.toFixed(0)} s in all)`,
    line(head),
    ...table.map(line),
    `Pareto front over the means (cheapest first): ${b.pareto.join(' -> ')}`,
    ...b.verdicts.map((v) => v.text),
    `seed's claim (FLightNN's front beats LightNN-1/LightNN-2): ${b.claim.text}${allInside ? '; every test-error difference above is inside the noise (Welch and paired)' : ''}, at this budget`,
  ].join('\n');
}
