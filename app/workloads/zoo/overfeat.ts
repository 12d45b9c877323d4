/**
 * OverFeat "fast" model (Sermanet et al. 2014, Table 1) at 231x231: conv 96 11x11/4 and
 * 256 5x5 without padding, each followed by a 2x2/2 max pool; conv 512, 1024, 1024 3x3 with
 * padding 1 and a final 2x2/2 pool to 6x6; fc 3072, 4096, 1000. No normalization layers.
 */
import { NetworkBuilder } from '../builder.js';
import type { Network } from '../ir.js';
import { fcClassifier } from './blocks.js';
import { finish, resolveOptions, type ZooOptions } from './options.js';

export function overfeat(opts: ZooOptions = {}): Network {
  const { resolution: r, batch } = resolveOptions(opts, 231);
  const b = new NetworkBuilder('overfeat', [3, r, r], batch);
  b.conv(96, 11, { stride: 4, pad: 0 });
  b.relu();
  b.maxpool(2);
  b.conv(256, 5, { pad: 0 });
  b.relu();
  b.maxpool(2);
  for (const out of [512, 1024, 1024]) {
    b.conv(out, 3, { pad: 1 });
    b.relu();
  }
  b.maxpool(2);
  fcClassifier(b, [3072, 4096], 1000);
  return finish(b);
}
