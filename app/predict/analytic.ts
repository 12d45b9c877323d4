/**
 * The analytic baseline, after Paleo (Qi, Sparks, Talwalkar, ICLR'17): a layer takes the
 * time to do its arithmetic at the device's peak rate plus the time to move its bytes at
 * the device's bandwidth, plus a fixed per-layer overhead:
 *
 *   T_ms = 1000 * (flops / peak_flops + bytes / bandwidth) + overhead_ms
 *
 * FLOPs and bytes are those of features.ts (batch included). The peaks come from a
 * device's micro-benchmark; `fitAnalyticOverhead` then fits only the overhead, and
 * `fitAnalytic` fits all three by non-negative least squares, the fair version of the
 * baseline when no peaks were measured. Both fits minimize squared relative error, the
 * quantity RMSPE reports.
 *
 * Not here: anything learned per layer type (neuralpower.ts).
 */
import type { AnalyzedLayer, NetworkAnalysis } from '../workloads/analyze.js';
import { configFeatures, layerFeatures, type LayerSample } from './features.js';
import { nnlsSmall } from './linalg.js';

export interface AnalyticParams {
  /** Peak arithmetic rate, FLOP per second. `Infinity` drops the compute term. */
  readonly peak_flops: number;
  /** Memory bandwidth, bytes per second. `Infinity` drops the memory term. */
  readonly bandwidth: number;
  /** Fixed cost of every layer, ms. */
  readonly overhead_ms: number;
}

/** FLOPs and bytes of one measured layer: what the analytic model sees. */
export interface CostSample {
  readonly flops: number;
  readonly bytes: number;
  readonly runtime_ms: number;
}

/** The analytic estimate, ms, of a layer doing `flops` FLOPs and moving `bytes` bytes. */
export function analyticMs(p: AnalyticParams, flops: number, bytes: number): number {
  return (1000 * flops) / p.peak_flops + (1000 * bytes) / p.bandwidth + p.overhead_ms;
}

/** The analytic estimate of an analyzed layer run at `batch`, ms. */
export function predictAnalyticLayer(p: AnalyticParams, a: AnalyzedLayer, batch = 1): number {
  const { flops, bytes } = layerFeatures(a, batch).values;
  return analyticMs(p, flops!, bytes!);
}

/** Per-layer and total analytic runtime of a network (its own batch), ms. */
export function predictAnalyticNetwork(p: AnalyticParams, analysis: NetworkAnalysis): { layers: { name: string; runtime_ms: number }[]; total: { runtime_ms: number } } {
  const layers = analysis.layers.map((a) => ({ name: a.layer.name, runtime_ms: predictAnalyticLayer(p, a, analysis.network.batch) }));
  return { layers, total: { runtime_ms: layers.reduce((s, l) => s + l.runtime_ms, 0) } };
}

/** FLOPs and bytes of training samples given by op and config (see features.ts). */
export function costSamples(samples: readonly LayerSample[]): CostSample[] {
  return samples.map((s) => {
    const { flops, bytes } = configFeatures(s.op, s.config).values;
    return { flops: flops!, bytes: bytes!, runtime_ms: s.runtime_ms };
  });
}

function checked(samples: readonly CostSample[]): CostSample[] {
  const ok = samples.filter((s) => s.runtime_ms > 0 && Number.isFinite(s.runtime_ms));
  if (ok.length === 0) throw new Error('analytic fit: no sample with a positive runtime');
  return ok;
}

/**
 * Fits the overhead only, the peaks being given (measured): the overhead minimizing
 * sum ((T - A - o) / T)^2, i.e. o = sum((T - A) / T^2) / sum(1 / T^2), floored at 0.
 */
export function fitAnalyticOverhead(samples: readonly LayerSample[] | readonly CostSample[], peaks: { peak_flops: number; bandwidth: number }): AnalyticParams {
  const costs = checked(asCosts(samples));
  const base: AnalyticParams = { ...peaks, overhead_ms: 0 };
  let num = 0;
  let den = 0;
  for (const s of costs) {
    const w = 1 / (s.runtime_ms * s.runtime_ms);
    num += w * (s.runtime_ms - analyticMs(base, s.flops, s.bytes));
    den += w;
  }
  return { ...peaks, overhead_ms: Math.max(0, num / den) };
}

/**
 * Fits peak rate, bandwidth and overhead together by non-negative least squares on
 * relative error: T ~ a * flops + b * bytes + c with a, b, c >= 0, then peak = 1000 / a,
 * bandwidth = 1000 / b. A coefficient fitted to 0 gives an infinite peak (that term
 * does not explain the data).
 */
export function fitAnalytic(samples: readonly LayerSample[] | readonly CostSample[]): AnalyticParams {
  const costs = checked(asCosts(samples));
  const d = design(costs);
  const y = costs.map((s) => s.runtime_ms);
  const w = costs.map((s) => 1 / (s.runtime_ms * s.runtime_ms));
  return d.params(nnlsSmall(d.x, y, w).beta);
}

/** The columns [flops, bytes, 1], scaled to O(1) so the normal equations are well conditioned, and their coefficients back as parameters. */
function design(costs: readonly CostSample[]): { x: number[][]; params: (beta: readonly number[]) => AnalyticParams } {
  const sf = costs.reduce((m, s) => Math.max(m, s.flops), 1);
  const sb = costs.reduce((m, s) => Math.max(m, s.bytes), 1);
  return {
    x: costs.map((s) => [s.flops / sf, s.bytes / sb, 1]),
    params: ([a, b, c]) => ({ peak_flops: a! > 0 ? (1000 * sf) / a! : Infinity, bandwidth: b! > 0 ? (1000 * sb) / b! : Infinity, overhead_ms: c! }),
  };
}

/**
 * The same three terms fitted on squared log error, sum log(estimate / measured)^2, by
 * Gauss-Newton steps of non-negative least squares from the relative fit, centred. Relative
 * error lets a few kernels that count many bytes but take no time (a reshape the runtime
 * elides) drive every coefficient to 0; a log error bounds what each kernel can cost.
 */
export function fitAnalyticLog(samples: readonly LayerSample[] | readonly CostSample[], steps = 30): AnalyticParams {
  const costs = checked(asCosts(samples));
  const { x, params } = design(costs);
  const t = costs.map((s) => s.runtime_ms);
  const est = (beta: readonly number[]): number[] => x.map((r) => Math.max(r[0]! * beta[0]! + r[1]! * beta[1]! + r[2]! * beta[2]!, 1e-12));
  const loss = (beta: readonly number[]): number => est(beta).reduce((s, a, i) => s + Math.log(a / t[i]!) ** 2, 0);
  let beta = nnlsSmall(x, t, t.map((v) => 1 / (v * v))).beta;
  // Centre the start: the median estimate equal to the median measurement.
  const ratios = est(beta).map((a, i) => Math.log(t[i]! / a)).sort((p, q) => p - q);
  const k = Math.exp(ratios[ratios.length >> 1]!);
  beta = beta.map((b) => b * k);
  if (beta.every((b) => b === 0)) beta = [0, 0, t[t.length >> 1]!];
  let best = loss(beta);
  for (let i = 0; i < steps; i++) {
    const a = est(beta);
    // Linearized: log A' ~ log A + (A' - A) / A, so A' is fitted to A (1 - log(A / T)) with weight 1 / A^2.
    const next = nnlsSmall(x, a.map((v, j) => v * (1 - Math.log(v / t[j]!))), a.map((v) => 1 / (v * v))).beta;
    let step = 1;
    let cand = next;
    let l = loss(cand);
    while (l > best && step > 1 / 64) {
      step /= 2;
      cand = beta.map((b, j) => b + step * (next[j]! - b));
      l = loss(cand);
    }
    if (l >= best * (1 - 1e-9)) break;
    beta = cand;
    best = l;
  }
  return params(beta);
}

function asCosts(samples: readonly LayerSample[] | readonly CostSample[]): CostSample[] {
  return samples.map((s) => ('flops' in s ? s : costSamples([s])[0]!));
}
