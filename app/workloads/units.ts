/**
 * Profiling units: the pieces of a workload that are measured one by one and become LUT
 * rows. For a network, each layer is a unit; layers with the same configuration (op,
 * hyperparameters, input shapes, batch) share one key and are measured once, as nn-Meter's
 * kernel LUTs do. A NAS space contributes its candidate blocks instead (see spnas-plan.ts).
 */
import { analyzeNetwork, type AnalyzedLayer } from './analyze.js';
import { NETWORK_INPUT, type Layer, type Network, type Shape } from './ir.js';

export interface ProfileUnit {
  /** LUT key: the canonical configuration. */
  readonly key: string;
  readonly op: string;
  readonly config: Readonly<Record<string, unknown>>;
  /** What is run to measure the unit: the layer or block alone, fed from graph inputs. */
  readonly network: Network;
  /** Names of the workload's layers (or blocks) whose latency this unit gives. */
  readonly layers: readonly string[];
}

export interface WorkloadPlan {
  readonly workload: string;
  readonly units: readonly ProfileUnit[];
  /** The network measured end to end, to hold the sum of its units against; none for a layer sample. */
  readonly endToEnd?: Network;
  /** Display order of the end-to-end network's parts and the unit key each maps to. */
  readonly parts: readonly { readonly name: string; readonly op: string; readonly key: string }[];
}

const dims = (s: Shape): string => s.join('x');

/** Hyperparameters of a layer without its wiring: what decides its latency. */
export function layerConfig(a: AnalyzedLayer, batch: number): Record<string, unknown> {
  const { name: _n, inputs: _i, block: _b, ...hyper } = a.layer;
  return { ...hyper, batch, inputs: a.inputShapes.map((s) => [...s]) };
}

export function layerKey(a: AnalyzedLayer, batch: number): string {
  const l: Layer = a.layer;
  const parts: string[] = [l.op];
  switch (l.op) {
    case 'conv':
      parts.push(`k${l.kernel}`, `s${l.stride}`, `p${l.pad}`, `g${l.groups}`, `o${l.out}`, l.bias ? 'bias' : 'nobias');
      break;
    case 'dwconv':
      parts.push(`k${l.kernel}`, `s${l.stride}`, `p${l.pad}`, l.bias ? 'bias' : 'nobias');
      break;
    case 'pwconv':
    case 'fc':
      parts.push(`o${l.out}`, l.bias ? 'bias' : 'nobias');
      break;
    case 'maxpool':
    case 'avgpool':
      parts.push(`k${l.kernel}`, `s${l.stride}`, `p${l.pad}`);
      break;
    case 'slice':
      parts.push(`c${l.start}-${l.end}`);
      break;
    case 'shuffle':
      parts.push(`g${l.groups}`);
      break;
    case 'resize':
      parts.push(`x${l.scale}`, l.mode);
      break;
    default:
      break;
  }
  parts.push(`in=${a.inputShapes.map(dims).join('+')}`);
  if (batch !== 1) parts.push(`n${batch}`);
  return parts.join(' ');
}

/** A network holding one layer, fed by graph inputs of the shapes it saw in place. */
export function layerNetwork(a: AnalyzedLayer, batch: number, name: string): Network {
  const inputs = a.inputShapes.map((_, i) => (i === 0 ? NETWORK_INPUT : `input${i}`));
  const extra = Object.fromEntries(a.inputShapes.slice(1).map((s, i) => [`input${i + 1}`, s]));
  return {
    name,
    input: a.inputShapes[0]!,
    ...(a.inputShapes.length > 1 ? { extraInputs: extra } : {}),
    batch,
    layers: [{ ...a.layer, inputs }],
  };
}

/** One unit per distinct layer configuration of `network`, in first-use order. */
export function layerPlan(workload: string, network: Network): WorkloadPlan {
  const analysis = analyzeNetwork(network);
  const byKey = new Map<string, { unit: ProfileUnit; layers: string[] }>();
  const parts: { name: string; op: string; key: string }[] = [];
  for (const a of analysis.layers) {
    const key = layerKey(a, network.batch);
    parts.push({ name: a.layer.name, op: a.layer.op, key });
    const seen = byKey.get(key);
    if (seen) {
      seen.layers.push(a.layer.name);
      continue;
    }
    const layers = [a.layer.name];
    byKey.set(key, {
      layers,
      unit: { key, op: a.layer.op, config: layerConfig(a, network.batch), network: layerNetwork(a, network.batch, key), layers },
    });
  }
  return { workload, units: [...byKey.values()].map((v) => v.unit), endToEnd: network, parts };
}
