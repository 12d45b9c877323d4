/**
 * Comparisons of two LUTs, two devices or two runs (`labbench lut diff`, `labbench report
 * compare`, the LUTs page): per layer or kernel key the ratio B/A of the medians with a 95 %
 * interval, the keys only one side has, and a summary. Plain JSON, as every API DTO.
 */
import { z } from 'zod';
import { LUT_TEXT_MAX } from './lut.js';
import { deviceId, name } from './parse.js';
import type { Ms } from './units.js';

/** A LUT to compare: a device (`local`, `key@hash`) or a LUT file's text (any format `lut import` reads). */
export const LutRefSchema = z.union([deviceId, z.strictObject({ name: name(), text: z.string().max(LUT_TEXT_MAX) }).readonly()]);
export type LutRef = z.infer<typeof LutRefSchema>;

export const LutDiffRequestSchema = z.strictObject({ a: LutRefSchema, b: LutRefSchema });
/** What a UI may diff: devices in the DB only (a UI names no file on the lab machine). */
export const DeviceLutDiffRequestSchema = z.strictObject({ a: deviceId, b: deviceId });
export type DeviceLutDiffRequest = Readonly<z.infer<typeof DeviceLutDiffRequestSchema>>;

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
  readonly a_ms: Ms;
  readonly b_ms: Ms;
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

export const CompareRequestSchema = z.strictObject({
  /** Each a device ref (its LUT, measured networks and fitted model) or `run:ID` (one profiling run). */
  a: deviceId,
  b: deviceId,
  /** Networks to predict on both sides (devices with fitted models); default: those either side measured end to end. */
  workloads: z.array(name()).max(64).readonly().optional(),
});
export type CompareRequest = Readonly<z.infer<typeof CompareRequestSchema>>;

export interface CompareNetworkRow {
  readonly workload: string;
  /** Both sides measured it end to end: medians and their ratio, interval as per key. */
  readonly measured?: RatioCi & { readonly a_ms: Ms; readonly b_ms: Ms };
  /** Both sides have a fitted model: predicted totals and their ratio; the interval from each model's own calibration error where it states one. */
  readonly predicted?: RatioCi & { readonly a_ms: Ms; readonly b_ms: Ms; readonly interval: 'calibration' | 'none' };
}

export interface CompareReport extends LutDiff {
  readonly networks: readonly CompareNetworkRow[];
  readonly notes: readonly string[];
}
