/**
 * `npm run bench` section `legr`: the wall time of learning one LeGR ranking and of each
 * extra budget cut from it (the claim: extra budgets are nearly free), on mnist-vgg with
 * MNIST. Fine-tuning each pruned net is reported apart (it is the same for any method).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalLabService } from '../app/lab-service.js';
import type { PruneResult } from '../app/api/search.js';
import { formatPrune } from '../app/prune/report.js';

export interface LegrBench {
  readonly ranking_s: number;
  readonly evaluations: number;
  readonly cut_s: readonly { method: string; budget: number; seconds: number }[];
  readonly result: PruneResult;
}

export async function benchLegr(quick: boolean): Promise<LegrBench> {
  const dir = mkdtempSync(join(tmpdir(), 'labbench-bench-legr-'));
  const service = new LocalLabService(join(dir, 'bench.db'));
  try {
    const result = await service.prune({
      model: 'mnist-vgg', budgets: [0.3, 0.5, 0.7], metric: 'flops', data: 'mnist',
      epochs: quick ? 1 : 2, finetuneEpochs: 1, limit: quick ? 3000 : 12000,
      population: quick ? 4 : 8, generations: quick ? 4 : 16, sample: quick ? 2 : 4, fitnessImages: 512, fitnessValidation: 500,
    });
    return { ranking_s: result.ranking_seconds, evaluations: result.evaluations, cut_s: result.results.map((r) => ({ method: r.method, budget: r.budget, seconds: r.cut_seconds })), result };
  } finally {
    service.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatLegrBench(b: LegrBench): string {
  const legr = b.cut_s.filter((c) => c.method === 'legr');
  return [
    `\nLeGR on mnist-vgg (MNIST): one ranking learned in ${b.ranking_s.toFixed(1)} s (${b.evaluations} evaluations); each budget cut from it in ${legr.map((c) => `${(c.seconds * 1000).toFixed(1)} ms @${c.budget}`).join(', ')}`,
    formatPrune(b.result),
  ].join('\n');
}
