// Kernel models on a device whose speed is known exactly (a roofline with a penalty for
// channel counts off the SIMD width): per kind, the trees recover the penalty the roofline
// cannot see; the calibration recovers the network terms exactly; the state exponent is
// the one the samples were drawn with.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelSampleNetwork } from '../workloads/samples/kernel-sampler.js';
import { analyzeNetwork } from '../workloads/analyze.js';
import { unfusedKernels, type KernelConfig } from '../workloads/kernels.js';
import { fitCalibration, fitKernelModel, predictKernel, type KernelRow } from './kernel-model.js';

/** The device: 20 GFLOP/s, 10 GB/s, 5 us per kernel, and ragged channel counts 1.6x slower. */
function deviceMs(c: KernelConfig): number {
  const x = c.inputs[0] ?? [];
  const ragged = x.length === 3 && x[0]! % 8 !== 0 ? 1.6 : 1;
  return ((c.cost.flops / 20e9 + c.cost.bytes / 10e9) * 1000 + 0.005) * ragged;
}

function rows(networks: number, seed: number): KernelRow[] {
  const out: KernelRow[] = [];
  for (let i = 0; i < networks; i++) {
    for (const k of unfusedKernels(analyzeNetwork(kernelSampleNetwork(seed, i)))) out.push({ config: k.config, ms: deviceMs(k.config), group: i });
  }
  return out;
}

test('per kind, the model learns what the roofline misses and predicts networks it never saw', () => {
  const train = rows(60, 1);
  const m = fitKernelModel(train, [], { trees: { trees: 120 } });
  assert.ok(m.kinds.conv && m.kinds.pwconv && m.kinds.eltwise, Object.keys(m.kinds).join());
  assert.ok(m.kinds.conv.cv.median_ape_pct < 8, `conv CV median error ${m.kinds.conv.cv.median_ape_pct}`);
  const test = rows(10, 2);
  const errs = test.map((r) => Math.abs(predictKernel(m, r.config) / r.ms - 1)).sort((a, b) => a - b);
  assert.ok(errs[errs.length >> 1]! < 0.08, `median error on new networks ${errs[errs.length >> 1]}`);
  // The ragged penalty is learned, not averaged away: ragged and aligned twins differ.
  const conv = test.find((r) => r.config.kind === 'conv' && (r.config.inputs[0]![0]! % 8) !== 0);
  if (conv) assert.ok(predictKernel(m, conv.config) / (deviceMs(conv.config) / 1.6) > 1.3, 'ragged kernels are predicted slower');
});

test('the calibration recovers scale, per-kernel cost and offset from networks', () => {
  const runs = Array.from({ length: 30 }, (_, i) => {
    const kernels = 10 + ((i * 13) % 29) * 5;
    const sum = 0.5 + 0.37 * i;
    return { kernels, kernelSumMs: sum, endToEndMs: 1.05 * sum - 0.003 * kernels + 0.04 };
  });
  const c = fitCalibration(runs);
  assert.ok(Math.abs(c.scale - 1.05) < 1e-6 && Math.abs(c.per_kernel_ms + 0.003) < 1e-7 && Math.abs(c.offset_ms - 0.04) < 1e-6, JSON.stringify(c));
  assert.ok(c.rmspe_pct < 1e-6);
});

test("a kernel's network context is learned: the same kernel runs slower where the network streams more activations through the caches", () => {
  // The device of the first test, 1.5x slower for every kernel of a network whose layers write more than 3 MB per inference.
  const coldMs = (c: KernelConfig): number => deviceMs(c) * ((c.context.act_bytes ?? 0) > 3e6 ? 1.5 : 1);
  const sample = (networks: number, seed: number): KernelRow[] =>
    Array.from({ length: networks }, (_, i) => unfusedKernels(analyzeNetwork(kernelSampleNetwork(seed, i))).map((k) => ({ config: k.config, ms: coldMs(k.config), group: i }))).flat();
  const train = sample(80, 3);
  assert.ok(train.some((r) => r.config.context.act_bytes! > 3e6) && train.some((r) => r.config.context.act_bytes! < 3e6), 'both sides of the cache are sampled');
  const m = fitKernelModel(train, [], { trees: { trees: 120 } });
  // One kernel, predicted in a light and in a heavy network's context: the model tells them apart.
  const k = sample(10, 4).find((r) => r.config.kind === 'pwconv')!;
  const light = predictKernel(m, { ...k.config, context: { ...k.config.context, act_bytes: 1e6 } });
  const heavy = predictKernel(m, { ...k.config, context: { ...k.config.context, act_bytes: 2e7 } });
  assert.ok(heavy / light > 1.3 && heavy / light < 1.7, `heavy / light ${heavy / light}`);
});
