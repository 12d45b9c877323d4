/**
 * Comparisons of two LUTs, two devices or two runs (`labbench lut diff`, `labbench report
 * compare`, the LUTs page): per layer or kernel key the ratio B/A of the medians with a 95 %
 * interval, the keys only one side has, and a summary. Plain JSON, as every API DTO.
 */

/** A LUT to compare: a device (`local`, `key@hash`) or a LUT file's text (any format `lut import` reads). */
export type LutRef = string | { readonly name: string; readonly text: string };

export interface CompareSide {
  /** What the user named: a device ref, a file name, `run:ID`. */
  readonly name: string;
  readonly device?: { readonly key: string; readonly fingerprint_hash: string; readonly label: string; readonly emulated: boolean };
  /** Rows on this side (LUT rows, or a run's units). */
  readonly entries: number;
}

/** A ratio B/A with its 95 % interval. */
export interface RatioCi {
  readonly ratio: number;
  readonly ci_low: number;
  readonly ci_high: number;
}

export interface LutDiffRow extends RatioCi {
  readonly key: string;
  readonly op: string;
  readonly a_ms: number;
  readonly b_ms: number;
  /** False when a side has no spread (a published table's single value): its interval is then B's and A's alone, or the point. */
  readonly spread_known: boolean;
}

export interface LutDiff {
  readonly a: CompareSide;
  readonly b: CompareSide;
  /** Keys on both sides with a positive median on each, sorted by ratio, largest first. */
  readonly rows: readonly LutDiffRow[];
  readonly only_a: readonly string[];
  readonly only_b: readonly string[];
  /** Geometric mean of the rows' ratios with a 95 % interval over keys; null when no key is shared. */
  readonly summary: (RatioCi & { readonly keys: number }) | null;
  /** How the intervals were derived, in a sentence each (per key, summary). */
  readonly method: { readonly per_key: string; readonly summary: string };
}

export interface CompareRequest {
  /** Each a device ref (its LUT, measured networks and fitted model) or `run:ID` (one profiling run). */
  readonly a: string;
  readonly b: string;
  /** Networks to predict on both sides (devices with fitted models); default: those either side measured end to end. */
  readonly workloads?: readonly string[];
}

export interface CompareNetworkRow {
  readonly workload: string;
  /** Both sides measured it end to end: medians and their ratio, interval as per key. */
  readonly measured?: RatioCi & { readonly a_ms: number; readonly b_ms: number };
  /** Both sides have a fitted model: predicted totals and their ratio; the interval from each model's own calibration error where it states one. */
  readonly predicted?: RatioCi & { readonly a_ms: number; readonly b_ms: number; readonly interval: 'calibration' | 'none' };
}

export interface CompareReport extends LutDiff {
  readonly networks: readonly CompareNetworkRow[];
  readonly notes: readonly string[];
}
