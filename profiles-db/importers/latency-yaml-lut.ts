/**
 * The public YAML latency tables of Once-for-All (MobileNetV3 blocks, measured on a Samsung
 * Galaxy Note10, one file per input resolution) and ProxylessNAS (`mobile_trim.yaml`,
 * measured on a Google Pixel 1) as labbench LUT files of imported, real devices: every table
 * row mapped to its IR block (latency-yaml-blocks.ts), and where the table covers the
 * Single-Path NAS space, the rows `labbench nas` searches with (spnas-from-blocks.ts).
 * The tables name neither device nor date: both come from the publication their format
 * identifies (fixtures/README.md), and `--as` renames the device.
 */
import type { LutRecord } from '../../app/api/lut.js';
import { publishedPhoneLut, type LutFile } from '../lut-file.js';
import { irRecord, mapRow, tableFormat, type MappedRow, type TableFormat } from './latency-yaml-blocks.js';
import { readLatencyYaml } from './read-latency-yaml.js';
import { spnasRowsFromBlocks } from './spnas-from-blocks.js';

interface Publication {
  readonly key: string;
  readonly label: string;
  readonly fingerprint: Readonly<Record<string, string>>;
  readonly source: string;
  /** No table gives measurement times; this is when it was published, an upper bound. */
  readonly published_at: string;
}

const PUBLICATIONS: Readonly<Record<TableFormat, Publication>> = {
  'ofa-mbv3': {
    key: 'ofa-note10',
    label: 'Samsung Galaxy Note10 (Once-for-All latency table)',
    fingerprint: { model: 'Galaxy Note10', manufacturer: 'samsung', source: 'mit-han-lab/once-for-all tutorial/checkpoints/latency_table@note10' },
    source: 'Once-for-All (Cai et al., ICLR 2020): the tutorial latency lookup tables of a Samsung Galaxy Note10, mit-han-lab/once-for-all',
    // The commit that added the tables (698a5c10).
    published_at: '2020-06-15T04:41:21.000Z',
  },
  proxylessnas: {
    key: 'proxylessnas-pixel1',
    label: 'Google Pixel 1 (ProxylessNAS latency table)',
    fingerprint: { model: 'Pixel', device: 'sailfish', soc: 'Snapdragon 821', source: 'ProxylessNAS mobile latency table (mobile_trim.yaml)' },
    source: 'ProxylessNAS (Cai et al., ICLR 2019): the mobile latency lookup table of a Google Pixel 1, han-cai/files proxylessnas/mobile_trim.yaml',
    // arXiv 1812.00332 v1.
    published_at: '2018-12-02T00:00:00.000Z',
  },
};

/** A table of this kind: not JSON, and a `.yaml`/`.yml` name or a first row like `Conv-input:...:`. */
export function looksLikeLatencyYaml(text: string, sourceName: string): boolean {
  if (text.trimStart().startsWith('{')) return false;
  if (/\.ya?ml$/i.test(sourceName)) return true;
  const first = text.split(/\r?\n/).find((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
  return first !== undefined && /^[A-Za-z_][A-Za-z0-9_]*-input:\S*:/.test(first);
}

export function latencyYamlToLut(text: string, sourceName: string, deviceKey?: string): LutFile {
  const table = readLatencyYaml(text, sourceName);
  const format = tableFormat(table);
  const pub = PUBLICATIONS[format];
  const at = pub.published_at;
  const mapped = table.map((r) => mapRow(r, format, sourceName));
  const spnas = spnasRowsFromBlocks(mapped, at);
  const kept = mapped.filter((r) => !spnas.used.has(r));
  const entries: LutRecord[] = [...(spnas.rows ?? []), ...kept.map((r) => irRecord(r, at))];
  const stem = mapped.find((r) => r.kind === 'stem');
  const resolution = stem && 'out' in stem ? stem.input[1] : null;
  const summary = describe(deviceKey ?? pub.key, format, mapped, spnas, kept);
  // Measured by the authors on real phones.
  return publishedPhoneLut({
    key: deviceKey ?? pub.key,
    label: pub.label,
    fingerprint: pub.fingerprint,
    publishedAt: at,
    sourceName,
    provenance: {
      source: pub.source,
      format: format === 'ofa-mbv3' ? 'once-for-all latency table (YAML)' : 'proxylessnas latency table (YAML)',
      file: sourceName,
      resolution,
      published_at: at,
      statistics:
        "median_ms is the table's mean; n its count; ci_low_ms..ci_high_ms mean -/+ 1.96 std/sqrt(count) (ProxylessNAS gives var: std = sqrt(var)); " +
        "mad_ms, min_ms and max_ms are not published (0, and the mean); the table's own figures are in each row's config.table",
      mapping: {
        table_rows: table.length,
        spnas_space: spnas.rows ? { rows: spnas.rows.length, from_table_rows: spnas.used.size } : { missing: spnas.missing },
        ir_rows: kept.filter((r) => r.kind !== 'unmapped').length,
        unmapped: kept.filter((r) => r.kind === 'unmapped').map((r) => r.row.key),
      },
      import_summary: summary,
    },
    entries,
  });
}

function describe(key: string, format: TableFormat, mapped: readonly MappedRow[], spnas: ReturnType<typeof spnasRowsFromBlocks>, kept: readonly MappedRow[]): string {
  const unmapped = kept.filter((r) => r.kind === 'unmapped');
  const blocks = kept.filter((r) => r.kind === 'mbconv').length;
  const parts = [`${key}: ${mapped.length} table rows (${format === 'ofa-mbv3' ? 'Once-for-All MobileNetV3' : 'ProxylessNAS'} format)`];
  if (spnas.rows) {
    parts.push(
      `${spnas.used.size - 3} MBConv blocks and the stem, Conv_1 and Logits price the Single-Path NAS space as ${spnas.rows.length} rows (layer 0's four options at the table's fixed MBConv1 3x3 block, as in the Single-Path NAS Pixel 1 table; a skipped layer 0 ms, as ProxylessNAS counts it)`,
      `${blocks} other MBConv blocks kept as IR rows outside the space`,
    );
  } else {
    parts.push(`${kept.length - unmapped.length} mapped to IR blocks (${blocks} MBConv)`, `not the Single-Path NAS space (${format === 'ofa-mbv3' ? 'MobileNetV3 blocks with squeeze-and-excitation and hardswish; ' : ''}no ${spnas.missing}): nas cannot search against it`);
  }
  parts.push(`${unmapped.length} unmapped${unmapped.length ? ` (${unmapped.map((r) => `line ${r.row.line}`).join(', ')})` : ''}`);
  const extra = mapped.filter((r) => r.stats.extra);
  if (extra.length) {
    const names = [...new Set(extra.flatMap((r) => Object.keys(r.stats.extra!)))].join(', ');
    parts.push(`${extra.length} rows carry other fields (${names}), kept in their config.table, unused`);
  }
  return parts.join('; ');
}

/** The converter's one-line account of a file it built (for the import message), if it is one. */
export function importSummary(file: LutFile): string | undefined {
  const s = file.provenance.import_summary;
  return typeof s === 'string' ? s : undefined;
}
