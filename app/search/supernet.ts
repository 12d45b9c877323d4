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
import { SKIP, spnasLatency, type SpnasLatencyTable } from '../predict/spnas-lut.js';
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
  /** How much faster than a weight a threshold moves per optimizer step (default 20). */
  readonly thresholdScale?: number;
}

const STEM = 32;
const HEAD = 1280;
/** Thresholds are stored divided by this, so that an optimizer's step moves them this much faster than a weight. */
export const DEFAULT_THRESHOLD_SCALE = 20;
/** Initial margin (log domain): every part of every superkernel starts in use, the largest network. */
const INITIAL_MARGIN = 1;

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

/**
 * Below this log margin (mean square about e^2 = 7x under the threshold) a part that is off
 * is frozen: its sigmoid gradient is down to a tenth of its peak, so the part is neither
 * computed nor charged, and the search then costs about what the network it is settling on
 * costs. A frozen part's weights and threshold get no gradient, so it stays frozen (and a
 * resumed run freezes the same parts).
 */
export const FREEZE_MARGIN = -2;

const LAMBDA_GROWTH = 1.05;
const LAMBDA_MAX = 1e4;

/** One channel group of the expanded layer: expansion 3 is group A, expansion 6 adds group B. */
interface Group {
  readonly expandW: tf.Variable;
  readonly expandBn: BatchNorm;
  readonly dwW: tf.Variable;
  readonly dwBn: BatchNorm;
  readonly projectW: tf.Variable;
}

class SuperMbconv {
  readonly a: Group;
  readonly b: Group;
  readonly projectBn: BatchNorm;
  /** log thresholds / scale: kernel 5x5, expansion 6, and (residual layers) expansion 3 vs skip. */
  readonly tK: tf.Variable;
  readonly tE6: tf.Variable;
  readonly tE3: tf.Variable | undefined;
  readonly residual: boolean;
  readonly stride: number;

  constructor(f: WeightFactory, readonly index: number, width: number, private readonly ring: tf.Tensor4D, private readonly scale: number) {
    const l = SPNAS_LAYERS[index]!;
    const cin = scaled(l.cin, width);
    const cout = scaled(l.cout, width);
    const half = cin * 3;
    this.residual = l.residual;
    this.stride = l.stride;
    const group = (g: string): Group => ({
      expandW: f.he([1, 1, cin, half], cin, `L${index}_expand_${g}`),
      expandBn: f.bn(half, `L${index}_expand_bn_${g}`),
      dwW: f.he([5, 5, half, 1], 25, `L${index}_dw_${g}`),
      dwBn: f.bn(half, `L${index}_dw_bn_${g}`),
      projectW: f.he([1, 1, half, cout], half * 2, `L${index}_project_${g}`),
    });
    this.a = group('a');
    this.b = group('b');
    this.projectBn = f.bn(cout, `L${index}_project_bn`);
    const start = (w: () => tf.Tensor): tf.Scalar => tf.tidy(() => tf.div(tf.sub(logMeanSquare(w()), INITIAL_MARGIN), this.scale) as tf.Scalar);
    this.tK = f.zeros([], `L${index}_t_k5`);
    this.tK.assign(start(() => this.ringOf(this.a.dwW)));
    this.tE6 = f.zeros([], `L${index}_t_e6`);
    this.tE6.assign(start(() => this.innerOf(this.b.dwW)));
    if (this.residual) {
      this.tE3 = f.zeros([], `L${index}_t_e3`);
      this.tE3.assign(start(() => this.innerOf(this.a.dwW)));
    }
  }

  private ringOf(w: tf.Tensor): tf.Tensor {
    return tf.mul(w, this.ring);
  }

  private innerOf(w: tf.Tensor): tf.Tensor {
    return tf.slice(w, [1, 1, 0, 0], [3, 3, -1, -1]);
  }

  /**
   * Log-domain margins (norm over threshold) of the three decisions; > 0 means "use it".
   * The kernel decision looks at the ring of the groups in use; the expansion decisions at
   * their group's inner 3x3 only, since through the ring they would be coupled to the kernel
   * decision (a costly expansion would then drop a free 5x5 ring).
   */
  margins(withB = true): { k: tf.Tensor; e6: tf.Tensor; e3: tf.Tensor | undefined } {
    const ring = withB ? tf.concat([this.ringOf(this.a.dwW), this.ringOf(this.b.dwW)], 2) : this.ringOf(this.a.dwW);
    const k = tf.sub(logMeanSquare(ring), tf.mul(this.tK, this.scale));
    const e6 = tf.sub(logMeanSquare(this.innerOf(this.b.dwW)), tf.mul(this.tE6, this.scale));
    const e3 = this.tE3 ? tf.sub(logMeanSquare(this.innerOf(this.a.dwW)), tf.mul(this.tE3, this.scale)) : undefined;
    return { k, e6, e3 };
  }

  /** Margins as numbers (outside the tape). */
  marginValues(): { k: number; e6: number; e3: number } {
    return tf.tidy(() => {
      const e6 = tf.sub(logMeanSquare(this.innerOf(this.b.dwW)), tf.mul(this.tE6, this.scale)).dataSync()[0]!;
      const m = this.margins(e6 > FREEZE_MARGIN);
      return { k: m.k.dataSync()[0]!, e6, e3: m.e3 ? m.e3.dataSync()[0]! : Infinity };
    });
  }

  apply(x: tf.Tensor4D, training: boolean): { y: tf.Tensor4D; decision: LayerDecision } {
    const frozen = this.marginValues();
    const zero = tf.scalar(0);
    if (frozen.e3 < FREEZE_MARGIN) return { y: x, decision: { gK: zero, gE6: zero, gE3: zero } };
    const useB = frozen.e6 >= FREEZE_MARGIN;
    const m = this.margins(useB);
    const gE3 = m.e3 ? hardIndicator(m.e3) : tf.scalar(1);
    const gE6 = useB ? hardIndicator(m.e6) : zero;
    const kFrozen = frozen.k < FREEZE_MARGIN;
    const gK = kFrozen ? zero : hardIndicator(m.k);
    const branch = (g: Group): tf.Tensor4D => {
      // A frozen ring: a true 3x3 depthwise, cheaper than a 5x5 of zeros.
      const ring = this.ringOf(g.dwW);
      const kernel = kFrozen ? this.innerOf(g.dwW) : tf.add(tf.sub(g.dwW, ring), tf.mul(ring, gK));
      let h = tf.relu(g.expandBn.apply(tf.conv2d(x, g.expandW as tf.Tensor4D, 1, 'same'), training)) as tf.Tensor4D;
      h = tf.relu(g.dwBn.apply(tf.depthwiseConv2d(h, kernel as tf.Tensor4D, this.stride, 'same'), training)) as tf.Tensor4D;
      return tf.conv2d(h, g.projectW as tf.Tensor4D, 1, 'same');
    };
    let sum = branch(this.a);
    if (useB) sum = tf.add(sum, tf.mul(branch(this.b), gE6));
    let y = this.projectBn.apply(sum, training) as tf.Tensor4D;
    if (this.residual) y = tf.add(x, tf.mul(y, gE3));
    // The runtime term sees the same hard decisions, but its gradient reaches only the
    // thresholds: through the weights' norms it would shrink the weights of every part it
    // charges for, and a strong runtime weight then wrecks what the network has learned.
    const charged = (margin: number, t: tf.Variable): tf.Tensor => hardIndicator(tf.sub(margin, tf.mul(tf.sub(t, t.dataSync()[0]!), this.scale)));
    const decision: LayerDecision = {
      gK: kFrozen ? zero : charged(frozen.k, this.tK),
      gE6: useB ? charged(frozen.e6, this.tE6) : zero,
      gE3: this.tE3 ? charged(frozen.e3, this.tE3) : tf.scalar(1),
    };
    return { y, decision };
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
  /** The runtime penalty's weight; raised after every step that leaves the architecture outside the band. */
  lambda = 1;
  /** The lower end of the band, as a fraction of the target. */
  readonly bandLow = 0.95;

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
    return runtimePenalty(networkRuntime(this.table, this.decisions), this.targetMs, this.lambda, this.bandLow) as tf.Scalar;
  }

  /**
   * The trade-off tunes itself: while the hard architecture's latency is outside the band,
   * the runtime term's weight grows by 5% a step (a dual ascent on the constraint), so a
   * target is met however the cross-entropy pulls; inside the band it stays as it is.
   */
  afterStep(): void {
    const ms = spnasLatency(this.table, this.state().architecture);
    if ((ms > this.targetMs || ms < this.bandLow * this.targetMs) && this.lambda < LAMBDA_MAX) this.lambda *= LAMBDA_GROWTH;
  }

  /** Reads the current decisions and margins (outside any tape). */
  state(): SupernetState {
    const margins = this.layers.map((l) => l.marginValues());
    const architecture = margins.map(({ k, e6, e3 }) => (e3 <= 0 ? SKIP : (k > 0 ? 2 : 0) + (e6 > 0 ? 1 : 0)));
    return {
      architecture,
      preference: (layer, choice) => {
        const { k, e6, e3 } = margins[layer]!;
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
