// The layer sampler draws channel counts the way networks use them: mostly whole multiples of 8, some ragged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sampleLayerNetworks } from './sampler.js';

test('sampled convolutions: about three in four channel counts are multiples of 8, and ragged ones are still drawn', () => {
  const nets = sampleLayerNetworks({ count: 400, seed: 5 });
  const convs = nets.map((n) => n.layers[0]!).filter((l) => l.op === 'conv' || l.op === 'pwconv');
  assert.ok(convs.length > 100, `${convs.length} convolutions drawn`);
  const outs = convs.map((l) => (l as { out: number }).out);
  const aligned = outs.filter((c) => c % 8 === 0).length / outs.length;
  assert.ok(aligned > 0.65 && aligned < 0.9, `aligned share ${aligned}`);
  const ins = nets.filter((n) => n.layers[0]!.op === 'conv').map((n) => n.input[0]!);
  assert.ok(ins.some((c) => c % 8 !== 0) && ins.some((c) => c % 8 === 0));
});
