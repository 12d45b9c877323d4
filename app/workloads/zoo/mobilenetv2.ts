/**
 * MobileNetV2 1.0 at 224x224 (Sandler et al. 2018, Table 2; layer for layer as torchvision's
 * `mobilenet_v2`): 3x3/2 conv 32, seventeen inverted residual blocks, 1x1 conv 1280, global
 * average pool, fc 1000. Convs have no bias and are followed by BN; activations are ReLU6.
 * 3,504,872 parameters and 300.8 M MACs. Blocks are tagged `block1` ... `block17`.
 */
import { NetworkBuilder } from '../builder.js';
import type { Network } from '../ir.js';
import { invertedResidual } from './inverted-residual.js';
import { finish, resolveOptions, type ZooOptions } from './options.js';

/** The paper's table: expansion t, output channels c, repeats n, first stride s. */
const SETTINGS: readonly (readonly [t: number, c: number, n: number, s: number])[] = [
  [1, 16, 1, 1],
  [6, 24, 2, 2],
  [6, 32, 3, 2],
  [6, 64, 4, 2],
  [6, 96, 3, 1],
  [6, 160, 3, 2],
  [6, 320, 1, 1],
];

export function mobilenetv2(opts: ZooOptions = {}): Network {
  const { resolution: r, batch } = resolveOptions(opts, 224);
  const b = new NetworkBuilder('mobilenetv2', [3, r, r], batch);
  b.conv(32, 3, { stride: 2, bias: false, name: 'stem' });
  b.bn({ name: 'stem_bn' });
  b.relu6({ name: 'stem_relu6' });
  let cin = 32;
  let index = 0;
  for (const [t, c, n, s] of SETTINGS) {
    for (let i = 0; i < n; i++) {
      index += 1;
      invertedResidual(b, { name: `block${index}`, cin, cout: c, expansion: t, kernel: 3, stride: i === 0 ? s : 1, act: 'relu6', pad: 1 });
      cin = c;
    }
  }
  b.pwconv(1280, { name: 'head' });
  b.bn({ name: 'head_bn' });
  b.relu6({ name: 'head_relu6' });
  b.gap({ name: 'pool' });
  b.flatten({ name: 'flatten' });
  b.fc(1000, { name: 'fc' });
  b.softmax({ name: 'prob' });
  return finish(b);
}
