/**
 * Single-Path NAS's decision: "use this part of the superkernel" when its weights' squared
 * norm exceeds a trainable threshold. The forward pass is the hard 0/1 step, so the
 * network trained is exactly the architecture chosen; the backward pass uses the gradient
 * of a sigmoid (the relaxation the paper uses), so both the weights and the threshold learn
 * from the loss through it.
 *
 * The input is the margin in the log domain, log(mean square) - log threshold: the weights
 * of different layers differ in scale by orders of magnitude, and a log margin makes one
 * temperature fit all of them.
 */
import * as tf from '@tensorflow/tfjs-core';

export const DEFAULT_TEMPERATURE = 1;

/** 1 where margin > 0, else 0; d/dmargin = sigmoid'(margin / temperature) / temperature. */
export function hardIndicator(margin: tf.Tensor, temperature = DEFAULT_TEMPERATURE): tf.Tensor {
  const f = tf.customGrad((...args: unknown[]) => {
    const [m, save] = args as [tf.Tensor, tf.GradSaveFunc];
    save([m]);
    return {
      value: tf.step(m),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const s = tf.sigmoid(tf.div(saved[0]!, temperature));
        return tf.mul(dy as tf.Tensor, tf.div(tf.mul(s, tf.sub(1, s)), temperature));
      },
    };
  });
  return f(margin);
}

/** log(mean of squares + eps) of a tensor: the superkernel's norm, comparable across layers. */
export function logMeanSquare(w: tf.Tensor): tf.Tensor {
  return tf.log(tf.add(tf.mean(tf.square(w)), 1e-12));
}
