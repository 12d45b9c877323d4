/**
 * NeuralPower's "CIFAR10-6conv", the 6-conv CIFAR-10 network of the same group's LightNN
 * work: three pairs of 3x3 convs (128, 256, 512) with bias and ReLU, then fc 1024, 1024, 10
 * and softmax. Neither paper prints the layer table; this one is BinaryConnect's CIFAR-10
 * network (2x128C3-MP2-2x256C3-MP2-2x512C3-MP2-2x1024FC-10) with the last pool dropped,
 * because that is the one layout of this family that has exactly the 39,191,690 parameters
 * LightNN reports for its 6-conv model (the fc input is 512x8x8, not 512x4x4).
 */
import { NetworkBuilder } from '../builder.js';
import type { Network } from '../ir.js';
import { fcClassifier } from './blocks.js';
import { finish, resolveOptions, type ZooOptions } from './options.js';

export function cifar10SixConv(opts: ZooOptions = {}): Network {
  const { resolution: r, batch } = resolveOptions(opts, 32);
  const b = new NetworkBuilder('cifar10-6conv', [3, r, r], batch);
  [128, 256, 512].forEach((out, pair) => {
    for (let i = 0; i < 2; i++) {
      b.conv(out, 3);
      b.relu();
    }
    if (pair < 2) b.maxpool(2);
  });
  fcClassifier(b, [1024, 1024], 10);
  return finish(b);
}
