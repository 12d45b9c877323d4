/** Human-readable output for `labbench quantize`, with the seed's figure beside ours. */
import type { QuantizeResult, QuantizeSweepResult } from '../api/search.js';

const pct = (v: number): string => `${(100 * v).toFixed(2)}%`;

export function formatQuantize(r: QuantizeResult): string {
  const seed = r.seed_test_error !== undefined ? ` (seed's table: ${pct(r.seed_test_error)})` : '';
  const two = r.two_term_filters !== undefined ? `, ${(100 * r.two_term_filters).toFixed(1)}% of filters with two terms` : '';
  const bin = r.ops.xnors ? `, ${r.ops.xnors} 32-bit XNORs and popcounts` : '';
  const reg = r.act_reg
    ? [`activation-distribution loss (${r.act_reg.terms.join(', ')}; weight ${r.act_reg.weight}): ${r.act_reg.first.toFixed(4)} over the first tenth of the steps, ${r.act_reg.last.toFixed(4)} over the last`]
    : [];
  return [
    `${r.model} ${r.scheme} on ${r.data}: test error ${pct(r.test_error)}${seed}${two}${r.binary_activations ? ' (binary activations)' : ''}`,
    `energy ${r.energy_uj.toFixed(3)} uJ per inference (${r.ops.mults} mults, ${r.ops.adds} adds, ${r.ops.shifts} shifts${bin}; ${r.energy_table})`,
    ...reg,
    `run ${r.run_id}, ${r.epochs} epochs in ${r.train_seconds.toFixed(1)} s, ${r.engine}`,
  ].join('\n');
}

/** One row per scheme, the Pareto front marked, and the front itself cheapest first. */
export function formatQuantizeSweep(r: QuantizeSweepResult): string {
  const head = ['scheme', 'run', 'test error', 'seed', 'energy uJ', 'mults', 'shifts', 'adds', 'xnor+popc', 'train s', 'pareto'];
  const rows = r.runs.map((x) => [
    x.scheme, String(x.run_id), pct(x.test_error), x.seed_test_error !== undefined ? pct(x.seed_test_error) : '-', x.energy_uj.toFixed(3),
    String(x.ops.mults), String(x.ops.shifts), String(x.ops.adds), String(x.ops.xnors ?? 0), x.train_seconds.toFixed(1), r.pareto.includes(x.scheme) ? '*' : '',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const first = r.runs[0];
  return [
    `${r.model} on ${r.data}${first ? `, ${first.epochs} epochs each, ${first.engine}; energy: ${first.energy_table}` : ''}`,
    line(head),
    ...rows.map(line),
    `Pareto front (test error against energy, cheapest first): ${r.pareto.join(' -> ')}`,
  ].join('\n');
}
