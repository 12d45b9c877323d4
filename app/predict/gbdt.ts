/**
 * Gradient-boosted regression trees (least squares), small and dependency-free: the kernel
 * models' learner. Trees suit kernel latency, which moves in steps with channel blocking,
 * cache fits and the runtime's choice of algorithm, where a smooth polynomial smears the
 * steps over its neighbours (nn-Meter's kernel predictors are tree ensembles for this reason).
 *
 * Exact greedy splits on presorted features, shrinkage, row subsampling per tree (seeded),
 * and a minimum leaf size. The model is plain JSON.
 */
import { mulberry32 } from '../util/rng.js';

export interface GbdtOptions {
  readonly trees?: number;
  readonly depth?: number;
  readonly rate?: number;
  readonly minLeaf?: number;
  /** Share of rows each tree is grown on. */
  readonly subsample?: number;
  readonly seed?: number;
}

/**
 * A tree in heap order (node i's children are 2i+1 and 2i+2): node i splits on
 * feature[i] <= value[i], or is a leaf (feature -1) worth value[i]; -2 marks no node.
 */
export interface GbdtTree {
  readonly feature: number[];
  readonly value: number[];
}

export interface GbdtModel {
  readonly base: number;
  readonly rate: number;
  readonly trees: readonly GbdtTree[];
}

const DEFAULTS = { trees: 300, depth: 5, rate: 0.08, minLeaf: 4, subsample: 0.8, seed: 1 };

export function fitGbdt(x: readonly (readonly number[])[], y: readonly number[], opts: GbdtOptions = {}): GbdtModel {
  const o = { ...DEFAULTS, ...opts };
  const n = y.length;
  if (n === 0) throw new Error('gbdt: no rows');
  const f = x[0]!.length;
  const base = y.reduce((a, b) => a + b, 0) / n;
  const pred = new Float64Array(n).fill(base);
  const cols = Array.from({ length: f }, (_, j) => Float64Array.from(x, (row) => row[j]!));
  const order = cols.map((c) => Int32Array.from(Array.from({ length: n }, (_, i) => i).sort((a, b) => c[a]! - c[b]!)));
  const rand = mulberry32(o.seed);
  const trees: GbdtTree[] = [];
  const resid = new Float64Array(n);
  const inNode = new Int32Array(n);
  for (let t = 0; t < o.trees; t++) {
    for (let i = 0; i < n; i++) resid[i] = y[i]! - pred[i]!;
    const sampled = new Uint8Array(n);
    for (let i = 0; i < n; i++) sampled[i] = rand() < o.subsample ? 1 : 0;
    const tree = growTree(cols, resid, sampled, order, inNode, o.depth, o.minLeaf);
    for (let i = 0; i < n; i++) pred[i]! += o.rate * predictTree(tree, x[i]!);
    trees.push(tree);
  }
  return { base, rate: o.rate, trees: trees.map((t) => compactTree(t)) };
}

function growTree(
  cols: readonly Float64Array[],
  r: Float64Array,
  sampled: Uint8Array,
  order: readonly Int32Array[],
  inNode: Int32Array,
  depth: number,
  minLeaf: number,
): GbdtTree {
  const size = 2 ** (depth + 1) - 1;
  const tree: GbdtTree = { feature: new Array<number>(size).fill(-2), value: new Array<number>(size).fill(0) };
  const n = r.length;
  // Level by level: inNode[i] is the node row i sits in (-1: not sampled, or in a finished leaf).
  for (let i = 0; i < n; i++) inNode[i] = sampled[i] ? 0 : -1;
  const cnt = new Float64Array(size);
  const sum = new Float64Array(size);
  const accN = new Float64Array(size);
  const accS = new Float64Array(size);
  const last = new Float64Array(size);
  const bestGain = new Float64Array(size);
  const bestFeature = new Int32Array(size);
  const bestThreshold = new Float64Array(size);
  let frontier = [0];
  for (let level = 0; level <= depth && frontier.length; level++) {
    for (const node of frontier) {
      cnt[node] = 0;
      sum[node] = 0;
      bestGain[node] = 1e-12;
      bestFeature[node] = -1;
      tree.feature[node] = -1;
    }
    for (let i = 0; i < n; i++) {
      const node = inNode[i]!;
      if (node < 0) continue;
      cnt[node]! += 1;
      sum[node]! += r[i]!;
    }
    for (const node of frontier) tree.value[node] = cnt[node]! ? sum[node]! / cnt[node]! : 0;
    if (level === depth) break;
    // Best split per frontier node, scanning each feature's presorted rows once.
    for (let j = 0; j < order.length; j++) {
      const ord = order[j]!;
      const col = cols[j]!;
      for (const node of frontier) {
        accN[node] = 0;
        accS[node] = 0;
        last[node] = NaN;
      }
      for (let k = 0; k < n; k++) {
        const i = ord[k]!;
        const node = inNode[i]!;
        if (node < 0) continue;
        const v = col[i]!;
        const ln = accN[node]!;
        const tn = cnt[node]!;
        if (ln >= minLeaf && tn - ln >= minLeaf && v !== last[node]) {
          const ls = accS[node]!;
          const rs = sum[node]! - ls;
          const gain = (ls * ls) / ln + (rs * rs) / (tn - ln) - (sum[node]! * sum[node]!) / tn;
          if (gain > bestGain[node]!) {
            bestGain[node] = gain;
            bestFeature[node] = j;
            bestThreshold[node] = (last[node]! + v) / 2;
          }
        }
        accN[node] = ln + 1;
        accS[node]! += r[i]!;
        last[node] = v;
      }
    }
    const next: number[] = [];
    for (const node of frontier) {
      if (bestFeature[node]! < 0) continue;
      tree.feature[node] = bestFeature[node]!;
      tree.value[node] = bestThreshold[node]!;
      next.push(2 * node + 1, 2 * node + 2);
    }
    for (let i = 0; i < n; i++) {
      const node = inNode[i]!;
      if (node < 0) continue;
      const f = tree.feature[node]!;
      inNode[i] = f < 0 ? -1 : cols[f]![i]! <= tree.value[node]! ? 2 * node + 1 : 2 * node + 2;
    }
    frontier = next;
  }
  return tree;
}

export function predictTree(t: GbdtTree, x: readonly number[]): number {
  let node = 0;
  for (let f = t.feature[0]!; f >= 0; f = t.feature[node]!) node = x[f]! <= t.value[node]! ? 2 * node + 1 : 2 * node + 2;
  return t.value[node]!;
}

/** The tree with its numbers cut to `digits` significant digits and unused slots dropped from the end: for storing. */
export function compactTree(t: GbdtTree, digits = 6): GbdtTree {
  let end = t.feature.length;
  while (end > 1 && t.feature[end - 1] === -2) end--;
  return { feature: t.feature.slice(0, end), value: t.value.slice(0, end).map((v) => Number(v.toPrecision(digits))) };
}

export function predictGbdt(m: GbdtModel, x: readonly number[]): number {
  let s = m.base;
  for (const t of m.trees) s += m.rate * predictTree(t, x);
  return s;
}
