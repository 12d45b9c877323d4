/** What the supernet and the child networks share: the proxy's shape, scaled widths, weight initialisation, the stem and the head. */
import * as tf from '@tensorflow/tfjs-core';
import { SPNAS_LAYERS } from '../workloads/zoo/spnas-space.js';
import { BatchNorm } from '../train/nn.js';

export interface ProxyShape {
  /** Input [height, width, channels]. */
  readonly input: readonly [number, number, number];
  readonly classes: number;
  /** Channel multiplier of the space's widths. */
  readonly width: number;
  readonly seed: number;
  /** How much faster than a weight a threshold moves per optimizer step (default DEFAULT_THRESHOLD_SCALE). */
  readonly thresholdScale?: number;
  /** Steps a decision must hold inside the band before it settles (default DEFAULT_SETTLE_PATIENCE). */
  readonly settlePatience?: number;
}

export const STEM = 32;
export const HEAD = 1280;
/**
 * Thresholds are stored divided by this, so that an optimizer's step moves them this much
 * faster than a weight. Adam's steps are about its learning rate whatever the gradient's size,
 * so at 2e-3 a threshold moves about 0.08 log units a step and the first parts turn off after
 * INITIAL_MARGIN / 0.08 = 12 steps: while none has, every step trains the largest network.
 * Slower thresholds reached the band later, faster ones overshot it
 * (docs/decisions/0020-supernet-settling-and-threshold-scale.md).
 */
export const DEFAULT_THRESHOLD_SCALE = 40;
/** Initial margin (log domain): every part of every superkernel starts in use, the largest network. */
export const INITIAL_MARGIN = 1;

export function scaled(c: number, width: number): number {
  return Math.max(4, Math.round((c * width) / 2) * 2);
}

export class WeightFactory {
  private n = 0;
  /** Trainable: what the optimizer updates. */
  readonly all: tf.Variable[] = [];
  /** Everything a checkpoint must hold, batch-norm running statistics included. */
  readonly named: [string, tf.Variable][] = [];
  constructor(private readonly seed: number) {}
  /** He-normal, seeded per variable so a run is reproducible. */
  he(shape: number[], fanIn: number, name: string): tf.Variable {
    const v = tf.variable(tf.randomNormal(shape, 0, Math.sqrt(2 / fanIn), 'float32', this.seed * 1000 + this.n++), true);
    this.all.push(v);
    this.named.push([name, v]);
    return v;
  }
  zeros(shape: number[], name: string): tf.Variable {
    const v = tf.variable(tf.zeros(shape), true);
    this.all.push(v);
    this.named.push([name, v]);
    return v;
  }
  bn(channels: number, name: string): BatchNorm {
    const b = new BatchNorm(channels);
    this.all.push(...b.variables);
    this.named.push(...b.named(name));
    return b;
  }
}

/** Stem conv and head of both networks: conv3x3 stride 1, and 1x1 conv, pool, fc. */
export class StemHead {
  readonly stemW: tf.Variable;
  readonly stemBn: BatchNorm;
  readonly headW: tf.Variable;
  readonly headBn: BatchNorm;
  readonly fcW: tf.Variable;
  readonly fcB: tf.Variable;
  constructor(f: WeightFactory, shape: ProxyShape) {
    const stem = scaled(STEM, shape.width);
    const headIn = scaled(SPNAS_LAYERS[SPNAS_LAYERS.length - 1]!.cout, shape.width);
    const head = scaled(HEAD, shape.width);
    this.stemW = f.he([3, 3, shape.input[2], stem], 9 * shape.input[2], 'stem');
    this.stemBn = f.bn(stem, 'stem_bn');
    this.headW = f.he([1, 1, headIn, head], headIn, 'head');
    this.headBn = f.bn(head, 'head_bn');
    this.fcW = f.he([head, shape.classes], head, 'fc');
    this.fcB = f.zeros([shape.classes], 'fc_b');
  }
  stem(x: tf.Tensor4D, training: boolean): tf.Tensor4D {
    return tf.relu(this.stemBn.apply(tf.conv2d(x, this.stemW as tf.Tensor4D, 1, 'same'), training)) as tf.Tensor4D;
  }
  head(x: tf.Tensor4D, training: boolean): tf.Tensor2D {
    const h = tf.relu(this.headBn.apply(tf.conv2d(x, this.headW as tf.Tensor4D, 1, 'same'), training)) as tf.Tensor4D;
    const pooled = tf.mean(h, [1, 2]) as tf.Tensor2D;
    return tf.add(tf.matMul(pooled, this.fcW as tf.Tensor2D), this.fcB);
  }
}
