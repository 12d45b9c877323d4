/**
 * Shape inference and per-layer cost (FLOPs, parameters, bytes moved) for the network IR.
 *
 * Conventions, stated once so that figures compare with the literature:
 * - `macs` counts multiply-accumulates of conv and fc layers (VGG-16 at 224: 15.47 G);
 *   `flops` is 2 x MACs for those, plus one operation per output element for bias, and
 *   one (ReLU, add, max/avg pool per window element) or a few (BN: 2, softmax: 3) per
 *   element elsewhere.
 * - `params` counts trainable weights; BN counts scale and shift (its running stats are
 *   buffers, not parameters), as PyTorch's `numel` over `parameters()` does.
 * - `bytes` is float32 traffic of one inference: inputs read + output written + weights read.
 * - Every figure is per sample (batch 1); multiply MACs, FLOPs and activation bytes by the batch.
 */
import { BYTES_PER_ELEMENT, NETWORK_INPUT, type Layer, type Network, type Padding, type Shape } from './ir.js';
import { InvalidWorkloadError } from '../api/errors.js';

export interface LayerCost {
  readonly macs: number;
  readonly flops: number;
  readonly params: number;
  readonly bytes: number;
}

export interface AnalyzedLayer extends LayerCost {
  readonly layer: Layer;
  readonly inputShapes: readonly Shape[];
  readonly outputShape: Shape;
}

export interface NetworkAnalysis {
  readonly network: Network;
  readonly layers: readonly AnalyzedLayer[];
  readonly outputShape: Shape;
  readonly total: LayerCost;
}

const numel = (s: Shape): number => s.reduce((a, b) => a * b, 1);

/** Output size and the pads (begin, end) along one spatial axis. */
export function convAxis(size: number, kernel: number, stride: number, pad: Padding): { out: number; begin: number; end: number } {
  if (pad === 'same') {
    const out = Math.ceil(size / stride);
    const total = Math.max((out - 1) * stride + kernel - size, 0);
    const begin = Math.floor(total / 2);
    return { out, begin, end: total - begin };
  }
  const p = pad === 'valid' ? 0 : pad;
  const out = Math.floor((size + 2 * p - kernel) / stride) + 1;
  return { out, begin: p, end: p };
}

function spatial(layer: Layer & { kernel: number; stride: number; pad: Padding }, s: Shape): { h: number; w: number } {
  if (s.length !== 3) throw new InvalidWorkloadError(`layer ${layer.name} (${layer.op}) needs a [C,H,W] input, got [${s.join(',')}]`);
  const h = convAxis(s[1]!, layer.kernel, layer.stride, layer.pad).out;
  const w = convAxis(s[2]!, layer.kernel, layer.stride, layer.pad).out;
  if (h < 1 || w < 1) throw new InvalidWorkloadError(`layer ${layer.name}: ${layer.kernel}x${layer.kernel}/${layer.stride} on ${s[1]}x${s[2]} leaves no output (lower the resolution less)`);
  return { h, w };
}

function sameShapes(layer: Layer, shapes: readonly Shape[]): Shape {
  const first = shapes[0]!;
  for (const s of shapes) {
    if (s.length !== first.length || s.some((d, i) => d !== first[i])) {
      throw new InvalidWorkloadError(`layer ${layer.name} (${layer.op}) joins unequal shapes [${first.join(',')}] and [${s.join(',')}]`);
    }
  }
  return first;
}

function need3d(layer: Layer, s: Shape): void {
  if (s.length !== 3) throw new InvalidWorkloadError(`layer ${layer.name} (${layer.op}) needs a [C,H,W] input, got [${s.join(',')}]`);
}

/** Operations per element of the smooth activations (exp and divide count as a few). */
const ACTIVATION_FLOPS: Readonly<Record<'sigmoid' | 'hardsigmoid' | 'hardswish' | 'swish', number>> = { sigmoid: 4, hardsigmoid: 3, hardswish: 4, swish: 5 };

/** Shape and cost of one layer given its input shapes (batch 1; the caller scales). */
export function analyzeLayer(layer: Layer, inputShapes: readonly Shape[]): AnalyzedLayer {
  if (inputShapes.length === 0) throw new InvalidWorkloadError(`layer ${layer.name} has no inputs`);
  const x = inputShapes[0]!;
  let out: Shape;
  let macs = 0;
  let flops = 0;
  let params = 0;
  switch (layer.op) {
    case 'conv': {
      const { h, w } = spatial(layer, x);
      const cin = x[0]!;
      if (cin % layer.groups !== 0 || layer.out % layer.groups !== 0) {
        throw new InvalidWorkloadError(`layer ${layer.name}: groups ${layer.groups} must divide channels ${cin} -> ${layer.out}`);
      }
      out = [layer.out, h, w];
      const perOut = (cin / layer.groups) * layer.kernel * layer.kernel;
      params = layer.out * perOut + (layer.bias ? layer.out : 0);
      macs = numel(out) * perOut;
      flops = 2 * macs + (layer.bias ? numel(out) : 0);
      break;
    }
    case 'dwconv': {
      const { h, w } = spatial(layer, x);
      out = [x[0]!, h, w];
      params = x[0]! * layer.kernel * layer.kernel + (layer.bias ? x[0]! : 0);
      macs = numel(out) * layer.kernel * layer.kernel;
      flops = 2 * macs + (layer.bias ? numel(out) : 0);
      break;
    }
    case 'pwconv': {
      need3d(layer, x);
      out = [layer.out, x[1]!, x[2]!];
      params = layer.out * x[0]! + (layer.bias ? layer.out : 0);
      macs = numel(out) * x[0]!;
      flops = 2 * macs + (layer.bias ? numel(out) : 0);
      break;
    }
    case 'maxpool':
    case 'avgpool': {
      const { h, w } = spatial(layer, x);
      out = [x[0]!, h, w];
      flops = numel(out) * layer.kernel * layer.kernel;
      break;
    }
    case 'gap':
      need3d(layer, x);
      out = [x[0]!, 1, 1];
      flops = numel(x);
      break;
    case 'fc': {
      const fin = numel(x);
      out = [layer.out];
      params = fin * layer.out + (layer.bias ? layer.out : 0);
      macs = fin * layer.out;
      flops = 2 * macs + (layer.bias ? layer.out : 0);
      break;
    }
    case 'bn':
      out = x;
      params = 2 * x[0]!;
      flops = 2 * numel(x);
      break;
    case 'relu':
    case 'relu6':
      out = x;
      flops = numel(x);
      break;
    case 'sigmoid':
    case 'hardsigmoid':
    case 'hardswish':
    case 'swish':
      out = x;
      flops = ACTIVATION_FLOPS[layer.op] * numel(x);
      break;
    case 'mul': {
      if (inputShapes.length !== 2) throw new InvalidWorkloadError(`layer ${layer.name} (mul) needs two inputs`);
      const y = inputShapes[1]!;
      const broadcast = x.length === 3 && y.length === 3 && y[0] === x[0] && y[1] === 1 && y[2] === 1;
      if (!broadcast) sameShapes(layer, inputShapes);
      out = x;
      flops = numel(x);
      break;
    }
    case 'slice':
      need3d(layer, x);
      if (!(Number.isInteger(layer.start) && Number.isInteger(layer.end) && layer.start >= 0 && layer.end > layer.start && layer.end <= x[0]!)) {
        throw new InvalidWorkloadError(`layer ${layer.name}: channels [${layer.start}, ${layer.end}) are not within 0..${x[0]}`);
      }
      out = [layer.end - layer.start, x[1]!, x[2]!];
      break;
    case 'shuffle':
      need3d(layer, x);
      if (!(layer.groups >= 1 && x[0]! % layer.groups === 0)) throw new InvalidWorkloadError(`layer ${layer.name}: ${layer.groups} groups do not divide ${x[0]} channels`);
      out = x;
      break;
    case 'resize':
      need3d(layer, x);
      if (!(Number.isInteger(layer.scale) && layer.scale >= 1)) throw new InvalidWorkloadError(`layer ${layer.name}: resize scale ${layer.scale} is not a whole number >= 1`);
      out = [x[0]!, x[1]! * layer.scale, x[2]! * layer.scale];
      flops = (layer.mode === 'linear' ? 4 : 1) * numel(out);
      break;
    case 'add':
      if (inputShapes.length < 2) throw new InvalidWorkloadError(`layer ${layer.name} (add) needs two or more inputs`);
      out = sameShapes(layer, inputShapes);
      flops = numel(out) * (inputShapes.length - 1);
      break;
    case 'concat': {
      const rest = inputShapes.map((s) => s.slice(1));
      sameShapes(layer, rest);
      out = [inputShapes.reduce((c, s) => c + s[0]!, 0), ...x.slice(1)];
      break;
    }
    case 'flatten':
      out = [numel(x)];
      break;
    case 'softmax':
      out = x;
      flops = 3 * numel(x);
      break;
  }
  const inBytes = inputShapes.reduce((b, s) => b + numel(s), 0) * BYTES_PER_ELEMENT;
  const bytes = inBytes + numel(out) * BYTES_PER_ELEMENT + params * BYTES_PER_ELEMENT;
  return { layer, inputShapes, outputShape: out, macs, flops, params, bytes };
}

/** Infers every layer's shapes and costs; throws InvalidWorkloadError on an inconsistent graph. */
export function analyzeNetwork(network: Network): NetworkAnalysis {
  const shapes = new Map<string, Shape>([[NETWORK_INPUT, network.input], ...Object.entries(network.extraInputs ?? {})]);
  const layers: AnalyzedLayer[] = [];
  for (const layer of network.layers) {
    if (shapes.has(layer.name)) throw new InvalidWorkloadError(`${network.name}: layer name ${layer.name} is used twice`);
    const ins = layer.inputs.map((n) => {
      const s = shapes.get(n);
      if (!s) throw new InvalidWorkloadError(`${network.name}: layer ${layer.name} reads ${n}, which no earlier layer produces`);
      return s;
    });
    const a = analyzeLayer(layer, ins);
    shapes.set(layer.name, a.outputShape);
    layers.push(a);
  }
  if (layers.length === 0) throw new InvalidWorkloadError(`${network.name} has no layers`);
  const total = layers.reduce<LayerCost>(
    (t, l) => ({ macs: t.macs + l.macs, flops: t.flops + l.flops, params: t.params + l.params, bytes: t.bytes + l.bytes }),
    { macs: 0, flops: 0, params: 0, bytes: 0 },
  );
  return { network, layers, outputShape: layers[layers.length - 1]!.outputShape, total };
}

/** Names of layers no other layer reads: the network's outputs. */
export function outputLayers(network: Network): string[] {
  const read = new Set(network.layers.flatMap((l) => l.inputs));
  return network.layers.filter((l) => !read.has(l.name)).map((l) => l.name);
}
