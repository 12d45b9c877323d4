/** Human text of `lut diff` and `report compare`: per key and per network, the ratio B/A with its 95 % interval. */
import type { CompareReport, CompareSide, LutDiff, RatioCi } from '../api/compare.js';

const side = (s: CompareSide): string => (s.device ? `${s.name} (${s.device.label}${s.device.fingerprint_hash ? `, ${s.device.key}@${s.device.fingerprint_hash}` : ''})` : s.name);
const ms = (x: number): string => (x >= 100 ? x.toFixed(1) : x >= 1 ? x.toFixed(3) : x.toPrecision(3));
const ratio = (r: RatioCi): string => `x${r.ratio.toFixed(3)} [${r.ci_low.toFixed(3)}, ${r.ci_high.toFixed(3)}]`;

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}

/** At most `limit` rows: the largest and smallest ratios, where the differences are. */
export function formatLutDiff(d: LutDiff, limit = 40): string {
  const lines = [`A: ${side(d.a)}, ${d.a.entries} rows`, `B: ${side(d.b)}, ${d.b.entries} rows`];
  const shown = d.rows.length <= limit ? d.rows : [...d.rows.slice(0, limit / 2), ...d.rows.slice(-limit / 2)];
  if (d.rows.length > 0) {
    lines.push('', table(['KEY', 'OP', 'A MS', 'B MS', 'B/A [95% CI]'], shown.map((r) => [r.key, r.op, ms(r.a_ms), ms(r.b_ms), `${ratio(r)}${r.spread_known ? '' : ' (no spread)'}`])));
    if (shown.length < d.rows.length) lines.push(`(${d.rows.length - shown.length} rows between the largest and smallest ratios left out; --json gives all)`);
  }
  if (d.summary) lines.push('', `geometric mean B/A over ${d.summary.keys} shared key(s): ${ratio(d.summary)}`);
  else lines.push('', 'no key in both');
  lines.push(`only in A: ${d.only_a.length}${d.only_a.length ? ` (${d.only_a.slice(0, 5).join('; ')}${d.only_a.length > 5 ? '; ...' : ''})` : ''}`);
  lines.push(`only in B: ${d.only_b.length}${d.only_b.length ? ` (${d.only_b.slice(0, 5).join('; ')}${d.only_b.length > 5 ? '; ...' : ''})` : ''}`);
  const noSpread = d.rows.filter((r) => !r.spread_known).length;
  if (noSpread) lines.push(`${noSpread} key(s) have no spread on a side (a published table's single value): their interval covers the other side's noise only`);
  lines.push(`per key: ${d.method.per_key}`, `summary: ${d.method.summary}`);
  return lines.join('\n');
}

export function formatCompare(r: CompareReport): string {
  const lines = [formatLutDiff(r, 20)];
  if (r.networks.length > 0) {
    const rows = r.networks.map((n) => [
      n.workload,
      n.measured ? `${ms(n.measured.a_ms)} / ${ms(n.measured.b_ms)}` : '-',
      n.measured ? ratio(n.measured) : '-',
      n.predicted ? `${ms(n.predicted.a_ms)} / ${ms(n.predicted.b_ms)}` : '-',
      n.predicted ? `${ratio(n.predicted)}${n.predicted.interval === 'none' ? ' (no interval)' : ''}` : '-',
    ]);
    lines.push('', table(['NETWORK', 'MEASURED A / B MS', 'MEASURED B/A', 'PREDICTED A / B MS', 'PREDICTED B/A'], rows));
  }
  for (const n of r.notes) lines.push(`note: ${n}`);
  return lines.join('\n');
}
