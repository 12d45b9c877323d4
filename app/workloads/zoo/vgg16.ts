/**
 * VGG-16 (Simonyan & Zisserman, configuration D) for ImageNet at 224x224: thirteen 3x3 convs
 * with bias and ReLU in five stages, each closed by a 2x2 max pool, then fc 4096, 4096, 1000
 * and softmax. No batch norm: this is the original network that NeuralPower profiled.
 * Layer names follow the Caffe model zoo (conv1_1 ... fc8, prob).
 */
import { NetworkBuilder } from '../builder.js';
import type { Network } from '../ir.js';
import { finish, resolveOptions, type ZooOptions } from './options.js';

const STAGES: readonly (readonly number[])[] = [[64, 64], [128, 128], [256, 256, 256], [512, 512, 512], [512, 512, 512]];

export function vgg16(opts: ZooOptions = {}): Network {
  const { resolution: r, batch } = resolveOptions(opts, 224);
  const b = new NetworkBuilder('vgg16', [3, r, r], batch);
  STAGES.forEach((widths, s) => {
    widths.forEach((out, i) => {
      const id = `${s + 1}_${i + 1}`;
      b.conv(out, 3, { name: `conv${id}` });
      b.relu({ name: `relu${id}` });
    });
    b.maxpool(2, { name: `pool${s + 1}` });
  });
  b.flatten({ name: 'flatten' });
  for (const fc of ['fc6', 'fc7']) {
    b.fc(4096, { name: fc });
    b.relu({ name: `${fc}_relu` });
  }
  b.fc(1000, { name: 'fc8' });
  b.softmax({ name: 'prob' });
  return finish(b);
}
