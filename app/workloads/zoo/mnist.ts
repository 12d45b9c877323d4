/**
 * The MNIST networks of LightNN's test-error table (the seed's slide "Test error results"),
 * and two small prunable nets for 28x28x1 images (a VGG-style and a ResNet-style one) on
 * which LeGR is shown. Parameter counts match the table: 1-hidden 79,510 (784-100-10);
 * 2-conv 431,080 (LeNet as in Caffe: conv 5x5x20, max-pool 2, conv 5x5x50, max-pool 2,
 * fc 500, ReLU, fc 10; no ReLU after the convs, as the table's description has none);
 * 3-hidden 36,818,954 (784-4096-4096-4096-10). No softmax: training wants logits.
 */
import { NetworkBuilder } from '../builder.js';
import type { Network } from '../ir.js';
import { basicBlock } from './blocks.js';
import { finish, resolveOptions, type ZooOptions } from './options.js';

function mlp(name: string, hidden: readonly number[], opts: ZooOptions): Network {
  const { resolution: r, batch } = resolveOptions(opts, 28);
  const b = new NetworkBuilder(name, [1, r, r], batch);
  b.flatten({ name: 'flatten' });
  hidden.forEach((h, i) => {
    b.fc(h, { name: `fc${i + 1}` });
    b.relu({ name: `relu${i + 1}` });
  });
  b.fc(10, { name: `fc${hidden.length + 1}` });
  b.softmax({ name: 'prob' });
  return finish(b);
}

export const mnistOneHidden = (opts: ZooOptions = {}): Network => mlp('mnist-1hidden', [100], opts);
export const mnistThreeHidden = (opts: ZooOptions = {}): Network => mlp('mnist-3hidden', [4096, 4096, 4096], opts);

export function mnistTwoConv(opts: ZooOptions = {}): Network {
  const { resolution: r, batch } = resolveOptions(opts, 28);
  const b = new NetworkBuilder('mnist-2conv', [1, r, r], batch);
  b.conv(20, 5, { pad: 0, name: 'conv1' });
  b.maxpool(2, { name: 'pool1' });
  b.conv(50, 5, { pad: 0, name: 'conv2' });
  b.maxpool(2, { name: 'pool2' });
  b.flatten({ name: 'flatten' });
  b.fc(500, { name: 'fc1' });
  b.relu({ name: 'relu1' });
  b.fc(10, { name: 'fc2' });
  b.softmax({ name: 'prob' });
  return finish(b);
}

/** VGG-style: two 3x3 conv-BN-ReLU pairs per stage (16, 32), then 64, global pool, fc 10. */
export function mnistVgg(opts: ZooOptions = {}): Network {
  const { resolution: r, batch } = resolveOptions(opts, 28);
  const b = new NetworkBuilder('mnist-vgg', [1, r, r], batch);
  let n = 0;
  const cbr = (out: number): void => {
    n++;
    b.conv(out, 3, { bias: false, name: `conv${n}` });
    b.bn({ name: `bn${n}` });
    b.relu({ name: `relu${n}` });
  };
  cbr(16);
  cbr(16);
  b.maxpool(2, { name: 'pool1' });
  cbr(32);
  cbr(32);
  b.maxpool(2, { name: 'pool2' });
  cbr(64);
  b.gap({ name: 'gap' });
  b.flatten({ name: 'flatten' });
  b.fc(10, { name: 'fc' });
  b.softmax({ name: 'prob' });
  return finish(b);
}

/** ResNet-style (ResNet-8 for 28x28): stem 16, one basic block per stage (16, 32, 64), option-B shortcuts. */
export function mnistResnet(opts: ZooOptions = {}): Network {
  const { resolution: r, batch } = resolveOptions(opts, 28);
  const b = new NetworkBuilder('mnist-resnet', [1, r, r], batch);
  b.conv(16, 3, { bias: false, name: 'conv1' });
  b.bn({ name: 'bn1' });
  b.relu({ name: 'relu1' });
  [16, 32, 64].forEach((out, s) => basicBlock(b, `stage${s + 1}`, out, s === 0 ? 1 : 2));
  b.gap({ name: 'gap' });
  b.flatten({ name: 'flatten' });
  b.fc(10, { name: 'fc' });
  b.softmax({ name: 'prob' });
  return finish(b);
}
