/**
 * BinaryConnect's architecture (Courbariaux et al., NIPS'15, and the authors' code): batch
 * norm after every conv and fc layer, the output layer included. A binary layer's weights
 * are +-H with H fixed by the layer's fans, so nothing else can set the scale of its output;
 * without a norm the logits of MNIST's 784-100-10 stay too small to train well. At inference
 * each norm folds into a per-channel scale and shift (one multiply per output, not per weight).
 */
import { analyzeNetwork } from '../workloads/analyze.js';
import type { Layer, Network } from '../workloads/ir.js';

/** The network with a `bn` layer after each conv and fc (named `<layer>_bn`), consumers rewired to it. */
export function withBatchNorm(network: Network): Network {
  const renamed = new Map<string, string>();
  const layers: Layer[] = [];
  for (const l of network.layers) {
    layers.push({ ...l, inputs: l.inputs.map((i) => renamed.get(i) ?? i) } as Layer);
    if (l.op === 'conv' || l.op === 'fc') {
      const bn = `${l.name}_bn`;
      layers.push({ op: 'bn', name: bn, inputs: [l.name], ...(l.block ? { block: l.block } : {}) });
      renamed.set(l.name, bn);
    }
  }
  const out: Network = { ...network, name: `${network.name}+bn`, layers };
  analyzeNetwork(out);
  return out;
}
