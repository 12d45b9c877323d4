/**
 * Results over several training seeds: mean and sample standard deviation, and whether two
 * methods differ by more than their run-to-run noise (Welch's t-test, two-sided, 5 %). Used by
 * `nas` for the found network against each baseline and by the LeGR bench for each budget.
 */

export interface SeedSummary {
  readonly n: number;
  readonly mean: number;
  /** Sample standard deviation (n - 1); 0 for a single seed. */
  readonly sd: number;
}

export function summarizeSeeds(xs: readonly number[]): SeedSummary {
  const n = xs.length;
  const mean = xs.reduce((s, v) => s + v, 0) / Math.max(1, n);
  const sd = n > 1 ? Math.sqrt(xs.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1)) : 0;
  return { n, mean, sd };
}

export interface Comparison {
  /** mean(a) - mean(b). */
  readonly diff: number;
  /** Welch's t; undefined with fewer than two seeds a side, or no spread at all. */
  readonly t?: number;
  /** Welch-Satterthwaite degrees of freedom. */
  readonly df?: number;
  /** The two-sided 5 % critical value at df. */
  readonly critical?: number;
  /** 'outside': |t| above the critical value; 'inside': within it; 'unknown': too few seeds to say. */
  readonly noise: 'outside' | 'inside' | 'unknown';
}

/** Two-sided 97.5 % quantiles of Student's t for 1..30 degrees of freedom. */
const T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

export function tCritical(df: number): number {
  if (df >= 30) return 1.96 + (T975[29]! - 1.96) * (30 / df);
  // Fractional df (Welch): the table's value at the df below, the conservative side.
  return T975[Math.max(0, Math.floor(df) - 1)]!;
}

export function welch(a: readonly number[], b: readonly number[]): Comparison {
  const sa = summarizeSeeds(a);
  const sb = summarizeSeeds(b);
  const diff = sa.mean - sb.mean;
  if (sa.n < 2 || sb.n < 2) return { diff, noise: 'unknown' };
  const va = (sa.sd * sa.sd) / sa.n;
  const vb = (sb.sd * sb.sd) / sb.n;
  const se = Math.sqrt(va + vb);
  if (se === 0) return { diff, noise: diff === 0 ? 'inside' : 'outside' };
  const t = diff / se;
  const df = (va + vb) ** 2 / ((va * va) / (sa.n - 1) + (vb * vb) / (sb.n - 1));
  const critical = tCritical(df);
  return { diff, t, df, critical, noise: Math.abs(t) > critical ? 'outside' : 'inside' };
}

/** "a - b = +1.23 points (Welch t 3.10, df 3.9, |t| > 2.78: outside the noise)". */
export function describeComparison(c: Comparison): string {
  const pts = `${c.diff >= 0 ? '+' : ''}${(100 * c.diff).toFixed(2)} points`;
  if (c.noise === 'unknown') return `${pts} (one seed: no spread to judge it against)`;
  if (c.t === undefined) return `${pts} (no spread over the seeds)`;
  const verdict = c.noise === 'outside' ? `|t| > ${c.critical!.toFixed(2)}: outside the noise` : `|t| <= ${c.critical!.toFixed(2)}: inside the noise`;
  return `${pts} (Welch t ${c.t.toFixed(2)}, df ${c.df!.toFixed(1)}, ${verdict})`;
}
