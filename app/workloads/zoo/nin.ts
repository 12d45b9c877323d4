/**
 * Network-in-Network for ImageNet (Lin et al.; the Caffe model zoo's `nin_imagenet`), the
 * NIN of NeuralPower's evaluation: its measured runtime there sits between AlexNet's and
 * OverFeat's, which fits this 1.1 GMAC model and not the 0.2 GMAC CIFAR-10 one.
 * Four mlpconv stages: a k x k conv then two 1x1 convs ("cccp", `pwconv` with bias), each
 * with ReLU; 3x3/2 max pools between stages; the last 1x1 conv has 1000 channels and a
 * global average pool replaces the fc layers.
 */
import { NetworkBuilder } from '../builder.js';
import type { Network, Padding } from '../ir.js';
import { finish, resolveOptions, type ZooOptions } from './options.js';

interface Stage {
  readonly out: number;
  readonly kernel: number;
  readonly stride: number;
  readonly pad: number;
  readonly cccp: readonly [number, number];
}

const STAGES: readonly Stage[] = [
  { out: 96, kernel: 11, stride: 4, pad: 0, cccp: [96, 96] },
  { out: 256, kernel: 5, stride: 1, pad: 2, cccp: [256, 256] },
  { out: 384, kernel: 3, stride: 1, pad: 1, cccp: [384, 384] },
  { out: 1024, kernel: 3, stride: 1, pad: 1, cccp: [1024, 1000] },
];

// Caffe rounds pooled sizes up. At 224 that only matters for pool1 (54 -> 27, not 26), where
// TF-style 'same' padding gives Caffe's size and window alignment; pool2 and pool3 are exact.
const POOL_PAD: readonly Padding[] = ['same', 0, 0];

export function nin(opts: ZooOptions = {}): Network {
  const { resolution: r, batch } = resolveOptions(opts, 224);
  const b = new NetworkBuilder('nin', [3, r, r], batch);
  let cccp = 0;
  STAGES.forEach((s, i) => {
    b.conv(s.out, s.kernel, { stride: s.stride, pad: s.pad, name: i === 3 ? 'conv4-1024' : `conv${i + 1}` });
    b.relu();
    for (const out of s.cccp) {
      b.pwconv(out, { bias: true, name: `cccp${++cccp}` });
      b.relu();
    }
    const pad = POOL_PAD[i];
    if (pad !== undefined) b.maxpool(3, { stride: 2, pad, name: `pool${i + 1}` });
  });
  // Caffe's pool4 is a 6x6 average pool over the 6x6 map; global pooling is the same at 224
  // and keeps other resolutions valid.
  b.gap({ name: 'pool4' });
  b.flatten();
  b.softmax({ name: 'prob' });
  return finish(b);
}
