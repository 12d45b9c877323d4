/**
 * `npm run bench` section `legr`: LeGR against uniform and global-norm pruning at the same
 * FLOPs budgets, over several seeds, on a network trained to a real accuracy first. Each seed
 * trains its own base network (cached beside the bench DB), learns one ranking by evolution
 * with the defaults of `labbench prune` (a time budget) and fine-tunes every pruned net the
 * same way. Per method and budget: mean and sample sd of the test accuracy; per budget, LeGR's
 * difference from each baseline with Welch's t and whether it is outside the noise. Also the
 * wall time of learning a ranking and of each extra budget cut from it (nearly free).
 *
 * Flags (all optional; `--quick` shrinks the defaults): --legr-seeds=N, --legr-model=NAME,
 * --legr-data=mnist|fashion-mnist, --legr-epochs=N, --legr-limit=N, --legr-budgets=0.3,0.5,
 * --legr-time-budget=S, --legr-generations=N (instead of the time budget), --legr-population=N,
 * --legr-finetune-images=N (instead of one fine-tune epoch), --legr-fitness-images=N (each candidate's fine-tune).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalLabService } from '../app/lab-service.js';
import type { PruneRequest, PruneResult } from '../app/api/search.js';
import { flagValue, numericFlag } from './bench-flags.js';
import { describeComparison, summarizeSeeds, welch, type Comparison, type SeedSummary } from '../app/nas/seed-stats.js';

export interface LegrBenchOptions {
  readonly seeds: number;
  readonly model: string;
  readonly data: 'mnist' | 'fashion-mnist';
  readonly epochs: number;
  readonly limit?: number;
  readonly budgets: readonly number[];
  readonly timeBudget?: number;
  readonly generations?: number;
  readonly population?: number;
  readonly finetuneImages?: number;
  readonly fitnessImages?: number;
}

export interface LegrBench {
  readonly options: LegrBenchOptions;
  readonly seeds: readonly {
    readonly seed: number;
    readonly base_accuracy: number;
    readonly ranking_s: number;
    readonly evaluations: number;
    readonly generations: number;
    readonly wall_s: number;
  }[];
  readonly base: SeedSummary;
  /** One row per method and budget: test accuracy over the seeds. */
  readonly rows: readonly { readonly method: string; readonly budget: number; readonly accuracies: readonly number[]; readonly summary: SeedSummary; readonly mflops: number }[];
  /** Per budget: LeGR minus each baseline. */
  readonly verdicts: readonly { readonly budget: number; readonly baseline: string; readonly comparison: Comparison; readonly text: string }[];
  /** Seconds to cut each extra budget from LeGR's learned ranking (first seed). */
  readonly cut_s: readonly { readonly budget: number; readonly seconds: number }[];
}

export function legrOptions(quick: boolean, args: readonly string[]): LegrBenchOptions {
  const flag = (name: string): string | undefined => flagValue(args, name);
  const num = (name: string): number | undefined => numericFlag(args, name, Number.isFinite, 'not a number');
  const generations = num('legr-generations');
  const timeBudget = num('legr-time-budget') ?? (generations === undefined ? (quick ? 60 : 300) : undefined);
  const limit = num('legr-limit') ?? (quick ? 12000 : undefined);
  const finetuneImages = num('legr-finetune-images') ?? (quick ? 2048 : undefined);
  const population = num('legr-population');
  const fitnessImages = num('legr-fitness-images');
  return {
    seeds: num('legr-seeds') ?? 3,
    model: flag('legr-model') ?? 'mnist-2conv',
    data: (flag('legr-data') ?? 'mnist') as 'mnist' | 'fashion-mnist',
    epochs: num('legr-epochs') ?? (quick ? 1 : 2),
    budgets: flag('legr-budgets')?.split(',').map(Number) ?? [0.3, 0.5, 0.7],
    ...(limit !== undefined ? { limit } : {}),
    ...(timeBudget !== undefined ? { timeBudget } : {}),
    ...(generations !== undefined ? { generations } : {}),
    ...(population !== undefined ? { population } : {}),
    ...(finetuneImages !== undefined ? { finetuneImages } : {}),
    ...(fitnessImages !== undefined ? { fitnessImages } : {}),
  };
}

export async function benchLegr(quick: boolean, args: readonly string[] = [], log: (line: string) => void = () => undefined): Promise<LegrBench> {
  const o = legrOptions(quick, args);
  const dir = mkdtempSync(join(tmpdir(), 'labbench-bench-legr-'));
  const service = new LocalLabService(join(dir, 'bench.db'));
  const results: PruneResult[] = [];
  const seeds: LegrBench['seeds'][number][] = [];
  try {
    for (let k = 0; k < o.seeds; k++) {
      const seed = k + 1;
      const req: PruneRequest = {
        model: o.model, budgets: o.budgets, metric: 'flops', data: o.data, epochs: o.epochs, seed,
        ...(o.limit !== undefined ? { limit: o.limit } : {}),
        ...(o.generations !== undefined ? { generations: o.generations } : { timeBudget: o.timeBudget! }),
        ...(o.population !== undefined ? { population: o.population } : {}),
        ...(o.fitnessImages !== undefined ? { fitnessImages: o.fitnessImages } : {}),
        ...(o.finetuneImages !== undefined ? { finetuneImages: o.finetuneImages } : { finetuneEpochs: 1 }),
      };
      const t0 = performance.now();
      const r = await service.prune(req);
      const wall = (performance.now() - t0) / 1000;
      results.push(r);
      seeds.push({ seed, base_accuracy: r.base.accuracy, ranking_s: r.ranking_seconds, evaluations: r.evaluations, generations: r.generations, wall_s: wall });
      log(`legr seed ${seed}: base ${(100 * r.base.accuracy).toFixed(2)}%, ${r.evaluations} candidates (${r.generations} generations) in ${r.ranking_seconds.toFixed(0)} s, ${wall.toFixed(0)} s in all`);
    }
  } finally {
    service.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const methods = [...new Set(results[0]!.results.map((x) => x.method))];
  const rows = methods.flatMap((method) =>
    o.budgets.map((budget) => {
      const cells = results.map((r) => r.results.find((x) => x.method === method && x.budget === budget)!);
      const accuracies = cells.map((c) => c.accuracy);
      return { method, budget, accuracies, summary: summarizeSeeds(accuracies), mflops: cells.reduce((s, c) => s + c.flops, 0) / cells.length / 1e6 };
    }),
  );
  const verdicts = o.budgets.flatMap((budget) => {
    const legr = rows.find((r) => r.method === 'legr' && r.budget === budget)!;
    return rows
      .filter((r) => r.method !== 'legr' && r.budget === budget)
      .map((r) => {
        const comparison = welch(legr.accuracies, r.accuracies);
        return { budget, baseline: r.method, comparison, text: `@${budget}: legr - ${r.method} = ${describeComparison(comparison)}` };
      });
  });
  const cut_s = results[0]!.results.filter((x) => x.method === 'legr').map((x) => ({ budget: x.budget, seconds: x.cut_seconds }));
  return { options: o, seeds, base: summarizeSeeds(seeds.map((s) => s.base_accuracy)), rows, verdicts, cut_s };
}

const pm = (s: SeedSummary): string => `${(100 * s.mean).toFixed(2)} ± ${(100 * s.sd).toFixed(2)}`;

export function formatLegrBench(b: LegrBench): string {
  const o = b.options;
  const search = o.generations !== undefined ? `${o.generations} generations` : `a ${o.timeBudget} s time budget`;
  const tune = o.finetuneImages !== undefined ? `${o.finetuneImages} images` : '1 epoch';
  const lines = [
    `\nLeGR against uniform and global-norm pruning: ${o.model} on ${o.data} (${o.limit ?? 'all'} training images, ${o.epochs} epoch(s)), ${b.seeds.length} seeds, evolution with ${search}` +
      `${o.population !== undefined ? `, population ${o.population}` : ''}, each pruned net fine-tuned ${tune}`,
    `unpruned test accuracy ${pm(b.base)} % (mean ± sd over seeds)${b.base.mean < (o.data === 'mnist' ? 0.97 : 0.88) ? ' - below the bar of a real accuracy (97 % MNIST, 88 % Fashion-MNIST): raise --legr-epochs or --legr-limit' : ''}`,
    ...b.seeds.map((s) => `  seed ${s.seed}: base ${(100 * s.base_accuracy).toFixed(2)} %, ${s.evaluations} candidates (${s.generations} generations) in ${s.ranking_s.toFixed(0)} s; ${s.wall_s.toFixed(0)} s in all`),
  ];
  const head = ['method', ...o.budgets.map((x) => `@${x} acc %`)];
  const table = [...new Set(b.rows.map((r) => r.method))].map((m) => [m, ...o.budgets.map((x) => pm(b.rows.find((r) => r.method === m && r.budget === x)!.summary))]);
  const widths = head.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  lines.push(line(head), ...table.map(line), ...b.verdicts.map((v) => v.text));
  lines.push(`each extra budget cut from the learned ranking in ${b.cut_s.map((c) => `${(c.seconds * 1000).toFixed(1)} ms @${c.budget}`).join(', ')}`);
  return lines.join('\n');
}
