/**
 * VGG-13 for CIFAR-10 at 32x32, the network LeGR prunes. LeGR's public code (cmu-enyac/LeGR)
 * ships no VGG definition, so this is the common CIFAR variant that pruning papers of its
 * time trained (kuangliu/pytorch-cifar `VGG('VGG13')`): every 3x3 conv keeps its bias (as
 * nn.Conv2d's default) and is followed by BN and ReLU; after five 2x2 pools a 512-vector
 * feeds a single fc to 10 classes. That single fc keeps it at 9.4 M parameters.
 */
import { NetworkBuilder } from '../builder.js';
import type { Network } from '../ir.js';
import { finish, resolveOptions, type ZooOptions } from './options.js';

/** Channel widths; 'M' is a 2x2 max pool. */
const CONFIG: readonly (number | 'M')[] = [64, 64, 'M', 128, 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'];

export function vgg13(opts: ZooOptions = {}): Network {
  const { resolution: r, batch } = resolveOptions(opts, 32);
  const b = new NetworkBuilder('vgg13', [3, r, r], batch);
  for (const c of CONFIG) {
    if (c === 'M') {
      b.maxpool(2);
    } else {
      b.conv(c, 3);
      b.bn();
      b.relu();
    }
  }
  b.flatten();
  b.fc(10);
  b.softmax();
  return finish(b);
}
