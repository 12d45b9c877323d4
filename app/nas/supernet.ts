/**
 * The proxy networks of the search (the superkernel layer in super-mbconv.ts, the shared stem,
 * head and weights in supernet-parts.ts), trained on small images (MNIST-sized) while the latency
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
 * - `ChildNet` (child-net.ts): one fixed architecture of the space, built at its real sizes (a 3x3 kernel
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
import { networkRuntime, runtimePenalty, type LayerDecision } from './latency-term.js';
import { DEFAULT_THRESHOLD_SCALE, StemHead, WeightFactory, type ProxyShape } from './supernet-parts.js';
import { DEFAULT_SETTLE_PATIENCE, FREEZE_MARGIN, LAMBDA_GROWTH, LAMBDA_MAX, PARTS, ringMask, SETTLE_LIMIT_FACTOR, SuperMbconv, VALUES_PER_LAYER, type LayerValues, type Part, type PartStatus } from './super-mbconv.js';

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

  /** Every decision settled: the architecture can no longer change, so the search is over (the found network is trained from scratch). */
  finished(): boolean {
    const { settled, parts } = this.settledCount();
    return settled === parts;
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
