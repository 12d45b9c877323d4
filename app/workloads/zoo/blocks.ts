/**
 * Blocks several zoo networks share (the MBConv block has its own file, inverted-residual.ts):
 * ResNet's basic block and the fully connected classifier of the ImageNet-era networks.
 */
import type { NetworkBuilder } from '../builder.js';

/**
 * ResNet's basic block (He et al. 2016): 3x3 conv + BN + ReLU, 3x3 conv + BN, added to the
 * input, then ReLU. Where the stride is not 1, the shortcut is option B: 1x1 conv, stride 2,
 * + BN. Convs have no bias. Layers are named `${name}/conv1` etc.
 */
export function basicBlock(b: NetworkBuilder, name: string, out: number, stride: number): void {
  b.inBlock(name, () => {
    const input = b.head;
    b.conv(out, 3, { stride, bias: false, name: `${name}/conv1` });
    b.bn({ name: `${name}/bn1` });
    b.relu({ name: `${name}/relu1` });
    b.conv(out, 3, { bias: false, name: `${name}/conv2` });
    const residual = b.bn({ name: `${name}/bn2` });
    let shortcut = input;
    if (stride !== 1) {
      b.conv(out, 1, { stride, pad: 0, bias: false, from: input, name: `${name}/shortcut` });
      shortcut = b.bn({ name: `${name}/shortcut_bn` });
    }
    b.addOf([residual, shortcut], { name: `${name}/add` });
    b.relu({ name: `${name}/relu2` });
  });
}

/** Flatten, an fc + ReLU per hidden width, the fc to `classes` and softmax; layers named by the builder. */
export function fcClassifier(b: NetworkBuilder, hidden: readonly number[], classes: number): void {
  b.flatten();
  for (const h of hidden) {
    b.fc(h);
    b.relu();
  }
  b.fc(classes);
  b.softmax();
}
