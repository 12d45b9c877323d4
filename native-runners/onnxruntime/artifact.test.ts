/**
 * Conformance of the ONNX artifacts against a real runtime: every zoo network, exported and
 * run by onnxruntime-node, produces the output shape that the IR's shape inference predicts,
 * single-layer artifacts of every op run with one ORT node named after the layer (or, for a
 * layer written as several nodes, nodes named `<layer>/...` besides it), and the layers of
 * today's on-device networks compute what the IR means by them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import onnxProto from 'onnx-proto';
import { analyzeNetwork } from '../../app/workloads/analyze.js';
import { ZOO_NAMES, zooNetwork } from '../../app/workloads/zoo/index.js';
import { layerPlan } from '../../app/workloads/units.js';
import { NetworkBuilder } from '../../app/workloads/builder.js';
import { NETWORK_INPUT, type Network } from '../../app/workloads/ir.js';
import { ownerOf } from './node-owner.js';
import { buildOnnx } from './artifact.js';
import { loadOrt, measureOnnx } from './runner.js';

/** Small inputs so the whole zoo runs in seconds; each still exercises every op it has. */
const SMALL: Record<string, number> = { vgg16: 64, alexnet: 96, nin: 64, overfeat: 135, mobilenetv2: 64, 'spnas-space': 64 };

for (const name of ZOO_NAMES) {
  test(`${name}: ORT's output shape equals the IR's`, async () => {
    const ort = loadOrt();
    const net = zooNetwork(name, SMALL[name] ? { resolution: SMALL[name] } : {});
    const art = buildOnnx(net);
    const session = await ort.InferenceSession.create(art.bytes, { graphOptimizationLevel: 'disabled', intraOpNumThreads: 1 });
    try {
      const feeds = Object.fromEntries(art.inputs.map((i) => [i.name, new ort.Tensor('float32', new Float32Array(i.shape.reduce((a, b) => a * b, 1)).fill(0.1), [...i.shape])]));
      const out = await session.run(feeds);
      const a = analyzeNetwork(net);
      assert.deepEqual(out[art.outputs[0]!]!.dims, [net.batch, ...a.outputShape]);
      const values = out[art.outputs[0]!]!.data as Float32Array;
      assert.ok(values.every((v) => Number.isFinite(v)), 'no NaN or Inf from the seeded weights');
      // Every zoo network ends in a softmax: its outputs sum to 1.
      assert.ok(Math.abs(values.reduce((s, v) => s + v, 0) - 1) < 1e-3);
    } finally {
      await session.release();
    }
  });
}

test('every op profiles alone: one timed ORT node per layer, named after it', async () => {
  const b = new NetworkBuilder('ops', [8, 16, 16]);
  b.conv(8, 3, { name: 'c' });
  b.bn({ name: 'bn' });
  const r = b.relu({ name: 'r' });
  b.dwconv(3, { name: 'dw' });
  b.relu6({ name: 'r6' });
  const pw = b.pwconv(8, { name: 'pw' });
  b.addOf([r, pw], { name: 'add' });
  const mp = b.maxpool(2, { name: 'mp' });
  const ap = b.avgpool(3, { from: r, stride: 2, pad: 1, name: 'ap' });
  b.concatOf([mp, ap], { name: 'cat' });
  b.gap({ name: 'gap' });
  b.flatten({ name: 'fl' });
  b.fc(10, { name: 'fc' });
  b.softmax({ name: 'sm' });
  const plan = layerPlan('ops', b.build());
  assert.equal(plan.units.length, 14);
  for (const unit of plan.units) {
    const m = await measureOnnx(buildOnnx(unit.network), {
      threads: 1,
      graphOptimization: 'disabled',
      executionProvider: 'cpu',
      warmup: 1,
      minRuns: 3,
      maxRuns: 3,
      targetRelCi: 0.02,
      maxSeconds: 1,
    });
    assert.equal(m.runs.length, 3, unit.key);
    assert.deepEqual(m.runs[0]!.kernels.map((k) => k.node), [unit.layers[0]], unit.key);
    assert.ok(m.kernelMs.every((x) => x >= 0), unit.key);
    assert.ok(m.modelRunMs.every((x, i) => x >= m.kernelMs[i]!), `${unit.key}: a run spans its kernels`);
  }
});

/** Every new layer reads the input [C=4, 2, 2] directly, so that each is a graph output of its own. */
function newLayersOnInput(): Network {
  const b = new NetworkBuilder('new-ops', [4, 2, 2]);
  for (const op of ['sigmoid', 'hardsigmoid', 'hardswish', 'swish'] as const) b.act(op, { name: op, from: NETWORK_INPUT });
  const mean = b.gap({ name: 'mean', from: NETWORK_INPUT });
  b.mulOf([NETWORK_INPUT, mean], { name: 'scaled' });
  b.slice(1, 3, { name: 'middle', from: NETWORK_INPUT });
  b.shuffle(2, { name: 'shuffled', from: NETWORK_INPUT });
  b.resize(2, 'nearest', { name: 'nearest', from: NETWORK_INPUT });
  b.resize(2, 'linear', { name: 'linear', from: NETWORK_INPUT });
  return b.build();
}

test('the new layers compute what the IR means: activations, SE scale, slice, shuffle, resize', async () => {
  const ort = loadOrt();
  const net = newLayersOnInput();
  const art = buildOnnx(net);
  // Naming: the node that produces a layer's output is the layer; anything else is `<layer>/...`.
  // Decoded messages always carry their repeated fields; the generated types do not say so.
  const graph = onnxProto.onnx.ModelProto.decode(art.bytes).graph as onnxProto.onnx.GraphProto;
  const layers = new Set(net.layers.map((l) => l.name));
  for (const l of net.layers) assert.deepEqual(graph.node.filter((n) => (n.output ?? []).includes(l.name)).map((n) => n.name), [l.name]);
  for (const n of graph.node) assert.ok(layers.has(ownerOf(n.name ?? '', layers) ?? ''), `node ${n.name}`);
  for (const t of graph.initializer) assert.ok(layers.has((t.name ?? '').replace(/\/[^/]*$/, '')), `initializer ${t.name}`);

  const x = Float32Array.from({ length: 16 }, (_, i) => (i - 7.5) * 0.9); // [-6.75, 6.75]: both clamps of hardsigmoid
  const at = (c: number, h: number, w: number): number => x[c * 4 + h * 2 + w]!;
  const session = await ort.InferenceSession.create(art.bytes, { graphOptimizationLevel: 'disabled', logSeverityLevel: 3 });
  try {
    const out = await session.run({ [art.inputs[0]!.name]: new ort.Tensor('float32', x, [1, 4, 2, 2]) });
    const got = (name: string): number[] => [...(out[name]!.data as Float32Array)];
    const close = (name: string, want: number[]): void => {
      const a = got(name);
      assert.equal(a.length, want.length, name);
      a.forEach((v, i) => assert.ok(Math.abs(v - want[i]!) < 1e-5, `${name}[${i}]: ${v} vs ${want[i]}`));
    };
    const sig = (v: number): number => 1 / (1 + Math.exp(-v));
    const hsig = (v: number): number => Math.min(Math.max(v / 6 + 0.5, 0), 1);
    const xs = [...x];
    close('sigmoid', xs.map(sig));
    close('hardsigmoid', xs.map(hsig));
    close('hardswish', xs.map((v) => v * hsig(v)));
    close('swish', xs.map((v) => v * sig(v)));
    const means = [0, 1, 2, 3].map((c) => (at(c, 0, 0) + at(c, 0, 1) + at(c, 1, 0) + at(c, 1, 1)) / 4);
    close('scaled', xs.map((v, i) => v * means[Math.floor(i / 4)]!));
    close('middle', xs.slice(4, 12));
    // Channels seen as [groups = 2, 2] and transposed: 0, 2, 1, 3.
    close('shuffled', [0, 2, 1, 3].flatMap((c) => xs.slice(c * 4, c * 4 + 4)));
    const grid = (f: (c: number, y: number, x: number) => number): number[] =>
      [0, 1, 2, 3].flatMap((c) => [0, 1, 2, 3].flatMap((y) => [0, 1, 2, 3].map((xx) => f(c, y, xx))));
    close('nearest', grid((c, y, xx) => at(c, Math.floor(y / 2), Math.floor(xx / 2))));
    // PyTorch's bilinear (align_corners=False): source coordinate (i + 0.5) / 2 - 0.5, clamped.
    const src = (i: number): [number, number, number] => {
      const p = Math.min(Math.max((i + 0.5) / 2 - 0.5, 0), 1);
      return [Math.floor(p), Math.min(Math.floor(p) + 1, 1), p - Math.floor(p)];
    };
    close(
      'linear',
      grid((c, y, xx) => {
        const [y0, y1, fy] = src(y);
        const [x0, x1, fx] = src(xx);
        const row = (r: number): number => at(c, r, x0) * (1 - fx) + at(c, r, x1) * fx;
        return row(y0) * (1 - fy) + row(y1) * fy;
      }),
    );
  } finally {
    await session.release();
  }
});

test('the new layers profile alone: their nodes are the layer and `<layer>/...` helpers', async () => {
  const plan = layerPlan('new-ops', newLayersOnInput());
  for (const unit of plan.units) {
    const m = await measureOnnx(buildOnnx(unit.network), {
      threads: 1,
      graphOptimization: 'disabled',
      executionProvider: 'cpu',
      warmup: 1,
      minRuns: 2,
      maxRuns: 2,
      targetRelCi: 0.02,
      maxSeconds: 1,
    });
    const layer = unit.layers[0]!;
    const nodes = m.runs[0]!.kernels.map((k) => k.node);
    assert.ok(nodes.includes(layer), `${unit.key}: ${nodes.join(', ')}`);
    assert.ok(
      nodes.every((n) => ownerOf(n, new Set([layer])) === layer),
      `${unit.key}: ${nodes.join(', ')}`,
    );
  }
});
