/**
 * A trainable network whose structure is the project's IR (app/workloads/ir.ts) and whose
 * weights are named tfjs variables, so that one description serves training (TrainableModel),
 * physical pruning (slice the arrays, change `out` in the IR) and export (the ONNX and TFLite
 * writers take the same IR plus these weights).
 *
 * Layouts: images NHWC as the training engine gives them; a conv kernel is HWIO
 * [k, k, cin, cout]; an fc matrix is [fin, out] with `fin` in NHWC flatten order (h, w, c),
 * which is what tf.reshape of an NHWC map gives. Batch norm keeps gamma/beta (trained) and
 * running mean/variance (buffers). Supported ops: conv (groups 1), bn, relu, relu6, max/avg
 * pool, gap, fc, add, flatten, softmax (the forward pass stops before a final softmax: the
 * trainer wants logits).
 */
import * as tf from '@tensorflow/tfjs-core';
import { analyzeNetwork } from '../workloads/analyze.js';
import { NETWORK_INPUT, type Layer, type Network, type Padding } from '../workloads/ir.js';
import { InvalidWorkloadError } from '../api/errors.js';
import { batchNormTrain } from './nn.js';
import type { TrainableModel } from './types.js';

export const BN_EPSILON = 1e-5;
const BN_MOMENTUM = 0.9;

export interface IrNet {
  readonly network: Network;
  /** Trained parameters: `<layer>.weight`, `<layer>.bias`, `<layer>.gamma`, `<layer>.beta`. */
  readonly params: ReadonlyMap<string, tf.Variable>;
  /** Batch-norm running statistics: `<layer>.mean`, `<layer>.var`. */
  readonly buffers: ReadonlyMap<string, tf.Variable>;
}

/** Plain arrays of every parameter and buffer, by name: what pruning slices and exporters write. */
export type WeightArrays = Map<string, { readonly shape: readonly number[]; readonly data: Float32Array }>;

/** A per-layer hook on a weight before use: quantization puts its quantizer here. */
export type WeightTransform = (layer: string, weight: tf.Tensor) => tf.Tensor;

/** A per-layer hook on a conv or fc layer's input: binarized activations put their sign here. */
export type InputTransform = (layer: string, input: tf.Tensor) => tf.Tensor;

/** A conv's window in tfjs terms, for a hook that pools over it. */
export interface ConvWindow {
  readonly kernel: number;
  readonly stride: number;
  readonly pad: TfPadding;
}
export type TfPadding = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];

/**
 * A per-layer multiplier of a conv or fc layer's output (before its bias), from the layer's
 * input as it arrived (before the InputTransform): XNOR-Net's input scaling K. `window` is the
 * conv's (undefined for fc); undefined back: the output as it is.
 */
export type OutputScale = (layer: string, input: tf.Tensor, window: ConvWindow | undefined) => tf.Tensor | undefined;

const SUPPORTED = new Set(['conv', 'bn', 'relu', 'relu6', 'maxpool', 'avgpool', 'gap', 'fc', 'add', 'flatten', 'softmax']);

/** Shapes of every named array the network needs, from shape inference. */
export function weightShapes(network: Network): Map<string, number[]> {
  const shapes = new Map<string, number[]>();
  for (const a of analyzeNetwork(network).layers) {
    const l = a.layer;
    if (!SUPPORTED.has(l.op)) throw new InvalidWorkloadError(`${network.name}: layer ${l.name} (${l.op}) cannot be trained here (supported: ${[...SUPPORTED].join(', ')})`);
    const x = a.inputShapes[0]!;
    if (l.op === 'conv') {
      if (l.groups !== 1) throw new InvalidWorkloadError(`${network.name}: grouped conv ${l.name} cannot be trained here`);
      shapes.set(`${l.name}.weight`, [l.kernel, l.kernel, x[0]!, l.out]);
      if (l.bias) shapes.set(`${l.name}.bias`, [l.out]);
    } else if (l.op === 'fc') {
      shapes.set(`${l.name}.weight`, [x.reduce((p, d) => p * d, 1), l.out]);
      if (l.bias) shapes.set(`${l.name}.bias`, [l.out]);
    } else if (l.op === 'bn') {
      for (const s of ['gamma', 'beta', 'mean', 'var']) shapes.set(`${l.name}.${s}`, [x[0]!]);
    }
  }
  return shapes;
}

/** tfjs variable names are global: a counter keeps each net's apart. */
let variableCount = 0;

const isBuffer = (name: string): boolean => name.endsWith('.mean') || name.endsWith('.var');

/** He-normal weights (seeded), zero biases, BN gamma 1, beta 0, mean 0, var 1. */
export function createIrNet(network: Network, seed = 1): IrNet {
  const arrays: WeightArrays = new Map();
  let s = seed;
  for (const [name, shape] of weightShapes(network)) {
    const n = shape.reduce((p, d) => p * d, 1);
    const data = new Float32Array(n);
    if (name.endsWith('.weight')) {
      const fanIn = shape.length === 4 ? shape[0]! * shape[1]! * shape[2]! : shape[0]!;
      const t = tf.tidy(() => tf.randomNormal([n], 0, Math.sqrt(2 / fanIn), 'float32', s++));
      data.set(t.dataSync());
      t.dispose();
    } else if (name.endsWith('.gamma') || name.endsWith('.var')) {
      data.fill(1);
    }
    arrays.set(name, { shape, data });
  }
  return irNetFromArrays(network, arrays);
}

/** Builds variables from arrays (after pruning, or from a checkpoint). */
export function irNetFromArrays(network: Network, arrays: WeightArrays): IrNet {
  const params = new Map<string, tf.Variable>();
  const buffers = new Map<string, tf.Variable>();
  for (const [name, shape] of weightShapes(network)) {
    const a = arrays.get(name);
    if (!a) throw new InvalidWorkloadError(`${network.name}: no values for ${name}`);
    if (a.data.length !== shape.reduce((p, d) => p * d, 1)) throw new InvalidWorkloadError(`${network.name}: ${name} has ${a.data.length} values, shape [${shape.join(',')}] needs ${shape.reduce((p, d) => p * d, 1)}`);
    const v = tf.variable(tf.tensor(a.data, shape, 'float32'), !isBuffer(name), `irnet${++variableCount}/${network.name}/${name}`);
    (isBuffer(name) ? buffers : params).set(name, v);
  }
  return { network, params, buffers };
}

export function readArrays(net: IrNet): WeightArrays {
  const out: WeightArrays = new Map();
  for (const [name, v] of [...net.params, ...net.buffers]) out.set(name, { shape: [...v.shape], data: new Float32Array(v.dataSync() as Float32Array) });
  return out;
}

export function disposeIrNet(net: IrNet): void {
  for (const v of [...net.params.values(), ...net.buffers.values()]) v.dispose();
}

function tfPad(pad: Padding): TfPadding {
  if (pad === 'same' || pad === 'valid') return pad;
  return [[0, 0], [pad, pad], [pad, pad], [0, 0]];
}

function poolPad(pad: Padding): 'same' | 'valid' | number {
  return pad;
}

function get(m: ReadonlyMap<string, tf.Variable>, name: string): tf.Variable {
  const v = m.get(name);
  if (!v) throw new Error(`ir-net: missing ${name}`);
  return v;
}

/** The layer that feeds a final softmax is the logits: training stops there. */
function logitsLayer(network: Network): string {
  const last = network.layers[network.layers.length - 1]!;
  return last.op === 'softmax' ? last.inputs[0]! : last.name;
}

/** Runs the network on an NHWC batch; `training` uses batch statistics and updates the running ones. */
export function forwardIrNet(net: IrNet, x: tf.Tensor4D, training: boolean, transform?: WeightTransform, inputTransform?: InputTransform, outputScale?: OutputScale): tf.Tensor2D {
  const values = new Map<string, tf.Tensor>([[NETWORK_INPUT, x]]);
  const stop = logitsLayer(net.network);
  const weight = (l: Layer): tf.Tensor => {
    const w = get(net.params, `${l.name}.weight`);
    return transform ? transform(l.name, w) : w;
  };
  for (const l of net.network.layers) {
    const ins = l.inputs.map((n) => values.get(n)!);
    const a = inputTransform && (l.op === 'conv' || l.op === 'fc') ? inputTransform(l.name, ins[0]!) : ins[0]!;
    let y: tf.Tensor;
    switch (l.op) {
      case 'conv': {
        const pad = tfPad(l.pad);
        y = tf.conv2d(a as tf.Tensor4D, weight(l) as tf.Tensor4D, l.stride, pad as 'same');
        const k = outputScale?.(l.name, ins[0]!, { kernel: l.kernel, stride: l.stride, pad });
        if (k) y = tf.mul(y, k);
        if (l.bias) y = tf.add(y, get(net.params, `${l.name}.bias`));
        break;
      }
      case 'fc': {
        const flat = a.rank === 2 ? a : tf.reshape(a, [a.shape[0]!, -1]);
        y = tf.matMul(flat as tf.Tensor2D, weight(l) as tf.Tensor2D);
        const k = outputScale?.(l.name, ins[0]!, undefined);
        if (k) y = tf.mul(y, k);
        if (l.bias) y = tf.add(y, get(net.params, `${l.name}.bias`));
        break;
      }
      case 'bn': {
        const gamma = get(net.params, `${l.name}.gamma`);
        const beta = get(net.params, `${l.name}.beta`);
        const mean = get(net.buffers, `${l.name}.mean`);
        const variance = get(net.buffers, `${l.name}.var`);
        if (training) {
          // The training engine's batch norm (its hand-written gradient avoids the Tile and Sum
          // of tfjs's own, which took most of a LeNet step on wasm); batch moments come back kept.
          const m: { mean: tf.Tensor1D; variance: tf.Tensor1D }[] = [];
          y = batchNormTrain(a, gamma as tf.Tensor as tf.Tensor1D, beta as tf.Tensor as tf.Tensor1D, BN_EPSILON, m);
          for (const b of m) {
            tf.tidy(() => {
              mean.assign(tf.add(tf.mul(mean, BN_MOMENTUM), tf.mul(b.mean, 1 - BN_MOMENTUM)));
              variance.assign(tf.add(tf.mul(variance, BN_MOMENTUM), tf.mul(b.variance, 1 - BN_MOMENTUM)));
            });
            b.mean.dispose();
            b.variance.dispose();
          }
        } else {
          y = tf.batchNorm(a, mean, variance, beta, gamma, BN_EPSILON);
        }
        break;
      }
      case 'relu':
        y = tf.relu(a);
        break;
      case 'relu6':
        y = tf.relu6(a);
        break;
      case 'maxpool':
        y = tf.maxPool(a as tf.Tensor4D, l.kernel, l.stride, poolPad(l.pad));
        break;
      case 'avgpool':
        y = tf.avgPool(a as tf.Tensor4D, l.kernel, l.stride, poolPad(l.pad));
        break;
      case 'gap':
        y = tf.mean(a, [1, 2], true);
        break;
      case 'add':
        y = ins.slice(1).reduce((s, t) => tf.add(s, t), a);
        break;
      case 'flatten':
        y = tf.reshape(a, [a.shape[0]!, -1]);
        break;
      case 'softmax':
        y = tf.softmax(a);
        break;
      default:
        throw new InvalidWorkloadError(`ir-net: ${l.op} is not supported`);
    }
    values.set(l.name, y);
    if (l.name === stop) return (y.rank === 2 ? y : tf.reshape(y, [y.shape[0]!, -1])) as tf.Tensor2D;
  }
  throw new Error('ir-net: the network has no output layer');
}

/** The training engine's view of the network (optionally with quantized weights in the forward pass). */
export function irNetModel(net: IrNet, opts: { transform?: WeightTransform; inputTransform?: InputTransform; outputScale?: OutputScale; extraVariables?: readonly tf.Variable[]; extraLoss?: () => tf.Scalar; afterStep?: () => void } = {}): TrainableModel {
  return {
    variables: [...net.params.values(), ...(opts.extraVariables ?? [])],
    forward: (x, training) => forwardIrNet(net, x, training, opts.transform, opts.inputTransform, opts.outputScale),
    ...(opts.extraLoss ? { extraLoss: opts.extraLoss } : {}),
    ...(opts.afterStep ? { afterStep: opts.afterStep } : {}),
  };
}
