/**
 * Binarized activations (BinaryNet, Hubara et al., NIPS'16; XNOR-Net, Rastegari et al.,
 * ECCV'16) and the activation-distribution regularizer of Ding et al., CVPR'19
 * (docs/decisions/0002-bnn-activation-regularizer.md), as tfjs-core ops.
 *
 * A binarized network feeds every conv and fc layer but the first (which reads the image)
 * the sign of its input: +1 where x >= 0, -1 elsewhere. Backward is BinaryNet's
 * straight-through estimator, the gradient of hardtanh: dy where |x| <= 1, 0 outside. The
 * sign is the nonlinearity, so the ReLUs of the network go (sign(relu(x)) would be +1 always).
 */
import * as tf from '@tensorflow/tfjs-core';
import { analyzeNetwork } from '../workloads/analyze.js';
import { NETWORK_INPUT, type Layer, type Network } from '../workloads/ir.js';
import { ACT_REG_TERMS as REQUEST_ACT_REG_TERMS } from '../api/search-requests.js';
import type { ConvWindow } from '../train/ir-net.js';

/** sign(x) in {-1, +1} forward; hardtanh's gradient backward (dy inside [-1, 1], 0 outside). */
export const signSte = tf.customGrad(((x: tf.Tensor, save: (ts: tf.Tensor[]) => void) => {
  save([x]);
  return {
    value: tf.sign(tf.add(tf.sign(x), 0.5)),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, tf.cast(tf.lessEqual(tf.abs(saved[0]!), 1), 'float32')),
  };
}) as Parameters<typeof tf.customGrad>[0]) as (x: tf.Tensor) => tf.Tensor;

/** sign(w) in {-1, +1} forward, identity backward (the weights' STE; their latent values stay small). */
const signIdentity = tf.customGrad(((x: tf.Tensor) => ({ value: tf.sign(tf.add(tf.sign(x), 0.5)), gradFunc: (dy: tf.Tensor) => dy })) as Parameters<typeof tf.customGrad>[0]) as (x: tf.Tensor) => tf.Tensor;

/**
 * XNOR-Net's binary weights: alpha_f * sign(W), alpha_f = mean |W| over output filter f (the
 * last axis of an HWIO kernel or an [in, out] matrix). alpha goes through the tape, so the
 * gradient is XNOR-Net's dW = dy * alpha + sign(W) * sum(dy * sign(W)) / n.
 */
export function xnorWeights(w: tf.Tensor): tf.Tensor {
  const axes = w.shape.map((_, i) => i).slice(0, -1);
  return tf.mul(signIdentity(w), tf.mean(tf.abs(w), axes, true));
}

/**
 * XNOR-Net's input scaling K of a layer with binary inputs: the mean |x| over the channels at
 * each position, averaged over the conv's window with its stride and padding (a padded
 * position counts 0), [N, H', W', 1]; for an fc layer the mean |x| of its input, [N, 1]. The
 * layer's output times K: sign(x) * (alpha sign(W)) * K approximates x * W. K is in the tape.
 */
export function xnorInputScale(x: tf.Tensor, window: ConvWindow | undefined): tf.Tensor {
  if (!window) return tf.mean(tf.abs(x.rank === 2 ? x : tf.reshape(x, [x.shape[0]!, -1])), 1, true);
  const a = tf.mean(tf.abs(x), 3, true) as tf.Tensor4D;
  const box = tf.fill([window.kernel, window.kernel, 1, 1], 1 / (window.kernel * window.kernel)) as tf.Tensor4D;
  return tf.conv2d(a, box, window.stride, window.pad as 'same');
}

/**
 * The network with its ReLUs taken out (consumers read the ReLU's input): in a binarized
 * network the sign before each layer is the nonlinearity.
 */
export function withoutRelu(network: Network): Network {
  const renamed = new Map<string, string>();
  const layers: Layer[] = [];
  for (const l of network.layers) {
    const inputs = l.inputs.map((i) => renamed.get(i) ?? i);
    if (l.op === 'relu' || l.op === 'relu6') {
      renamed.set(l.name, inputs[0]!);
      continue;
    }
    layers.push({ ...l, inputs } as Layer);
  }
  const out: Network = { ...network, name: `${network.name}-relu`, layers };
  analyzeNetwork(out);
  return out;
}

/**
 * The conv and fc layers whose input is binarized: all but those that read the image (through
 * reshapes or pools only, as an MLP's first fc reads it through a flatten).
 */
export function binarizedLayers(network: Network): string[] {
  // Whether a layer's output has been through a conv or fc.
  const weighted = new Map<string, boolean>([[NETWORK_INPUT, false]]);
  const out: string[] = [];
  for (const l of network.layers) {
    const after = l.inputs.some((i) => weighted.get(i) === true);
    const isWeighted = l.op === 'conv' || l.op === 'fc';
    if (isWeighted && after) out.push(l.name);
    weighted.set(l.name, isWeighted || after);
  }
  return out;
}

export type ActRegTerm = (typeof REQUEST_ACT_REG_TERMS)[number];
export const ACT_REG_TERMS: readonly ActRegTerm[] = REQUEST_ACT_REG_TERMS;

/** z of the 75th percentile of a normal distribution: q25 = mu - Z75 sigma, q75 = mu + Z75 sigma. */
export const Z75 = 0.6744897501960817;

/**
 * Ding et al.'s distribution loss of one binarized layer's pre-activations x ([N, C] or
 * [N, H, W, C]), per channel c (mean over channels), from the 25th and 75th percentiles
 * q25 = mu - Z75 sigma, q75 = mu + Z75 sigma of the channel's batch distribution:
 *   degeneration: relu(q25)^2 + relu(-q75)^2     (0 must lie between q25 and q75);
 *   saturation:   relu(-1 - q25)^2 + relu(q75 - 1)^2  (the middle half inside the STE's [-1, 1]);
 *   mismatch:     relu(1 - max(|q25|, |q75|))^2  (not all of it deep inside [-1, 1]).
 * The terms not in `terms` are left out. The formula, its source and what differs from the
 * paper: docs/decisions/0002-bnn-activation-regularizer.md.
 */
export function distributionLoss(x: tf.Tensor, terms: readonly ActRegTerm[]): tf.Scalar {
  return tf.tidy(() => {
    const axes = x.shape.map((_, i) => i).slice(0, -1);
    const { mean, variance } = tf.moments(x, axes);
    const spread = tf.mul(tf.sqrt(tf.add(variance, 1e-10)), Z75);
    const q25 = tf.sub(mean, spread);
    const q75 = tf.add(mean, spread);
    const sq = (t: tf.Tensor): tf.Tensor => tf.square(tf.relu(t));
    const parts: tf.Tensor[] = [];
    if (terms.includes('degeneration')) parts.push(tf.add(sq(q25), sq(tf.neg(q75))));
    if (terms.includes('saturation')) parts.push(tf.add(sq(tf.sub(-1, q25)), sq(tf.sub(q75, 1))));
    if (terms.includes('mismatch')) parts.push(sq(tf.sub(1, tf.maximum(tf.abs(q25), tf.abs(q75)))));
    if (!parts.length) return tf.scalar(0);
    return tf.mean(tf.addN(parts)) as tf.Scalar;
  });
}

/**
 * The sign STE on the inputs of the binarized layers, and (with `terms`) the distribution
 * loss of what reached them in the last forward pass, for the training loss, plus the
 * unweighted value of each step, read after the step for the report.
 */
export class BinaryActivations {
  private readonly layers: ReadonlySet<string>;
  private readonly seen = new Map<string, tf.Tensor>();
  private pending: tf.Tensor | undefined;
  /** The unweighted distribution loss of each training step so far. */
  readonly history: number[] = [];

  constructor(
    network: Network,
    readonly terms: readonly ActRegTerm[] = [],
    readonly weight = 0,
    /** XNOR-Net: each binarized layer's output times its input scaling K (xnorInputScale). */
    readonly scaleInputs = false,
  ) {
    this.layers = new Set(binarizedLayers(network));
  }

  readonly outputScale = (layer: string, x: tf.Tensor, window: ConvWindow | undefined): tf.Tensor | undefined => (this.scaleInputs && this.layers.has(layer) ? xnorInputScale(x, window) : undefined);

  readonly transform = (layer: string, x: tf.Tensor): tf.Tensor => {
    if (!this.layers.has(layer)) return x;
    // The forward pass's own handle (freed by the step's tidy); read only by the loss of that step.
    if (this.terms.length) this.seen.set(layer, x);
    return signSte(x);
  };

  /** weight * the mean over binarized layers of their distribution loss (inside the tape). */
  loss(): tf.Scalar {
    const parts = [...this.seen.values()].map((x) => distributionLoss(x, this.terms));
    this.seen.clear();
    if (!parts.length) return tf.scalar(0);
    const value = tf.div(tf.addN(parts), parts.length) as tf.Scalar;
    this.pending?.dispose();
    this.pending = tf.keep(tf.clone(value));
    return tf.mul(value, this.weight) as tf.Scalar;
  }

  /** After an optimizer step: records the step's loss. */
  record(): void {
    if (!this.pending) return;
    this.history.push(this.pending.dataSync()[0]!);
    this.pending.dispose();
    this.pending = undefined;
  }

  dispose(): void {
    this.pending?.dispose();
    this.pending = undefined;
    this.seen.clear();
  }
}
