// Shape inference and cost figures, checked against values worked out by hand (the
// arithmetic is in the comments) and against the totals the literature publishes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeNetwork, convAxis, type AnalyzedLayer, type NetworkAnalysis } from './analyze.js';
import { NetworkBuilder } from './builder.js';
import type { Network } from './ir.js';
import { InvalidWorkloadError, LabbenchError } from '../api/errors.js';
import { ZOO, ZOO_NAMES, zooNetwork } from './zoo/index.js';
import { alexnet } from './zoo/alexnet.js';
import { cifar10SixConv } from './zoo/cifar10-6conv.js';
import { mobilenetv2 } from './zoo/mobilenetv2.js';
import { resnet56 } from './zoo/resnet56.js';
import { SPNAS_LAYERS, SPNAS_OPTIONS, spnasBlock, spnasNetwork, spnasSpace, spnasStemHead, type SpnasChoice } from './zoo/spnas-space.js';
import { vgg16 } from './zoo/vgg16.js';

function layerOf(a: NetworkAnalysis, name: string): AnalyzedLayer {
  const l = a.layers.find((x) => x.layer.name === name);
  assert.ok(l, `no layer ${name}`);
  return l;
}

const sum = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0);

test('convAxis: explicit, valid and TF-style same padding', () => {
  // floor((224 + 2*2 - 11) / 4) + 1 = floor(217 / 4) + 1 = 55 (AlexNet conv1)
  assert.deepEqual(convAxis(224, 11, 4, 2), { out: 55, begin: 2, end: 2 });
  // floor((231 - 11) / 4) + 1 = 56 (OverFeat conv1)
  assert.deepEqual(convAxis(231, 11, 4, 'valid'), { out: 56, begin: 0, end: 0 });
  // same, 3x3/2 on 224: out ceil(224/2) = 112; total pad (112-1)*2 + 3 - 224 = 1, the odd one at the end
  assert.deepEqual(convAxis(224, 3, 2, 'same'), { out: 112, begin: 0, end: 1 });
  // same, 5x5/2 on 112: out 56; total pad 55*2 + 5 - 112 = 3 -> 1 before, 2 after
  assert.deepEqual(convAxis(112, 5, 2, 'same'), { out: 56, begin: 1, end: 2 });
  // same, 3x3/1 on 7: total pad 6 + 3 - 7 = 2 -> symmetric
  assert.deepEqual(convAxis(7, 3, 1, 'same'), { out: 7, begin: 1, end: 1 });
  // same, 1x1/2 on 7: out 4; total pad 3*2 + 1 - 7 = 0
  assert.deepEqual(convAxis(7, 1, 2, 'same'), { out: 4, begin: 0, end: 0 });
});

test('add and concat reject unequal shapes; concat sums channels', () => {
  const b = new NetworkBuilder('joins', [8, 4, 4]);
  const a = b.conv(8, 3, { name: 'a' }); // [8,4,4]
  const p = b.maxpool(2, { from: 'input', name: 'p' }); // [8,2,2]
  const wide = b.conv(16, 1, { from: 'input', name: 'wide' }); // [16,4,4]
  const ok = b.concatOf([a, wide], { name: 'ok' });
  const net = b.build();
  assert.deepEqual(layerOf(analyzeNetwork(net), ok).outputShape, [24, 4, 4]);

  const withLayer = (extra: Network['layers'][number]): Network => ({ ...net, layers: [...net.layers, extra] });
  assert.throws(() => analyzeNetwork(withLayer({ op: 'add', name: 'bad_add', inputs: [a, p] })), InvalidWorkloadError);
  assert.throws(() => analyzeNetwork(withLayer({ op: 'add', name: 'one_add', inputs: [a] })), /two or more inputs/);
  assert.throws(() => analyzeNetwork(withLayer({ op: 'concat', name: 'bad_cat', inputs: [a, p] })), /unequal shapes/);
});

test('a layer reading an input nobody produces is an InvalidWorkloadError', () => {
  const net: Network = { name: 'dangling', input: [3, 8, 8], batch: 1, layers: [{ op: 'relu', name: 'r', inputs: ['nope'] }] };
  assert.throws(() => analyzeNetwork(net), (e: unknown) => e instanceof InvalidWorkloadError && /reads nope/.test(e.message));
});

test('VGG-16: per-layer shapes, conv1_1 MACs, total params and MACs', () => {
  const a = analyzeNetwork(vgg16());
  const shapes: Record<string, number[]> = {
    conv1_1: [64, 224, 224], conv1_2: [64, 224, 224], pool1: [64, 112, 112],
    conv2_1: [128, 112, 112], conv2_2: [128, 112, 112], pool2: [128, 56, 56],
    conv3_1: [256, 56, 56], conv3_3: [256, 56, 56], pool3: [256, 28, 28],
    conv4_1: [512, 28, 28], conv4_3: [512, 28, 28], pool4: [512, 14, 14],
    conv5_1: [512, 14, 14], conv5_3: [512, 14, 14], pool5: [512, 7, 7],
    flatten: [25088], fc6: [4096], fc7: [4096], fc8: [1000], prob: [1000],
  };
  for (const [name, shape] of Object.entries(shapes)) assert.deepEqual(layerOf(a, name).outputShape, shape, name);
  assert.equal(a.layers.filter((l) => l.layer.op === 'conv').length, 13);
  assert.equal(a.layers.filter((l) => l.layer.op === 'bn').length, 0);

  // conv1_1: 224*224 outputs * 64 filters * (3 channels * 3*3) = 50,176 * 64 * 27
  assert.equal(layerOf(a, 'conv1_1').macs, 86_704_128);
  assert.equal(layerOf(a, 'conv1_1').params, 3 * 64 * 9 + 64); // 1,792

  // Params. conv: 1,792 + 36,928 (64*64*9+64) + 73,856 (64*128*9+128) + 147,584 (128*128*9+128)
  //   + 295,168 (128*256*9+256) + 2 * 590,080 (256*256*9+256) + 1,180,160 (256*512*9+512)
  //   + 5 * 2,359,808 (512*512*9+512) = 14,714,688.
  // fc: 102,764,544 (25088*4096+4096) + 16,781,312 (4096*4096+4096) + 4,097,000 (4096*1000+1000)
  //   = 123,642,856. Total 138,357,544.
  assert.equal(a.total.params, 138_357_544);

  // MACs, output pixels * filters * (cin * 9):
  //   conv1_1 50,176*64*27 = 86,704,128;      conv1_2 50,176*64*576 = 1,849,688,064
  //   conv2_1 12,544*128*576 = 924,844,032;   conv2_2 12,544*128*1,152 = 1,849,688,064
  //   conv3_1 3,136*256*1,152 = 924,844,032;  conv3_2,3 2 * 3,136*256*2,304 = 3,699,376,128
  //   conv4_1 784*512*2,304 = 924,844,032;    conv4_2,3 2 * 784*512*4,608 = 3,699,376,128
  //   conv5_x 3 * 196*512*4,608 = 1,387,266,048          -> conv 15,346,630,656
  //   fc 25,088*4,096 + 4,096*4,096 + 4,096*1,000 = 123,633,664 -> total 15,470,264,320
  const macsOf = (op: string): number => sum(a.layers.filter((l) => l.layer.op === op).map((l) => l.macs));
  assert.equal(macsOf('conv'), 15_346_630_656);
  assert.equal(macsOf('fc'), 123_633_664);
  assert.equal(a.total.macs, 15_470_264_320);
  // Conv and fc FLOPs are 2 x MACs plus one per output for the bias.
  assert.equal(layerOf(a, 'conv1_1').flops, 2 * 86_704_128 + 64 * 224 * 224);
});

test('MobileNetV2: params, MACs, first blocks, a depthwise layer', () => {
  const a = analyzeNetwork(mobilenetv2());
  // Params: stem 3*32*9 + 2*32 = 928; blocks (conv weights + 2 per BN channel), by row of
  //   Table 2: 896 + 13,968 + 39,696 + 183,872 + 303,168 + 795,264 + 473,920 = 1,810,784; head 320*1280 + 2*1280 = 412,160; fc 1280*1000 + 1000 = 1,281,000.
  //   928 + 1,810,784 + 412,160 + 1,281,000 = 3,504,872 (torchvision's count).
  assert.equal(a.total.params, 3_504_872);
  // MACs: stem 112*112*32*27 = 10,838,016; block rows (expand + dw + project):
  //   row 1: 112²*32*9 + 112²*16*32                     = 3,612,672 + 6,422,528 = 10,035,200
  //   row 2: (19,267,584 + 2,709,504 + 7,225,344) + (10,838,016 + 4,064,256 + 10,838,016) = 54,942,720
  //   row 3: 15,466,752 + 2 * 10,988,544 = 37,443,840;  row 4: 7,564,032 + 3 * 10,311,168 = 38,497,536
  //   row 5: 12,719,616 + 2 * 22,692,096 = 58,103,808;  row 6: 15,607,872 + 2 * 15,476,160 = 46,560,192
  //   row 7: 7,526,400 + 423,360 + 15,052,800 = 23,002,560       -> blocks 268,585,856
  //   head 7*7*1280*320 = 20,070,400; fc 1280*1000 = 1,280,000.  Total 300,774,272.
  assert.equal(a.total.macs, 300_774_272);

  // block1 (t=1): no expand conv; dw 3x3 on [32,112,112], project to 16, no residual (32 != 16).
  const block1 = a.layers.filter((l) => l.layer.block === 'block1');
  assert.deepEqual(
    block1.map((l) => [l.layer.op, l.outputShape]),
    [
      ['dwconv', [32, 112, 112]], ['bn', [32, 112, 112]], ['relu6', [32, 112, 112]],
      ['pwconv', [16, 112, 112]], ['bn', [16, 112, 112]],
    ],
  );
  // block2 (t=6, s=2): expand 16 -> 96 at 112, dw stride 2 to 56, project to 24.
  assert.deepEqual(layerOf(a, 'block2/expand').outputShape, [96, 112, 112]);
  assert.deepEqual(layerOf(a, 'block2/dw').outputShape, [96, 56, 56]);
  assert.deepEqual(layerOf(a, 'block2/project_bn').outputShape, [24, 56, 56]);
  // block3 repeats it at stride 1 with 24 -> 24, so it adds its input.
  assert.deepEqual(layerOf(a, 'block3/add').layer.inputs, ['block2/project_bn', 'block3/project_bn']);

  // Depthwise: one 3x3 filter per channel. block1/dw: 112*112*32*9 = 3,612,672 MACs, 32*9 weights.
  assert.equal(layerOf(a, 'block1/dw').macs, 3_612_672);
  assert.equal(layerOf(a, 'block1/dw').params, 288);
  // block2/dw: 56*56*96*9 = 2,709,504
  assert.equal(layerOf(a, 'block2/dw').macs, 2_709_504);

  const tagged = new Set(a.layers.map((l) => l.layer.block).filter((b) => b !== undefined));
  assert.equal(tagged.size, 17);
  // Residual adds in the blocks that repeat a row at stride 1: 1 + 2 + 3 + 2 + 2 = 10.
  assert.equal(a.layers.filter((l) => l.layer.op === 'add').length, 10);
  // ReLU6: stem 1, block1 1 (no expand), blocks 2-17 2 each, head 1.
  assert.equal(a.layers.filter((l) => l.layer.op === 'relu6').length, 1 + 1 + 16 * 2 + 1);
});

test('other zoo networks: parameter counts worked out by hand', () => {
  // AlexNet: conv 23,296 (64*3*121+64) + 307,392 (192*64*25+192) + 663,936 (384*192*9+384)
  //   + 884,992 (256*384*9+256) + 590,080 (256*256*9+256); fc 37,752,832 (9216*4096+4096)
  //   + 16,781,312 + 4,097,000 = 61,100,840 (torchvision's count).
  assert.equal(analyzeNetwork(alexnet()).total.params, 61_100_840);
  // CIFAR10-6conv: conv 3,584 + 147,584 + 295,168 + 590,080 + 1,180,160 + 2,359,808 = 4,576,384;
  //   fc 33,555,456 (512*8*8*1024+1024) + 1,049,600 + 10,250 = 34,615,306. Total 39,191,690,
  //   the count LightNN publishes for its 6-conv CIFAR-10 network.
  assert.equal(analyzeNetwork(cifar10SixConv()).total.params, 39_191_690);
  // ResNet-56: stem 432 + 32; stage 1: 9 * (2*2,304 + 64) = 42,048;
  //   stage 2: (4,608 + 9,216 + 128 + 512 + 64) + 8 * (2*9,216 + 128) = 14,528 + 148,480 = 163,008;
  //   stage 3: (18,432 + 36,864 + 256 + 2,048 + 128) + 8 * (2*36,864 + 256) = 57,728 + 591,872 = 649,600;
  //   fc 64*10 + 10 = 650. Total 855,770 (853,018 with option A shortcuts + 2,752 for option B).
  const r = analyzeNetwork(resnet56());
  assert.equal(r.total.params, 855_770);
  assert.deepEqual(layerOf(r, 'stage2.1/shortcut_bn').outputShape, [32, 16, 16]);
  assert.deepEqual(layerOf(r, 'stage3.9/relu2').outputShape, [64, 8, 8]);
});

test('resolution override: VGG-16 at 64 analyzes, AlexNet at 32 collapses', () => {
  const a = analyzeNetwork(vgg16({ resolution: 64 }));
  // 64 / 2^5 = 2, so fc6 reads 512*2*2 = 2,048 features.
  assert.deepEqual(layerOf(a, 'pool5').outputShape, [512, 2, 2]);
  assert.equal(layerOf(a, 'fc6').params, 2048 * 4096 + 4096);
  // AlexNet at 32: conv1 -> 7, pool -> 3, conv2 -> 3, pool -> 1, conv3-5 -> 1, pool 3x3 on 1x1 -> nothing.
  assert.throws(() => alexnet({ resolution: 32 }), InvalidWorkloadError);
  assert.throws(() => vgg16({ resolution: 0 }), InvalidWorkloadError);
  assert.throws(() => vgg16({ resolution: 64.5 }), InvalidWorkloadError);
  assert.equal(vgg16({ batch: 8 }).batch, 8);
});

test('spnas-space: the 22 layers of the README table', () => {
  assert.equal(SPNAS_LAYERS.length, 22);
  // [cin, r] -> [cout, r / stride], straight from the README's block table.
  const table: [number[], number[]][] = [
    [[32, 112, 112], [16, 112, 112]],
    [[16, 112, 112], [24, 56, 56]], [[24, 56, 56], [24, 56, 56]], [[24, 56, 56], [24, 56, 56]], [[24, 56, 56], [24, 56, 56]],
    [[24, 56, 56], [40, 28, 28]], [[40, 28, 28], [40, 28, 28]], [[40, 28, 28], [40, 28, 28]], [[40, 28, 28], [40, 28, 28]],
    [[40, 28, 28], [80, 14, 14]], [[80, 14, 14], [80, 14, 14]], [[80, 14, 14], [80, 14, 14]], [[80, 14, 14], [80, 14, 14]],
    [[80, 14, 14], [96, 14, 14]], [[96, 14, 14], [96, 14, 14]], [[96, 14, 14], [96, 14, 14]], [[96, 14, 14], [96, 14, 14]],
    [[96, 14, 14], [192, 7, 7]], [[192, 7, 7], [192, 7, 7]], [[192, 7, 7], [192, 7, 7]], [[192, 7, 7], [192, 7, 7]],
    [[192, 7, 7], [320, 7, 7]],
  ];
  table.forEach(([input, output], i) => {
    const block = spnasBlock(i, 0);
    assert.deepEqual(block.input, input, `layer ${i} input`);
    assert.deepEqual(analyzeNetwork(block).outputShape, output, `layer ${i} output`);
  });
  const residual = SPNAS_LAYERS.filter((l) => l.residual).map((l) => l.index);
  assert.deepEqual(residual, [2, 3, 4, 6, 7, 8, 10, 11, 12, 14, 15, 16, 18, 19, 20]);
  assert.deepEqual(SPNAS_LAYERS[1], { index: 1, cin: 16, cout: 24, stride: 2, inputResolution: 112, residual: false });
  assert.deepEqual(SPNAS_OPTIONS, [
    { kernel: 3, expansion: 3 }, { kernel: 3, expansion: 6 }, { kernel: 5, expansion: 3 }, { kernel: 5, expansion: 6 },
  ]);
});

test('spnas-space: one block, its tags and its MACs', () => {
  const net = spnasBlock(1, 3); // layer 1, k5 e6
  assert.ok(net.layers.every((l) => l.block === 'L1-k5e6'));
  assert.deepEqual(spnasBlock(1, { kernel: 5, expansion: 6 }), net);
  const a = analyzeNetwork(net);
  // expand 112*112*96*16 = 19,267,584; dw 56*56*96*25 = 7,526,400; project 56*56*24*96 = 7,225,344
  assert.equal(a.total.macs, 19_267_584 + 7_526_400 + 7_225_344);
  assert.deepEqual(layerOf(a, 'L1-k5e6/dw').outputShape, [96, 56, 56]);
  assert.equal(a.layers.some((l) => l.layer.op === 'add'), false);
  // A residual layer ends in an add of the block input and the projection.
  const res = spnasBlock(2, 0);
  assert.deepEqual(res.layers.at(-1)?.inputs, ['input', 'L2-k3e3/project_bn']);
  assert.throws(() => spnasBlock(22, 0), InvalidWorkloadError);
  assert.throws(() => spnasBlock(0, 4), InvalidWorkloadError);
  assert.throws(() => spnasBlock(0, { kernel: 7, expansion: 6 } as never), InvalidWorkloadError);
});

test('spnas-space: stem, head, whole networks, skips and resolutions', () => {
  const { stem, head } = spnasStemHead();
  const s = analyzeNetwork(stem);
  assert.deepEqual(s.outputShape, [32, 112, 112]);
  assert.equal(s.total.macs, 112 * 112 * 32 * 27); // 10,838,016
  assert.deepEqual(head.input, [320, 7, 7]);
  assert.deepEqual(analyzeNetwork(head).outputShape, [1000]);

  const reference = spnasSpace();
  const withSkip: SpnasChoice[] = SPNAS_LAYERS.map((l) => (l.index === 2 ? 'skip' : { kernel: 3, expansion: 6 }));
  const skipped = spnasNetwork(withSkip);
  assert.equal(analyzeNetwork(skipped).outputShape[0], 1000);
  // A skipped residual layer drops its 9 layers (expand, dw, project with BN and act, add).
  assert.equal(reference.layers.length - skipped.layers.length, 9);
  assert.ok(!skipped.layers.some((l) => l.block?.startsWith('L2-')));
  const atStride2 = SPNAS_LAYERS.map((l): SpnasChoice => (l.index === 1 ? 'skip' : { kernel: 3, expansion: 3 }));
  assert.throws(() => spnasNetwork(atStride2), InvalidWorkloadError);
  assert.throws(() => spnasNetwork([]), InvalidWorkloadError);

  // 128 = 4 * 32: every size scales by 128/224 (112 -> 64, 7 -> 4).
  assert.deepEqual(spnasBlock(1, 0, { resolution: 128 }).input, [16, 64, 64]);
  assert.deepEqual(spnasStemHead({ resolution: 128 }).head.input, [320, 4, 4]);
  assert.throws(() => spnasSpace({ resolution: 100 }), InvalidWorkloadError);
});

test('zoo: every network analyzes at its default resolution', () => {
  assert.equal(ZOO_NAMES.length, 14);
  for (const name of ZOO_NAMES) {
    const net = zooNetwork(name);
    assert.equal(net.name, name);
    // The MNIST networks (LightNN's table, LeGR's demos) read one grey channel; the rest RGB.
    assert.deepEqual(net.input, [name.startsWith('mnist-') ? 1 : 3, ZOO[name].defaultResolution, ZOO[name].defaultResolution], name);
    const a = analyzeNetwork(net);
    assert.ok(a.total.macs > 0, name);
    assert.equal(a.outputShape.length, 1, name);
  }
});

test('zoo: an unknown name is WORKLOAD_NOT_FOUND and lists the valid ones', () => {
  for (const name of ['resnet50', 'toString']) {
    assert.throws(
      () => zooNetwork(name),
      (e: unknown) => e instanceof LabbenchError && e.code === 'WORKLOAD_NOT_FOUND' && e.message.includes('vgg16') && e.message.includes('spnas-space'),
    );
  }
});
