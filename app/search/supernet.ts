/**
 * The proxy networks of the search, trained on small images (MNIST-sized) while the latency
 * counted is the device's, from its LUT at the LUT's resolution.
 *
 * - `Supernet`: every searchable layer is one superkernel MBConv (Single-Path NAS): a 5x5
 *   depthwise kernel whose inner 3x3 is the 3x3 choice and whose outer ring is used when its
 *   norm passes a trainable threshold; the expanded channels in two groups, the second half
 *   (expansion 6) used when its norm passes another, and on residual layers the first half
 *   too (else the layer is skipped). One path, no parallel branches: the cost of training it
 *   is about that of training one network.
 * - `ChildNet`: one fixed architecture of the space, built at its real sizes (a 3x3 kernel
 *   is a 3x3 kernel), to train the found network and the baselines on the same footing.
 *
 * Widths are the space's channels times `width` (the proxy is narrower than the phone's
 * network); the stem keeps stride 1 at 28-32 px so that the five halvings of the 224 px
 * network leave a map larger than 1x1 for the 5x5 ring to see.
 */
import * as tf from '@tensorflow/tfjs-core';
import { SPNAS_LAYERS, SPNAS_OPTIONS } from '../workloads/zoo/spnas-space.js';
import { SKIP, type SpnasLatencyTable } from '../predict/spnas-lut.js';
import type { TrainableModel } from '../train/types.js';
import { BatchNorm } from '../train/nn.js';
import { hardIndicator, logMeanSquare } from './indicator.js';
import { networkRuntime, runtimePenalty, type LayerDecision } from './latency-term.js';
import type { Architecture } from './architecture.js';

export interface ProxyShape {
  /** Input [height, width, channels]. */
  readonly input: readonly [number, number, number];
  readonly classes: number;
  /** Channel multiplier of the space's widths. */
  readonly width: number;
  readonly seed: number;
  /** How much faster than a weight a threshold moves per optimizer step (default 10). */
  readonly thresholdScale?: number;
}

const STEM = 32;
const HEAD = 1280;
/** Thresholds are stored divided by this, so that an optimizer's step moves them this much faster than a weight. */
export const DEFAULT_THRESHOLD_SCALE = 10;
/** Initial margin (log domain): every part of every superkernel starts in use, the largest network. */
const INITIAL_MARGIN = 2;

function scaled(c: number, width: number): number {
  return Math.max(4, Math.round((c * width) / 2) * 2);
}

class WeightFactory {
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
class StemHead {
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

/** The kernel's ring: 1 outside the inner 3x3 of a 5x5, as [5, 5, 1, 1] for broadcasting. */
function ringMask(): tf.Tensor4D {
  const m = new Float32Array(25).fill(1);
  for (let i = 1; i < 4; i++) for (let j = 1; j < 4; j++) m[i * 5 + j] = 0;
  return tf.tensor4d(m, [5, 5, 1, 1]);
}

class SuperMbconv {
  readonly expandW: tf.Variable;
  readonly expandBn: BatchNorm;
  readonly dwW: tf.Variable;
  readonly dwBn: BatchNorm;
  readonly projectW: tf.Variable;
  readonly projectBn: BatchNorm;
  /** log thresholds / scale: kernel 5x5, expansion 6, and (residual layers) expansion 3 vs skip. */
  readonly tK: tf.Variable;
  readonly tE6: tf.Variable;
  readonly tE3: tf.Variable | undefined;
  readonly half: number;
  readonly residual: boolean;
  readonly stride: number;

  constructor(f: WeightFactory, readonly index: number, width: number, private readonly ring: tf.Tensor4D, private readonly scale: number) {
    const l = SPNAS_LAYERS[index]!;
    const cin = scaled(l.cin, width);
    const cout = scaled(l.cout, width);
    this.half = cin * 3;
    this.residual = l.residual;
    this.stride = l.stride;
    this.expandW = f.he([1, 1, cin, this.half * 2], cin, `L${index}_expand`);
    this.expandBn = f.bn(this.half * 2, `L${index}_expand_bn`);
    this.dwW = f.he([5, 5, this.half * 2, 1], 25, `L${index}_dw`);
    this.dwBn = f.bn(this.half * 2, `L${index}_dw_bn`);
    this.projectW = f.he([1, 1, this.half * 2, cout], this.half * 2, `L${index}_project`);
    this.projectBn = f.bn(cout, `L${index}_project_bn`);
    const start = (w: tf.Tensor): number => (logMeanSquare(w).dataSync()[0]! - INITIAL_MARGIN) / this.scale;
    const { ring: r, inner } = this.split(this.dwW);
    this.tK = f.zeros([], `L${index}_t_k5`);
    this.tK.assign(tf.scalar(tf.tidy(() => start(r))));
    this.tE6 = f.zeros([], `L${index}_t_e6`);
    this.tE6.assign(tf.scalar(tf.tidy(() => start(this.group(inner, 1)))));
    if (this.residual) {
      this.tE3 = f.zeros([], `L${index}_t_e3`);
      this.tE3.assign(tf.scalar(tf.tidy(() => start(this.group(inner, 0)))));
    }
    r.dispose();
    inner.dispose();
  }

  private split(w: tf.Tensor): { ring: tf.Tensor; inner: tf.Tensor } {
    const ring = tf.mul(w, this.ring);
    return { ring, inner: tf.sub(w, ring) };
  }

  private group(w: tf.Tensor, g: 0 | 1): tf.Tensor {
    return tf.slice(w, [0, 0, g * this.half, 0], [-1, -1, this.half, -1]);
  }

  /** Log-domain margins (norm over threshold) of the three decisions; > 0 means "use it". */
  margins(): { k: tf.Tensor; e6: tf.Tensor; e3: tf.Tensor | undefined } {
    const { ring, inner } = this.split(this.dwW);
    const k = tf.sub(logMeanSquare(ring), tf.mul(this.tK, this.scale));
    // The expansion decisions look at the inner 3x3 only: through the ring they would be
    // coupled to the kernel decision, and a costly expansion would drop a free 5x5 ring.
    const e6 = tf.sub(logMeanSquare(this.group(inner, 1)), tf.mul(this.tE6, this.scale));
    const e3 = this.tE3 ? tf.sub(logMeanSquare(this.group(inner, 0)), tf.mul(this.tE3, this.scale)) : undefined;
    return { k, e6, e3 };
  }

  apply(x: tf.Tensor4D, training: boolean): { y: tf.Tensor4D; decision: LayerDecision } {
    const m = this.margins();
    const gK = hardIndicator(m.k);
    const gE6 = hardIndicator(m.e6);
    const gE3 = m.e3 ? hardIndicator(m.e3) : tf.scalar(1);
    const { ring, inner } = this.split(this.dwW);
    const kernel = tf.add(inner, tf.mul(ring, gK)) as tf.Tensor4D;
    const mask = tf.concat([tf.mul(tf.ones([this.half]), gE3), tf.mul(tf.ones([this.half]), tf.mul(gE3, gE6))]);
    let h = tf.relu(this.expandBn.apply(tf.conv2d(x, this.expandW as tf.Tensor4D, 1, 'same'), training)) as tf.Tensor4D;
    h = tf.relu(this.dwBn.apply(tf.depthwiseConv2d(h, kernel, this.stride, 'same'), training)) as tf.Tensor4D;
    h = tf.mul(h, mask);
    let y = this.projectBn.apply(tf.conv2d(h, this.projectW as tf.Tensor4D, 1, 'same'), training) as tf.Tensor4D;
    if (this.residual) y = tf.add(x, tf.mul(y, gE3));
    return { y, decision: { gK, gE6, gE3 } };
  }
}

export interface SupernetState {
  /** The current hard choice per layer (0..3 an option, 4 skip). */
  readonly architecture: number[];
  /** A layer's preference for each choice: the sum of its margins, signed by whether the choice uses each part. */
  preference(layer: number, choice: number): number;
}

export class Supernet implements TrainableModel {
  readonly variables: tf.Variable[];
  readonly named: readonly [string, tf.Variable][];
  readonly layers: SuperMbconv[];
  private readonly ends: StemHead;
  private readonly ring = ringMask();
  private decisions: LayerDecision[] = [];
  /** The runtime penalty's weight; the search raises it while the architecture misses the band. */
  lambda = 1;

  constructor(
    shape: ProxyShape,
    private readonly table: SpnasLatencyTable,
    private readonly targetMs: number,
  ) {
    const f = new WeightFactory(shape.seed);
    this.ends = new StemHead(f, shape);
    this.layers = SPNAS_LAYERS.map((l) => new SuperMbconv(f, l.index, shape.width, this.ring, shape.thresholdScale ?? DEFAULT_THRESHOLD_SCALE));
    this.variables = f.all;
    this.named = f.named;
  }

  forward(x: tf.Tensor4D, training: boolean): tf.Tensor2D {
    let h = this.ends.stem(x, training);
    const decisions: LayerDecision[] = [];
    for (const layer of this.layers) {
      const { y, decision } = layer.apply(h, training);
      h = y;
      decisions.push(decision);
    }
    this.decisions = decisions;
    return this.ends.head(h, training);
  }

  /** The runtime term, from the decisions of the last forward pass (same tape). */
  extraLoss(): tf.Scalar {
    return runtimePenalty(networkRuntime(this.table, this.decisions), this.targetMs, this.lambda) as tf.Scalar;
  }

  /** Reads the current decisions and margins (outside any tape). */
  state(): SupernetState {
    const margins = tf.tidy(() =>
      this.layers.map((l) => {
        const m = l.margins();
        return [m.k.dataSync()[0]!, m.e6.dataSync()[0]!, m.e3 ? m.e3.dataSync()[0]! : Infinity] as const;
      }),
    );
    const architecture = margins.map(([k, e6, e3]) => (e3 <= 0 ? SKIP : (k > 0 ? 2 : 0) + (e6 > 0 ? 1 : 0)));
    return {
      architecture,
      preference: (layer, choice) => {
        const [k, e6, e3] = margins[layer]!;
        if (choice === SKIP) return Number.isFinite(e3) ? -e3 : -Infinity;
        const o = SPNAS_OPTIONS[choice]!;
        return (o.kernel === 5 ? k : -k) + (o.expansion === 6 ? e6 : -e6) + (Number.isFinite(e3) ? e3 : 0);
      },
    };
  }

  dispose(): void {
    this.named.forEach(([, v]) => v.dispose());
    this.ring.dispose();
  }
}

class FixedMbconv {
  readonly expandW: tf.Variable;
  readonly expandBn: BatchNorm;
  readonly dwW: tf.Variable;
  readonly dwBn: BatchNorm;
  readonly projectW: tf.Variable;
  readonly projectBn: BatchNorm;
  readonly residual: boolean;
  readonly stride: number;
  constructor(f: WeightFactory, index: number, option: number, width: number) {
    const l = SPNAS_LAYERS[index]!;
    const o = SPNAS_OPTIONS[option]!;
    const cin = scaled(l.cin, width);
    const cout = scaled(l.cout, width);
    const mid = cin * o.expansion;
    this.residual = l.residual;
    this.stride = l.stride;
    this.expandW = f.he([1, 1, cin, mid], cin, `L${index}_expand`);
    this.expandBn = f.bn(mid, `L${index}_expand_bn`);
    this.dwW = f.he([o.kernel, o.kernel, mid, 1], o.kernel * o.kernel, `L${index}_dw`);
    this.dwBn = f.bn(mid, `L${index}_dw_bn`);
    this.projectW = f.he([1, 1, mid, cout], mid, `L${index}_project`);
    this.projectBn = f.bn(cout, `L${index}_project_bn`);
  }
  apply(x: tf.Tensor4D, training: boolean): tf.Tensor4D {
    let h = tf.relu(this.expandBn.apply(tf.conv2d(x, this.expandW as tf.Tensor4D, 1, 'same'), training)) as tf.Tensor4D;
    h = tf.relu(this.dwBn.apply(tf.depthwiseConv2d(h, this.dwW as tf.Tensor4D, this.stride, 'same'), training)) as tf.Tensor4D;
    const y = this.projectBn.apply(tf.conv2d(h, this.projectW as tf.Tensor4D, 1, 'same'), training) as tf.Tensor4D;
    return this.residual ? tf.add(x, y) : y;
  }
}

/** One architecture of the space at its real sizes (skipped layers are absent). */
export class ChildNet implements TrainableModel {
  readonly variables: tf.Variable[];
  private readonly ends: StemHead;
  private readonly layers: FixedMbconv[];
  constructor(shape: ProxyShape, readonly architecture: Architecture) {
    const f = new WeightFactory(shape.seed);
    this.ends = new StemHead(f, shape);
    this.layers = [];
    architecture.forEach((c, i) => {
      if (c !== SKIP) this.layers.push(new FixedMbconv(f, i, c, shape.width));
    });
    this.variables = f.all;
    this.named = f.named;
  }
  readonly named: readonly [string, tf.Variable][];
  forward(x: tf.Tensor4D, training: boolean): tf.Tensor2D {
    let h = this.ends.stem(x, training);
    for (const l of this.layers) h = l.apply(h, training);
    return this.ends.head(h, training);
  }
  dispose(): void {
    this.named.forEach(([, v]) => v.dispose());
  }
}
