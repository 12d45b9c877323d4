/**
 * Two LUTs side by side: per key both hold, the ratio B/A of the medians with a 95 % interval,
 * and a geometric-mean summary. Timings are positive and skewed, and a ratio is a difference
 * of logs, so the intervals are built on the log scale (log-normal error propagation): each
 * side's standard error of log(median) is read from its stored 95 % interval of the median
 * (its log width / (2 x 1.96)), or, where that interval is a single point, from its MAD; the
 * two add in quadrature. The raw samples are not used: imported rows have none.
 */
import type { LatencyStats } from '../api/lut.js';
import type { CompareSide, LutDiff, LutDiffRow, RatioCi } from '../api/compare.js';

const Z95 = 1.959964;

/** What a LUT side gives the diff: a key, its op and its statistics. */
export interface DiffEntry extends LatencyStats {
  readonly key: string;
  readonly op: string;
}

export const PER_KEY_METHOD =
  'log-normal error propagation: each median\'s standard error on the log scale from its stored 95% interval (log width / 3.92), or from its MAD where the interval is a point; the two sides added in quadrature; ratio x exp(+-1.96 se)';
export const SUMMARY_METHOD = 'geometric mean of the per-key ratios; 95% t-interval over keys of their logs (the spread between layers, which includes each measurement\'s own noise)';

/** Standard error of log(median), or 0 when the row states no spread (a published table's value). */
export function logSe(s: LatencyStats): number {
  if (s.ci_low_ms > 0 && s.ci_high_ms > s.ci_low_ms) return (Math.log(s.ci_high_ms) - Math.log(s.ci_low_ms)) / (2 * Z95);
  // The SE of a median of n normal samples is 1.2533 sigma / sqrt(n), sigma = 1.4826 MAD.
  if (s.mad_ms > 0 && s.n > 1 && s.median_ms > 0) return (1.2533 * 1.4826 * s.mad_ms) / Math.sqrt(s.n) / s.median_ms;
  return 0;
}

/** B/A with the interval of two independent log-normal estimates of standard errors `seA`, `seB`. */
export function ratioCi(a: number, b: number, seA: number, seB: number): RatioCi {
  const r = b / a;
  const half = Z95 * Math.hypot(seA, seB);
  return { ratio: r, ci_low: r * Math.exp(-half), ci_high: r * Math.exp(half) };
}

/** Two-sided 97.5 % quantile of Student's t with `df` degrees of freedom (table to 30, then a close approximation). */
export function t975(df: number): number {
  const table = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];
  return df >= 1 && df <= 30 ? table[df - 1]! : 1.96 + 2.4 / df;
}

/** Geometric mean of ratios with a t-interval over them; one ratio keeps its own interval. */
export function geomeanCi(rows: readonly RatioCi[]): (RatioCi & { keys: number }) | null {
  const k = rows.length;
  if (k === 0) return null;
  if (k === 1) return { ...pick(rows[0]!), keys: 1 };
  const logs = rows.map((r) => Math.log(r.ratio));
  const mean = logs.reduce((s, x) => s + x, 0) / k;
  const sd = Math.sqrt(logs.reduce((s, x) => s + (x - mean) ** 2, 0) / (k - 1));
  const half = (t975(k - 1) * sd) / Math.sqrt(k);
  return { ratio: Math.exp(mean), ci_low: Math.exp(mean - half), ci_high: Math.exp(mean + half), keys: k };
}

const pick = (r: RatioCi): RatioCi => ({ ratio: r.ratio, ci_low: r.ci_low, ci_high: r.ci_high });

/** The diff of two LUTs' rows. Keys with a zero median on either side (a skip costs 0 ms) have no ratio and are left out. */
export function diffEntries(a: CompareSide, aRows: readonly DiffEntry[], b: CompareSide, bRows: readonly DiffEntry[]): LutDiff {
  const bByKey = new Map(bRows.map((e) => [e.key, e]));
  const aKeys = new Set(aRows.map((e) => e.key));
  const rows: LutDiffRow[] = [];
  for (const ea of aRows) {
    const eb = bByKey.get(ea.key);
    if (!eb || !(ea.median_ms > 0) || !(eb.median_ms > 0)) continue;
    const seA = logSe(ea);
    const seB = logSe(eb);
    rows.push({ key: ea.key, op: ea.op, a_ms: ea.median_ms, b_ms: eb.median_ms, ...ratioCi(ea.median_ms, eb.median_ms, seA, seB), spread_known: seA > 0 && seB > 0 });
  }
  rows.sort((x, y) => y.ratio - x.ratio || (x.key < y.key ? -1 : 1));
  return {
    a,
    b,
    rows,
    only_a: aRows.filter((e) => !bByKey.has(e.key)).map((e) => e.key),
    only_b: bRows.filter((e) => !aKeys.has(e.key)).map((e) => e.key),
    summary: geomeanCi(rows),
    method: { per_key: PER_KEY_METHOD, summary: SUMMARY_METHOD },
  };
}
