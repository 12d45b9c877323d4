/**
 * Parameter-owning building blocks over tfjs-core ops (NHWC). A block owns its variables and
 * applies itself with `apply(x, training)`; `Sequential` composes blocks and `classifier`
 * turns one into a TrainableModel. Initialisation is seeded (He normal for convolutions,
 * Glorot uniform for dense layers), so two runs with one seed start from the same weights.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor, Tensor1D, Tensor2D, Tensor4D, Variable } from '@tensorflow/tfjs-core';
import { Rng } from './rng.js';
import type { TrainableModel } from './types.js';

export interface Block {
  /** Variables the optimizer trains. */
  readonly variables: readonly Variable[];
  apply(x: Tensor, training: boolean): Tensor;
  /** Every variable under a stable name (trainable and running statistics): checkpoints use these. */
  named(prefix: string): [string, Variable][];
}

function heNormal(rng: Rng, shape: number[], fanIn: number): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const std = Math.sqrt(2 / fanIn);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = rng.normal() * std;
  return v;
}

function glorotUniform(rng: Rng, shape: number[], fanIn: number, fanOut: number): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = (rng.next() * 2 - 1) * limit;
  return v;
}

function variable(values: Float32Array, shape: number[], trainable = true): Variable {
  return tf.variable(tf.tensor(values, shape, 'float32'), trainable);
}

export interface ConvOptions {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernel: number;
  readonly stride?: number;
  readonly pad?: 'same' | 'valid';
  /** Off by default: convolutions here are usually followed by batch norm. */
  readonly bias?: boolean;
}

export class Conv2d implements Block {
  readonly filter: Variable;
  readonly bias: Variable | undefined;
  readonly stride: number;
  readonly pad: 'same' | 'valid';

  constructor(rng: Rng, readonly opts: ConvOptions) {
    const { inChannels: ci, outChannels: co, kernel: k } = opts;
    this.filter = variable(heNormal(rng, [k, k, ci, co], k * k * ci), [k, k, ci, co]);
    this.bias = opts.bias ? variable(new Float32Array(co), [co]) : undefined;
    this.stride = opts.stride ?? 1;
    this.pad = opts.pad ?? 'same';
  }

  get variables(): Variable[] {
    return this.bias ? [this.filter, this.bias] : [this.filter];
  }

  apply(x: Tensor): Tensor4D {
    const y = tf.conv2d(x as Tensor4D, this.filter as Tensor4D, this.stride, this.pad);
    return this.bias ? tf.add(y, this.bias) : y;
  }

  named(prefix: string): [string, Variable][] {
    return this.bias ? [[`${prefix}.filter`, this.filter], [`${prefix}.bias`, this.bias]] : [[`${prefix}.filter`, this.filter]];
  }
}

export interface DepthwiseOptions {
  readonly channels: number;
  readonly kernel: number;
  readonly multiplier?: number;
  readonly stride?: number;
  readonly pad?: 'same' | 'valid';
  readonly bias?: boolean;
}

export class DepthwiseConv2d implements Block {
  readonly filter: Variable;
  readonly bias: Variable | undefined;
  readonly stride: number;
  readonly pad: 'same' | 'valid';

  constructor(rng: Rng, readonly opts: DepthwiseOptions) {
    const { channels: c, kernel: k } = opts;
    const m = opts.multiplier ?? 1;
    this.filter = variable(heNormal(rng, [k, k, c, m], k * k), [k, k, c, m]);
    this.bias = opts.bias ? variable(new Float32Array(c * m), [c * m]) : undefined;
    this.stride = opts.stride ?? 1;
    this.pad = opts.pad ?? 'same';
  }

  get variables(): Variable[] {
    return this.bias ? [this.filter, this.bias] : [this.filter];
  }

  apply(x: Tensor): Tensor4D {
    const y = tf.depthwiseConv2d(x as Tensor4D, this.filter as Tensor4D, this.stride, this.pad);
    return this.bias ? tf.add(y, this.bias) : y;
  }

  named(prefix: string): [string, Variable][] {
    return this.bias ? [[`${prefix}.filter`, this.filter], [`${prefix}.bias`, this.bias]] : [[`${prefix}.filter`, this.filter]];
  }
}

export class Dense implements Block {
  readonly kernel: Variable;
  readonly bias: Variable;

  constructor(rng: Rng, readonly inFeatures: number, readonly outFeatures: number) {
    this.kernel = variable(glorotUniform(rng, [inFeatures, outFeatures], inFeatures, outFeatures), [inFeatures, outFeatures]);
    this.bias = variable(new Float32Array(outFeatures), [outFeatures]);
  }

  get variables(): Variable[] {
    return [this.kernel, this.bias];
  }

  apply(x: Tensor): Tensor2D {
    const x2 = x.rank === 2 ? (x as Tensor2D) : tf.reshape(x, [x.shape[0] ?? -1, -1]) as Tensor2D;
    return tf.add(tf.matMul(x2, this.kernel as Tensor2D), this.bias);
  }

  named(prefix: string): [string, Variable][] {
    return [[`${prefix}.kernel`, this.kernel], [`${prefix}.bias`, this.bias]];
  }
}

interface BatchMoments {
  mean: Tensor1D;
  variance: Tensor1D;
}

/**
 * Column means of t [m, c] as [1, c]: a global average pool (one pass in XNNPACK), where
 * wasm's Mean/Sum over axis 0 transpose first and a ones-vector product repacks t.
 */
export function colMean(t: Tensor2D): Tensor2D {
  const [m, c] = t.shape;
  return tf.reshape(tf.avgPool(tf.reshape(t, [1, m, 1, c]) as Tensor4D, [m, 1], 1, 'valid'), [1, c]);
}

/**
 * Batch norm in training mode as one op with a hand-written gradient. tfjs's own batchNorm
 * gradient broadcasts with Tile and reduces with Sum per call, which dominated a
 * MobileNetV2-style training step on wasm; here every reduction is a column sum (a GEMM)
 * and the rest are elementwise ops over [pixels, channels]. The batch moments are handed
 * back through `moments` (kept out of the tidy scope) for the running averages.
 */
export function batchNormTrain(x: Tensor, gamma: Tensor1D, beta: Tensor1D, epsilon: number, moments?: BatchMoments[]): Tensor {
  const fn = tf.customGrad((...args: unknown[]) => {
    const [xi, g, b, save] = args as [Tensor, Tensor1D, Tensor1D, tf.GradSaveFunc];
    const c = xi.shape[xi.rank - 1] ?? 1;
    const x2 = tf.reshape(xi, [-1, c]) as Tensor2D;
    const m = x2.shape[0];
    const mean = colMean(x2);
    const xc = tf.sub(x2, mean) as Tensor2D;
    const variance = colMean(tf.square(xc));
    const rstd = tf.rsqrt(tf.add(variance, epsilon));
    const y = tf.add(tf.mul(xc, tf.mul(rstd, g)), b);
    save([xc, rstd, g]);
    if (moments) moments.push({ mean: tf.keep(tf.reshape(mean, [c])), variance: tf.keep(tf.reshape(variance, [c])) });
    return {
      value: tf.reshape(y, xi.shape),
      gradFunc: (dy: Tensor | Tensor[], saved: Tensor[]) => {
        const [sxc, srstd, sg] = saved as [Tensor2D, Tensor2D, Tensor1D];
        const dy2 = tf.reshape(dy as Tensor, [-1, c]) as Tensor2D;
        const xhat = tf.mul(sxc, srstd);
        const dbetaMean = colMean(dy2);
        const dgammaMean = colMean(tf.mul(dy2, xhat));
        const correction = tf.add(tf.mul(xhat, dgammaMean), dbetaMean);
        const dx = tf.mul(tf.sub(dy2, correction), tf.mul(sg, srstd));
        return [tf.reshape(dx, xi.shape), tf.reshape(tf.mul(dgammaMean, m), [c]), tf.reshape(tf.mul(dbetaMean, m), [c])];
      },
    };
  });
  return fn(x, gamma, beta);
}

/** relu6 whose gradient masks with two Steps: tfjs's own uses LessEqual and Cast, slow on wasm. */
export const relu6 = tf.customGrad((...args: unknown[]) => {
  const [x, save] = args as [Tensor, tf.GradSaveFunc];
  save([x]);
  return {
    value: tf.relu6(x),
    gradFunc: (dy: Tensor | Tensor[], saved: Tensor[]) => {
      const sx = saved[0] as Tensor;
      return [tf.mul(dy as Tensor, tf.mul(tf.step(sx), tf.step(tf.sub(6, sx))))];
    },
  };
}) as (x: Tensor) => Tensor;

export class BatchNorm implements Block {
  readonly gamma: Variable;
  readonly beta: Variable;
  readonly runningMean: Variable;
  readonly runningVar: Variable;

  constructor(readonly channels: number, readonly momentum = 0.1, readonly epsilon = 1e-5) {
    this.gamma = variable(new Float32Array(channels).fill(1), [channels]);
    this.beta = variable(new Float32Array(channels), [channels]);
    this.runningMean = variable(new Float32Array(channels), [channels], false);
    this.runningVar = variable(new Float32Array(channels).fill(1), [channels], false);
  }

  get variables(): Variable[] {
    return [this.gamma, this.beta];
  }

  apply(x: Tensor, training: boolean): Tensor {
    if (!training) {
      // x * scale + shift: two broadcast ops (wasm's FusedBatchNorm is far slower).
      const scale = tf.mul(this.gamma, tf.rsqrt(tf.add(this.runningVar, this.epsilon)));
      return tf.add(tf.mul(x, scale), tf.sub(this.beta, tf.mul(this.runningMean, scale)));
    }
    const moments: BatchMoments[] = [];
    const y = batchNormTrain(x, this.gamma as Tensor1D, this.beta as Tensor1D, this.epsilon, moments);
    for (const { mean, variance } of moments) {
      this.track(mean, variance, x.size / this.channels);
      mean.dispose();
      variance.dispose();
    }
    return y;
  }

  /** Moves the running statistics towards one batch's moments over `n` values per channel. */
  track(mean: Tensor1D, variance: Tensor1D, n: number): void {
    tf.tidy(() => {
      const unbiased = tf.mul(variance, n / Math.max(1, n - 1));
      this.runningMean.assign(tf.add(tf.mul(this.runningMean, 1 - this.momentum), tf.mul(mean, this.momentum)));
      this.runningVar.assign(tf.add(tf.mul(this.runningVar, 1 - this.momentum), tf.mul(unbiased, this.momentum)));
    });
  }

  named(prefix: string): [string, Variable][] {
    return [
      [`${prefix}.gamma`, this.gamma],
      [`${prefix}.beta`, this.beta],
      [`${prefix}.running_mean`, this.runningMean],
      [`${prefix}.running_var`, this.runningVar],
    ];
  }
}

/** A parameter-free step (activation, pooling, reshaping) as a block. */
export class Fn implements Block {
  readonly variables: readonly Variable[] = [];
  constructor(readonly fn: (x: Tensor) => Tensor) {}
  apply(x: Tensor): Tensor {
    return this.fn(x);
  }
  named(): [string, Variable][] {
    return [];
  }
}

export const relu = (x: Tensor): Tensor => tf.relu(x);
export const globalAvgPool = (x: Tensor): Tensor2D => tf.mean(x, [1, 2]) as Tensor2D;
export const maxPool = (size: number, stride = size) => (x: Tensor): Tensor4D => tf.maxPool(x as Tensor4D, size, stride, 'valid');
export const avgPool = (size: number, stride = size) => (x: Tensor): Tensor4D => tf.avgPool(x as Tensor4D, size, stride, 'valid');

export class Sequential implements Block {
  constructor(readonly blocks: readonly Block[]) {}

  get variables(): Variable[] {
    return this.blocks.flatMap((b) => [...b.variables]);
  }

  apply(x: Tensor, training: boolean): Tensor {
    let y = x;
    for (const b of this.blocks) y = b.apply(y, training);
    return y;
  }

  named(prefix: string): [string, Variable][] {
    return this.blocks.flatMap((b, i) => b.named(prefix ? `${prefix}.${i}` : String(i)));
  }
}

/** x + block(x): the residual of an inverted-residual block with matching shapes. */
export class Residual implements Block {
  constructor(readonly body: Block) {}
  get variables(): readonly Variable[] {
    return this.body.variables;
  }
  apply(x: Tensor, training: boolean): Tensor {
    return tf.add(x, this.body.apply(x, training));
  }
  named(prefix: string): [string, Variable][] {
    return this.body.named(prefix);
  }
}

/** Conv (or depthwise conv) + batch norm + optional activation. */
export function convBn(rng: Rng, opts: ConvOptions & { act?: 'relu' | 'relu6' | 'none' }): Sequential {
  const blocks: Block[] = [new Conv2d(rng, opts), new BatchNorm(opts.outChannels)];
  if (opts.act !== 'none') blocks.push(new Fn(opts.act === 'relu' ? relu : relu6));
  return new Sequential(blocks);
}

export function depthwiseBn(rng: Rng, opts: DepthwiseOptions & { act?: 'relu' | 'relu6' | 'none' }): Sequential {
  const blocks: Block[] = [new DepthwiseConv2d(rng, opts), new BatchNorm(opts.channels * (opts.multiplier ?? 1))];
  if (opts.act !== 'none') blocks.push(new Fn(opts.act === 'relu' ? relu : relu6));
  return new Sequential(blocks);
}

/** MobileNetV2's inverted residual: 1x1 expand, kxk depthwise, 1x1 linear project (+ skip). */
export function invertedResidual(rng: Rng, opts: { inChannels: number; outChannels: number; expansion: number; kernel?: number; stride?: number }): Block {
  const hidden = opts.inChannels * opts.expansion;
  const stride = opts.stride ?? 1;
  const blocks: Block[] = [];
  if (opts.expansion !== 1) blocks.push(convBn(rng, { inChannels: opts.inChannels, outChannels: hidden, kernel: 1 }));
  blocks.push(depthwiseBn(rng, { channels: hidden, kernel: opts.kernel ?? 3, stride }));
  blocks.push(convBn(rng, { inChannels: hidden, outChannels: opts.outChannels, kernel: 1, act: 'none' }));
  const body = new Sequential(blocks);
  return stride === 1 && opts.inChannels === opts.outChannels ? new Residual(body) : body;
}

export interface Classifier extends TrainableModel {
  readonly body: Block;
  /** Every variable by name, running statistics included (for checkpoints). */
  namedVariables(): [string, Variable][];
}

/** A block that maps images to logits, as a TrainableModel. */
export function classifier(body: Block, extras: Pick<TrainableModel, 'extraLoss' | 'afterStep'> = {}): Classifier {
  return {
    body,
    get variables() {
      return body.variables;
    },
    forward: (x: Tensor4D, training: boolean) => body.apply(x, training) as Tensor2D,
    ...(extras.extraLoss ? { extraLoss: (): Scalar => (extras.extraLoss as () => Scalar)() } : {}),
    ...(extras.afterStep ? { afterStep: () => (extras.afterStep as () => void)() } : {}),
    namedVariables: () => body.named(''),
  };
}

/** The small CNN of the tests and smoke runs: two conv-BN-ReLU stages and a dense head. */
export function smallCnn(seed: number, shape: readonly [number, number, number], classes: number): Classifier {
  const rng = new Rng(seed);
  const [h, w, c] = shape;
  return classifier(
    new Sequential([
      convBn(rng, { inChannels: c, outChannels: 16, kernel: 3, act: 'relu' }),
      new Fn(maxPool(2)),
      convBn(rng, { inChannels: 16, outChannels: 32, kernel: 3, act: 'relu' }),
      new Fn(maxPool(2)),
      new Dense(rng, Math.floor(h / 4) * Math.floor(w / 4) * 32, classes),
    ]),
  );
}

/** A MobileNetV2-style proxy net: stem, a few inverted residuals (one strided), head. */
export function mobileNetV2Proxy(seed: number, shape: readonly [number, number, number], classes: number, width = 16): Classifier {
  const rng = new Rng(seed);
  const c = shape[2];
  return classifier(
    new Sequential([
      convBn(rng, { inChannels: c, outChannels: width, kernel: 3, stride: 1 }),
      invertedResidual(rng, { inChannels: width, outChannels: width, expansion: 1 }),
      invertedResidual(rng, { inChannels: width, outChannels: width * 1.5, expansion: 6, stride: 2 }),
      invertedResidual(rng, { inChannels: width * 1.5, outChannels: width * 1.5, expansion: 6 }),
      invertedResidual(rng, { inChannels: width * 1.5, outChannels: width * 2, expansion: 6, stride: 2 }),
      invertedResidual(rng, { inChannels: width * 2, outChannels: width * 2, expansion: 6 }),
      convBn(rng, { inChannels: width * 2, outChannels: width * 8, kernel: 1 }),
      new Fn(globalAvgPool),
      new Dense(rng, width * 8, classes),
    ]),
  );
}
