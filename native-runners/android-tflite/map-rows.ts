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
 * - XNNPACK's detailed rows (`Delegate/<xnn op>:<n>`, TF 2.10+) time each XNNPACK node of a
 *   partition (map-rows-xnnpack.ts matches them to the operators): a partition that matches
 *   gets each node's own time (scaled to its delegate row when there is one, which also
 *   holds the delegate's own overhead); one that does not is timed as a whole. Without
 *   delegate rows, partitions are the runs of operators without a row of their own.
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
import { mainOf, timeDetailed, type Graph, type TimingUnit } from './map-rows-xnnpack.js';
import { rowMsPerRun, type BenchmarkRow } from './parse-benchmark.js';
import { HELPER_SUFFIXES } from './tflite-emit.js';

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

/** A delegate partition: its row (absent for runs of operators inferred from detailed rows), per-run ms, operators. */
interface Partition {
  readonly row?: BenchmarkRow;
  readonly ms?: number;
  readonly ops: number[];
}

/** The rows sorted by what they time. */
interface SortedRows {
  /** Per-run ms of each operator that has a row of its own. */
  readonly opMs: number[];
  readonly ownRow: boolean[];
  readonly unmapped: BenchmarkRow[];
  /** Delegate rows and the operators that write their output tensors. */
  readonly delegateRows: { row: BenchmarkRow; ends: number[] }[];
  /** XNNPACK's detailed rows, from the main table and the "Delegate internal:" one. */
  readonly internalRows: BenchmarkRow[];
}

function sortRows(rows: readonly BenchmarkRow[], nOps: number, producer: ReadonlyMap<string, number>, opts: MapRowsOptions): SortedRows {
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
  return { opMs, ownRow, unmapped, delegateRows, internalRows };
}

/**
 * The operators of each delegate row: walked back through the graph from its output tensors
 * (with `opInputs`), else those after the previous partition's last operator up to its own.
 * Without delegate rows but with detailed rows: the runs of operators without a row of their own.
 */
function findPartitions(sorted: SortedRows, nOps: number, producer: ReadonlyMap<string, number>, opInputs: MapRowsOptions['opInputs']): Partition[] {
  const { ownRow, delegateRows } = sorted;
  const claimed = new Array<number>(nOps).fill(-1);
  const partitions: Partition[] = [];
  if (delegateRows.length > 0 && opInputs) {
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
        for (const t of opInputs[i] ?? []) {
          const p = producer.get(t);
          if (p === undefined || (boundary.has(t) && !own.has(t))) continue;
          stack.push(p);
        }
      }
      partitions.push({ row: d.row, ms: rowMsPerRun(d.row), ops: ops.sort((a, b) => a - b) });
    });
  } else if (delegateRows.length > 0) {
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
  } else if (sorted.internalRows.length > 0) {
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
  return partitions;
}

/**
 * Groups: operators timed together, joined with the other operators of their layers (union
 * find over the operators), each with its layers in IR order; and which operators any unit covers.
 */
function groupUnits(units: readonly TimingUnit[], nOps: number, layersOf: (i: number) => readonly string[], layerNames: readonly string[]): { groups: LayerGroup[]; covered: boolean[] } {
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
    for (const l of layersOf(i)) {
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
      const layers = [...new Set(ops.flatMap(layersOf))].sort((a, b) => rank.get(a)! - rank.get(b)!);
      return { layers, ops, ms: grp.ms };
    })
    .sort((a, b) => a.ops[0]! - b.ops[0]!);
  return { groups, covered };
}

/** Each group's time over its layers: whole to a lone layer, else by `weights` (or per operator), marked shared. */
function splitGroups(groups: readonly LayerGroup[], layersOf: (i: number) => readonly string[], weights: MapRowsOptions['weights']): { layerMs: Map<string, number>; shared: Set<string> } {
  const layerMs = new Map<string, number>();
  const shared = new Set<string>();
  for (const grp of groups) {
    if (grp.layers.length === 1) {
      layerMs.set(grp.layers[0]!, grp.ms);
      continue;
    }
    const opsPerLayer = new Map<string, number>();
    for (const i of grp.ops) for (const l of new Set(layersOf(i))) opsPerLayer.set(l, (opsPerLayer.get(l) ?? 0) + 1);
    let weight = (l: string): number => Math.max(weights?.get(l) ?? 0, 0);
    if (!weights || grp.layers.reduce((s, l) => s + weight(l), 0) <= 0) weight = (l) => opsPerLayer.get(l)!;
    const total = grp.layers.reduce((s, l) => s + weight(l), 0);
    for (const l of grp.layers) {
      layerMs.set(l, total > 0 ? (grp.ms * weight(l)) / total : 0);
      shared.add(l);
    }
  }
  return { layerMs, shared };
}

/** Timing units: operators with a row of their own, XNNPACK nodes, partitions timed whole; and a block per partition. */
function timingUnits(sorted: SortedRows, live: readonly Partition[], detailed: ReturnType<typeof timeDetailed>): { units: TimingUnit[]; blocks: DelegateBlock[] } {
  const units: TimingUnit[] = [];
  const blocks: DelegateBlock[] = [];
  sorted.opMs.forEach((ms, i) => {
    if (sorted.ownRow[i]) units.push({ ops: [i], ms, own: true });
  });
  live.forEach((p, k) => {
    const pu = detailed?.units[k] ?? [{ ops: p.ops, ms: p.ms ?? 0, own: false }];
    units.push(...pu);
    blocks.push({ ...(p.row ? { row: p.row } : {}), ms: detailed?.totals[k] ?? p.ms ?? 0, ops: p.ops, layers: [], detailed: detailed?.fit[k] ?? false });
  });
  return { units, blocks };
}

export function mapRowsToLayers(
  rows: readonly BenchmarkRow[],
  opLayers: readonly string[],
  layerNames: readonly string[],
  opts: MapRowsOptions = {},
): RowMapping {
  const known = new Set(layerNames);
  const nOps = opLayers.length;
  const kernel = (i: number): readonly string[] => opts.opKernelLayers?.[i] ?? [opLayers[i]!];
  const layersOf = (i: number): readonly string[] => [opLayers[i]!, ...kernel(i)];
  for (let i = 0; i < nOps; i++) for (const l of layersOf(i)) if (!known.has(l)) throw new Error(`mapRowsToLayers: operator layer ${l} is not among the layer names`);
  const producer = producers(opLayers, opts);
  const outputsOf = (i: number): readonly string[] => opts.opAllOutputs?.[i] ?? (opts.opOutputs ? [opts.opOutputs[i]!] : []);
  const readers = new Map<string, number>();
  for (const ins of opts.opInputs ?? []) for (const t of ins) readers.set(t, (readers.get(t) ?? 0) + 1);
  const graph: Graph = { producer, readers, outputsOf, ...(opts.opInputs ? { opInputs: opts.opInputs } : {}), ...(opts.opTypes ? { opTypes: opts.opTypes } : {}) };

  const sorted = sortRows(rows, nOps, producer, opts);
  const { unmapped, delegateRows, internalRows } = sorted;
  const partitions = findPartitions(sorted, nOps, producer, opts.opInputs);
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

  const { units, blocks } = timingUnits(sorted, live, detailed);
  const { groups, covered } = groupUnits(units, nOps, layersOf, layerNames);
  const { layerMs, shared } = splitGroups(groups, layersOf, opts.weights);
  const ownMs = new Array<number | undefined>(nOps).fill(undefined);
  for (const u of units) {
    if (!u.own) continue;
    const main = mainOf(u, opts.opTypes);
    for (const i of u.ops) ownMs[i] = i === main ? u.ms : 0;
  }
  const finishedBlocks = blocks.map((b) => ({ ...b, layers: layerNames.filter((l) => b.ops.some((i) => opLayers[i] === l || kernel(i).includes(l))) }));
  const unattributed = layerNames.filter((l) => opLayers.some((ol, i) => (ol === l || kernel(i).includes(l)) && !covered[i]));
  const perLayer = new Map<string, number>();
  for (const l of layerNames) if (layerMs.has(l)) perLayer.set(l, layerMs.get(l)!);
  return { perLayer, shared, groups, opMs: ownMs, blocks: finishedBlocks, unmapped, unattributed };
}
