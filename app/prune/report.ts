/** Human-readable tables for `labbench prune` (LeGR against the baselines at each budget). */
import type { PruneResult } from '../api/search.js';

const pct = (v: number): string => `${(100 * v).toFixed(2)}%`;
const mega = (v: number): string => (v / 1e6).toFixed(3);

export function formatPrune(r: PruneResult): string {
  const lat = r.metric === 'latency';
  const head = ['method', 'budget', 'MFLOPs', 'params', 'test acc', ...(lat ? ['pred ms', 'meas ms'] : []), 'onnx B', 'tflite B', 'cut s'];
  const rows = [
    ['unpruned', '1', mega(r.base.flops), String(r.base.params), pct(r.base.accuracy), ...(lat ? [r.base.latency_ms?.toFixed(3) ?? '-', r.base.measured_latency_ms?.toFixed(3) ?? '-'] : []), String(r.base.onnx_bytes), String(r.base.tflite_bytes), '-'],
    ...r.results.map((x) => [x.method, String(x.budget), mega(x.flops), String(x.params), pct(x.accuracy), ...(lat ? [x.latency_ms?.toFixed(3) ?? '-', x.measured_latency_ms?.toFixed(3) ?? '-'] : []), String(x.onnx_bytes), String(x.tflite_bytes), x.cut_seconds.toFixed(4)]),
  ];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [
    `${r.model} on ${r.data}, metric ${r.metric}${r.device ? ` (${r.device})` : ''}, run ${r.run_id}, ${r.engine}`,
    `ranking learned in ${r.ranking_seconds.toFixed(1)} s: population ${r.population} + ${r.generations} generations = ${r.evaluations} candidates evaluated` +
      `${r.time_budget_s !== undefined ? ` (time budget ${r.time_budget_s} s)` : ' (generations fixed)'}, each fine-tuned on the same ${r.fitness_images} images; best fitness ${pct(r.best_fitness)}`,
    line(head),
    ...rows.map(line),
  ].join('\n');
}
