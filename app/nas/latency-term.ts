/**
 * The device's runtime as a differentiable function of the superkernels' decisions (the
 * seed's formula): per layer R = R_k3e3 + g_k (R_k5e3 - R_k3e3) + g_e6 (R_k3e6 - R_k3e3) +
 * g_k g_e6 (the kernel/expansion interaction), all of it gated by g_e3 against the skip's
 * R_skip. With hard 0/1 indicators this is exactly the LUT's entry for the chosen option;
 * the gradient reaches the thresholds through the indicators' relaxation.
 */
import * as tf from '@tensorflow/tfjs-core';
import { SKIP, type SpnasLatencyTable } from '../predict/spnas-lut.js';

const CHOICES = SKIP + 1;

export interface LayerDecision {
  /** 1 = the 5x5 ring is used. */
  readonly gK: tf.Tensor;
  /** 1 = the second half of the expanded channels is used (expansion 6). */
  readonly gE6: tf.Tensor;
  /** 1 = the layer runs at all; 0 = skipped (only where the layer has a residual; else a constant 1). */
  readonly gE3: tf.Tensor;
}

export function layerRuntime(table: SpnasLatencyTable, layer: number, d: LayerDecision): tf.Tensor {
  const r = (c: number): number => table.cells[layer * CHOICES + c]!;
  const [r0, r1, r2, r3] = [r(0), r(1), r(2), r(3)];
  const block = tf.addN([tf.scalar(r0), tf.mul(d.gK, r2 - r0), tf.mul(d.gE6, r1 - r0), tf.mul(tf.mul(d.gK, d.gE6), r3 - r2 - r1 + r0)]);
  const skip = r(SKIP);
  if (Number.isNaN(skip)) return block;
  return tf.add(tf.mul(d.gE3, block), tf.mul(tf.sub(1, d.gE3), skip));
}

/** Whole network, ms: the LUT's fixed part plus every searchable layer. */
export function networkRuntime(table: SpnasLatencyTable, decisions: readonly LayerDecision[]): tf.Tensor {
  return tf.add(tf.addN(decisions.map((d, l) => layerRuntime(table, l, d))), table.fixed_ms);
}

/**
 * The runtime term of the loss: zero inside the band [lo, 1] x target, growing linearly
 * outside it, scaled by lambda (which the search raises while the architecture stays out of
 * the band, so the trade-off tunes itself).
 */
export function runtimePenalty(runtimeMs: tf.Tensor, targetMs: number, lambda: number, lo = 0.95): tf.Tensor {
  const r = tf.div(runtimeMs, targetMs);
  return tf.mul(tf.add(tf.relu(tf.sub(r, 1)), tf.relu(tf.sub(lo, r))), lambda);
}
