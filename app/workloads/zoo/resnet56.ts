/**
 * ResNet-56 for CIFAR-10 (He et al. 2016, section 4.2) at 32x32: a 3x3 conv to 16 channels,
 * three stages of nine basic blocks (16, 32, 64 channels; stride 2 at the start of stages 2
 * and 3), global average pool, fc 10. Convs have no bias; BN follows each.
 *
 * Downsampling shortcuts use option B (1x1 conv, stride 2, + BN) so every tensor op is a plain
 * layer. The paper's CIFAR nets and LeGR's code use option A (subsample + zero-pad channels,
 * parameter-free); option B adds 2,752 parameters and 262,144 MACs.
 */
import { NetworkBuilder } from '../builder.js';
import type { Network } from '../ir.js';
import { basicBlock } from './blocks.js';
import { finish, resolveOptions, type ZooOptions } from './options.js';

const BLOCKS_PER_STAGE = 9;
const WIDTHS = [16, 32, 64] as const;

export function resnet56(opts: ZooOptions = {}): Network {
  const { resolution: r, batch } = resolveOptions(opts, 32);
  const b = new NetworkBuilder('resnet56', [3, r, r], batch);
  b.conv(16, 3, { bias: false, name: 'conv1' });
  b.bn({ name: 'bn1' });
  b.relu({ name: 'relu1' });
  WIDTHS.forEach((out, s) => {
    for (let i = 0; i < BLOCKS_PER_STAGE; i++) {
      basicBlock(b, `stage${s + 1}.${i + 1}`, out, s > 0 && i === 0 ? 2 : 1);
    }
  });
  b.gap({ name: 'pool' });
  b.flatten({ name: 'flatten' });
  b.fc(10, { name: 'fc' });
  b.softmax({ name: 'prob' });
  return finish(b);
}
