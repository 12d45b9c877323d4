/**
 * Maps benchmark_model profile rows back to IR layers, using the operator table that
 * buildTflite returns (`opLayers`, and best `opOutputs` / `opInputs` too).
 *
 * - An operator row (`[<tensor>]:<i>`, i below the operator count) is operator i: it must be
 *   named after operator i's output tensor, else it is left unmapped. Its time goes to the
 *   operator's layer (a layer with a helper operator, BN's `<layer>/mul` say, sums both).
 * - A delegate row (node type `TfLite...Delegate...`, or a node index past the model's
 *   operators) stands for a partition of operators and is named after the partition's output
 *   tensors, the last one last. Its operators are found by walking back from those tensors
 *   through operators that have no row of their own, stopping at another partition's named
 *   outputs and at graph inputs (with `opInputs`); without `opInputs`, it takes the operators
 *   without their own row after the previous partition's last operator, up to its own last
 *   one (exact for chains, an approximation for branching graphs).
 * - XNNPACK's detailed rows (`Delegate/<xnn op>:<n>`, TF 2.10+) name no model tensor; when the
 *   table has no delegate row to hold them, their sum is treated as one partition covering
 *   every operator without a row of its own.
 *
 * The rule for a partition's time: it is split over the layers it covers in proportion to
 * `weights` (pass `layerFlops(network)`: FLOPs from analyze.ts), or evenly per operator
 * without weights (or when the covered layers weigh nothing). Such layers are marked
 * `shared`: their times are estimates, good for a block measured as a whole, not alone.
 * A row costs `avgMs * timesCalled` per run.
 */
import { analyzeNetwork } from '../../app/workloads/analyze.js';
import type { Network } from '../../app/workloads/ir.js';
import { rowMsPerRun, type BenchmarkRow } from './parse-benchmark.js';
import { HELPER_SUFFIXES } from './tflite-writer.js';

export interface DelegateBlock {
  /** The delegate row, or undefined for pooled XNNPACK detailed rows. */
  readonly row?: BenchmarkRow;
  /** Per-run ms of the block. */
  readonly ms: number;
  /** Operator indices the block covers. */
  readonly ops: readonly number[];
  /** Layers the block's time was split over, in IR order. */
  readonly layers: readonly string[];
}

export interface RowMapping {
  /** Per-run ms per layer, in IR order, for layers that got any time. */
  readonly perLayer: Map<string, number>;
  /** Layers whose time includes a share of a delegate partition (an estimate). */
  readonly shared: Set<string>;
  readonly blocks: readonly DelegateBlock[];
  /** Rows that map to no operator. */
  readonly unmapped: readonly BenchmarkRow[];
  /** Layers with an operator no row covers (none on a complete profile). */
  readonly unattributed: readonly string[];
}

export interface MapRowsOptions {
  /** Output tensor name of operator i (TfliteArtifact.opOutputs). Derived from the names if absent. */
  readonly opOutputs?: readonly string[];
  /** Activation tensors operator i reads (TfliteArtifact.opInputs): lets partitions follow the graph. */
  readonly opInputs?: readonly (readonly string[])[];
  /** Weight of each layer when a partition's time is split (e.g. `layerFlops(network)`). */
  readonly weights?: ReadonlyMap<string, number>;
}

/** FLOPs per layer (analyze.ts conventions), the usual weights for splitting a partition. */
export function layerFlops(network: Network): Map<string, number> {
  return new Map(analyzeNetwork(network).layers.map((a) => [a.layer.name, a.flops]));
}

const isDelegateType = (nodeType: string): boolean => /^TfLite\w*Delegate/i.test(nodeType) || /Delegate(?:V\d+)?$/.test(nodeType);

/** Tensor name -> producing operator, from opOutputs or, without them, from buildTflite's naming. */
function producers(opLayers: readonly string[], opOutputs: readonly string[] | undefined): Map<string, number> {
  const m = new Map<string, number>();
  if (opOutputs) {
    opOutputs.forEach((t, i) => m.set(t, i));
    return m;
  }
  // buildTflite: a layer's last operator writes `<layer>`; a helper before it `<layer>/<suffix>`.
  opLayers.forEach((l, i) => {
    if (opLayers[i + 1] === l) for (const s of HELPER_SUFFIXES) m.set(`${l}/${s}`, i);
    else m.set(l, i);
  });
  return m;
}

export function mapRowsToLayers(
  rows: readonly BenchmarkRow[],
  opLayers: readonly string[],
  layerNames: readonly string[],
  opts: MapRowsOptions = {},
): RowMapping {
  const known = new Set(layerNames);
  for (const l of opLayers) if (!known.has(l)) throw new Error(`mapRowsToLayers: operator layer ${l} is not among the layer names`);
  const nOps = opLayers.length;
  const producer = producers(opLayers, opts.opOutputs);
  const opMs = new Array<number>(nOps).fill(0);
  const ownRow = new Array<boolean>(nOps).fill(false);
  const unmapped: BenchmarkRow[] = [];
  const delegateRows: { row: BenchmarkRow; ends: number[] }[] = [];
  const internalRows: BenchmarkRow[] = [];

  for (const row of rows) {
    if (row.kind === 'delegate-op') {
      internalRows.push(row);
      continue;
    }
    if (row.kind !== 'op' || row.nodeIndex === null) {
      unmapped.push(row);
      continue;
    }
    if (row.nodeIndex < nOps && !isDelegateType(row.nodeType)) {
      const i = row.nodeIndex;
      if (row.tensorNames.length === 1 && producer.get(row.tensorName ?? '') === i) {
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
  const partitions: { row?: BenchmarkRow; ms: number; ops: number[] }[] = [];
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
    unmapped.push(...internalRows);
  } else if (internalRows.length > 0) {
    const ops = opLayers.map((_, i) => i).filter((i) => !ownRow[i]);
    ops.forEach((i) => (claimed[i] = 0));
    partitions.push({ ms: internalRows.reduce((s, r) => s + rowMsPerRun(r), 0), ops });
  }

  const layerMs = new Map<string, number>();
  const add = (l: string, ms: number): void => void layerMs.set(l, (layerMs.get(l) ?? 0) + ms);
  opMs.forEach((ms, i) => {
    if (ownRow[i]) add(opLayers[i]!, ms);
  });
  const shared = new Set<string>();
  const blocks: DelegateBlock[] = [];
  for (const p of partitions) {
    const opsPerLayer = new Map<string, number>();
    for (const i of p.ops) opsPerLayer.set(opLayers[i]!, (opsPerLayer.get(opLayers[i]!) ?? 0) + 1);
    const layers = layerNames.filter((l) => opsPerLayer.has(l));
    let weight = (l: string): number => opts.weights?.get(l) ?? 0;
    if (!opts.weights || layers.reduce((s, l) => s + Math.max(weight(l), 0), 0) <= 0) weight = (l) => opsPerLayer.get(l)!;
    const total = layers.reduce((s, l) => s + Math.max(weight(l), 0), 0);
    for (const l of layers) {
      add(l, total > 0 ? (p.ms * Math.max(weight(l), 0)) / total : 0);
      shared.add(l);
    }
    if (p.ops.length === 0 && p.row) unmapped.push(p.row);
    else blocks.push({ ...(p.row ? { row: p.row } : {}), ms: p.ms, ops: p.ops, layers });
  }

  const covered = opLayers.map((_, i) => ownRow[i] || claimed[i]! >= 0);
  const unattributed = layerNames.filter((l) => opLayers.some((ol, i) => ol === l && !covered[i]));
  const perLayer = new Map<string, number>();
  for (const l of layerNames) if (layerMs.has(l)) perLayer.set(l, layerMs.get(l)!);
  return { perLayer, shared, blocks, unmapped, unattributed };
}
