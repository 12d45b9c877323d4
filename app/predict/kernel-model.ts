/**
 * The kernel latency model: per kernel kind, an analytic estimate (FLOPs at a peak rate plus
 * bytes at a bandwidth plus a fixed cost, fitted by NNLS on the kind's rows) times a learned
 * correction, exp(trees), fitted on log(measured / estimate). The estimate carries a kernel
 * far outside the sampled space (the trees stay flat there); the trees learn the steps the
 * runtime takes (channel blocking, algorithm choice, caches) inside it. Kernels a kind has
 * no model for fall back to the analytic estimate over every row.
 *
 * A network is its kernels plus what the runtime costs around them, learned from the fit's
 * own calibration networks: measured end to end = scale x (sum of kernel times) + per
 * kernel x (kernel count) + offset, least squares on relative error.
 */
import { LabbenchError } from '../api/errors.js';
import type { KernelConfig, KernelKind } from '../workloads/kernels.js';
import { KERNEL_KINDS } from '../workloads/kernels.js';
import { fitAnalytic, fitAnalyticLog, type AnalyticParams } from './analytic.js';
import { fitGbdt, predictGbdt, type GbdtModel, type GbdtOptions } from './gbdt.js';
import { KERNEL_FEATURES, kernelFeatureVector } from './kernel-features.js';
import { nnlsSmall } from './linalg.js';
import { permutation, mulberry32 } from '../util/rng.js';

/** The analytic estimate in a JSON-safe form: ms = ms_per_flop x FLOPs + ms_per_byte x bytes + overhead_ms. */
export interface KernelRoofline {
  readonly ms_per_flop: number;
  readonly ms_per_byte: number;
  readonly overhead_ms: number;
}

export interface KernelKindModel {
  readonly n: number;
  readonly features: readonly string[];
  readonly roofline: KernelRoofline;
  readonly trees: GbdtModel;
  /** Cross-validated (folds by network) error of this kind's rows. */
  readonly cv: { readonly rmspe_pct: number; readonly median_ape_pct: number; readonly folds: number };
}

export interface KernelCalibration {
  readonly scale: number;
  readonly per_kernel_ms: number;
  readonly offset_ms: number;
  readonly networks: number;
  /** RMS of the relative error of the calibration on its own networks (measured kernels), percent. */
  readonly rmspe_pct: number;
}

export interface KernelModel {
  readonly format: 'labbench-kernel-model';
  readonly version: 1;
  readonly kinds: Partial<Record<KernelKind, KernelKindModel>>;
  /** The analytic estimate over every row: kinds without a model, and the baseline. */
  readonly roofline: KernelRoofline;
  readonly calibration: KernelCalibration;
}

/** One training row: a kernel measured in place, in the reference state, and the network run it came from. */
export interface KernelRow {
  readonly config: KernelConfig;
  readonly ms: number;
  readonly group: number;
}

/** A calibration network: its measured end-to-end time and its kernels' measured times. */
export interface CalibrationRun {
  readonly endToEndMs: number;
  readonly kernelSumMs: number;
  readonly kernels: number;
}

export interface KernelFitOptions {
  readonly trees?: GbdtOptions;
  readonly folds?: number;
  /** Fewest rows of a kind for a model of its own. */
  readonly minRows?: number;
}

const DEFAULT_TREES: GbdtOptions = { trees: 200, depth: 5, rate: 0.1, minLeaf: 4, subsample: 0.8 };

const flopsOf = (c: KernelConfig): number => c.cost.flops * c.batch;
const bytesOf = (c: KernelConfig): number => c.cost.bytes;

function roofline(rows: readonly KernelRow[], fit: typeof fitAnalytic = fitAnalytic): KernelRoofline {
  const p: AnalyticParams = fit(rows.map((r) => ({ flops: flopsOf(r.config), bytes: bytesOf(r.config), runtime_ms: r.ms })));
  return { ms_per_flop: Number.isFinite(p.peak_flops) ? 1000 / p.peak_flops : 0, ms_per_byte: Number.isFinite(p.bandwidth) ? 1000 / p.bandwidth : 0, overhead_ms: p.overhead_ms };
}

export function rooflineMs(r: KernelRoofline, c: KernelConfig): number {
  // A floor keeps log(measured / estimate) finite for a kernel that does nothing countable.
  return Math.max(r.ms_per_flop * flopsOf(c) + r.ms_per_byte * bytesOf(c) + r.overhead_ms, 1e-6);
}

function fitKind(rows: readonly KernelRow[], kind: KernelKind, o: KernelFitOptions): KernelKindModel {
  const base = roofline(rows);
  const x = rows.map((r) => kernelFeatureVector(r.config));
  const y = rows.map((r) => Math.log(r.ms / rooflineMs(base, r.config)));
  const trees = { ...DEFAULT_TREES, ...o.trees };
  const model = fitGbdt(x, y, trees);
  return { n: rows.length, features: KERNEL_FEATURES[kind], roofline: base, trees: model, cv: crossValidate(rows, o, trees) };
}

/** K-fold by network: a kernel is judged by a model that saw no kernel of its network. */
function crossValidate(rows: readonly KernelRow[], o: KernelFitOptions, trees: GbdtOptions): KernelKindModel['cv'] {
  const groups = [...new Set(rows.map((r) => r.group))];
  const k = Math.min(o.folds ?? 5, groups.length);
  if (k < 2) return { rmspe_pct: NaN, median_ape_pct: NaN, folds: 0 };
  const order = permutation(groups.length, mulberry32(7));
  const foldOf = new Map(order.map((gi, i) => [groups[gi]!, i % k]));
  const errs: number[] = [];
  for (let f = 0; f < k; f++) {
    const train = rows.filter((r) => foldOf.get(r.group) !== f);
    const test = rows.filter((r) => foldOf.get(r.group) === f);
    if (train.length < 3 || test.length === 0) continue;
    const base = roofline(train);
    const m = fitGbdt(
      train.map((r) => kernelFeatureVector(r.config)),
      train.map((r) => Math.log(r.ms / rooflineMs(base, r.config))),
      { ...trees, trees: Math.ceil((trees.trees ?? 200) / 2), rate: (trees.rate ?? 0.1) * 2 },
    );
    for (const r of test) errs.push(rooflineMs(base, r.config) * Math.exp(predictGbdt(m, kernelFeatureVector(r.config))) / r.ms - 1);
  }
  if (errs.length === 0) return { rmspe_pct: NaN, median_ape_pct: NaN, folds: 0 };
  const abs = errs.map(Math.abs).sort((a, b) => a - b);
  return { rmspe_pct: 100 * Math.sqrt(errs.reduce((s, e) => s + e * e, 0) / errs.length), median_ape_pct: 100 * abs[abs.length >> 1]!, folds: k };
}

/** e2e ~ scale x S + per_kernel x n + offset, least squares on relative error; scale and per-kernel free, offset >= 0. */
export function fitCalibration(runs: readonly CalibrationRun[]): KernelCalibration {
  const ok = runs.filter((r) => r.endToEndMs > 0 && r.kernelSumMs > 0);
  if (ok.length < 3) return { scale: 1, per_kernel_ms: 0, offset_ms: 0, networks: ok.length, rmspe_pct: NaN };
  // NNLS on [S, n, 1] and [-n]: the per-kernel term may be negative (the profiler's own cost per node is in S).
  const x = ok.map((r) => [r.kernelSumMs, r.kernels, -r.kernels, 1]);
  const w = ok.map((r) => 1 / (r.endToEndMs * r.endToEndMs));
  const { beta } = nnlsSmall(x, ok.map((r) => r.endToEndMs), w);
  const [scale, up, down, offset] = beta as [number, number, number, number];
  const c = { scale, per_kernel_ms: up - down, offset_ms: offset };
  const rel = ok.map((r) => (calibrated(c, r.kernelSumMs, r.kernels) - r.endToEndMs) / r.endToEndMs);
  return { ...c, networks: ok.length, rmspe_pct: 100 * Math.sqrt(rel.reduce((s, e) => s + e * e, 0) / rel.length) };
}

export function calibrated(c: Pick<KernelCalibration, 'scale' | 'per_kernel_ms' | 'offset_ms'>, kernelSumMs: number, kernels: number): number {
  return Math.max(c.scale * kernelSumMs + c.per_kernel_ms * kernels + c.offset_ms, kernelSumMs * 0.5);
}

export function fitKernelModel(rows: readonly KernelRow[], runs: readonly CalibrationRun[], o: KernelFitOptions = {}): KernelModel {
  const ok = rows.filter((r) => r.ms > 0 && Number.isFinite(r.ms));
  if (ok.length === 0) throw new LabbenchError('BAD_INPUT', 'no kernel rows to fit: profile networks in kernel mode first');
  const kinds: Partial<Record<KernelKind, KernelKindModel>> = {};
  for (const kind of KERNEL_KINDS) {
    const of = ok.filter((r) => r.config.kind === kind);
    if (of.length >= (o.minRows ?? 20)) kinds[kind] = fitKind(of, kind, o);
  }
  // Over every kind at once, a relative-error fit can be carried off by kernels that count bytes but take no time.
  return { format: 'labbench-kernel-model', version: 1, kinds, roofline: roofline(ok, fitAnalyticLog), calibration: fitCalibration(runs) };
}

/** One kernel's time in the fit's reference state, ms. */
export function predictKernel(m: KernelModel, c: KernelConfig): number {
  const k = m.kinds[c.kind];
  if (!k) return rooflineMs(m.roofline, c);
  return rooflineMs(k.roofline, c) * Math.exp(predictGbdt(k.trees, kernelFeatureVector(c)));
}

/** Checks a stored kernel model's shape; throws BAD_INPUT otherwise. */
export function parseKernelModel(json: unknown): KernelModel {
  const m = json as Partial<KernelModel> | null;
  if (!m || m.format !== 'labbench-kernel-model') throw new LabbenchError('BAD_INPUT', 'not a labbench kernel model (format field)');
  if (m.version !== 1) throw new LabbenchError('BAD_INPUT', `kernel model version ${String(m.version)} is not supported (1 is)`);
  if (!m.kinds || !m.roofline || !m.calibration) throw new LabbenchError('BAD_INPUT', 'kernel model lacks kinds, roofline or calibration');
  for (const [kind, k] of Object.entries(m.kinds)) {
    if (!k || !Array.isArray(k.trees?.trees) || !KERNEL_FEATURES[kind as KernelKind]) throw new LabbenchError('BAD_INPUT', `kernel model: kind ${kind} is not a valid model`);
    if (k.features.join() !== KERNEL_FEATURES[kind as KernelKind].join()) throw new LabbenchError('BAD_INPUT', `kernel model: kind ${kind} was fitted on other features; fit again`);
  }
  return m as KernelModel;
}
