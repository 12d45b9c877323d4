/**
 * AlexNet as torchvision defines it (the single-tower "one weird trick" variant) at 224x224:
 * conv 64 11x11/4, 192 5x5, 384, 256, 256 3x3, three 3x3/2 max pools, fc 4096, 4096, 1000.
 * No local response normalization: torchvision dropped it, and most runtimes lack the op.
 * The grouped two-GPU convs of the 2012 paper are likewise not modelled.
 */
import { NetworkBuilder } from '../builder.js';
import type { Network } from '../ir.js';
import { fcClassifier } from './blocks.js';
import { finish, resolveOptions, type ZooOptions } from './options.js';

export function alexnet(opts: ZooOptions = {}): Network {
  const { resolution: r, batch } = resolveOptions(opts, 224);
  const b = new NetworkBuilder('alexnet', [3, r, r], batch);
  b.conv(64, 11, { stride: 4, pad: 2 });
  b.relu();
  b.maxpool(3, { stride: 2 });
  b.conv(192, 5, { pad: 2 });
  b.relu();
  b.maxpool(3, { stride: 2 });
  for (const out of [384, 256, 256]) {
    b.conv(out, 3);
    b.relu();
  }
  b.maxpool(3, { stride: 2 });
  fcClassifier(b, [4096, 4096], 1000);
  return finish(b);
}
