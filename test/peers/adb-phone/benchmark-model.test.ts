// The emulated benchmark_model on a network with every operator the TFLite writer emits for
// the newer layers (HARD_SWISH, LOGISTIC, broadcast MUL, SPLIT, STRIDED_SLICE, TRANSPOSE,
// RESIZE_*), on the builtin kernels and under XNNPACK, run in-process (no adb server);
// then the bench's row mapping against what the phone printed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EmulatedPhone } from './emulated-phone.js';
import { SHELL_CRED } from './fs.js';
import { CollectOutput, EMPTY_INPUT } from './sh-exec.js';
import { readTflite } from './tflite-reader.js';
import { opCost } from './op-cost.js';
import { cpuOpTimeUs } from './perf-model.js';
import type { BenchmarkFlavor } from './phone-host.js';
import { buildTflite } from '../../../native-runners/android-tflite/tflite-writer.js';
import { parseBenchmarkOutput, rowMsPerRun } from '../../../native-runners/android-tflite/parse-benchmark.js';
import { layerFlops, mapRowsToLayers } from '../../../native-runners/android-tflite/map-rows.js';
import { everyOpNetwork } from '../../../native-runners/android-tflite/fixtures/every-op-network.js';

const MODEL = '/data/local/tmp/every-op.tflite';
const net = everyOpNetwork();
const art = buildTflite(net);

async function bench(flavor: BenchmarkFlavor, flags: string): Promise<string> {
  const phone = new EmulatedPhone({ timeScale: 0.01, seed: 21, benchmarkFlavor: flavor });
  phone.fs.write(MODEL, Buffer.from(art.bytes), SHELL_CRED);
  const out = new CollectOutput();
  const err = new CollectOutput();
  const cmd = `/data/local/tmp/benchmark_model --graph=${MODEL} --num_threads=2 --warmup_runs=1 --num_runs=5 --min_secs=0 --warmup_min_secs=0 --enable_op_profiling=true ${flags}`;
  const status = await phone.runCommandLine(cmd, { stdin: EMPTY_INPUT, stdout: out, stderr: err }, new AbortController().signal, {});
  const stdout = out.buffer().toString('utf8');
  assert.equal(status, 0, `${stdout}\n${err.buffer().toString('utf8')}`);
  return stdout;
}

test('builtin kernels: a row per operator, named after its outputs (a SPLIT after both)', async (t) => {
  const p = parseBenchmarkOutput(await bench('classic', '--use_xnnpack=false'));
  for (const r of p.rows) t.diagnostic(`${r.nodeType.padEnd(24)} ${r.avgMs.toFixed(3)}  ${r.name}`);
  assert.deepEqual(p.rows.map((r) => r.nodeType), art.opTypes);
  assert.deepEqual(p.rows.map((r) => r.name), art.opAllOutputs.map((outs, i) => `[${outs.join(', ')}]:${i}`));
  assert.ok(p.rows.every((r) => r.avgMs > 0));
});

test('XNNPACK of TF 2.16 (modern build): every new operator but RESIZE_NEAREST_NEIGHBOR delegated, XNNPACK names in the internal rows', async (t) => {
  const p = parseBenchmarkOutput(await bench('modern', ''));
  for (const r of [...p.rows, ...(p.delegateInternal ?? [])]) t.diagnostic(`${r.nodeType.padEnd(34)} ${r.avgMs.toFixed(3)} x${r.timesCalled}  ${r.name}`);
  const own = p.rows.filter((r) => r.nodeType !== 'TfLiteXNNPackDelegate').map((r) => r.nodeType);
  assert.deepEqual(own, ['RESIZE_NEAREST_NEIGHBOR']);
  assert.equal(p.rows.filter((r) => r.nodeType === 'TfLiteXNNPackDelegate').length, 2);
  const internal = new Set((p.delegateInternal ?? []).map((r) => r.name.replace(/^Delegate\/(.*):\d+$/, '$1')));
  for (const name of ['Sigmoid (NC, F32)', 'HardSwish (NC, F32)', 'Multiply (ND, F32)', 'Slice (ND, X32)', 'Transpose (ND, X32)', 'Resize Bilinear (NHWC, F32)', 'Copy (NC, X32)', 'Convolution (NHWC, F32) DWConv']) {
    assert.ok(internal.has(name), `${name} among ${[...internal].join(' | ')}`);
  }
  assert.ok(![...internal].some((n) => n.startsWith('Clamp')), 'activations are fused in the model: no clamp nodes');
});

test('XNNPACK of TF 2.9 (classic build): SPLIT, STRIDED_SLICE and TRANSPOSE stay on the builtin kernels', async () => {
  const p = parseBenchmarkOutput(await bench('classic', ''));
  const own = p.rows.filter((r) => r.nodeType !== 'TfLiteXNNPackDelegate').map((r) => r.nodeType);
  assert.deepEqual(own, ['SPLIT', 'TRANSPOSE', 'STRIDED_SLICE', 'RESIZE_NEAREST_NEIGHBOR']);
  assert.equal(p.delegateInternal, undefined, 'no detailed rows before TF 2.10');
});

test('the bench maps the phone\'s detailed XNNPACK rows to fused groups, each with its own time', async () => {
  const p = parseBenchmarkOutput(await bench('modern', ''));
  const names = net.layers.map((l) => l.name);
  const m = mapRowsToLayers(p.rows, art.opLayers, names, {
    opOutputs: art.opOutputs,
    opAllOutputs: art.opAllOutputs,
    opInputs: art.opInputs,
    opKernelLayers: art.opKernelLayers,
    opTypes: art.opTypes,
    delegateInternal: p.delegateInternal ?? [],
    weights: layerFlops(net),
  });
  assert.deepEqual(m.unmapped, []);
  assert.deepEqual(m.unattributed, []);
  assert.ok(m.blocks.length === 2 && m.blocks.every((b) => b.detailed));
  const total = p.rows.reduce((s, r) => s + rowMsPerRun(r), 0);
  assert.ok(Math.abs(m.groups.reduce((s, g) => s + g.ms, 0) - total) < 1e-9, 'the delegate rows are fully attributed');
  const group = (layer: string): readonly string[] | undefined => m.groups.find((g) => g.layers.includes(layer))?.layers;
  assert.deepEqual(group('c1'), ['c1', 'bn1', 'r1']);
  assert.deepEqual(group('fc'), ['fc', 'fc_bn', 'fc_relu']);
  assert.deepEqual(group('left'), ['left', 'right']);
  assert.deepEqual(group('hs'), ['hs']);
  assert.deepEqual(group('shuf'), ['shuf']);
  const writers = art.opOutputs.filter((o) => names.includes(o)).length;
  assert.equal(m.groups.length, writers, 'one group per operator that writes a layer, its helpers with it');
  for (const g of m.groups) assert.ok(g.ms > 0, `${g.layers.join('+')} has a time`);
});

test('a fused activation costs nothing extra with XNNPACK and a pass over the output with the builtin kernels', () => {
  const m = readTflite(Buffer.from(art.bytes));
  const conv = m.operators.find((o) => m.tensors[o.outputs[0]!]!.name === 'r1')!;
  const cost = opCost(m, conv);
  assert.equal(cost.activationFlops, 16 * 4 * 4);
  const plain = { ...cost, fusedActivation: false, activationFlops: 0 };
  const spec = new EmulatedPhone().spec.cores.find((c) => c.cluster === 'big')!;
  const placement = { cores: [{ spec, khz: spec.maxKHz }], oversubscription: 1 };
  assert.equal(cpuOpTimeUs(cost, placement, 'xnnpack', 20), cpuOpTimeUs(plain, placement, 'xnnpack', 20));
  assert.ok(cpuOpTimeUs(cost, placement, 'builtin', 20) > cpuOpTimeUs(plain, placement, 'builtin', 20));
});

test('--run_delay pauses between runs: the load is released during each pause and set again after it', async () => {
  const phone = new EmulatedPhone({ timeScale: 0.05, seed: 21, benchmarkFlavor: 'modern' });
  phone.fs.write(MODEL, Buffer.from(art.bytes), SHELL_CRED);
  const out = new CollectOutput();
  const idle = phone.physics.powerW();
  const powers: number[] = [];
  const sampler = setInterval(() => powers.push(phone.physics.powerW()), 1);
  const t0 = phone.uptimeS();
  const cmd = `/data/local/tmp/benchmark_model --graph=${MODEL} --num_threads=2 --warmup_runs=1 --num_runs=5 --min_secs=0 --warmup_min_secs=0 --run_delay=0.5`;
  const status = await phone.runCommandLine(cmd, { stdin: EMPTY_INPUT, stdout: out, stderr: new CollectOutput() }, new AbortController().signal, {});
  clearInterval(sampler);
  assert.equal(status, 0, out.buffer().toString('utf8'));
  // Five regular runs and the warm-up, each followed by half a second of pause.
  assert.ok(phone.uptimeS() - t0 >= 3, `${phone.uptimeS() - t0} s`);
  assert.match(out.buffer().toString('utf8'), /count=5/);
  // Mostly paused: the phone drew its idle power most of the time, and more while it ran.
  const busy = powers.filter((p) => p > idle * 1.3).length;
  assert.ok(busy > 0 && busy < powers.length / 2, `${busy} of ${powers.length} readings above idle (${idle.toFixed(2)} W)`);
});
