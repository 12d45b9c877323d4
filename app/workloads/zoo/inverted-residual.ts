/**
 * The MobileNetV2 / MnasNet inverted residual (MBConv) block, shared by the MobileNetV2 zoo
 * entry and the Single-Path NAS space: 1x1 expand + BN + act (absent at expansion 1),
 * k x k depthwise + BN + act, 1x1 linear projection + BN, and an add when shapes allow.
 * Layers are named `${name}/expand` etc., so a block's layers carry the same names whether
 * it stands alone or sits inside a whole network.
 */
import type { NetworkBuilder } from '../builder.js';
import type { Padding } from '../ir.js';

export interface InvertedResidual {
  /** Block tag and layer-name prefix. */
  readonly name: string;
  readonly cin: number;
  readonly cout: number;
  readonly expansion: number;
  readonly kernel: number;
  readonly stride: number;
  readonly act: 'relu' | 'relu6';
  /** Depthwise padding: symmetric k/2 (PyTorch) or 'same' (TensorFlow, as the NAS space). */
  readonly pad: Padding;
}

/** Appends the block after the builder's head and returns the block's output layer. */
export function invertedResidual(b: NetworkBuilder, s: InvertedResidual): string {
  const act = (name: string): string => (s.act === 'relu6' ? b.relu6({ name }) : b.relu({ name }));
  return b.inBlock(s.name, () => {
    const input = b.head;
    if (s.expansion !== 1) {
      b.pwconv(s.cin * s.expansion, { name: `${s.name}/expand` });
      b.bn({ name: `${s.name}/expand_bn` });
      act(`${s.name}/expand_${s.act}`);
    }
    b.dwconv(s.kernel, { stride: s.stride, pad: s.pad, name: `${s.name}/dw` });
    b.bn({ name: `${s.name}/dw_bn` });
    act(`${s.name}/dw_${s.act}`);
    b.pwconv(s.cout, { name: `${s.name}/project` });
    const out = b.bn({ name: `${s.name}/project_bn` });
    return s.stride === 1 && s.cin === s.cout ? b.addOf([input, out], { name: `${s.name}/add` }) : out;
  });
}
