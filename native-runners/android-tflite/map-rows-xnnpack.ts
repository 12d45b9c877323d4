/**
 * XNNPACK's detailed profile rows (`Delegate/<xnn op>:<n>`, TF 2.10+; in the main table or in
 * a "Delegate internal:" table), matched to the operators of the delegate's partitions for
 * map-rows.ts. n counts nodes within a partition. Partitions run in operator order, and
 * within one, XNNPACK has a node per operator in operator order, except what it fuses: a
 * RELU/RELU6 whose producer (a conv, fc, pool, add, mul, sub) in the partition is its only
 * reader joins that node, and (in XNNPACK builds that do it) a PAD read only by a conv joins
 * the conv's node. Rows of the same name in two partitions are printed once, `times called`
 * counting both; their time is shared evenly. A partition whose nodes match the rows in
 * order (names checked against the operator types where they are known) gets each node's
 * own time; one that does not is timed as a whole.
 */
import { rowMsPerRun, type BenchmarkRow } from './parse-benchmark.js';

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

/** The operator graph as far as the options give it. */
export interface Graph {
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

export interface TimingUnit {
  readonly ops: readonly number[];
  readonly ms: number;
  /** The operators are timed apart from the rest of their partition. */
  readonly own: boolean;
}

/**
 * Times each partition's XNNPACK nodes from the detailed rows; undefined when the rows do
 * not follow the partitions (another model, or an XNNPACK that splits operators otherwise).
 */
export function timeDetailed(
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

/** The operator a unit's time is reported on: the one not fused into another (not a clamp or PAD). */
export function mainOf(u: TimingUnit, opTypes: readonly string[] | undefined): number {
  if (u.ops.length === 1 || !opTypes) return u.ops[0]!;
  return u.ops.find((i) => !CLAMPS.has(opTypes[i]!) && opTypes[i] !== 'PAD') ?? u.ops[0]!;
}
