/**
 * One searchable layer of the supernet: the superkernel MBConv (a 5x5 depthwise kernel whose
 * inner 3x3 is the 3x3 choice, the expanded channels in two groups), its trainable thresholds,
 * and the settling of its decisions.
 */
import * as tf from '@tensorflow/tfjs-core';
import { SPNAS_LAYERS } from '../workloads/zoo/spnas-space.js';
import { BatchNorm } from '../train/nn.js';
import { hardIndicator, logMeanSquare } from './indicator.js';
import { groupBatchNorm } from './group-batch-norm.js';
import {  type LayerDecision } from './latency-term.js';
import { INITIAL_MARGIN, WeightFactory, scaled } from './supernet-parts.js';

/** The kernel's ring: 1 outside the inner 3x3 of a 5x5, as [5, 5, 1, 1] for broadcasting. */
export function ringMask(): tf.Tensor4D {
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
 * with the cross-entropy's noise, so the search is indifferent to it; both of its decisions
 * keep the network in the band, and the one taken is that of an in-band step. Left live, it
 * kept its layer's indicators and forward-only parts in every step to the end
 * (docs/decisions/0020-supernet-settling-and-threshold-scale.md).
 */
export const SETTLE_LIMIT_FACTOR = 2;

export const LAMBDA_GROWTH = 1.05;
export const LAMBDA_MAX = 1e4;

/** One searched decision of a layer: the 5x5 ring, expansion 6 (group B), expansion 3 vs skip. */
export const PARTS = ['k', 'e6', 'e3'] as const;
export type Part = (typeof PARTS)[number];
/** 'live': decided by its margin at every step; 'on' / 'off': settled. */
export type PartStatus = 'live' | 'on' | 'off';

/** What a step needs of one layer, read in one batch with every other layer's. */
export interface LayerValues {
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
export const VALUES_PER_LAYER = 7;

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
export interface Group {
  readonly expandW: tf.Variable;
  readonly expandBn: BatchNorm;
  readonly dwW: tf.Variable;
  readonly dwBn: BatchNorm;
  readonly projectW: tf.Variable;
}

export class SuperMbconv {
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
    // groups' paths with half the convolutions and norms, so a settled supernet's step comes
    // near its ChildNet's (docs/decisions/0020-supernet-settling-and-threshold-scale.md).
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
