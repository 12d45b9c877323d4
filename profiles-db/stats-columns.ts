/** LatencyStats as the seven columns that run_units, run_end_to_end and lut share. */
import type { LatencyStats } from '../app/api/lut.js';

export const STATS_COLUMNS = 'n, median_ms, ci_low_ms, ci_high_ms, mad_ms, min_ms, max_ms';
/** Named parameters in the order of STATS_COLUMNS. */
export const STATS_PARAMS = '@n, @median_ms, @ci_low_ms, @ci_high_ms, @mad_ms, @min_ms, @max_ms';
/** `SET` list of an upsert that takes every stats column from the new row. */
export const STATS_FROM_EXCLUDED = STATS_COLUMNS.split(', ')
  .map((c) => `${c} = excluded.${c}`)
  .join(', ');

/** STATS_COLUMNS qualified by a table alias, for a SELECT over a join (`l.n, l.median_ms, ...`). */
export function statsColumnsOf(alias: string): string {
  return STATS_COLUMNS.split(', ')
    .map((c) => `${alias}.${c}`)
    .join(', ');
}

/** The shape of those columns in a result row. */
export type StatsRow = LatencyStats;

/** Exactly the stats fields: lifted out of a wider row, or out of a caller's wider object. */
export function pickStats(s: LatencyStats): LatencyStats {
  return { n: s.n, median_ms: s.median_ms, ci_low_ms: s.ci_low_ms, ci_high_ms: s.ci_high_ms, mad_ms: s.mad_ms, min_ms: s.min_ms, max_ms: s.max_ms };
}
