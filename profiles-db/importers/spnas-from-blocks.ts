/**
 * Where a latency table's blocks are those of the Single-Path NAS space (ProxylessNAS's
 * mobile table is: same stem, widths, strides and head at 224 px, kernels 3/5/7 and
 * expansions 3/6), the rows `labbench nas` searches with: one per layer and option, keyed
 * as the bench keys its own spnas-space blocks (spnas-keys.ts), plus the stem, the head and
 * a skip. A table that lacks any of them gives none, and says what it lacks.
 *
 * Two rules come from the sources, not from a measurement, and the rows say so:
 * - layer 0 (32->16 at 112 px): ProxylessNAS, like Single-Path NAS's own runtime model,
 *   fixed it to MBConv1 3x3 and measured only that block; its four options are priced at it
 *   (the published Single-Path NAS Pixel 1 table does the same: 3.86-3.98 ms for all four).
 * - a skipped layer costs 0 ms: ProxylessNAS's estimator adds nothing for a zero block.
 */
import type { LutRecord } from '../../app/api/lut.js';
import { mbconvKey, spnasFixedKey } from '../../app/workloads/spnas-keys.js';
import { SPNAS_LAYERS, SPNAS_OPTIONS } from '../../app/workloads/zoo/spnas-space.js';
import { stdOf, tableRecord, type MappedRow, type RowStats } from './latency-yaml-blocks.js';

const RESOLUTION = 224;
const STEM_OUT = 32;
const HEAD_IN = 320;
const HEAD_OUT = 1280;
const CLASSES = 1000;

export interface SpnasRows {
  /** The rows for the search, or undefined where the table does not cover the space. */
  readonly rows?: readonly LutRecord[];
  /** Table rows folded into `rows` (each block may price several layers). */
  readonly used: ReadonlySet<MappedRow>;
  /** What is missing, where `rows` is undefined. */
  readonly missing?: string;
}

type Mbconv = Extract<MappedRow, { kind: 'mbconv' }>;

function atLayer(r: Mbconv, layer: (typeof SPNAS_LAYERS)[number]): boolean {
  const b = r.block;
  const [, h, w] = b.input;
  return !b.se && b.act !== 'hardswish' && b.cin === layer.cin && b.cout === layer.cout && b.stride === layer.stride && h === layer.inputResolution && w === h && b.residual === layer.residual;
}

export function spnasRowsFromBlocks(mapped: readonly MappedRow[], measuredAt: string): SpnasRows {
  const none = (missing: string): SpnasRows => ({ used: new Set(), missing });
  const blocks = mapped.filter((r): r is Mbconv => r.kind === 'mbconv');
  const rows: LutRecord[] = [];
  const used = new Set<MappedRow>();
  for (const layer of SPNAS_LAYERS) {
    const here = blocks.filter((r) => atLayer(r, layer));
    // Layer 0 measured only as the fixed MBConv1 3x3 (see the module comment).
    const fixed = layer.index === 0 ? here.find((r) => r.block.expansion === 1 && r.block.kernel === 3) : undefined;
    for (const [option, opt] of SPNAS_OPTIONS.entries()) {
      const src = here.find((r) => r.block.kernel === opt.kernel && r.block.expansion === opt.expansion) ?? fixed;
      if (!src) return none(`layer ${layer.index} (${layer.cin}->${layer.cout}, stride ${layer.stride}, ${layer.inputResolution}x${layer.inputResolution}) k${opt.kernel}e${opt.expansion}`);
      used.add(src);
      const spec = { layer: layer.index, ...opt, stride: layer.stride, cin: layer.cin, cout: layer.cout, input: [layer.cin, layer.inputResolution, layer.inputResolution], residual: layer.residual, batch: 1 };
      const priced = src === fixed ? { priced_by: 'the fixed MBConv1 3x3 block, the only one the table measured at layer 0' } : {};
      rows.push(tableRecord(mbconvKey(spec), 'mbconv', { option, ...spec, source_key: src.row.key, ...priced }, src.stats, measuredAt));
    }
  }
  const find = (kind: MappedRow['kind'], c: number, hw: number, out: number): MappedRow | undefined =>
    mapped.find((r) => r.kind === kind && 'out' in r && r.input[0] === c && r.input[1] === hw && r.input[2] === hw && r.out === out);
  const stem = find('stem', 3, RESOLUTION, STEM_OUT);
  const conv1 = find('conv1', HEAD_IN, RESOLUTION / 32, HEAD_OUT);
  const logits = find('logits', HEAD_OUT, RESOLUTION / 32, CLASSES);
  if (!stem) return none(`the stem (Conv-input:${RESOLUTION}x${RESOLUTION}x3-output:${RESOLUTION / 2}x${RESOLUTION / 2}x${STEM_OUT})`);
  if (!conv1 || !logits) return none(`the head (Conv_1 ${HEAD_IN}->${HEAD_OUT} and Logits at 7x7)`);
  rows.push(tableRecord(spnasFixedKey('stem', [3, RESOLUTION, RESOLUTION], 1), 'network', { part: 'stem', input: [3, RESOLUTION, RESOLUTION], batch: 1, source_key: stem.row.key }, stem.stats, measuredAt));
  rows.push(tableRecord(spnasFixedKey('head', [HEAD_IN, 7, 7], 1), 'network', { part: 'head', input: [HEAD_IN, 7, 7], batch: 1, sum_of: [conv1.row.key, logits.row.key] }, sumOf(conv1.stats, logits.stats), measuredAt));
  rows.push(tableRecord('spnas-skip', 'skip', { part: 'skipped layer', rule: 'ProxylessNAS counts a skipped (zero) block as 0 ms' }, { mean_ms: 0 }, measuredAt));
  for (const r of [stem, conv1, logits]) used.add(r);
  return { rows, used };
}

/** Conv_1 then Logits as the bench's one head block: means add, independent spreads add in quadrature. */
function sumOf(a: RowStats, b: RowStats): RowStats {
  const sa = stdOf(a);
  const sb = stdOf(b);
  const count = a.count !== undefined && b.count !== undefined ? Math.min(a.count, b.count) : undefined;
  return { mean_ms: a.mean_ms + b.mean_ms, ...(sa !== undefined && sb !== undefined ? { std_ms: Math.hypot(sa, sb) } : {}), ...(count !== undefined ? { count } : {}) };
}
