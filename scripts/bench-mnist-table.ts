/**
 * `npm run bench` section `mnist-table`: the seed's LightNN MNIST test-error table, all seven
 * rows (conventional, LightNN-2, LightNN-1, BinaryConnect, LightNN-2-bin, LightNN-1-bin,
 * BinaryNet), ours beside the seed's, each cell the mean and standard deviation over seeds;
 * then a BNN section: BinaryNet with Ding et al.'s activation-distribution loss off and on,
 * on MNIST and Fashion-MNIST, over the same seeds.
 *
 * Each (net, scheme, seed) is a `labbench quantize` run: quantization-aware training from
 * scratch, Adam 1e-3 with cosine decay to 1e-5, batch 100, batch norm after every conv and
 * fc layer for every scheme (the same architecture in every column), no augmentation, on
 * MNIST's training set less the 10% validation split, tested on the 10,000-image test set.
 * Budgets, past measurements and why ours differ from the seed's:
 * docs/decisions/0003-mnist-table.md.
 *
 * `--quick` trains on 1,200 images for one epoch. MNIST_TABLE_LIMIT, MNIST_TABLE_EPOCHS
 * (every net) and MNIST_TABLE_SEEDS (how many, default 3) override the budget, e.g. for a
 * run end to end in a few minutes; MNIST_TABLE_NETS (e.g. `mnist-1hidden`) runs those nets only,
 * MNIST_TABLE_BNN=0 leaves the BNN section out and MNIST_TABLE_BNN=only runs it alone (on the
 * first net of the list).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalLabService } from '../app/lab-service.js';
import type { DatasetName, QuantizeRequest, QuantizeResult } from '../app/api/search.js';
import { SEED_MNIST_TABLE } from '../app/quantize/lightnn.js';

type Scheme = QuantizeRequest['scheme'];
/** The seed table's rows, in its order. */
export const TABLE_SCHEMES: readonly Scheme[] = ['conventional', 'lightnn-2', 'lightnn-1', 'binaryconnect', 'lightnn-2-bin', 'lightnn-1-bin', 'binarynet'];
/** The seed table's MNIST nets, in its column order. */
export const TABLE_NETS = ['mnist-1hidden', 'mnist-2conv', 'mnist-3hidden'] as const;
interface Budget {
  readonly model: (typeof TABLE_NETS)[number];
  readonly epochs: number;
  /** Training images before the validation split (undefined: all 60,000). */
  readonly limit?: number;
}

function envInt(name: string): number | undefined {
  const v = process.env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!(Number.isInteger(n) && n >= 1)) throw new Error(`${name} must be a whole number >= 1, got '${v}'`);
  return n;
}

export function tableBudgets(quick: boolean, with3hidden: boolean): Budget[] {
  const base: Budget[] = quick
    ? [{ model: 'mnist-1hidden', epochs: 1, limit: 1200 }, { model: 'mnist-2conv', epochs: 1, limit: 1200 }, ...(with3hidden ? [{ model: 'mnist-3hidden' as const, epochs: 1, limit: 300 }] : [])]
    : [{ model: 'mnist-1hidden', epochs: 15 }, { model: 'mnist-2conv', epochs: 2 }, ...(with3hidden ? [{ model: 'mnist-3hidden' as const, epochs: 1 }] : [])];
  const limit = envInt('MNIST_TABLE_LIMIT');
  const epochs = envInt('MNIST_TABLE_EPOCHS');
  const only = process.env.MNIST_TABLE_NETS ? process.env.MNIST_TABLE_NETS.split(',').map((m) => m.trim()) : undefined;
  const unknown = only?.filter((m) => !base.some((b) => b.model === m));
  if (unknown?.length) throw new Error(`MNIST_TABLE_NETS: ${unknown.join(', ')} is not one of ${base.map((b) => b.model).join(', ')}`);
  return base.filter((b) => !only || only.includes(b.model)).map((b) => ({ ...b, ...(limit ? { limit } : {}), ...(epochs ? { epochs } : {}) }));
}

/** Mean, sample standard deviation and count of some runs' test errors. */
export interface Cell {
  readonly mean: number;
  readonly sd: number;
  readonly n: number;
}

export function cell(xs: readonly number[]): Cell {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : NaN;
  return { mean, sd, n };
}

export interface BnnRow {
  readonly data: DatasetName;
  readonly model: string;
  readonly off: Cell;
  readonly on: Cell;
  /** The regularizer's loss over the last tenth of the steps of the runs with it on, mean over seeds. */
  readonly reg_last: number;
}

export interface MnistTableBench {
  readonly seeds: readonly number[];
  readonly nets: readonly { readonly budget: Budget; readonly cells: Readonly<Record<string, Cell>>; readonly energy_uj: Readonly<Record<string, number>>; readonly wall_s: number }[];
  readonly bnn: readonly BnnRow[];
  readonly bnn_budget: Budget;
  readonly skipped: readonly string[];
}

export async function benchMnistTable(quick: boolean, with3hidden: boolean, log: (line: string) => void = () => undefined): Promise<MnistTableBench> {
  const seeds = Array.from({ length: envInt('MNIST_TABLE_SEEDS') ?? 3 }, (_, i) => i + 1);
  const dir = mkdtempSync(join(tmpdir(), 'labbench-bench-mnist-'));
  const service = new LocalLabService(join(dir, 'bench.db'));
  const budgets = tableBudgets(quick, with3hidden);
  const bnnBudget = budgets[0]!;
  const nets = [];
  const bnn: BnnRow[] = [];
  const common = (b: Budget, seed: number) => ({ model: b.model, epochs: b.epochs, batchSize: 100, batchNorm: true, seed, ...(b.limit ? { limit: b.limit } : {}) });
  try {
    for (const budget of process.env.MNIST_TABLE_BNN === 'only' ? [] : budgets) {
      log(`mnist-table: ${budget.model}, ${budget.epochs} epoch(s) on ${budget.limit ?? 'all'} images, seeds ${seeds.join(', ')}, ${TABLE_SCHEMES.join(', ')}...`);
      const t0 = performance.now();
      const runs: QuantizeResult[] = [];
      for (const seed of seeds) {
        const r = await service.quantizeSweep({ ...common(budget, seed), schemes: TABLE_SCHEMES, data: 'mnist' });
        runs.push(...r.runs);
        log(`  seed ${seed}: ${r.runs.map((x) => `${x.scheme} ${(100 * x.test_error).toFixed(2)}%`).join(', ')}`);
      }
      const of = (s: Scheme) => runs.filter((x) => x.scheme === s);
      nets.push({
        budget,
        cells: Object.fromEntries(TABLE_SCHEMES.map((s) => [s, cell(of(s).map((x) => x.test_error))])),
        energy_uj: Object.fromEntries(TABLE_SCHEMES.map((s) => [s, of(s)[0]!.energy_uj])),
        wall_s: (performance.now() - t0) / 1000,
      });
    }
    for (const data of process.env.MNIST_TABLE_BNN === '0' ? [] : (['mnist', 'fashion-mnist'] as const)) {
      log(`mnist-table BNN: binarynet on ${data}, ${bnnBudget.model}, regularizer off and on, seeds ${seeds.join(', ')}...`);
      const off: number[] = [];
      const on: number[] = [];
      const last: number[] = [];
      for (const seed of seeds) {
        off.push((await service.quantize({ ...common(bnnBudget, seed), scheme: 'binarynet', data })).test_error);
        const r = await service.quantize({ ...common(bnnBudget, seed), scheme: 'binarynet', data, actReg: ['degeneration', 'saturation', 'mismatch'] });
        on.push(r.test_error);
        last.push(r.act_reg?.last ?? NaN);
      }
      bnn.push({ data, model: bnnBudget.model, off: cell(off), on: cell(on), reg_last: cell(last).mean });
    }
  } finally {
    service.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return { seeds, nets, bnn, bnn_budget: bnnBudget, skipped: TABLE_NETS.filter((m) => !budgets.some((b) => b.model === m)) };
}

const pct = (c: Cell | undefined): string => (c === undefined ? '-' : `${(100 * c.mean).toFixed(2)} ± ${Number.isNaN(c.sd) ? '?' : (100 * c.sd).toFixed(2)}`);

function layout(head: string[], rows: string[][]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(head), ...rows.map(line)];
}

/** Whether two cells differ by less than twice the standard error of their difference. */
export function insideNoise(a: Cell, b: Cell): boolean {
  const se = Math.sqrt(a.sd ** 2 / a.n + b.sd ** 2 / b.n);
  return !(Math.abs(a.mean - b.mean) > 2 * se);
}

/** Ours beside the seed's, laid out as the seed's table: a row per scheme, a column pair per network. */
export function formatMnistTable(b: MnistTableBench): string {
  const run = b.nets.map((n) => n.budget.model);
  const nets = [...run, ...b.skipped];
  const head = ['scheme', ...nets.flatMap((m) => [`${m} ours`, 'seed'])];
  const rows = TABLE_SCHEMES.map((s) => [
    s,
    ...nets.flatMap((m) => [pct(b.nets.find((n) => n.budget.model === m)?.cells[s]), (SEED_MNIST_TABLE[m]?.[s] ?? NaN).toFixed(2)]),
  ]);
  const budgets = b.nets.map((n) => `${n.budget.model} ${n.budget.epochs} epoch(s) on ${n.budget.limit ?? 60000} images (${n.wall_s.toFixed(0)} s for all)`);
  const bnnHead = ['data', 'binarynet, no reg', 'with act-reg', 'on - off (points)', 'reg loss, last tenth'];
  const bnnRows = b.bnn.map((r) => {
    const d = 100 * (r.on.mean - r.off.mean);
    return [r.data, pct(r.off), pct(r.on), `${d >= 0 ? '+' : ''}${d.toFixed(2)}${insideNoise(r.on, r.off) ? ' (inside the noise)' : ''}`, r.reg_last.toFixed(4)];
  });
  const tableLines = b.nets.length === 0 ? ['\nLightNN MNIST table not run (MNIST_TABLE_BNN=only)'] : [
    `\nLightNN MNIST test error (%), mean ± sd over seeds ${b.seeds.join(', ')}, ours beside the seed's (Adam 1e-3 from scratch, cosine decay to 1e-5, batch norm after every conv/fc, batch 100, no augmentation; budgets far below the seed's)`,
    `budgets: ${budgets.join('; ')}${b.skipped.length ? `; not run: ${b.skipped.join(', ')}` : ''}`,
    ...layout(head, rows),
    ...b.nets.map((n) => `${n.budget.model} energy per inference (uJ, seed 1): ${TABLE_SCHEMES.map((s) => `${s} ${n.energy_uj[s]!.toFixed(3)}`).join(', ')}`),
  ];
  return [
    ...tableLines,
    b.bnn.length === 0 ? '\nBNN section not run (MNIST_TABLE_BNN=0)' : `\nBNN: BinaryNet with and without the activation-distribution loss (all three terms, weight 1), ${b.bnn_budget.model}, ${b.bnn_budget.epochs} epoch(s) on ${b.bnn_budget.limit ?? 60000} images, test error (%) mean ± sd over seeds ${b.seeds.join(', ')}`,
    ...(b.bnn.length ? layout(bnnHead, bnnRows) : []),
  ].join('\n');
}
