/** Human-readable line for `labbench quantize`, with the seed's figure beside ours. */
import type { QuantizeResult } from '../api/search.js';

export function formatQuantize(r: QuantizeResult): string {
  const seed = r.seed_test_error !== undefined ? ` (seed's table: ${(100 * r.seed_test_error).toFixed(2)}%)` : '';
  const two = r.two_term_filters !== undefined ? `, ${(100 * r.two_term_filters).toFixed(1)}% of filters with two terms` : '';
  return [
    `${r.model} ${r.scheme} on ${r.data}: test error ${(100 * r.test_error).toFixed(2)}%${seed}${two}`,
    `energy ${r.energy_uj.toFixed(3)} uJ per inference (${r.ops.mults} mults, ${r.ops.adds} adds, ${r.ops.shifts} shifts; ${r.energy_table})`,
    `run ${r.run_id}, ${r.epochs} epochs in ${r.train_seconds.toFixed(1)} s, ${r.engine}`,
  ].join('\n');
}
