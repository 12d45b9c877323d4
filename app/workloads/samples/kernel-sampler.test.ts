// The fit's sample networks: the same network for a name on every machine, valid, within
// the MAC cap, and together covering every kind of kernel today's networks are made of.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeNetwork } from '../analyze.js';
import { unfusedKernels } from '../kernels.js';
import { kernelSampleNetwork, parseKernelSample } from './kernel-sampler.js';
import type { ConvLayer as Conv } from '../ir.js';
import { planWorkload } from '../plan.js';

test('sample networks are reproducible, valid and cover every kernel kind', () => {
  assert.deepEqual(kernelSampleNetwork(4, 17), kernelSampleNetwork(4, 17));
  const kinds = new Set<string>();
  const ops = new Set<string>();
  for (let i = 0; i < 80; i++) {
    const a = analyzeNetwork(kernelSampleNetwork(1, i));
    assert.ok(a.total.macs <= 1.2e9);
    for (const k of unfusedKernels(a)) kinds.add(k.kind);
    for (const l of a.network.layers) ops.add(l.op);
  }
  for (const k of ['conv', 'pwconv', 'dwconv', 'gconv', 'fc', 'pool', 'gap', 'eltwise', 'data']) assert.ok(kinds.has(k), `kind ${k}`);
  for (const op of ['swish', 'hardswish', 'mul', 'slice', 'shuffle', 'concat', 'add', 'bn']) assert.ok(ops.has(op), `op ${op}`);
});

test('narrow convs at high resolution, ragged widths and grouped convs are drawn, as width multipliers ship them', () => {
  let narrow = 0;
  let ragged = 0;
  let grouped = 0;
  for (let i = 0; i < 80; i++) {
    const a = analyzeNetwork(kernelSampleNetwork(1, i));
    if (unfusedKernels(a).some((k) => k.kind === 'gconv')) grouped++;
    const convs = a.layers.filter((l) => l.layer.op === 'conv' && l.outputShape.length === 3).map((l) => l.outputShape);
    if (convs.some((o) => o[0]! <= 12 && o[1]! >= 48)) narrow++;
    if (convs.some((o) => o[0]! % 8 !== 0)) ragged++;
  }
  assert.ok(narrow >= 20, `${narrow} of 80 networks have a conv of <= 12 channels at >= 48 px`);
  assert.ok(ragged >= 40, `${ragged} of 80 networks have a conv whose width is not a multiple of 8`);
  // Grouped convs stay as common as narrow and ragged widths are: their widths are whole groups.
  assert.ok(grouped >= 25, `${grouped} of 80 networks have a grouped conv`);
});

test('a focus block weighs the draw toward that block; names parse back, bad ones are refused', () => {
  const focused = Array.from({ length: 20 }, (_, i) => kernelSampleNetwork(1, i, 'shuffle')).filter((n) => n.layers.some((l) => l.op === 'shuffle')).length;
  assert.ok(focused >= 12, `${focused} of 20 focused networks have a shuffle`);
  assert.deepEqual(parseKernelSample('kernel-sample:3:7:mbconv'), { seed: 3, index: 7, focus: 'mbconv' });
  assert.equal(parseKernelSample('vgg13'), undefined);
  assert.throws(() => parseKernelSample('kernel-sample:3:x'), /expected kernel-sample/);
  assert.throws(() => parseKernelSample('kernel-sample:3:1:lstm'), /BLOCK one of/);
  assert.equal(planWorkload('kernel-sample:2:5').endToEnd?.name, 'kernel-sample:2:5');
});

test('a large sample is 1.5-8 G MACs at 160-224 px and holds convs far past the default cap; names parse back', () => {
  let wide = 0;
  for (let i = 0; i < 12; i++) {
    const a = analyzeNetwork(kernelSampleNetwork(1, i, 'large'));
    assert.ok(a.total.macs >= 1.5e9 && a.total.macs <= 8e9, `${i}: ${a.total.macs} MACs`);
    assert.ok([160, 192, 224].includes(a.layers[0]!.inputShapes[0]![1]!), `${i}: resolution`);
    if (a.layers.some((l) => l.layer.op === 'conv' && l.macs > 3e8)) wide++;
  }
  assert.ok(wide >= 8, `${wide} of 12 large networks have a conv of more than 300 M MACs`);
  // Not the unfocused network of the same index.
  assert.notDeepEqual(kernelSampleNetwork(1, 3, 'large').layers, kernelSampleNetwork(1, 3).layers);
  assert.deepEqual(parseKernelSample('kernel-sample:1:9:large'), { seed: 1, index: 9, focus: 'large' });
  assert.equal(planWorkload('kernel-sample:1:9:large').endToEnd?.name, 'kernel-sample:1:9:large');
});

test('a tiny sample ends on maps down to 1x1, with dense convs of hundreds of channels and fc layers past 2048 wide there; names parse back', () => {
  let oneByOne = 0;
  let dense = 0;
  let wideFc = 0;
  for (let i = 0; i < 15; i++) {
    const a = analyzeNetwork(kernelSampleNetwork(1, i, 'tiny'));
    assert.ok(a.total.macs <= 1.2e9 && a.total.params <= 8e7, `${i}: ${a.total.macs} MACs, ${a.total.params} weights`);
    // AlexNet's and VGG's 4096-wide heads: the default draws stop at 2048.
    if (a.layers.some((l) => l.layer.op === 'fc' && l.params > 8e6)) wideFc++;
    const convs = a.layers.filter((l) => l.layer.op === 'conv' && (l.layer as Conv).groups === 1);
    // A kernel wider than the map it runs on: padded all round, most of its taps on zeros.
    if (convs.some((l) => l.outputShape[1] === 1 && (l.layer as Conv).kernel > 1)) oneByOne++;
    if (convs.some((l) => l.outputShape[1]! <= 4 && l.outputShape[0]! >= 256 && (l.layer as Conv).kernel >= 3)) dense++;
  }
  assert.ok(oneByOne >= 8, `${oneByOne} of 15 tiny networks run a kxk conv on a 1x1 map`);
  assert.ok(dense >= 8, `${dense} of 15 tiny networks run a 3x3 or wider conv of >= 256 channels on a map of 4x4 or less`);
  assert.ok(wideFc >= 4, `${wideFc} of 15 tiny networks have an fc layer of more than 8 M weights`);
  assert.notDeepEqual(kernelSampleNetwork(1, 3, 'tiny').layers, kernelSampleNetwork(1, 3, 'large').layers);
  assert.deepEqual(parseKernelSample('kernel-sample:1:4:tiny'), { seed: 1, index: 4, focus: 'tiny' });
  assert.equal(planWorkload('kernel-sample:1:4:tiny').endToEnd?.name, 'kernel-sample:1:4:tiny');
});
