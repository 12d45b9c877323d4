/**
 * The block keys of the Once-for-All / ProxylessNAS latency tables (read-latency-yaml.ts),
 * mapped to the IR's blocks: `expanded_conv` to an MBConv block (inverted-residual.ts; with
 * squeeze-and-excitation and hardswish in OFA's MobileNetV3 tables), `Conv` to the stem,
 * `Conv_1` / `Conv_2` to 1x1 convs, `AvgPool2D` to a global average pool, `Logits` to the
 * classifier. A key of another type is kept as an `unmapped` row. Each row keeps the table's
 * mean, std (or var) and count in its config, so nothing of the table is lost.
 *
 * The key format is the one the authors' `LatencyEstimator.query` builds (once-for-all
 * tutorial/latency_table.py): `<type>-input:HxWxC-output:HxWxC[-expand:E-kernel:K-stride:S-idskip:0|1[-se:0|1-hs:0|1]]`.
 * `expand` is the expanded channel count in the MobileNetV3 tables (the ones with se/hs)
 * and the expansion ratio in the ProxylessNAS ones.
 */
import { LabbenchError } from '../../app/api/errors.js';
import type { LutRecord } from '../../app/api/lut.js';
import type { LatencyYamlRow } from './read-latency-yaml.js';
import { ms } from '../../app/api/units.js';

export type TableFormat = 'ofa-mbv3' | 'proxylessnas';

/** The table's statistics of one row: mean and std in ms as published, count of runs. */
export interface RowStats {
  readonly mean_ms: number;
  readonly std_ms?: number;
  /** ProxylessNAS tables give `var` (ms^2) instead of std. */
  readonly var_ms2?: number;
  readonly count?: number;
  /** Any other numeric field of the row, kept but not used. */
  readonly extra?: Readonly<Record<string, number>>;
}

/** An MBConv row, as the IR describes the block. */
export interface MbconvBlock {
  readonly cin: number;
  readonly cout: number;
  /** [C, H, W], as IR shapes. */
  readonly input: readonly [number, number, number];
  readonly kernel: number;
  readonly stride: number;
  /** Expanded channels / cin (1 = no expand conv). */
  readonly expansion: number;
  readonly mid: number;
  readonly residual: boolean;
  readonly se: boolean;
  readonly act: 'relu' | 'relu6' | 'hardswish';
}

export type MappedRow =
  | { readonly kind: 'mbconv'; readonly row: LatencyYamlRow; readonly stats: RowStats; readonly block: MbconvBlock }
  | { readonly kind: 'stem' | 'conv1' | 'conv2' | 'pool' | 'logits'; readonly row: LatencyYamlRow; readonly stats: RowStats; readonly input: readonly [number, number, number]; readonly out: number }
  | { readonly kind: 'unmapped'; readonly row: LatencyYamlRow; readonly stats: RowStats; readonly why: string };

const KNOWN_STATS = new Set(['mean', 'std', 'var', 'count']);

export function rowStats(row: LatencyYamlRow, sourceName: string): RowStats {
  const bad = (what: string): never => {
    throw new LabbenchError('LUT_INVALID', `${sourceName}: line ${row.line}: ${row.key}: ${what}`);
  };
  const { mean, std, var: variance, count } = row.fields;
  if (mean === undefined) return bad('no mean (ms)');
  if (mean < 0) bad(`mean must be >= 0 ms, got ${mean}`);
  if (std !== undefined && std < 0) bad(`std must be >= 0, got ${std}`);
  if (variance !== undefined && variance < 0) bad(`var must be >= 0, got ${variance}`);
  if (count !== undefined && !(Number.isInteger(count) && count >= 1)) bad(`count must be an integer >= 1, got ${count}`);
  const extra = Object.fromEntries(Object.entries(row.fields).filter(([k]) => !KNOWN_STATS.has(k)));
  return {
    mean_ms: mean,
    ...(std !== undefined ? { std_ms: std } : {}),
    ...(variance !== undefined ? { var_ms2: variance } : {}),
    ...(count !== undefined ? { count } : {}),
    ...(Object.keys(extra).length ? { extra } : {}),
  };
}

/** The table's std, or the square root of its var (the name says variance). */
export function stdOf(s: RowStats): number | undefined {
  return s.std_ms ?? (s.var_ms2 !== undefined ? Math.sqrt(s.var_ms2) : undefined);
}

/** `-input:112x112x24-output:56x56x32-expand:144` into its fields; undefined if the key is not of that form. */
function keyFields(key: string): { type: string; fields: Map<string, number[]> } | undefined {
  const [type, ...parts] = key.split('-');
  if (!type || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(type)) return undefined;
  const fields = new Map<string, number[]>();
  for (const p of parts) {
    const m = /^([a-z_]+):(\d+(?:x\d+)*)$/.exec(p);
    if (!m || fields.has(m[1]!)) return undefined;
    fields.set(m[1]!, m[2]!.split('x').map(Number));
  }
  return { type, fields };
}

/** Whether the table is OFA's MobileNetV3 kind (its MBConv keys carry se and hs). */
export function tableFormat(rows: readonly LatencyYamlRow[]): TableFormat {
  return rows.some((r) => /^expanded_conv-.*-se:\d+-hs:\d+$/.test(r.key)) ? 'ofa-mbv3' : 'proxylessnas';
}

export function mapRow(row: LatencyYamlRow, format: TableFormat, sourceName: string): MappedRow {
  const stats = rowStats(row, sourceName);
  const parsed = keyFields(row.key);
  const known: Record<string, Exclude<MappedRow['kind'], 'unmapped'>> = { expanded_conv: 'mbconv', Conv: 'stem', Conv_1: 'conv1', Conv_2: 'conv2', AvgPool2D: 'pool', Logits: 'logits' };
  const kind = parsed && known[parsed.type];
  if (!parsed || !kind) return { kind: 'unmapped', row, stats, why: parsed ? `no IR block for ${parsed.type}` : 'not a <type>-input:...-output:... key' };
  const bad = (what: string): never => {
    throw new LabbenchError('LUT_INVALID', `${sourceName}: line ${row.line}: ${row.key}: ${what}`);
  };
  const hwc = (name: string): readonly [number, number, number] => {
    const v = parsed.fields.get(name);
    if (!v || v.length !== 3 || v.some((x) => x < 1)) return bad(`${name} must be HxWxC`);
    return [v[2]!, v[0]!, v[1]!];
  };
  const int = (name: string): number => {
    const v = parsed.fields.get(name);
    if (!v || v.length !== 1) return bad(`${parsed.type} needs ${name}:<n>`);
    return v[0]!;
  };
  const input = hwc('input');
  if (kind !== 'mbconv') {
    const out = parsed.fields.get('output');
    if (!out || (out.length !== 1 && out.length !== 3)) return bad('output must be N or HxWxC');
    return { kind, row, stats, input, out: out.at(-1)! };
  }
  const output = hwc('output');
  const [cin, h, w] = input;
  const kernel = int('kernel');
  const stride = int('stride');
  const idskip = int('idskip');
  const expand = int('expand');
  // OFA's estimator: out = (in - 1) // stride + 1.
  if (output[1] !== Math.floor((h - 1) / stride) + 1 || output[2] !== Math.floor((w - 1) / stride) + 1) bad(`output ${output[1]}x${output[2]} does not follow from input ${h}x${w} at stride ${stride}`);
  if (idskip === 1 && (stride !== 1 || cin !== output[0])) bad('idskip:1 needs stride 1 and as many output channels as input channels');
  const mbv3 = format === 'ofa-mbv3';
  const mid = mbv3 ? expand : expand * cin;
  const se = mbv3 && int('se') === 1;
  const act = mbv3 ? (int('hs') === 1 ? 'hardswish' : 'relu') : 'relu6';
  const block: MbconvBlock = { cin, cout: output[0], input, kernel, stride, expansion: mid / cin, mid, residual: idskip === 1, se, act };
  return { kind: 'mbconv', row, stats, block };
}

/** `mbconv k3 e6 s2 o32 se hs in=24x112x112`: the block's configuration, as mbconvKey writes it for the NAS space (without a layer). */
export function blockKey(b: MbconvBlock): string {
  const e = Number.isInteger(b.expansion) ? `e${b.expansion}` : `m${b.mid}`;
  return `mbconv k${b.kernel} ${e} s${b.stride} o${b.cout}${b.residual ? ' res' : ''}${b.se ? ' se' : ''}${b.act === 'hardswish' ? ' hs' : ''} in=${b.input.join('x')}`;
}

/** One LUT row from a table row: its mean as the figure, its spread as the mean's 95 % interval. */
export function tableRecord(key: string, op: string, config: Record<string, unknown>, s: RowStats, measuredAt: string): LutRecord {
  const n = s.count ?? 1;
  const std = stdOf(s);
  const half = std !== undefined && n > 1 ? (1.96 * std) / Math.sqrt(n) : 0;
  const m = s.mean_ms;
  return { key, op, config: { ...config, table: { ...s } }, n, median_ms: ms(m), ci_low_ms: ms(Math.max(0, m - half)), ci_high_ms: ms(m + half), mad_ms: ms(0), min_ms: ms(m), max_ms: ms(m), measured_at: measuredAt, emulated: false };
}

/** The LUT row of a mapped table row that is kept as it is (not folded into the NAS space). */
export function irRecord(r: MappedRow, measuredAt: string): LutRecord {
  const source = { source_key: r.row.key };
  if (r.kind === 'unmapped') return tableRecord(`yaml ${r.row.key}`, 'unmapped', { ...source, why: r.why }, r.stats, measuredAt);
  if (r.kind === 'mbconv') return tableRecord(blockKey(r.block), 'mbconv', { ...source, ...r.block, batch: 1 }, r.stats, measuredAt);
  const [c, h, w] = r.input;
  const at = `in=${c}x${h}x${w}`;
  const io = { input: [c, h, w], cout: r.out, batch: 1 };
  switch (r.kind) {
    case 'stem':
      // "The initial 3x3 conv with stride 2" (the authors' LatencyTable.query docstring).
      return tableRecord(`stem k3 s2 o${r.out} ${at}`, 'network', { ...source, part: 'stem', layers: ['conv 3x3 stride 2', 'bn', 'act'], ...io }, r.stats, measuredAt);
    case 'conv1':
    case 'conv2':
      return tableRecord(`pwconv o${r.out} ${at}`, 'network', { ...source, part: r.kind === 'conv1' ? '1x1 conv after the blocks' : '1x1 conv after the pool', layers: ['pwconv', 'act'], ...io }, r.stats, measuredAt);
    case 'pool':
      return tableRecord(`gap ${at}`, 'gap', { ...source, ...io }, r.stats, measuredAt);
    case 'logits':
      // ProxylessNAS's Logits is "all operations after Conv_1": the pool as well as the fc.
      return tableRecord(`classifier o${r.out} ${at}`, 'network', { ...source, part: 'classifier', layers: h * w > 1 ? ['gap', 'fc'] : ['fc'], ...io }, r.stats, measuredAt);
  }
}
