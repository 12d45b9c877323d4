/**
 * The proxy networks of the search, trained on small images (MNIST-sized) while the latency
 * counted is the device's, from its LUT at the LUT's resolution.
 *
 * - `Supernet`: every searchable layer is one superkernel MBConv (Single-Path NAS): a 5x5
 *   depthwise kernel whose inner 3x3 is the 3x3 choice and whose outer ring is used when its
 *   norm passes a trainable threshold; the expanded channels in two groups, the second half
 *   (expansion 6) used when its norm passes another, and on residual layers the first half
 *   too (else the layer is skipped). One path, no parallel branches: the cost of training it
 *   is about that of training one network. Decisions that have held inside the latency band
 *   settle (DEFAULT_SETTLE_PATIENCE) and are no longer searched: a settled part costs what it
 *   costs in the network chosen, so the supernet's steps shrink to the found network's.
 * - `ChildNet`: one fixed architecture of the space, built at its real sizes (a 3x3 kernel
 *   is a 3x3 kernel), to train the found network and the baselines on the same footing.
 *
 * Widths are the space's channels times `width` (the proxy is narrower than the phone's
 * network); the stem keeps stride 1 at 28-32 px so that the five halvings of the 224 px
 * network leave a map larger than 1x1 for the 5x5 ring to see.
 */
import * as tf from '@tensorflow/tfjs-core';
import { LabbenchError } from '../api/errors.js';
import { SPNAS_LAYERS, SPNAS_OPTIONS } from '../workloads/zoo/spnas-space.js';
import { SKIP, spnasLatency, type SpnasLatencyTable } from '../predict/spnas-lut.js';
import type { TrainableModel } from '../train/types.js';
import { BatchNorm } from '../train/nn.js';
import { hardIndicator, logMeanSquare } from './indicator.js';
import { groupBatchNorm } from './group-batch-norm.js';
import { networkRuntime, runtimePenalty, type LayerDecision } from './latency-term.js';
import type { Architecture } from './architecture.js';

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

const STEM = 32;
const HEAD = 1280;
/**
 * Thresholds are stored divided by this, so that an optimizer's step moves them this much
 * faster than a weight. Adam's steps are about its learning rate whatever the gradient's size,
 * so at 2e-3 a threshold moves about 0.08 log units a step and the first parts turn off after
 * INITIAL_MARGIN / 0.08 = 12 steps: while none has, every step trains the largest network
 * (2.2x a found network's step). At 20 that phase lasted 23 steps and the band was reached at
 * step 44 instead of 31 (bench: 6,000 images, 170 steps); 60 and a margin of 0.5 reached it
 * sooner but overshot the narrow band back and forth and settled no earlier.
 */
export const DEFAULT_THRESHOLD_SCALE = 40;
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
 * is settled off at once: its sigmoid gradient is down to a tenth of its peak, so the part is
 * neither computed nor charged any more.
 */
export const FREEZE_MARGIN = -2;

/**
 * Settling: a part whose hard decision has held for this many optimizer steps with the
 * network's latency inside the band (steps outside it do not count, a flip starts the count
 * again) is settled at that decision. Inside the band the runtime term is zero, so what
 * could still flip the part is the cross-entropy's pull through the indicator; after this
 * many steps without a flip the search has made up its mind about it. A settled part is no
 * longer searched: off, it is not computed at all (a 3x3 kernel, no second expansion group,
 * or no layer); on, it is computed without its indicator. Once every part has settled the
 * supernet is the chosen network and a search step costs what the found network's step
 * costs. (A part that is off but still searched costs its forward pass only: offPart.)
 */
export const DEFAULT_SETTLE_PATIENCE = 16;

/**
 * A part still live after this many times the patience in steps inside the band (flips
 * included) settles at its decision of that step. Such a part sits at its threshold and flips
 * with the cross-entropy's noise (measured on the bench: one ring flipped every 6-15 steps
 * between 76.7 and 78.5 ms for 100 steps), so the search is indifferent to it; both of its
 * decisions keep the network in the band, and the one taken is that of an in-band step. Left
 * live, it kept its layer's indicators and forward-only parts in every step to the end.
 */
export const SETTLE_LIMIT_FACTOR = 2;

const LAMBDA_GROWTH = 1.05;
const LAMBDA_MAX = 1e4;

/** One searched decision of a layer: the 5x5 ring, expansion 6 (group B), expansion 3 vs skip. */
const PARTS = ['k', 'e6', 'e3'] as const;
type Part = (typeof PARTS)[number];
/** 'live': decided by its margin at every step; 'on' / 'off': settled. */
export type PartStatus = 'live' | 'on' | 'off';

/** What a step needs of one layer, read in one batch with every other layer's. */
interface LayerValues {
  /** Log margins; e3 is Infinity on a layer that cannot be skipped. k with and without group B's ring (see marginOf). */
  readonly kAB: number;
  readonly kA: number;
  readonly e6: number;
  readonly e3: number;
  /** The thresholds' stored values. */
  readonly tK: number;
  readonly tE6: number;
  readonly tE3: number;
}

/** How many numbers valueTensors hands over per layer. */
const VALUES_PER_LAYER = 7;

/**
 * `gate * f()` where the gate is 0 in the forward pass (a part that is off this step): the
 * value is zero and so are the gradients of everything f reads; only the gate's gradient,
 * <dy, f()>, is not, and that is what lets the part come back on. f runs off the tape, so its
 * backward pass (most of its cost) is never computed.
 */
export function offPart(f: () => tf.Tensor, gate: tf.Tensor): tf.Tensor {
  const op = tf.customGrad((...args: unknown[]) => {
    const [g, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const value = f();
    save([value]);
    return { value: tf.mul(value, g), gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => tf.sum(tf.mul(dy as tf.Tensor, saved[0]!)) };
  });
  return op(gate);
}

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
  /** Whether each decision is still searched; a layer that cannot be skipped has e3 settled on. */
  readonly status: Record<Part, PartStatus>;

  constructor(f: WeightFactory, readonly index: number, width: number, private readonly ring: tf.Tensor4D, private readonly scale: number) {
    const l = SPNAS_LAYERS[index]!;
    const cin = scaled(l.cin, width);
    const cout = scaled(l.cout, width);
    const half = cin * 3;
    this.residual = l.residual;
    this.stride = l.stride;
    this.status = { k: 'live', e6: 'live', e3: l.residual ? 'live' : 'on' };
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
  private marginK(withB: boolean): tf.Tensor {
    const ring = withB ? tf.concat([this.ringOf(this.a.dwW), this.ringOf(this.b.dwW)], 2) : this.ringOf(this.a.dwW);
    return tf.sub(logMeanSquare(ring), tf.mul(this.tK, this.scale));
  }

  private marginE6(): tf.Tensor {
    return tf.sub(logMeanSquare(this.innerOf(this.b.dwW)), tf.mul(this.tE6, this.scale));
  }

  private marginE3(t: tf.Variable): tf.Tensor {
    return tf.sub(logMeanSquare(this.innerOf(this.a.dwW)), tf.mul(t, this.scale));
  }

  /** Scalars for one batched read: k with group B's ring, k without it, e6, e3, and the three thresholds. */
  valueTensors(): tf.Tensor[] {
    const none = tf.scalar(0);
    return [this.marginK(true), this.marginK(false), this.marginE6(), this.tE3 ? this.marginE3(this.tE3) : none, this.tK, this.tE6, this.tE3 ?? none];
  }

  /** This layer's values out of a batched read (see valueTensors). */
  valuesAt(flat: ArrayLike<number>, at: number): LayerValues {
    const v = (i: number): number => flat[at + i] as number;
    return { kAB: v(0), kA: v(1), e6: v(2), e3: this.tE3 ? v(3) : Infinity, tK: v(4), tE6: v(5), tE3: v(6) };
  }

  /** A part's margin; the kernel's over the rings of the groups in use. */
  marginOf(part: Part, v: LayerValues): number {
    if (part === 'k') return this.status.e6 === 'off' ? v.kA : v.kAB;
    return v[part];
  }

  /** The hard decision of a part: settled, or its margin's sign. */
  uses(part: Part, v: LayerValues): boolean {
    const s = this.status[part];
    return s === 'live' ? this.marginOf(part, v) > 0 : s === 'on';
  }

  apply(x: tf.Tensor4D, training: boolean, v: LayerValues): { y: tf.Tensor4D; decision: LayerDecision } {
    const zero = tf.scalar(0);
    const one = tf.scalar(1);
    const { k: sK, e6: sE6, e3: sE3 } = this.status;
    if (sE3 === 'off') return { y: x, decision: { gK: zero, gE6: zero, gE3: zero } };
    const useB = sE6 !== 'off';
    const gate = (s: PartStatus, margin: () => tf.Tensor): tf.Tensor => (s === 'live' ? hardIndicator(margin()) : s === 'on' ? one : zero);
    const gE3 = gate(sE3, () => this.marginE3(this.tE3!));
    const gE6 = gate(sE6, () => this.marginE6());
    const gK = gate(sK, () => this.marginK(useB));
    // A live part that is off this step computes its output for its gate's gradient only
    // (offPart); in inference it is left out, its contribution being exactly zero.
    const kOff = sK === 'live' && !this.uses('k', v);
    const bOff = sE6 === 'live' && !this.uses('e6', v);
    const layerOff = sE3 === 'live' && !this.uses('e3', v);
    // The groups in use as one path: batch norm is per channel and the 1x1 projection sums over
    // channels, so weights concatenated along the channels compute exactly the sum of the
    // groups' paths with half the convolutions and norms (measured on the bench's found network,
    // settled, steps interleaved with its ChildNet's: 1.22x the ChildNet's step as two paths,
    // 1.10-1.14x as one; what is left is mostly Adam's per-variable ops on the split groups).
    // `projectGate` scales the last group's projection: a live expansion 6 that is on (1 in the
    // forward pass; its gradient, <dy, group B's output>, through the projection's weights).
    const path = (groups: readonly Group[], projectGate?: tf.Tensor): tf.Tensor4D => {
      const cat = (ws: tf.Tensor[], axis: number): tf.Tensor4D => (ws.length === 1 ? ws[0]! : tf.concat(ws, axis)) as tf.Tensor4D;
      const expandW = cat(groups.map((g) => g.expandW), 3);
      let h = tf.relu(groupBatchNorm(groups.map((g) => g.expandBn), tf.conv2d(x, expandW, 1, 'same'), training)) as tf.Tensor4D;
      const dwW = cat(groups.map((g) => g.dwW), 2);
      let d: tf.Tensor;
      // A settled or switched-off ring: a true 3x3 kernel, cheaper than a 5x5 with a masked ring.
      if (sK === 'off' || kOff) {
        d = tf.depthwiseConv2d(h, this.innerOf(dwW) as tf.Tensor4D, this.stride, 'same');
        if (kOff && training) d = tf.add(d, offPart(() => tf.depthwiseConv2d(h, this.ringOf(dwW) as tf.Tensor4D, this.stride, 'same'), gK));
      } else if (sK === 'on') {
        d = tf.depthwiseConv2d(h, dwW, this.stride, 'same');
      } else {
        const ring = this.ringOf(dwW);
        d = tf.depthwiseConv2d(h, tf.add(tf.sub(dwW, ring), tf.mul(ring, gK)) as tf.Tensor4D, this.stride, 'same');
      }
      h = tf.relu(groupBatchNorm(groups.map((g) => g.dwBn), d, training)) as tf.Tensor4D;
      const projectW = groups.map((g, i) => (projectGate && i === groups.length - 1 ? tf.mul(g.projectW, projectGate) : g.projectW));
      return tf.conv2d(h, cat(projectW, 2), 1, 'same');
    };
    const body = (): tf.Tensor4D => {
      let sum: tf.Tensor4D;
      if (sE6 === 'on') sum = path([this.a, this.b]);
      else if (sE6 === 'live' && !bOff) sum = path([this.a, this.b], gE6);
      else {
        sum = path([this.a]);
        // A live group B that is off this step: its forward pass for its gate's gradient only.
        if (bOff && training) sum = tf.add(sum, offPart(() => path([this.b]), gE6));
      }
      return this.projectBn.apply(sum, training) as tf.Tensor4D;
    };
    let y: tf.Tensor4D;
    if (!this.residual) y = body();
    else if (sE3 === 'on') y = tf.add(x, body());
    else if (layerOff) y = training ? tf.add(x, offPart(body, gE3)) : x;
    else y = tf.add(x, tf.mul(body(), gE3));
    // The runtime term sees the same hard decisions, but its gradient reaches only the
    // thresholds: through the weights' norms it would shrink the weights of every part it
    // charges for, and a strong runtime weight then wrecks what the network has learned.
    const charged = (s: PartStatus, margin: number, t: tf.Variable | undefined, tValue: number): tf.Tensor =>
      s === 'live' && t ? hardIndicator(tf.sub(margin, tf.mul(tf.sub(t, tValue), this.scale))) : s === 'off' ? zero : one;
    const decision: LayerDecision = {
      gK: charged(sK, this.marginOf('k', v), this.tK, v.tK),
      gE6: charged(sE6, v.e6, this.tE6, v.tE6),
      gE3: charged(sE3, v.e3, this.tE3, v.tE3),
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

/** What a checkpoint keeps of the settling, so that a resumed search goes on from where it stopped. */
export interface Settlement {
  /** Per layer, the status of k, e6, e3. */
  readonly status: PartStatus[][];
  /** Per layer and part: steps the decision has held inside the band, and the decision held. */
  readonly stable: number[][];
  readonly last: boolean[][];
  /** Per layer and part: steps inside the band while live, flips included (SETTLE_LIMIT_FACTOR); absent in older checkpoints. */
  readonly inBand?: number[][];
}

export class Supernet implements TrainableModel {
  readonly variables: tf.Variable[];
  readonly named: readonly [string, tf.Variable][];
  readonly layers: SuperMbconv[];
  private readonly ends: StemHead;
  private readonly ring = ringMask();
  private decisions: LayerDecision[] = [];
  /** The values read after the last step: the next forward pass uses them (weights change only in a step). */
  private values: LayerValues[] | undefined;
  private stable: number[][];
  private last: boolean[][];
  private inBand: number[][];
  /** The runtime penalty's weight; raised after every step that leaves the architecture outside the band. */
  lambda = 1;
  /** The lower end of the band, as a fraction of the target. */
  readonly bandLow = 0.95;
  readonly settlePatience: number;

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
    this.settlePatience = shape.settlePatience ?? DEFAULT_SETTLE_PATIENCE;
    this.stable = this.layers.map(() => PARTS.map(() => 0));
    this.last = this.layers.map(() => PARTS.map(() => true));
    this.inBand = this.layers.map(() => PARTS.map(() => 0));
  }

  /**
   * Every layer's margins and thresholds in one read from the backend. A step needs none of
   * a layer whose decisions have all settled (`all` false): its values are left NaN.
   */
  private readValues(all: boolean): LayerValues[] {
    const read = this.layers.filter((l) => all || PARTS.some((p) => l.status[p] === 'live'));
    const flat = read.length ? tf.tidy(() => tf.stack(read.flatMap((l) => l.valueTensors())).dataSync()) : new Float32Array(0);
    const unread: LayerValues = { kAB: NaN, kA: NaN, e6: NaN, e3: NaN, tK: NaN, tE6: NaN, tE3: NaN };
    return this.layers.map((l) => {
      const at = read.indexOf(l);
      return at < 0 ? unread : l.valuesAt(flat, at * VALUES_PER_LAYER);
    });
  }

  forward(x: tf.Tensor4D, training: boolean): tf.Tensor2D {
    this.values ??= this.readValues(false);
    const values = this.values;
    let h = this.ends.stem(x, training);
    const decisions: LayerDecision[] = [];
    this.layers.forEach((layer, i) => {
      const { y, decision } = layer.apply(h, training, values[i]!);
      h = y;
      decisions.push(decision);
    });
    this.decisions = decisions;
    return this.ends.head(h, training);
  }

  /** The runtime term, from the decisions of the last forward pass (same tape). */
  extraLoss(): tf.Scalar {
    return runtimePenalty(networkRuntime(this.table, this.decisions), this.targetMs, this.lambda, this.bandLow) as tf.Scalar;
  }

  /**
   * After every step, one read of the margins: settling (see DEFAULT_SETTLE_PATIENCE), and the
   * trade-off tunes itself: while the hard architecture's latency is outside the band, the
   * runtime term's weight grows by 5% a step (a dual ascent on the constraint), so a target
   * is met however the cross-entropy pulls; inside the band it stays as it is.
   */
  afterStep(): void {
    const values = this.readValues(false);
    const ms = spnasLatency(this.table, this.architectureOf(values));
    const inBand = ms <= this.targetMs && ms >= this.bandLow * this.targetMs;
    this.settle(values, inBand);
    if (!inBand && this.lambda < LAMBDA_MAX) this.lambda *= LAMBDA_GROWTH;
    this.values = values;
  }

  private settle(values: readonly LayerValues[], inBand: boolean): void {
    this.layers.forEach((layer, i) => {
      const v = values[i]!;
      PARTS.forEach((part, p) => {
        if (layer.status[part] !== 'live') return;
        const margin = layer.marginOf(part, v);
        if (margin < FREEZE_MARGIN) {
          layer.status[part] = 'off';
          return;
        }
        const uses = margin > 0;
        const held = uses === this.last[i]![p];
        // Counts the steps in the band since the decision last flipped, this one included; a
        // step outside the band (the latency bouncing off an edge of a narrow band) does not count.
        if (!held) this.stable[i]![p] = 0;
        if (inBand) {
          this.stable[i]![p]! += 1;
          this.inBand[i]![p]! += 1;
        }
        this.last[i]![p] = uses;
        const indifferent = inBand && this.inBand[i]![p]! >= SETTLE_LIMIT_FACTOR * this.settlePatience;
        if (this.stable[i]![p]! >= this.settlePatience || indifferent) layer.status[part] = uses ? 'on' : 'off';
      });
    });
  }

  /** The settling, for a checkpoint. */
  settlement(): Settlement {
    return {
      status: this.layers.map((l) => PARTS.map((p) => l.status[p])),
      stable: this.stable.map((s) => [...s]),
      last: this.last.map((s) => [...s]),
      inBand: this.inBand.map((s) => [...s]),
    };
  }

  /** Restores the settling saved with a checkpoint (after loading its weights). */
  restoreSettlement(s: Settlement): void {
    const ok = (a: unknown): a is unknown[][] => Array.isArray(a) && a.length === this.layers.length && a.every((r) => Array.isArray(r) && r.length === PARTS.length);
    if (!ok(s.status) || !ok(s.stable) || !ok(s.last) || (s.inBand !== undefined && !ok(s.inBand))) throw new LabbenchError('BAD_INPUT', 'the checkpoint\'s settling does not match this supernet');
    this.layers.forEach((l, i) =>
      PARTS.forEach((p, j) => {
        const st = s.status[i]![j];
        if (st !== 'live' && st !== 'on' && st !== 'off') throw new LabbenchError('BAD_INPUT', `the checkpoint has an unknown part status '${String(st)}'`);
        l.status[p] = st;
      }),
    );
    this.stable = s.stable.map((r) => r.map(Number));
    this.last = s.last.map((r) => r.map(Boolean));
    this.inBand = s.inBand ? s.inBand.map((r) => r.map(Number)) : this.layers.map(() => PARTS.map(() => 0));
    this.values = undefined;
  }

  /** How many decisions are settled, of how many there are. */
  settledCount(): { settled: number; parts: number } {
    let settled = 0;
    let parts = 0;
    for (const l of this.layers) {
      for (const p of PARTS) {
        if (p === 'e3' && !l.residual) continue;
        parts++;
        if (l.status[p] !== 'live') settled++;
      }
    }
    return { settled, parts };
  }

  private architectureOf(values: readonly LayerValues[]): number[] {
    return this.layers.map((l, i) => {
      const v = values[i]!;
      if (!l.uses('e3', v)) return SKIP;
      return (l.uses('k', v) ? 2 : 0) + (l.uses('e6', v) ? 1 : 0);
    });
  }

  /** Reads the current decisions and margins (outside any tape). */
  state(): SupernetState {
    const values = this.readValues(true);
    const architecture = this.architectureOf(values);
    // A settled part's margin counts with the sign of its decision.
    const signed = this.layers.map((l, i) => {
      const v = values[i]!;
      const s = (p: Part): number => {
        const m = l.marginOf(p, v);
        return l.status[p] === 'live' ? m : l.status[p] === 'on' ? Math.abs(m) : -Math.abs(m);
      };
      return { k: s('k'), e6: s('e6'), e3: s('e3') };
    });
    return {
      architecture,
      preference: (layer, choice) => {
        const { k, e6, e3 } = signed[layer]!;
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
    // A residual block starts as the identity (its last batch norm's scale at 0, Goyal et al.
    // 2017): the deep narrow proxy then trains from its first steps instead of stalling near chance.
    if (this.residual) this.projectBn.gamma.assign(tf.zeros([cout]));
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
