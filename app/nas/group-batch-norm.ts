/**
 * Batch norm over channel groups laid side by side: the superkernel's expansion groups A and B
 * each own a BatchNorm, and a layer that uses both runs them as one path over the concatenated
 * channels. Batch norm is per channel, so one op over [A | B] with the groups' parameters
 * concatenated is exactly the two ops side by side; each group's running statistics are
 * updated from its own channels' batch moments.
 */
import * as tf from '@tensorflow/tfjs-core';
import { batchNormTrain, type BatchNorm } from '../train/nn.js';

export function groupBatchNorm(norms: readonly BatchNorm[], x: tf.Tensor, training: boolean): tf.Tensor {
  if (norms.length === 1) return norms[0]!.apply(x, training);
  const cat = (param: (n: BatchNorm) => tf.Tensor): tf.Tensor1D => tf.concat(norms.map(param), 0) as tf.Tensor1D;
  const epsilon = norms[0]!.epsilon;
  if (!training) {
    // BatchNorm.apply's inference form, x * scale + shift, with every group's scale and shift.
    const scale = tf.mul(cat((n) => n.gamma), tf.rsqrt(tf.add(cat((n) => n.runningVar), epsilon)));
    return tf.add(tf.mul(x, scale), tf.sub(cat((n) => n.beta), tf.mul(cat((n) => n.runningMean), scale)));
  }
  const moments: { mean: tf.Tensor1D; variance: tf.Tensor1D }[] = [];
  const y = batchNormTrain(x, cat((n) => n.gamma), cat((n) => n.beta), epsilon, moments);
  const sizes = norms.map((n) => n.channels);
  const perChannel = x.size / sizes.reduce((a, b) => a + b, 0);
  for (const { mean, variance } of moments) {
    tf.tidy(() => {
      const means = tf.split(mean, sizes);
      const variances = tf.split(variance, sizes);
      norms.forEach((n, i) => n.track(means[i] as tf.Tensor1D, variances[i] as tf.Tensor1D, perChannel));
    });
    mean.dispose();
    variance.dispose();
  }
  return y;
}
