/**
 * LeGR's global filter ranking (Chin et al., CVPR'20): each filter i of layer l scores
 * S_i = alpha_l * ||theta_i||^2 + kappa_l, all filters of the network are sorted by score,
 * and a budget is met by removing the lowest-scored filters until the network's cost (FLOPs,
 * or predicted latency) is within the budget. One ranking serves every budget.
 *
 * Norms are normalized by the layer's mean squared norm, so alpha = 1, kappa = 0 compares
 * layers on their relative filter norms; that is also the "global norm" baseline (the
 * ranking without learned affine terms). The uniform baseline removes the same fraction of
 * filters, smallest norms first, from every layer.
 */
import type { Network } from '../workloads/ir.js';
import { filterNormsSquared, prunedNetwork, type ChannelGroup, type KeepSets } from './channels.js';
import type { WeightArrays } from '../train/ir-net.js';

/** Per prunable group: its normalized squared filter norms. */
export interface LayerNorms {
  readonly group: number;
  readonly norms: Float64Array;
}

export interface AffineTerms {
  /** One alpha and kappa per entry of the LayerNorms list, in the same order. */
  readonly alpha: readonly number[];
  readonly kappa: readonly number[];
}

/** Cost of a network: FLOPs, or predicted latency in ms. */
export type CostFn = (network: Network) => number;

export function layerNorms(groups: readonly ChannelGroup[], arrays: WeightArrays): LayerNorms[] {
  return groups
    .filter((g) => g.prunable)
    .map((g) => {
      const n = filterNormsSquared(g, arrays);
      const mean = n.reduce((s, v) => s + v, 0) / n.length || 1;
      return { group: g.id, norms: n.map((v) => v / mean) };
    });
}

export function identityTerms(layers: readonly LayerNorms[]): AffineTerms {
  return { alpha: layers.map(() => 1), kappa: layers.map(() => 0) };
}

export interface RankedFilter {
  readonly group: number;
  readonly channel: number;
  readonly score: number;
}

/** Every prunable filter, lowest score (first to go) first. */
export function globalRanking(layers: readonly LayerNorms[], terms: AffineTerms): RankedFilter[] {
  const all: RankedFilter[] = [];
  layers.forEach((l, i) => {
    const a = terms.alpha[i]!;
    const k = terms.kappa[i]!;
    l.norms.forEach((v, c) => all.push({ group: l.group, channel: c, score: a * v + k }));
  });
  return all.sort((x, y) => x.score - y.score || x.group - y.group || x.channel - y.channel);
}

/** Keep sets after removing the first `m` filters of the ranking (never the last `minKeep` of a layer). */
export function keepAfter(ranking: readonly RankedFilter[], groups: readonly ChannelGroup[], m: number, minKeep = 1): Map<number, number[]> {
  const left = new Map<number, number>();
  const removed = new Map<number, Set<number>>();
  for (const g of groups) if (g.prunable) left.set(g.id, g.channels);
  let done = 0;
  for (const f of ranking) {
    if (done >= m) break;
    const n = left.get(f.group)!;
    if (n <= minKeep) continue;
    left.set(f.group, n - 1);
    if (!removed.has(f.group)) removed.set(f.group, new Set());
    removed.get(f.group)!.add(f.channel);
    done++;
  }
  const keep = new Map<number, number[]>();
  for (const g of groups) {
    if (!g.prunable) continue;
    const r = removed.get(g.id) ?? new Set<number>();
    keep.set(g.id, [...Array(g.channels).keys()].filter((c) => !r.has(c)));
  }
  return keep;
}

export interface BudgetCut {
  readonly keep: KeepSets;
  readonly network: Network;
  readonly cost: number;
  /** Cost of the unpruned network. */
  readonly base: number;
}

/**
 * The fewest removals from `ranking` that bring cost to at most `budget` x the original
 * (binary search: cost falls as filters go). A budget the network cannot reach returns the
 * most-pruned network allowed by `minKeep`.
 */
export function cutToBudget(network: Network, groups: readonly ChannelGroup[], ranking: readonly RankedFilter[], budget: number, cost: CostFn, minKeep = 1): BudgetCut {
  const base = cost(network);
  const target = budget * base;
  const at = (m: number): { keep: Map<number, number[]>; net: Network; c: number } => {
    const keep = keepAfter(ranking, groups, m, minKeep);
    const net = prunedNetwork(network, groups, keep);
    return { keep, net, c: cost(net) };
  };
  let lo = 0;
  let hi = ranking.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (at(mid).c <= target) hi = mid;
    else lo = mid + 1;
  }
  const r = at(lo);
  return { keep: r.keep, network: r.net, cost: r.c, base };
}

/** Uniform baseline: the same fraction of every layer's filters, smallest norms first. */
export function uniformCut(network: Network, groups: readonly ChannelGroup[], layers: readonly LayerNorms[], budget: number, cost: CostFn, minKeep = 1): BudgetCut {
  const base = cost(network);
  const at = (fraction: number): { keep: Map<number, number[]>; net: Network; c: number } => {
    const keep = new Map<number, number[]>();
    for (const l of layers) {
      const n = l.norms.length;
      const k = Math.max(minKeep, Math.min(n, Math.round(n * (1 - fraction))));
      const order = [...l.norms.keys()].sort((a, b) => l.norms[b]! - l.norms[a]! || a - b);
      keep.set(l.group, order.slice(0, k).sort((a, b) => a - b));
    }
    const net = prunedNetwork(network, groups, keep);
    return { keep, net, c: cost(net) };
  };
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 30; i++) {
    const mid = (lo + hi) / 2;
    if (at(mid).c <= budget * base) hi = mid;
    else lo = mid;
  }
  const r = at(hi);
  return { keep: r.keep, network: r.net, cost: r.c, base };
}
