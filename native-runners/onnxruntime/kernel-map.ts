/**
 * Which kernels onnxruntime runs for an IR network, read from the graph ORT itself writes
 * after optimizing (session option `optimizedModelFilePath`): at its default level it folds
 * batch norm into convolutions, fuses an activation (and a residual Sum) into a conv, moves
 * convolutions and pools to its blocked NCHWc layout and inserts Reorder nodes where a
 * tensor crosses between layouts. The runtime's own graph, not a copy of its rules, decides
 * the grouping; ORT's profiler names its events after these same nodes.
 *
 * Nodes map to IR layers by name: the artifact writer names each layer's node after the
 * layer (helpers `<layer>/...`), and ORT keeps a node's name or its output's with `_nchwc`
 * appended. A fused conv is named after one layer of its group, not always the last, so the
 * group is rebuilt from the graph: back to the conv the named layer belongs to, then forward
 * over what the node says it absorbed (an `activation` attribute, a fourth `Sum` input).
 */
import onnxProto from 'onnx-proto';
import { analyzeNetwork, outputLayers } from '../../app/workloads/analyze.js';
import { NETWORK_INPUT, type Network, type Shape } from '../../app/workloads/ir.js';
import { layerKernel, reorderKernel, type Kernel } from '../../app/workloads/kernels.js';
import { ownerOf } from './node-owner.js';

export interface OrtNode {
  readonly name: string;
  readonly opType: string;
  readonly domain: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** Attributes by name: a number, a list of numbers or a string. */
  readonly attrs: Readonly<Record<string, number | readonly number[] | string>>;
}

const num = (v: number | { toNumber(): number } | null | undefined): number => (v === null || v === undefined ? 0 : typeof v === 'number' ? v : v.toNumber());

/** The nodes of an ONNX model (as ORT wrote it after optimizing), in graph order. */
export function readOrtNodes(bytes: Uint8Array): OrtNode[] {
  const model = onnxProto.onnx.ModelProto.decode(bytes);
  const T = onnxProto.onnx.AttributeProto.AttributeType;
  return (model.graph?.node ?? []).map((n) => ({
    name: n.name ?? '',
    opType: n.opType ?? '',
    domain: n.domain ?? '',
    inputs: [...(n.input ?? [])],
    outputs: [...(n.output ?? [])],
    attrs: Object.fromEntries(
      (n.attribute ?? []).map((a) => {
        switch (a.type) {
          case T.INT:
            return [a.name ?? '', num(a.i)];
          case T.FLOAT:
            return [a.name ?? '', a.f ?? 0];
          case T.INTS:
            return [a.name ?? '', (a.ints ?? []).map(num)];
          case T.FLOATS:
            return [a.name ?? '', [...(a.floats ?? [])]];
          case T.STRING:
            return [a.name ?? '', new TextDecoder().decode(a.s ?? new Uint8Array())];
          default:
            return [a.name ?? '', ''];
        }
      }),
    ),
  }));
}

export interface OrtKernelMap {
  /** In graph order; a kernel of layers ORT eliminated has no node (it costs nothing). */
  readonly kernels: readonly Kernel[];
  /** ORT node name -> index into `kernels`. */
  readonly nodeKernel: ReadonlyMap<string, number>;
  /** Per kernel, how many ORT nodes run it (0: eliminated by the optimizer). */
  readonly nodeCount: readonly number[];
}

export class KernelMapError extends Error {}

/** Suffixes ORT appends to a node's name when it rewrites the node (layout, a batch norm turned conv). */
const ORT_SUFFIX = /(_nchwc|_bn|_token_\d+)$/;

/** The layer an ORT node belongs to: its name, or its name without ORT's suffixes, or a `/`-prefix of it. */
export function layerOfNode(node: string, names: ReadonlySet<string>): string | undefined {
  for (let n = node.replace(/^fused /, ''); ; ) {
    const owner = ownerOf(n, names);
    if (owner !== undefined) return owner;
    const stripped = n.replace(ORT_SUFFIX, '');
    if (stripped === n) return undefined;
    n = stripped;
  }
}

/** Layers that head a fused chain: what ORT fuses a batch norm, an activation or a Sum into. */
const CONV_OPS: ReadonlySet<string> = new Set(['conv', 'pwconv', 'dwconv', 'fc']);
const ACTIVATIONS: ReadonlySet<string> = new Set(['relu', 'relu6', 'sigmoid', 'hardsigmoid', 'hardswish', 'swish']);
const REORDERS: ReadonlySet<string> = new Set(['ReorderInput', 'ReorderOutput']);
const isConvNode = (n: OrtNode): boolean => n.opType === 'Conv' || n.opType === 'FusedConv' || n.opType === 'FusedGemm';

/** Groups the IR layers of `network` into the kernels of ORT's optimized graph `nodes`. */
export function mapOrtKernels(network: Network, nodes: readonly OrtNode[]): OrtKernelMap {
  const analysis = analyzeNetwork(network);
  const layers = new Map(analysis.layers.map((a) => [a.layer.name, a]));
  const names = new Set(layers.keys());
  const readers = new Map<string, string[]>();
  for (const a of analysis.layers) for (const i of a.layer.inputs) readers.set(i, [...(readers.get(i) ?? []), a.layer.name]);
  const outputs = new Set(outputLayers(network));
  const shapes = new Map<string, Shape>([[NETWORK_INPUT, network.input], ...Object.entries(network.extraInputs ?? {}), ...analysis.layers.map((a) => [a.layer.name, a.outputShape] as const)]);

  /** Whether `layer` is a conv or ends a bn/activation/add chain that starts at one. */
  const leadsToConv = (layer: string): boolean => {
    const l = layers.get(layer)?.layer;
    if (!l) return false;
    if (CONV_OPS.has(l.op)) return true;
    return (l.op === 'bn' || l.op === 'add' || ACTIVATIONS.has(l.op)) && l.inputs.some((i) => (readers.get(i) ?? []).length === 1 && leadsToConv(i));
  };
  /** Layer -> group id; group id -> its layers, its nodes, its variant. */
  const groupOf = new Map<string, number>();
  const groups: { layers: string[]; nodes: string[]; variant?: string; reorder?: Kernel }[] = [];
  // Layers some node is named after: those are that node's, never a fused follower of another.
  const named = new Set(nodes.filter((n) => !REORDERS.has(n.opType)).map((n) => layerOfNode(n.name, names)));
  const owned = (layer: string): boolean => named.has(layer);
  const claim = (layer: string, g: number): void => {
    groupOf.set(layer, g);
    groups[g]!.layers.push(layer);
  };

  for (const node of nodes) {
    if (REORDERS.has(node.opType)) {
      const tensor = node.opType === 'ReorderInput' ? node.inputs[0] : node.outputs[0];
      const shape = tensor === undefined ? undefined : shapes.get(tensor);
      if (!shape) throw new KernelMapError(`${node.opType} node '${node.name}' reorders '${tensor ?? ''}', which is no layer output or input of ${network.name}`);
      groups.push({ layers: [], nodes: [node.name], reorder: reorderKernel(node.opType === 'ReorderInput' ? 'in' : 'out', shape, analysis, tensor) });
      continue;
    }
    const owner = layerOfNode(node.name, names);
    if (owner === undefined) throw new KernelMapError(`ORT node '${node.name}' (${node.opType}) names no layer of ${network.name}`);
    const known = groupOf.get(owner);
    if (known !== undefined) {
      groups[known]!.nodes.push(node.name);
      continue;
    }
    const g = groups.push({ layers: [], nodes: [node.name], ...(node.domain === 'com.microsoft.nchwc' ? { variant: 'nchwc' } : {}) }) - 1;
    if (!isConvNode(node)) {
      claim(owner, g);
      continue;
    }
    for (const l of convChain(owner, node)) claim(l, g);
  }

  /** The conv `named` belongs to, then everything the node says it absorbed after it. */
  function convChain(named: string, node: OrtNode): string[] {
    const back: string[] = [named];
    let head = named;
    // Back to the conv whose chain the named layer ends; a batch norm ORT runs as a conv of its own stays alone.
    while (!CONV_OPS.has(layers.get(head)!.layer.op)) {
      const l = layers.get(head)!.layer;
      const from = l.inputs.filter((i) => layers.has(i) && !groupOf.has(i) && !owned(i) && (readers.get(i) ?? []).length === 1 && leadsToConv(i));
      if (from.length === 0) break;
      head = from[0]!;
      back.unshift(head);
    }
    const sum = node.inputs.length >= 4 && node.inputs[3] !== '';
    const act = node.attrs.activation !== undefined;
    let usedSum = back.some((l) => layers.get(l)!.layer.op === 'add');
    let usedAct = back.some((l) => ACTIVATIONS.has(layers.get(l)!.layer.op));
    const chain = [...back];
    for (let tail = chain[chain.length - 1]!; ; ) {
      const next = readers.get(tail) ?? [];
      if (next.length !== 1 || outputs.has(tail)) break;
      const c = next[0]!;
      const op = layers.get(c)!.layer.op;
      if (groupOf.has(c) || owned(c)) break;
      if (op === 'bn' && !usedSum && !usedAct) chain.push(c);
      else if (op === 'add' && sum && !usedSum && !usedAct) {
        chain.push(c);
        usedSum = true;
      } else if (ACTIVATIONS.has(op) && act && !usedAct) {
        chain.push(c);
        usedAct = true;
      } else break;
      tail = c;
    }
    return chain;
  }

  // Layers no node runs were removed by the optimizer (a Flatten of a flat tensor, say).
  for (const a of analysis.layers) {
    if (!groupOf.has(a.layer.name)) claim(a.layer.name, groups.push({ layers: [], nodes: [] }) - 1);
  }
  const order = new Map(analysis.layers.map((a, i) => [a.layer.name, i]));
  const kernels = groups.map((g) => g.reorder ?? layerKernel(analysis, [...g.layers].sort((x, y) => order.get(x)! - order.get(y)!), g.variant));
  const nodeKernel = new Map<string, number>();
  groups.forEach((g, i) => g.nodes.forEach((n) => nodeKernel.set(n, i)));
  return { kernels, nodeKernel, nodeCount: groups.map((g) => g.nodes.length) };
}
