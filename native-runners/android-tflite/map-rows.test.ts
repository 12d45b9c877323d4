/**
 * Rows of the (reconstructed) tiny-network profiles mapped back to its layers through the
 * operator table buildTflite writes: one row per operator on the CPU, delegate partitions
 * split by FLOPs with XNNPACK and the GPU, and XNNPACK's detailed rows pooled.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseBenchmarkOutput, rowMsPerRun, type BenchmarkRow } from './parse-benchmark.js';
import { layerFlops, mapRowsToLayers } from './map-rows.js';
import { buildTflite } from './tflite-writer.js';
import { tinyNetwork } from './fixtures/tiny-network.js';
import { NetworkBuilder } from '../../app/workloads/builder.js';

const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const net = tinyNetwork();
const art = buildTflite(net, { fuse: false });
const layers = net.layers.map((l) => l.name);
const graph = { opOutputs: art.opOutputs, opInputs: art.opInputs };
const close = (a: number, b: number, what: string): void => assert.ok(Math.abs(a - b) < 1e-9, `${what}: ${a} vs ${b}`);

test('the fixtures profile the operators buildTflite writes for the tiny network', () => {
  const rows = parseBenchmarkOutput(fixture('tflite-2.10_stdout_android-arm64_tiny-cpu1t_reconstructed.txt')).rows;
  assert.deepEqual(rows.map((r) => r.tensorName), art.opOutputs);
  assert.deepEqual(rows.map((r) => r.nodeType), art.opTypes);
});

test('CPU: every row maps to its operator; helper operators add to their layer', () => {
  const rows = parseBenchmarkOutput(fixture('tflite-2.10_stdout_android-arm64_tiny-cpu1t_reconstructed.txt')).rows;
  for (const opts of [graph, {}]) {
    const m = mapRowsToLayers(rows, art.opLayers, layers, opts);
    assert.deepEqual([...m.perLayer.keys()], layers);
    close(m.perLayer.get('conv1')!, 0.012 + 0.105, 'PAD + CONV_2D');
    close(m.perLayer.get('bn1')!, 0.011 + 0.01, 'MUL + ADD');
    close(m.perLayer.get('prob')!, 0.002, 'SOFTMAX');
    assert.equal(m.shared.size, 0);
    assert.deepEqual(m.unmapped, []);
    assert.deepEqual(m.unattributed, []);
    close([...m.perLayer.values()].reduce((s, v) => s + v, 0), rows.reduce((s, r) => s + rowMsPerRun(r), 0), 'nothing lost');
  }
});

test('XNNPACK (TF 2.9 style): two partitions around ADD_N, each split over its layers by FLOPs', () => {
  const rows = parseBenchmarkOutput(fixture('tflite-2.9_stdout_android-arm64_tiny-xnnpack1t_reconstructed.txt')).rows;
  const flops = layerFlops(net);
  for (const opts of [{ ...graph, weights: flops }, { weights: flops }]) {
    const m = mapRowsToLayers(rows, art.opLayers, layers, opts);
    assert.deepEqual(m.unmapped, []);
    assert.deepEqual(m.unattributed, []);
    assert.deepEqual(m.blocks.map((b) => b.layers), [
      ['conv1', 'bn1', 'relu1', 'dw', 'pw'],
      ['pool', 'flatten', 'fc', 'prob'],
    ]);
    assert.deepEqual(m.blocks[0]!.ops, [0, 1, 2, 3, 4, 5, 6]);
    assert.deepEqual(m.blocks[1]!.ops, [8, 9, 10, 11]);
    const first = ['conv1', 'bn1', 'relu1', 'dw', 'pw'];
    const w = first.reduce((s, l) => s + flops.get(l)!, 0);
    close(m.perLayer.get('conv1')!, (0.151 * flops.get('conv1')!) / w, 'conv1 share');
    close(m.perLayer.get('sum')!, 0.013, 'ADD_N has its own row');
    assert.equal(m.perLayer.get('flatten'), 0, 'a layer without FLOPs gets no share');
    assert.deepEqual([...m.shared], [...first, 'pool', 'flatten', 'fc', 'prob']);
    assert.ok(!m.shared.has('sum'));
    close([...m.perLayer.values()].reduce((s, v) => s + v, 0), 0.151 + 0.013 + 0.009, 'the partitions are fully attributed');
  }
  // Without weights: evenly per operator (conv1 and bn1 have two each).
  const even = mapRowsToLayers(rows, art.opLayers, layers, graph);
  close(even.perLayer.get('conv1')!, (0.151 * 2) / 7, 'two of seven operators');
  close(even.perLayer.get('relu1')!, 0.151 / 7, 'one of seven');
});

test('the same XNNPACK profile as a CSV with a start column maps the same', () => {
  const csv = parseBenchmarkOutput(fixture('tflite-2.3_csv_android-arm64_tiny-xnnpack1t_reconstructed.csv')).rows;
  const text = parseBenchmarkOutput(fixture('tflite-2.9_stdout_android-arm64_tiny-xnnpack1t_reconstructed.txt')).rows;
  const a = mapRowsToLayers(csv, art.opLayers, layers, { ...graph, weights: layerFlops(net) });
  const b = mapRowsToLayers(text, art.opLayers, layers, { ...graph, weights: layerFlops(net) });
  assert.deepEqual(a.perLayer, b.perLayer);
});

test('GPU: one delegate kernel covers the whole graph', () => {
  const rows = parseBenchmarkOutput(fixture('tflite-2.10_stdout_android-arm64_tiny-gpu_reconstructed.txt')).rows;
  const m = mapRowsToLayers(rows, art.opLayers, layers, { ...graph, weights: layerFlops(net) });
  assert.equal(m.blocks.length, 1);
  assert.deepEqual(m.blocks[0]!.layers, layers);
  assert.equal(m.shared.size, layers.length);
  close([...m.perLayer.values()].reduce((s, v) => s + v, 0), 0.731, 'all of it');
});

test('XNNPACK detailed rows (TF 2.16 style): one time per XNNPACK node, in order; a partition whose rows do not fit is timed whole', () => {
  const rows = parseBenchmarkOutput(fixture('tflite-2.16_stdout_android-arm64_tiny-xnnpack1t-detailed_reconstructed.txt')).rows;
  const m = mapRowsToLayers(rows, art.opLayers, layers, { ...graph, opTypes: art.opTypes, weights: layerFlops(net) });
  assert.deepEqual(m.unmapped, []);
  assert.deepEqual(m.unattributed, []);
  assert.deepEqual(m.blocks.map((b) => [b.ops, b.detailed]), [
    [[0, 1, 2, 3, 4, 5, 6], true],
    [[8, 9, 10, 11], false],
  ]);
  // The first partition: PAD, conv, MUL, ADD with bn1's RELU fused (relu1 reads only bn1), DWConv, GEMM.
  assert.deepEqual(m.groups.map((g) => [g.layers, Number(g.ms.toFixed(6))]), [
    [['conv1'], 0.071],
    [['bn1', 'relu1'], 0.015],
    [['dw'], 0.021],
    [['pw'], 0.036],
    [['sum'], 0.013],
    [['pool', 'flatten', 'fc', 'prob'], 0.009],
  ]);
  close(m.perLayer.get('conv1')!, 0.01 + 0.061, 'Constant Pad + Convolution rows');
  close(m.opMs[3]!, 0.007, 'ADD timed with its clamp');
  assert.equal(m.opMs[4], 0, 'the fused RELU has no time of its own');
  assert.equal(m.opMs[8], undefined, 'the second partition is timed whole');
  assert.ok(!m.shared.has('conv1') && m.shared.has('relu1') && m.shared.has('fc'));
  // Its rows (Mean, Fully Connected, Softmax, Copy) do not follow MEAN, RESHAPE, FULLY_CONNECTED, SOFTMAX.
  const pooled = rows.filter((r) => r.kind === 'delegate-op').reduce((s, r) => s + rowMsPerRun(r), 0);
  close(m.groups.reduce((s, g) => s + g.ms, 0), pooled + 0.013, 'nothing lost');
  // Without operator types the fused clamp cannot be told: the rows are pooled over every partition.
  const untyped = mapRowsToLayers(rows, art.opLayers, layers, { ...graph, weights: layerFlops(net) });
  assert.equal(untyped.blocks.length, 1);
  assert.equal(untyped.blocks[0]!.row, undefined);
  assert.deepEqual(untyped.blocks[0]!.ops, [0, 1, 2, 3, 4, 5, 6, 8, 9, 10, 11]);
  close(untyped.blocks[0]!.ms, pooled, 'sum of the XNNPACK rows, times called included');
  close(untyped.perLayer.get('sum')!, 0.013, 'ADD_N');
  assert.deepEqual(untyped.unmapped, []);
});

/** A Run Order row as benchmark_model prints it (one call per run). */
function row(nodeType: string, name: string, avgMs: number, timesCalled = 1): BenchmarkRow {
  const op = /^\[(.*)\]:(\d+)$/.exec(name);
  const tensorNames = op ? op[1]!.split(', ') : [];
  return {
    nodeType, firstMs: avgMs, avgMs, pct: 0, cdfPct: 0, memKb: 0, timesCalled, name,
    kind: op ? 'op' : 'delegate-op', tensorNames, tensorName: tensorNames.at(-1) ?? null, nodeIndex: op ? Number(op[2]) : null, line: 0,
  };
}

test('deployed (fused) tiny network: each XNNPACK node times its fused group of layers', () => {
  const fused = buildTflite(net);
  assert.deepEqual(fused.opTypes, ['PAD', 'CONV_2D', 'DEPTHWISE_CONV_2D', 'CONV_2D', 'ADD_N', 'MEAN', 'RESHAPE', 'FULLY_CONNECTED', 'SOFTMAX']);
  const table = { opOutputs: fused.opOutputs, opAllOutputs: fused.opAllOutputs, opInputs: fused.opInputs, opKernelLayers: fused.opKernelLayers, opTypes: fused.opTypes, weights: layerFlops(net) };
  const rows = [
    row('Constant Pad (ND, X32)', 'Delegate/Constant Pad (ND, X32):0', 0.01),
    row('Convolution (NHWC, F32) IGEMM', 'Delegate/Convolution (NHWC, F32) IGEMM:1', 0.06),
    row('Convolution (NHWC, F32) DWConv', 'Delegate/Convolution (NHWC, F32) DWConv:2', 0.02),
    row('Convolution (NHWC, F32) GEMM', 'Delegate/Convolution (NHWC, F32) GEMM:3', 0.03),
    row('ADD_N', '[sum]:4', 0.013),
    row('Global Average Pooling (NWC, F32)', 'Delegate/Global Average Pooling (NWC, F32):0', 0.004),
    row('Copy (NC, X32)', 'Delegate/Copy (NC, X32):1', 0.001),
    row('Fully Connected (NC, F32) GEMM', 'Delegate/Fully Connected (NC, F32) GEMM:2', 0.002),
    row('SoftMax (NC, F32)', 'Delegate/SoftMax (NC, F32):3', 0.001),
  ];
  const m = mapRowsToLayers(rows, fused.opLayers, layers, table);
  assert.deepEqual(m.groups.map((g) => [g.layers, Number(g.ms.toFixed(6))]), [
    [['conv1', 'bn1', 'relu1'], 0.07],
    [['dw'], 0.02],
    [['pw'], 0.03],
    [['sum'], 0.013],
    [['pool'], 0.004],
    [['flatten'], 0.001],
    [['fc'], 0.002],
    [['prob'], 0.001],
  ]);
  assert.deepEqual([...m.shared], ['conv1', 'bn1', 'relu1']);
  assert.deepEqual([...m.perLayer.keys()], layers);
  close(m.perLayer.get('conv1')! + m.perLayer.get('bn1')! + m.perLayer.get('relu1')!, 0.07, 'the group is split, not lost');
  assert.ok(m.blocks.every((b) => b.detailed));
  // An XNNPACK that folds the PAD into the convolution prints one node for both.
  const padFused = [
    row('Convolution (NHWC, F32) IGEMM', 'Delegate/Convolution (NHWC, F32) IGEMM:0', 0.06),
    row('Convolution (NHWC, F32) DWConv', 'Delegate/Convolution (NHWC, F32) DWConv:1', 0.02),
    row('Convolution (NHWC, F32) GEMM', 'Delegate/Convolution (NHWC, F32) GEMM:2', 0.03),
    ...rows.slice(4),
  ];
  const p = mapRowsToLayers(padFused, fused.opLayers, layers, table);
  assert.deepEqual(p.groups[0]!.layers, ['conv1', 'bn1', 'relu1']);
  close(p.groups[0]!.ms, 0.06, 'PAD and conv in one node');
  assert.equal(p.opMs[0], 0);
});

test('detailed rows of the same name in two partitions: printed once, shared evenly', () => {
  const b = new NetworkBuilder('two', [4, 8, 8]);
  b.pwconv(4, { name: 'a' });
  b.resize(2, 'nearest', { name: 'up' });
  b.pwconv(4, { name: 'c' });
  const two = b.build();
  const art2 = buildTflite(two);
  const names = two.layers.map((l) => l.name);
  const rows = [
    row('TfLiteXNNPackDelegate', '[a]:3', 0.05),
    row('RESIZE_NEAREST_NEIGHBOR', '[up]:1', 0.02),
    row('TfLiteXNNPackDelegate', '[c]:4', 0.09),
  ];
  // Both convolutions are node 0 of their partition: one row, called twice per run.
  const internal = [row('Convolution (NHWC, F32) GEMM', 'Delegate/Convolution (NHWC, F32) GEMM:0', 0.06, 2)];
  const m = mapRowsToLayers(rows, art2.opLayers, names, { opOutputs: art2.opOutputs, opInputs: art2.opInputs, opTypes: art2.opTypes, delegateInternal: internal });
  assert.deepEqual(m.unmapped, []);
  assert.ok(m.blocks.every((blk) => blk.detailed));
  // Each node gets half the row, scaled to its delegate row (which holds the delegate's overhead too).
  close(m.perLayer.get('a')!, 0.05, 'a');
  close(m.perLayer.get('c')!, 0.09, 'c');
  close(m.perLayer.get('up')!, 0.02, 'up');
  assert.equal(m.shared.size, 0);
  // Rows that match no partition are left unmapped and the delegate rows split as before.
  const wrong = [row('Sigmoid (NC, F32)', 'Delegate/Sigmoid (NC, F32):3', 0.01)];
  const w = mapRowsToLayers(rows, art2.opLayers, names, { opOutputs: art2.opOutputs, opInputs: art2.opInputs, opTypes: art2.opTypes, delegateInternal: wrong });
  assert.deepEqual(w.unmapped, wrong);
  close(w.perLayer.get('c')!, 0.09, 'c from its delegate row');
});

test('a partition whose node shares an index with a later partition\'s first-printed row takes its own earlier row (DenseNet on TF 2.16 style rows)', () => {
  const b = new NetworkBuilder('three', [4, 8, 8]);
  b.pwconv(4, { name: 'a' });
  b.pwconv(4, { name: 'b' });
  b.resize(2, 'nearest', { name: 'up1' });
  b.pwconv(4, { name: 'c' });
  b.pwconv(4, { name: 'd' });
  b.resize(2, 'nearest', { name: 'up2' });
  b.pwconv(4, { name: 'e' });
  b.gap({ name: 'g' });
  b.flatten({ name: 'fl' });
  b.fc(10, { name: 'f' });
  const three = b.build();
  const a3 = buildTflite(three);
  const rows = [
    row('TfLiteXNNPackDelegate', '[b]:10', 0.1),
    row('RESIZE_NEAREST_NEIGHBOR', '[up1]:2', 0.02),
    row('TfLiteXNNPackDelegate', '[d]:11', 0.1),
    row('RESIZE_NEAREST_NEIGHBOR', '[up2]:5', 0.02),
    row('TfLiteXNNPackDelegate', '[f]:12', 0.1),
  ];
  // Rows are printed once per name, in the order first run: the second partition's node 1
  // finds the third partition's "Global Average Pooling:1" next, and must not take it.
  const internal = [
    row('Convolution (NHWC, F32) GEMM', 'Delegate/Convolution (NHWC, F32) GEMM:0', 0.03, 3),
    row('Convolution (NHWC, F32) GEMM', 'Delegate/Convolution (NHWC, F32) GEMM:1', 0.03, 2),
    row('Global Average Pooling (NWC, F32)', 'Delegate/Global Average Pooling (NWC, F32):1', 0.01),
    row('Copy (NC, X32)', 'Delegate/Copy (NC, X32):2', 0.01),
    row('Fully Connected (NC, F32) GEMM', 'Delegate/Fully Connected (NC, F32) GEMM:3', 0.01),
  ];
  const m = mapRowsToLayers(rows, a3.opLayers, three.layers.map((l) => l.name), { opOutputs: a3.opOutputs, opInputs: a3.opInputs, opTypes: a3.opTypes, delegateInternal: internal });
  assert.deepEqual(m.unmapped, []);
  assert.deepEqual(m.blocks.filter((blk) => blk.ops.length > 1).map((blk) => blk.detailed), [true, true, true]);
  close(m.perLayer.get('c')! + m.perLayer.get('d')!, 0.1, 'second partition');
  close(m.perLayer.get('g')! + m.perLayer.get('fl')! + m.perLayer.get('f')! + m.perLayer.get('e')!, 0.1, 'third partition');
});

test('rows of another model stay unmapped; operators without rows are reported', () => {
  const rows = parseBenchmarkOutput(fixture('tflite-2.10_stdout_android-arm64_tiny-cpu1t_reconstructed.txt')).rows;
  const wrongName: BenchmarkRow = { ...rows[4]!, name: '[other]:4', tensorNames: ['other'], tensorName: 'other' };
  const m = mapRowsToLayers([...rows.slice(0, 4), wrongName, ...rows.slice(5)], art.opLayers, layers, graph);
  assert.deepEqual(m.unmapped, [wrongName]);
  assert.deepEqual(m.unattributed, ['relu1']);
  assert.equal(m.perLayer.has('relu1'), false);
  const unknownDelegate: BenchmarkRow = { ...rows[0]!, nodeType: 'TfLiteXNNPackDelegate', name: '[nope]:12', tensorNames: ['nope'], tensorName: 'nope', nodeIndex: 12 };
  assert.deepEqual(mapRowsToLayers([unknownDelegate], art.opLayers, layers, graph).unmapped, [unknownDelegate]);
  assert.throws(() => mapRowsToLayers(rows, art.opLayers, ['conv1']), /not among the layer names/);
});

test('zoo: a CPU profile synthesized from an artifact maps every row back (mobilenetv2 at 64)', async () => {
  const { zooNetwork } = await import('../../app/workloads/zoo/index.js');
  const mnet = zooNetwork('mobilenetv2', { resolution: 64 });
  const names = mnet.layers.map((l) => l.name);
  for (const fuse of [false, true]) {
    const a = buildTflite(mnet, { fuse });
    const rows: BenchmarkRow[] = a.opOutputs.map((t, i) => row(a.opTypes[i]!, `[${a.opAllOutputs[i]!.join(', ')}]:${i}`, 0.01));
    const m = mapRowsToLayers(rows, a.opLayers, names, { opOutputs: a.opOutputs, opKernelLayers: a.opKernelLayers });
    assert.deepEqual(m.unmapped, []);
    assert.deepEqual(m.unattributed, []);
    assert.deepEqual([...m.perLayer.keys()], names);
    close(m.groups.reduce((s, g) => s + g.ms, 0), 0.01 * rows.length, 'every row in one group');
    if (fuse) assert.ok(m.groups.some((g) => g.layers.length === 3), 'conv + bn + relu6 groups');
    // Without opOutputs the helper names are derived from buildTflite's naming.
    assert.deepEqual(mapRowsToLayers(rows, a.opLayers, names, { opKernelLayers: a.opKernelLayers }).perLayer, m.perLayer);
  }
});
