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

const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const net = tinyNetwork();
const art = buildTflite(net);
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

test('XNNPACK detailed rows (TF 2.16 style): pooled over the operators without a row of their own', () => {
  const rows = parseBenchmarkOutput(fixture('tflite-2.16_stdout_android-arm64_tiny-xnnpack1t-detailed_reconstructed.txt')).rows;
  const m = mapRowsToLayers(rows, art.opLayers, layers, { ...graph, weights: layerFlops(net) });
  assert.equal(m.blocks.length, 1);
  assert.equal(m.blocks[0]!.row, undefined);
  assert.deepEqual(m.blocks[0]!.ops, [0, 1, 2, 3, 4, 5, 6, 8, 9, 10, 11]);
  const pooled = rows.filter((r) => r.kind === 'delegate-op').reduce((s, r) => s + rowMsPerRun(r), 0);
  close(m.blocks[0]!.ms, pooled, 'sum of the XNNPACK rows, times called included');
  close(m.perLayer.get('sum')!, 0.013, 'ADD_N');
  assert.deepEqual(m.unmapped, []);
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
  const a = buildTflite(mnet);
  const rows: BenchmarkRow[] = a.opOutputs.map((t, i) => ({
    nodeType: a.opTypes[i]!,
    firstMs: 0.01,
    avgMs: 0.01,
    pct: 0,
    cdfPct: 0,
    memKb: 0,
    timesCalled: 1,
    name: `[${t}]:${i}`,
    kind: 'op',
    tensorNames: [t],
    tensorName: t,
    nodeIndex: i,
    line: i + 1,
  }));
  const names = mnet.layers.map((l) => l.name);
  const m = mapRowsToLayers(rows, a.opLayers, names, { opOutputs: a.opOutputs });
  assert.deepEqual(m.unmapped, []);
  assert.deepEqual([...m.perLayer.keys()], names);
  // Without opOutputs the helper names are derived from buildTflite's naming.
  assert.deepEqual(mapRowsToLayers(rows, a.opLayers, names).perLayer, m.perLayer);
});
