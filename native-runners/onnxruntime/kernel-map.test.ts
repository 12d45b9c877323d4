// Which kernels onnxruntime runs, read from its own optimized graph: batch norm and
// activations fold into their conv, a residual Sum and the activation after it join the conv
// that ends the branch, layout reorders become kernels of their own, and every profiled node
// of a real run maps to one kernel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NetworkBuilder } from '../../app/workloads/builder.js';
import { buildOnnx } from './artifact.js';
import { measureOnnx, optimizedGraph } from './runner.js';
import { layerOfNode, mapOrtKernels, readOrtNodes } from './kernel-map.js';
import { zooNetwork } from '../../app/workloads/zoo/index.js';

const SESSION = { threads: 1, graphOptimization: 'all', executionProvider: 'cpu' } as const;

function residualNet() {
  const b = new NetworkBuilder('res', [32, 16, 16]);
  b.conv(32, 3, { name: 'c1', bias: false });
  b.bn({ name: 'bn1' });
  const r1 = b.relu({ name: 'r1' });
  b.conv(32, 3, { name: 'c2', bias: false });
  b.bn({ name: 'bn2' });
  b.addOf([b.head, r1], { name: 'add' });
  b.relu({ name: 'r2' });
  b.gap({ name: 'pool' });
  b.conv(8, 1, { name: 'se1', pad: 0 });
  b.relu({ name: 'se1/relu' });
  b.conv(32, 1, { name: 'se2', pad: 0 });
  b.act('sigmoid', { name: 'gate' });
  b.mulOf(['r2', 'gate'], { name: 'scale' });
  b.gap({ name: 'pool2' });
  b.flatten({ name: 'flat' });
  b.fc(10, { name: 'fc' });
  return b.build();
}

test('ORT fuses bn, the activation and the residual add into their conv; reorders are kernels of their own', async () => {
  const net = residualNet();
  const map = mapOrtKernels(net, readOrtNodes(await optimizedGraph(buildOnnx(net), SESSION)));
  const groups = map.kernels.filter((_, i) => map.nodeCount[i]! > 0).map((k) => k.layers.join('+'));
  assert.ok(groups.includes('c1+bn1+r1'), groups.join(' | '));
  assert.ok(groups.includes('c2+bn2+add+r2'), groups.join(' | '));
  const c2 = map.kernels.find((k) => k.layers[0] === 'c2')!;
  assert.deepEqual(c2.config.fused, ['bn', 'add', 'relu']);
  assert.deepEqual(c2.config.inputs, [[32, 16, 16], [32, 16, 16]], 'the residual is an input of the kernel');
  assert.equal(c2.config.variant, 'nchwc');
  assert.ok(c2.key.startsWith('kernel conv k3 s1 p1 g1 o32 nobias in=32x16x16 +bn+add+relu res=32x16x16'), c2.key);
  // The squeeze-and-excitation multiply runs in the plain layout: reorders around it.
  assert.ok(map.kernels.some((k) => k.kind === 'reorder' && k.config.hyper.direction === 'out'));
  // Every IR layer is in exactly one kernel.
  const all = map.kernels.flatMap((k) => k.layers);
  assert.deepEqual([...all].sort(), net.layers.map((l) => l.name).sort());
});

test('every node of a profiled run maps to a kernel, and kernel times add up to the run', async () => {
  const net = zooNetwork('mobilenetv2', { resolution: 64 });
  const m = await measureOnnx(buildOnnx(net), { ...SESSION, warmup: 1, minRuns: 3, maxRuns: 3, targetRelCi: 1, maxSeconds: 2, keepOptimized: true, paired: true });
  const map = mapOrtKernels(net, readOrtNodes(m.optimized!));
  for (const r of m.runs) {
    for (const k of r.kernels) assert.ok(map.nodeKernel.has(k.node), `${k.node} (${k.op}) has a kernel`);
  }
  assert.equal(m.plainMs!.length, 3, 'the session without the profiler ran as often');
  // mobilenetv2's 52 convs each carry their bn (and relu6 where it has one).
  const convs = map.kernels.filter((k) => k.kind === 'pwconv' || k.kind === 'dwconv' || k.kind === 'conv');
  assert.equal(convs.length, net.layers.filter((l) => l.op === 'conv' || l.op === 'pwconv' || l.op === 'dwconv').length);
  assert.ok(convs.every((k) => k.config.fused[0] === 'bn'));
});

test('kernel mode: profiled runs stop at profiledMaxRuns; the plain runs go past maxRuns for the overhead rule, and only for it', async () => {
  const artifact = buildOnnx(residualNet());
  const o = { ...SESSION, warmup: 1, minRuns: 5, maxRuns: 10, targetRelCi: 1, maxSeconds: 0.3, keepOptimized: true, paired: true, profiledMaxRuns: 5 };
  // A run of this net takes well under a millisecond; its session and profile, tens of milliseconds.
  const ruled = await measureOnnx(artifact, { ...o, setupRatio: 9 });
  assert.equal(ruled.wallMs.length, 5);
  assert.ok(ruled.plainMs!.length > 10, `${ruled.plainMs!.length} plain runs`);
  const quick = await measureOnnx(artifact, { ...o, setupRatio: 0 });
  assert.equal(quick.wallMs.length, 5);
  assert.ok(quick.plainMs!.length >= 5 && quick.plainMs!.length <= 10, `${quick.plainMs!.length} plain runs`);
});

test('node names map back to layers through ORT suffixes and helper nodes', () => {
  const names = new Set(['b1/conv', 'b1/bn', 'fc']);
  assert.equal(layerOfNode('b1/conv_nchwc', names), 'b1/conv');
  assert.equal(layerOfNode('b1/bn_bn_nchwc', names), 'b1/bn');
  assert.equal(layerOfNode('fused fc', names), 'fc');
  assert.equal(layerOfNode('b1/conv/sig', names), 'b1/conv');
  assert.equal(layerOfNode('ReorderOutput_token_3', names), undefined);
});
