/**
 * Channel groups of an IR network and physical filter pruning.
 *
 * A group is a set of channels that must be removed together: the outputs of a conv or fc
 * layer, carried unchanged through batch norm, ReLU and pooling, and merged by residual
 * additions (an `add` joins the channel spaces of all its inputs, so the convs feeding a
 * residual sum are pruned with one mask). Removing channel j of a group removes filter j of
 * every producer, entry j of every batch norm on it, and input channel j of every consumer
 * (for an fc after a flattened map, the j-th channel at every spatial position).
 *
 * The network input, the logits and anything a concat reads stay whole.
 */
import { analyzeNetwork, outputLayers } from '../workloads/analyze.js';
import { NETWORK_INPUT, type Layer, type Network } from '../workloads/ir.js';
import type { WeightArrays } from '../train/ir-net.js';

export interface ChannelConsumer {
  readonly layer: string;
  readonly kind: 'conv' | 'fc';
  /** Spatial positions per channel in an fc's input (H x W of a flattened map; 1 for a vector). */
  readonly spatial: number;
}

export interface ChannelGroup {
  readonly id: number;
  readonly channels: number;
  /** Conv and fc layers whose output channels these are. */
  readonly producers: readonly string[];
  readonly bns: readonly string[];
  readonly consumers: readonly ChannelConsumer[];
  readonly prunable: boolean;
}

class UnionFind {
  private readonly parent: number[] = [];
  make(): number {
    this.parent.push(this.parent.length);
    return this.parent.length - 1;
  }
  find(a: number): number {
    while (this.parent[a] !== a) a = this.parent[a] = this.parent[this.parent[a]!]!;
    return a;
  }
  union(a: number, b: number): void {
    this.parent[this.find(a)] = this.find(b);
  }
}

interface TensorInfo {
  readonly space: number;
  /** Spatial positions per channel once flattened (1 for a vector that came from fc). */
  readonly spatial: number;
}

export function channelGroups(network: Network): ChannelGroup[] {
  const analysis = analyzeNetwork(network);
  const uf = new UnionFind();
  const tensors = new Map<string, TensorInfo>();
  const channelsOf = new Map<number, number>();
  const frozen = new Set<number>();
  const producers = new Map<number, string[]>();
  const bns = new Map<number, string[]>();
  const consumers = new Map<number, ChannelConsumer[]>();
  const push = <T>(m: Map<number, T[]>, k: number, v: T): void => {
    m.set(k, [...(m.get(k) ?? []), v]);
  };

  const input = uf.make();
  frozen.add(input);
  channelsOf.set(input, network.input[0]!);
  tensors.set(NETWORK_INPUT, { space: input, spatial: network.input.length === 3 ? network.input[1]! * network.input[2]! : 1 });

  for (const a of analysis.layers) {
    const l: Layer = a.layer;
    const ins = l.inputs.map((n) => tensors.get(n)!);
    const x = ins[0]!;
    const out = a.outputShape;
    const spatialOut = out.length === 3 ? out[1]! * out[2]! : 1;
    switch (l.op) {
      case 'conv':
      case 'fc': {
        const inShape = a.inputShapes[0]!;
        const spatial = l.op === 'fc' ? (inShape.length === 3 ? inShape[1]! * inShape[2]! : x.spatial) : 1;
        push(consumers, x.space, { layer: l.name, kind: l.op, spatial });
        const s = uf.make();
        channelsOf.set(s, out[0]!);
        push(producers, s, l.name);
        tensors.set(l.name, { space: s, spatial: spatialOut });
        break;
      }
      case 'bn':
        push(bns, x.space, l.name);
        tensors.set(l.name, { space: x.space, spatial: spatialOut });
        break;
      case 'relu':
      case 'relu6':
      case 'maxpool':
      case 'avgpool':
      case 'gap':
      case 'softmax':
        tensors.set(l.name, { space: x.space, spatial: spatialOut });
        break;
      case 'flatten': {
        const inShape = a.inputShapes[0]!;
        tensors.set(l.name, { space: x.space, spatial: inShape.length === 3 ? inShape[1]! * inShape[2]! : x.spatial });
        break;
      }
      case 'add':
        for (const t of ins.slice(1)) uf.union(t.space, x.space);
        tensors.set(l.name, { space: x.space, spatial: spatialOut });
        break;
      default: {
        // concat, depthwise and pointwise convs: not handled, so their inputs stay whole.
        for (const t of ins) frozen.add(t.space);
        const s = uf.make();
        frozen.add(s);
        channelsOf.set(s, out[0]!);
        tensors.set(l.name, { space: s, spatial: spatialOut });
      }
    }
  }
  for (const name of outputLayers(network)) frozen.add(tensors.get(name)!.space);

  const roots = new Map<number, { spaces: number[] }>();
  for (const s of channelsOf.keys()) {
    const r = uf.find(s);
    roots.set(r, { spaces: [...(roots.get(r)?.spaces ?? []), s] });
  }
  // A frozen space freezes its whole union (the residual partners of a logits input, say).
  const frozenRoots = new Set([...frozen].map((s) => uf.find(s)));
  const groups: ChannelGroup[] = [];
  for (const [root, { spaces }] of roots) {
    const collect = <T>(m: Map<number, T[]>): T[] => spaces.flatMap((s) => m.get(s) ?? []);
    const prods = collect(producers);
    groups.push({
      id: groups.length,
      channels: channelsOf.get(spaces[0]!)!,
      producers: prods,
      bns: collect(bns),
      consumers: collect(consumers),
      prunable: prods.length > 0 && !frozenRoots.has(root),
    });
  }
  return groups;
}

/** Keep lists (sorted channel indices) per group id; groups left out keep everything. */
export type KeepSets = ReadonlyMap<number, readonly number[]>;

/** The IR after pruning: producers' `out` shrinks to the kept count. */
export function prunedNetwork(network: Network, groups: readonly ChannelGroup[], keep: KeepSets | ReadonlyMap<number, number>): Network {
  const outs = new Map<string, number>();
  for (const g of groups) {
    const k = keep.get(g.id);
    if (k === undefined) continue;
    const n = typeof k === 'number' ? k : k.length;
    for (const p of g.producers) outs.set(p, n);
  }
  return {
    ...network,
    layers: network.layers.map((l) => ((l.op === 'conv' || l.op === 'fc') && outs.has(l.name) ? { ...l, out: outs.get(l.name)! } : l)),
  };
}

/** Keeps `keep` indices along `axis` of a row-major array. */
export function sliceAxis(data: Float32Array, shape: readonly number[], axis: number, keep: readonly number[]): { shape: number[]; data: Float32Array } {
  const outer = shape.slice(0, axis).reduce((p, d) => p * d, 1);
  const inner = shape.slice(axis + 1).reduce((p, d) => p * d, 1);
  const dim = shape[axis]!;
  const out = new Float32Array(outer * keep.length * inner);
  let o = 0;
  for (let i = 0; i < outer; i++) {
    for (const k of keep) {
      const start = (i * dim + k) * inner;
      out.set(data.subarray(start, start + inner), o);
      o += inner;
    }
  }
  const newShape = [...shape];
  newShape[axis] = keep.length;
  return { shape: newShape, data: out };
}

/** Rows of an fc matrix that carry the kept channels of a flattened NHWC map (h, w, c order). */
function fcRows(channels: number, spatial: number, keep: readonly number[]): number[] {
  const rows: number[] = [];
  for (let p = 0; p < spatial; p++) for (const c of keep) rows.push(p * channels + c);
  return rows;
}

/** Physically removes the channels not in `keep`: a smaller IR and smaller arrays. */
export function pruneArrays(network: Network, groups: readonly ChannelGroup[], arrays: WeightArrays, keep: KeepSets): { network: Network; arrays: WeightArrays } {
  const out: WeightArrays = new Map(arrays);
  const slice = (name: string, axis: number, idx: readonly number[]): void => {
    const a = out.get(name);
    if (!a) return;
    out.set(name, sliceAxis(a.data, a.shape, axis, idx));
  };
  for (const g of groups) {
    const k = keep.get(g.id);
    if (!k || k.length === g.channels) continue;
    if (!g.prunable) throw new Error(`channel group ${g.id} (${g.producers.join(', ')}) cannot be pruned`);
    if (k.length === 0) throw new Error(`channel group ${g.id} would lose every channel`);
    for (const p of g.producers) {
      const w = out.get(`${p}.weight`)!;
      slice(`${p}.weight`, w.shape.length - 1, k);
      slice(`${p}.bias`, 0, k);
    }
    for (const b of g.bns) for (const s of ['gamma', 'beta', 'mean', 'var']) slice(`${b}.${s}`, 0, k);
    for (const c of g.consumers) {
      if (c.kind === 'conv') slice(`${c.layer}.weight`, 2, k);
      else slice(`${c.layer}.weight`, 0, fcRows(g.channels, c.spatial, k));
    }
  }
  return { network: prunedNetwork(network, groups, keep), arrays: out };
}

/**
 * The same network with the dropped channels silenced instead of removed: producers'
 * filters and biases and the batch norms' gamma and beta set to zero, so those channels are
 * exactly 0 everywhere (inference mode). Its output must equal the pruned network's.
 */
export function zeroChannels(groups: readonly ChannelGroup[], arrays: WeightArrays, keep: KeepSets): WeightArrays {
  const out: WeightArrays = new Map(arrays);
  const zero = (name: string, channels: number, dropped: readonly number[]): void => {
    const a = out.get(name);
    if (!a) return;
    const data = new Float32Array(a.data);
    for (let i = 0; i < data.length; i++) if (dropped.includes(i % channels)) data[i] = 0;
    out.set(name, { shape: a.shape, data });
  };
  for (const g of groups) {
    const k = keep.get(g.id);
    if (!k) continue;
    const dropped = [...Array(g.channels).keys()].filter((c) => !k.includes(c));
    for (const p of g.producers) {
      zero(`${p}.weight`, g.channels, dropped);
      zero(`${p}.bias`, g.channels, dropped);
    }
    for (const b of g.bns) for (const s of ['gamma', 'beta']) zero(`${b}.${s}`, g.channels, dropped);
  }
  return out;
}

/** Squared L2 norm of each output filter of every producer, summed over the group's producers. */
export function filterNormsSquared(group: ChannelGroup, arrays: WeightArrays): Float64Array {
  const norms = new Float64Array(group.channels);
  for (const p of group.producers) {
    const w = arrays.get(`${p}.weight`)!;
    // Output channels are the last axis (HWIO conv, [in, out] fc).
    for (let i = 0; i < w.data.length; i++) norms[i % group.channels]! += w.data[i]! * w.data[i]!;
  }
  return norms;
}
