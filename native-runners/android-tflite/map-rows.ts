/**
 * Maps benchmark_model profile rows back to IR layers, using the operator table that
 * buildTflite returns (`opLayers`, and best `opOutputs`, `opInputs`, `opKernelLayers` and
 * `opTypes` too).
 *
 * - An operator row (`[<tensor>]:<i>`, i below the operator count) is operator i: it must be
 *   named after operator i's output tensor(s), else it is left unmapped.
 * - A delegate row (node type `TfLite...Delegate...`, or a node index past the model's
 *   operators) stands for a partition of operators and is named after the partition's output
 *   tensors, the last one last. Its operators are found by walking back from those tensors
 *   through operators that have no row of their own, stopping at another partition's named
 *   outputs and at graph inputs (with `opInputs`); without `opInputs`, it takes the operators
 *   without their own row after the previous partition's last operator, up to its own last
 *   one (exact for chains, an approximation for branching graphs).
 * - XNNPACK's detailed rows (`Delegate/<xnn op>:<n>`, TF 2.10+; in the main table or in a
 *   "Delegate internal:" table) time each XNNPACK node; n counts nodes within a partition.
 *   Partitions run in operator order, and within one, XNNPACK has a node per operator in
 *   operator order, except what it fuses: a RELU/RELU6 whose producer (a conv, fc, pool,
 *   add, mul, sub) in the partition is its only reader joins that node, and (in XNNPACK
 *   builds that do it) a PAD read only by a conv joins the conv's node. Rows of the same name
 *   in two partitions are printed once, `times called` counting both; their time is shared
 *   evenly. Each partition's nodes are matched to the rows in order (names checked against
 *   the operator types where `opTypes` is given): a partition that matches gets each node's
 *   own time (scaled to its delegate row when there is one, which also holds the delegate's
 *   own overhead); one that does not is timed as a whole. Without delegate rows, partitions
 *   are the runs of operators without a row of their own.
 *
 * Times are then given to groups: the smallest sets of layers whose summed time the profile
 * gives exactly (operators timed together, joined with the other operators of their layers:
 * a conv with BN folded in and RELU fused is one group, a partition timed as a whole is
 * another). A group of one layer gives that layer its time. A group of several is split over
 * its layers in proportion to `weights` (pass `layerFlops(network)`: FLOPs from analyze.ts),
 * or evenly per operator without weights (or when its layers weigh nothing); those layers are
 * marked `shared`: their times are estimates, the group's total is not. A row costs
 * `avgMs * timesCalled` per run.
 */
import { analyzeNetwork } from '../../app/workloads/analyze.js';
import type { Network } from '../../app/workloads/ir.js';
import { rowMsPerRun, type BenchmarkRow } from './parse-benchmark.js';
import { HELPER_SUFFIXES } from './tflite-writer.js';

export interface DelegateBlock {
  /** The delegate row, or undefined for XNNPACK detailed rows without one. */
  readonly row?: BenchmarkRow;
  /** Per-run ms of the block. */
  readonly ms: number;
  /** Operator indices the block covers. */
  readonly ops: readonly number[];
  /** Layers the block's time was given to, in IR order. */
  readonly layers: readonly string[];
  /** The block's operators were timed one XNNPACK node at a time (detailed rows matched). */
  readonly detailed: boolean;
}

/** Layers whose summed time the profile gives exactly. */
export interface LayerGroup {
  /** In IR order. */
  readonly layers: readonly string[];
  /** Operator indices, ascending. */
  readonly ops: readonly number[];
  /** Per-run ms. */
  readonly ms: number;
}

export interface RowMapping {
  /** Per-run ms per layer, in IR order, for layers that got any time. */
  readonly perLayer: Map<string, number>;
  /** Layers whose time is a share of a group's (an estimate). */
  readonly shared: Set<string>;
  /** Groups of layers timed together, in operator order. */
  readonly groups: readonly LayerGroup[];
  /**
   * Per-run ms of operator i where a row (or an XNNPACK node) times it apart from other
   * operators (a fused clamp's time is its producer's); undefined inside a partition timed as a whole.
   */
  readonly opMs: readonly (number | undefined)[];
  readonly blocks: readonly DelegateBlock[];
  /** Rows that map to no operator. */
  readonly unmapped: readonly BenchmarkRow[];
  /** Layers with an operator no row covers (none on a complete profile). */
  readonly unattributed: readonly string[];
}

export interface MapRowsOptions {
  /** Output tensor name of operator i (TfliteArtifact.opOutputs). Derived from the names if absent. */
  readonly opOutputs?: readonly string[];
  /** All output tensors of operator i (TfliteArtifact.opAllOutputs): a SPLIT writes several. */
  readonly opAllOutputs?: readonly (readonly string[])[];
  /** Activation tensors operator i reads (TfliteArtifact.opInputs): lets partitions follow the graph. */
  readonly opInputs?: readonly (readonly string[])[];
  /** IR layers operator i implements (TfliteArtifact.opKernelLayers); `[opLayers[i]]` if absent. */
  readonly opKernelLayers?: readonly (readonly string[])[];
  /** BuiltinOperator name of operator i (TfliteArtifact.opTypes): finds fused clamps, checks XNNPACK names. */
  readonly opTypes?: readonly string[];
  /** Rows of a separate "Delegate internal:" table (BenchmarkProfile.delegateInternal). */
  readonly delegateInternal?: readonly BenchmarkRow[];
  /** Weight of each layer when a group's time is split (e.g. `layerFlops(network)`). */
  readonly weights?: ReadonlyMap<string, number>;
}

/** FLOPs per layer (analyze.ts conventions), the usual weights for splitting a group. */
export function layerFlops(network: Network): Map<string, number> {
  return new Map(analyzeNetwork(network).layers.map((a) => [a.layer.name, a.flops]));
}

const isDelegateType = (nodeType: string): boolean => /^TfLite\w*Delegate/i.test(nodeType) || /Delegate(?:V\d+)?$/.test(nodeType);

/** Tensor name -> producing operator, from the outputs or, without them, from buildTflite's naming. */
function producers(opLayers: readonly string[], opts: MapRowsOptions): Map<string, number> {
  const m = new Map<string, number>();
  if (opts.opAllOutputs) opts.opAllOutputs.forEach((ts, i) => ts.forEach((t) => m.set(t, i)));
  if (opts.opOutputs) opts.opOutputs.forEach((t, i) => m.set(t, i));
  if (opts.opAllOutputs || opts.opOutputs) return m;
  // buildTflite: a layer's last operator writes `<layer>`; a helper before it `<layer>/<suffix>`
  // (exact for layers with one helper; with several, the first claims the names).
  opLayers.forEach((l, i) => {
    const next = opLayers[i + 1];
    const helps = next === l || (next !== undefined && (opts.opKernelLayers?.[i + 1]?.includes(l) ?? false));
    if (!helps) m.set(l, i);
    else for (const s of HELPER_SUFFIXES) if (!m.has(`${l}/${s}`)) m.set(`${l}/${s}`, i);
  });
  return m;
}

// ---- XNNPACK's detailed rows ----

/** Operators whose clamp XNNPACK fuses (xnn_subgraph_fusion: the producer takes the output range). */
const CLAMP_PRODUCERS = new Set(['CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED', 'ADD', 'SUB', 'MUL', 'DIV', 'AVERAGE_POOL_2D', 'MAX_POOL_2D', 'TRANSPOSE_CONV']);
const CLAMPS = new Set(['RELU', 'RELU6', 'RELU_N1_TO_1']);

/** XNNPACK operator names each TFLite operator becomes (names vary across XNNPACK versions). */
const XNN_NAMES: Readonly<Record<string, RegExp>> = {
  CONV_2D: /^Convolution\b/,
  DEPTHWISE_CONV_2D: /^Convolution\b/,
  FULLY_CONNECTED: /^Fully Connected\b/,
  ADD: /^Add\b/,
  SUB: /^Subtract\b/,
  MUL: /^Multiply\b/,
  MAX_POOL_2D: /^Max Pooling\b/,
  AVERAGE_POOL_2D: /^(?:Global )?Average Pooling\b/,
  MEAN: /^(?:Global Average Pooling|Mean)\b/,
  SOFTMAX: /^Soft[Mm]ax\b/,
  LOGISTIC: /^Sigmoid\b/,
  HARD_SWISH: /^Hard ?Swish\b/,
  RELU: /^Clamp\b/,
  RELU6: /^Clamp\b/,
  PAD: /^Constant Pad\b/,
  RESHAPE: /^Copy\b/,
  TRANSPOSE: /^Transpose\b/,
  SLICE: /^Slice\b/,
  STRIDED_SLICE: /^Slice\b/,
  SPLIT: /^(?:Copy|Slice|Split|Even Split)\b/,
  CONCATENATION: /^(?:Concatenat|Copy)/,
  RESIZE_BILINEAR: /^Resize Bilinear\b/,
};

interface XnnNode {
  /** The operator the node is named after. */
  readonly main: number;
  /** It and the operators fused into it, ascending. */
  readonly ops: number[];
}

interface DetailedRow {
  readonly row: BenchmarkRow;
  readonly name: string;
  readonly index: number;
}

interface Graph {
  readonly producer: ReadonlyMap<string, number>;
  readonly readers: ReadonlyMap<string, number>;
  readonly opInputs?: readonly (readonly string[])[];
  readonly opTypes?: readonly string[];
  readonly outputsOf: (i: number) => readonly string[];
}

/** The XNNPACK nodes of a partition's operators, in order, with clamps (and, if `fusePad`, PADs) fused. */
function xnnNodes(ops: readonly number[], g: Graph, fusePad: boolean): XnnNode[] {
  const inside = new Set(ops);
  const nodeOf = new Map<number, XnnNode>();
  const nodes: XnnNode[] = [];
  const type = (i: number): string | undefined => g.opTypes?.[i];
  /** The single in-partition producer whose output only operator i reads. */
  const soleSource = (i: number): number | undefined => {
    const ins = g.opInputs?.[i] ?? [];
    if (ins.length !== 1) return undefined;
    const p = g.producer.get(ins[0]!);
    return p !== undefined && inside.has(p) && g.readers.get(ins[0]!) === 1 && g.outputsOf(p).length === 1 ? p : undefined;
  };
  const padOf = new Map<number, number>();
  if (fusePad) {
    for (const i of ops) {
      const t = type(i);
      const p = t === 'CONV_2D' || t === 'DEPTHWISE_CONV_2D' ? soleSource(i) : undefined;
      if (p !== undefined && type(p) === 'PAD') padOf.set(p, i);
    }
  }
  for (const i of ops) {
    if (padOf.has(i)) continue;
    const p = CLAMPS.has(type(i) ?? '') ? soleSource(i) : undefined;
    const into = p !== undefined && CLAMP_PRODUCERS.has(type(p) ?? '') ? nodeOf.get(p) : undefined;
    if (into) {
      into.ops.push(i);
      nodeOf.set(i, into);
      continue;
    }
    const node: XnnNode = { main: i, ops: [i] };
    for (const [pad, conv] of padOf) if (conv === i) node.ops.unshift(pad);
    nodeOf.set(i, node);
    nodes.push(node);
  }
  return nodes;
}

interface Matched {
  /** Per node: the row that times it. */
  readonly rows: DetailedRow[];
  readonly namesFit: boolean;
  /** Index of the first row after this partition's. */
  readonly next: number;
}

/**
 * Matches a partition's nodes to the detailed rows from `cursor` on: node j takes the next row
 * when its index is j, else the latest earlier row of index j and a fitting name (the row
 * printed once for nodes of the same name in several partitions); undefined when neither is there.
 */
function matchPartition(nodes: readonly XnnNode[], rows: readonly DetailedRow[], cursor: number, uses: ReadonlyMap<DetailedRow, number>, g: Graph): Matched | undefined {
  const fits = (node: XnnNode, r: DetailedRow): boolean => {
    const t = g.opTypes?.[node.main];
    const re = t === undefined ? undefined : XNN_NAMES[t];
    return re === undefined || re.test(r.name);
  };
  const picked: DetailedRow[] = [];
  const extra = new Map<DetailedRow, number>();
  let c = cursor;
  let namesFit = true;
  for (let j = 0; j < nodes.length; j++) {
    const node = nodes[j]!;
    // The next row, unless its name does not fit and an earlier row of this index and name is
    // free: a later partition's first-printed node (GAP:2) must not be taken for a conv:2.
    const next = rows[c]?.index === j ? rows[c] : undefined;
    let r: DetailedRow | undefined = next && fits(node, next) ? next : undefined;
    if (!r) {
      const free = (x: DetailedRow): boolean => (uses.get(x) ?? 0) + (extra.get(x) ?? 0) < x.row.timesCalled;
      for (let k = c - 1; k >= 0 && !r; k--) if (rows[k]!.index === j && fits(node, rows[k]!) && free(rows[k]!)) r = rows[k];
      r ??= next;
      if (!r) return undefined;
    }
    if (r === next) c++;
    extra.set(r, (extra.get(r) ?? 0) + 1);
    namesFit &&= fits(node, r);
    picked.push(r);
  }
  return { rows: picked, namesFit, next: c };
}

interface TimingUnit {
  readonly ops: readonly number[];
  readonly ms: number;
  /** The operators are timed apart from the rest of their partition. */
  readonly own: boolean;
}

/**
 * Times each partition's XNNPACK nodes from the detailed rows; undefined when the rows do
 * not follow the partitions (another model, or an XNNPACK that splits operators otherwise).
 */
function timeDetailed(
  partitions: readonly { ops: readonly number[]; ms?: number }[],
  detailed: readonly BenchmarkRow[],
  g: Graph,
): { units: TimingUnit[][]; totals: number[]; fit: boolean[] } | undefined {
  const rows: DetailedRow[] = [];
  for (const row of detailed) {
    const m = /^Delegate\/(.*):(\d+)$/.exec(row.name);
    if (!m) return undefined;
    rows.push({ row, name: m[1]!, index: Number(m[2]) });
  }
  const uses = new Map<DetailedRow, number>();
  const matched: { nodes: XnnNode[]; m: Matched }[] = [];
  let cursor = 0;
  for (const p of partitions) {
    let best: { nodes: XnnNode[]; m: Matched } | undefined;
    for (const fusePad of [false, true]) {
      const nodes = xnnNodes(p.ops, g, fusePad);
      const m = matchPartition(nodes, rows, cursor, uses, g);
      if (m && (!best || (m.namesFit && !best.m.namesFit))) best = { nodes, m };
      if (best?.m.namesFit) break;
    }
    if (!best) return undefined;
    for (const r of best.m.rows) uses.set(r, (uses.get(r) ?? 0) + 1);
    matched.push(best);
    cursor = best.m.next;
  }
  if (cursor !== rows.length) return undefined;
  // A row stands for every node it was matched to: its per-run time is shared evenly.
  const nodeMs = (r: DetailedRow): number => rowMsPerRun(r.row) / (uses.get(r) ?? 1);
  const units: TimingUnit[][] = [];
  const totals: number[] = [];
  const fit: boolean[] = [];
  matched.forEach(({ nodes, m }, k) => {
    const times = m.rows.map(nodeMs);
    const sum = times.reduce((s, v) => s + v, 0);
    const given = partitions[k]!.ms;
    const total = given ?? sum;
    totals.push(total);
    fit.push(m.namesFit);
    if (!m.namesFit) {
      units.push([{ ops: [...partitions[k]!.ops], ms: total, own: false }]);
      return;
    }
    const scale = given !== undefined && sum > 0 ? given / sum : 1;
    units.push(nodes.map((n, j) => ({ ops: n.ops, ms: times[j]! * scale, own: true })));
  });
  return { units, totals, fit };
}

// ---- the mapping ----

export function mapRowsToLayers(
  rows: readonly BenchmarkRow[],
  opLayers: readonly string[],
  layerNames: readonly string[],
  opts: MapRowsOptions = {},
): RowMapping {
  const known = new Set(layerNames);
  const nOps = opLayers.length;
  const kernel = (i: number): readonly string[] => opts.opKernelLayers?.[i] ?? [opLayers[i]!];
  for (let i = 0; i < nOps; i++) for (const l of [opLayers[i]!, ...kernel(i)]) if (!known.has(l)) throw new Error(`mapRowsToLayers: operator layer ${l} is not among the layer names`);
  const producer = producers(opLayers, opts);
  const outputsOf = (i: number): readonly string[] => opts.opAllOutputs?.[i] ?? (opts.opOutputs ? [opts.opOutputs[i]!] : []);
  const readers = new Map<string, number>();
  for (const ins of opts.opInputs ?? []) for (const t of ins) readers.set(t, (readers.get(t) ?? 0) + 1);
  const graph: Graph = { producer, readers, outputsOf, ...(opts.opInputs ? { opInputs: opts.opInputs } : {}), ...(opts.opTypes ? { opTypes: opts.opTypes } : {}) };

  const opMs = new Array<number>(nOps).fill(0);
  const ownRow = new Array<boolean>(nOps).fill(false);
  const unmapped: BenchmarkRow[] = [];
  const delegateRows: { row: BenchmarkRow; ends: number[] }[] = [];
  const internalRows: BenchmarkRow[] = [...rows.filter((r) => r.kind === 'delegate-op'), ...(opts.delegateInternal ?? [])];

  for (const row of rows) {
    if (row.kind === 'delegate-op') continue;
    if (row.kind !== 'op' || row.nodeIndex === null) {
      unmapped.push(row);
      continue;
    }
    if (row.nodeIndex < nOps && !isDelegateType(row.nodeType)) {
      const i = row.nodeIndex;
      if (producer.get(row.tensorName ?? '') === i && row.tensorNames.every((t) => producer.get(t) === i)) {
        opMs[i]! += rowMsPerRun(row);
        ownRow[i] = true;
      } else unmapped.push(row);
      continue;
    }
    const ends = row.tensorNames.map((t) => producer.get(t));
    if (ends.length === 0 || ends.some((e) => e === undefined)) unmapped.push(row);
    else delegateRows.push({ row, ends: ends as number[] });
  }

  const claimed = new Array<number>(nOps).fill(-1);
  const partitions: { row?: BenchmarkRow; ms?: number; ops: number[] }[] = [];
  if (delegateRows.length > 0) {
    if (opts.opInputs) {
      const boundary = new Set(delegateRows.flatMap((d) => d.row.tensorNames));
      delegateRows.forEach((d, k) => {
        const own = new Set(d.row.tensorNames);
        const stack = [...d.ends];
        const ops: number[] = [];
        while (stack.length) {
          const i = stack.pop()!;
          if (ownRow[i] || claimed[i]! >= 0) continue;
          claimed[i] = k;
          ops.push(i);
          for (const t of opts.opInputs![i] ?? []) {
            const p = producer.get(t);
            if (p === undefined || (boundary.has(t) && !own.has(t))) continue;
            stack.push(p);
          }
        }
        partitions.push({ row: d.row, ms: rowMsPerRun(d.row), ops: ops.sort((a, b) => a - b) });
      });
    } else {
      const order = delegateRows.map((d, k) => ({ ...d, k, end: Math.max(...d.ends) })).sort((a, b) => a.end - b.end);
      let prev = -1;
      for (const d of order) {
        const ops: number[] = [];
        for (let i = prev + 1; i <= d.end; i++) {
          if (ownRow[i] || claimed[i]! >= 0) continue;
          claimed[i] = d.k;
          ops.push(i);
        }
        partitions.push({ row: d.row, ms: rowMsPerRun(d.row), ops });
        prev = Math.max(prev, d.end);
      }
    }
  } else if (internalRows.length > 0) {
    // No delegate rows: the partitions are the runs of operators without a row of their own.
    let run: number[] = [];
    for (let i = 0; i <= nOps; i++) {
      if (i < nOps && !ownRow[i]) run.push(i);
      else if (run.length) {
        partitions.push({ ops: run });
        run = [];
      }
    }
  }
  // Partitions in execution order (XNNPACK numbers nodes within each, in that order).
  const live = partitions.filter((p) => p.ops.length > 0).sort((a, b) => a.ops[0]! - b.ops[0]!);
  for (const p of partitions) if (p.ops.length === 0 && p.row) unmapped.push(p.row);

  let detailed: ReturnType<typeof timeDetailed>;
  if (internalRows.length > 0) {
    detailed = timeDetailed(live, internalRows, graph);
    if (!detailed) {
      if (delegateRows.length > 0) unmapped.push(...internalRows);
      else {
        // Rows that do not follow the partitions: pooled into one block over all of them.
        const ops = live.flatMap((p) => p.ops).sort((a, b) => a - b);
        live.splice(0, live.length, { ops, ms: internalRows.reduce((s, r) => s + rowMsPerRun(r), 0) });
      }
    }
  }

  // Timing units: operators with a row of their own, XNNPACK nodes, partitions timed whole.
  const units: TimingUnit[] = [];
  const blocks: DelegateBlock[] = [];
  opMs.forEach((ms, i) => {
    if (ownRow[i]) units.push({ ops: [i], ms, own: true });
  });
  live.forEach((p, k) => {
    const pu = detailed?.units[k] ?? [{ ops: p.ops, ms: p.ms ?? 0, own: false }];
    units.push(...pu);
    blocks.push({ ...(p.row ? { row: p.row } : {}), ms: detailed?.totals[k] ?? p.ms ?? 0, ops: p.ops, layers: [], detailed: detailed?.fit[k] ?? false });
  });

  // Groups: operators timed together, joined with the other operators of their layers.
  const parent = Array.from({ length: nOps }, (_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
  const join = (a: number, b: number): void => void (parent[find(a)] = find(b));
  const covered = new Array<boolean>(nOps).fill(false);
  for (const u of units) {
    for (const i of u.ops) {
      covered[i] = true;
      join(i, u.ops[0]!);
    }
  }
  const firstOpOf = new Map<string, number>();
  for (let i = 0; i < nOps; i++) {
    if (!covered[i]) continue;
    for (const l of [opLayers[i]!, ...kernel(i)]) {
      const f = firstOpOf.get(l);
      if (f === undefined) firstOpOf.set(l, i);
      else join(i, f);
    }
  }
  const byRoot = new Map<number, { ops: number[]; ms: number }>();
  for (const u of units) {
    const root = find(u.ops[0]!);
    const grp = byRoot.get(root) ?? { ops: [], ms: 0 };
    grp.ops.push(...u.ops);
    grp.ms += u.ms;
    byRoot.set(root, grp);
  }
  const rank = new Map(layerNames.map((l, i) => [l, i]));
  const groups: LayerGroup[] = [...byRoot.values()]
    .map((grp) => {
      const ops = [...new Set(grp.ops)].sort((a, b) => a - b);
      const layers = [...new Set(ops.flatMap((i) => [opLayers[i]!, ...kernel(i)]))].sort((a, b) => rank.get(a)! - rank.get(b)!);
      return { layers, ops, ms: grp.ms };
    })
    .sort((a, b) => a.ops[0]! - b.ops[0]!);

  const layerMs = new Map<string, number>();
  const shared = new Set<string>();
  for (const grp of groups) {
    if (grp.layers.length === 1) {
      layerMs.set(grp.layers[0]!, grp.ms);
      continue;
    }
    const opsPerLayer = new Map<string, number>();
    for (const i of grp.ops) for (const l of new Set([opLayers[i]!, ...kernel(i)])) opsPerLayer.set(l, (opsPerLayer.get(l) ?? 0) + 1);
    let weight = (l: string): number => Math.max(opts.weights?.get(l) ?? 0, 0);
    if (!opts.weights || grp.layers.reduce((s, l) => s + weight(l), 0) <= 0) weight = (l) => opsPerLayer.get(l)!;
    const total = grp.layers.reduce((s, l) => s + weight(l), 0);
    for (const l of grp.layers) {
      layerMs.set(l, total > 0 ? (grp.ms * weight(l)) / total : 0);
      shared.add(l);
    }
  }

  const ownMs = new Array<number | undefined>(nOps).fill(undefined);
  for (const u of units) {
    if (!u.own) continue;
    const main = mainOf(u, opts);
    for (const i of u.ops) ownMs[i] = i === main ? u.ms : 0;
  }
  const finishedBlocks = blocks.map((b) => ({ ...b, layers: layerNames.filter((l) => b.ops.some((i) => opLayers[i] === l || kernel(i).includes(l))) }));
  const unattributed = layerNames.filter((l) => opLayers.some((ol, i) => (ol === l || kernel(i).includes(l)) && !covered[i]));
  const perLayer = new Map<string, number>();
  for (const l of layerNames) if (layerMs.has(l)) perLayer.set(l, layerMs.get(l)!);
  return { perLayer, shared, groups, opMs: ownMs, blocks: finishedBlocks, unmapped, unattributed };
}

/** The operator a unit's time is reported on: the one not fused into another (not a clamp or PAD). */
function mainOf(u: TimingUnit, opts: MapRowsOptions): number {
  if (u.ops.length === 1 || !opts.opTypes) return u.ops[0]!;
  return u.ops.find((i) => !CLAMPS.has(opts.opTypes![i]!) && opts.opTypes![i] !== 'PAD') ?? u.ops[0]!;
}
