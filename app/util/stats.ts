/**
 * Robust summaries of repeated timings: median, a distribution-free confidence interval of
 * the median from order statistics (timings are skewed, with a long tail of interruptions,
 * so mean +- t*sd would mislead), and the median absolute deviation as spread.
 */
import type { LatencyStats } from '../api/lut.js';
import { ms } from '../api/units.js';

const Z95 = 1.959964;

function sorted(xs: readonly number[]): number[] {
  return [...xs].sort((a, b) => a - b);
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('median of no samples');
  const s = sorted(xs);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * 95 % interval of the median: ranks n/2 -+ z*sqrt(n)/2 of the sorted sample (the normal
 * approximation of the binomial, fine from n = 6 on). Below that it is the sample range.
 */
export function medianCi(xs: readonly number[]): { low: number; high: number } {
  const s = sorted(xs);
  const n = s.length;
  if (n === 0) throw new Error('interval of no samples');
  const half = (Z95 * Math.sqrt(n)) / 2;
  const lo = Math.max(0, Math.floor(n / 2 - half) - 1);
  const hi = Math.min(n - 1, Math.ceil(n / 2 + half) - 1);
  return { low: s[lo]!, high: s[hi]! };
}

/** Half-width of the interval relative to the median: the precision that decides "enough runs". */
export function relativeCiHalfWidth(xs: readonly number[]): number {
  const m = median(xs);
  if (m === 0) return 0;
  const { low, high } = medianCi(xs);
  return (high - low) / 2 / m;
}

export function summarize(samplesMs: readonly number[]): LatencyStats {
  const m = median(samplesMs);
  const { low, high } = medianCi(samplesMs);
  const mad = median(samplesMs.map((x) => Math.abs(x - m)));
  return {
    n: samplesMs.length,
    median_ms: ms(m),
    ci_low_ms: ms(low),
    ci_high_ms: ms(high),
    mad_ms: ms(mad),
    min_ms: ms(Math.min(...samplesMs)),
    max_ms: ms(Math.max(...samplesMs)),
  };
}
