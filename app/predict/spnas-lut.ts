/**
 * Latency of Single-Path NAS architectures from a device LUT, fast enough for a search that
 * scores millions of candidates: the LUT is compiled once into a flat table (layer x choice),
 * and an architecture is a sum of 22 table reads plus the fixed parts. The choices are the
 * four options in the authors' order and 4 = skip.
 */
import { LabbenchError } from '../api/errors.js';
import type { LutEntry } from '../api/lut.js';
import { SPNAS_LAYERS, SPNAS_OPTIONS } from '../workloads/zoo/spnas-space.js';

export const SKIP = SPNAS_OPTIONS.length;
const CHOICES = SPNAS_OPTIONS.length + 1;

export interface SpnasLatencyTable {
  /** ms by [layer * 5 + choice]; NaN where a choice is not allowed (skip on a non-residual layer). */
  readonly cells: Float64Array;
  /** Stem, head and classifier, ms. */
  readonly fixed_ms: number;
  /** Input resolution of the network the LUT was measured at (the stem halves it before layer 0). */
  readonly resolution: number;
}

/** Compiles a device's spnas-space LUT rows (measured here or imported, e.g. the Pixel 1 table). */
export function compileSpnasTable(entries: readonly LutEntry[]): SpnasLatencyTable {
  const cells = new Float64Array(SPNAS_LAYERS.length * CHOICES).fill(NaN);
  const at = (e: LutEntry): number | undefined => (typeof e.config.layer === 'number' ? e.config.layer : undefined);
  for (const e of entries) {
    const layer = at(e);
    if (e.op === 'mbconv' && layer !== undefined && typeof e.config.option === 'number') cells[layer * CHOICES + e.config.option] = e.median_ms;
    if (e.op === 'skip' && layer !== undefined) cells[layer * CHOICES + SKIP] = e.median_ms;
  }
  // The published table gives one skip constant for every layer.
  const skipAll = entries.find((e) => e.op === 'skip' && at(e) === undefined)?.median_ms;
  const fixedRow = entries.find((e) => e.key.startsWith('spnas-fixed'));
  const stemHead = entries.filter((e) => e.key.startsWith('spnas-stem') || e.key.startsWith('spnas-head'));
  for (const l of SPNAS_LAYERS) {
    if (l.residual && skipAll !== undefined && Number.isNaN(cells[l.index * CHOICES + SKIP]!)) cells[l.index * CHOICES + SKIP] = skipAll;
    for (let o = 0; o < SPNAS_OPTIONS.length; o++) {
      if (Number.isNaN(cells[l.index * CHOICES + o]!)) throw new LabbenchError('LUT_NOT_FOUND', `the LUT has no spnas-space row for layer ${l.index} option ${o}`);
    }
  }
  const fixed_ms = fixedRow ? fixedRow.median_ms : stemHead.reduce((s, e) => s + e.median_ms, 0);
  return { cells, fixed_ms, resolution: spnasLutResolution(entries) ?? SPNAS_NATIVE_RESOLUTION };
}

/** The space's own input resolution: a table's where its rows do not say theirs. */
export const SPNAS_NATIVE_RESOLUTION = 224;

/** The network input resolution of spnas-space LUT rows (the stem halves it before layer 0); undefined without a layer-0 block row. */
export function spnasLutResolution(entries: readonly LutEntry[]): number | undefined {
  const first = entries.find((e) => e.op === 'mbconv' && e.config.layer === 0 && Array.isArray(e.config.input));
  return first ? Number((first.config.input as number[])[1]) * 2 : undefined;
}

/** Predicted latency (ms) of one architecture: `choices[i]` in 0..3 (an option) or 4 (skip). */
export function spnasLatency(t: SpnasLatencyTable, choices: ArrayLike<number>): number {
  let ms = t.fixed_ms;
  for (let i = 0; i < choices.length; i++) ms += t.cells[i * CHOICES + choices[i]!]!;
  return ms;
}
