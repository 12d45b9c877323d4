/**
 * Conformance of the ONNX artifacts against a real runtime: every zoo network, exported and
 * run by onnxruntime-node, produces the output shape that the IR's shape inference predicts,
 * and single-layer artifacts of every op run with one ORT node named after the layer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeNetwork } from '../../app/workloads/analyze.js';
import { ZOO_NAMES, zooNetwork } from '../../app/workloads/zoo/index.js';
import { layerPlan } from '../../app/workloads/units.js';
import { NetworkBuilder } from '../../app/workloads/builder.js';
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
