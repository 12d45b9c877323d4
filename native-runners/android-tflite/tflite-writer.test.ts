/**
 * Conformance of the TFLite artifacts against a real runtime (node-tflite 0.0.2, which bundles
 * libtensorflowlite_c 2.2.0): every zoo network, written by buildTflite, loads, allocates and
 * runs, with the output shape that the IR's shape inference predicts (NHWC); single-layer
 * artifacts of every op do the same; and a few layers are checked value by value against a
 * reference computed here from the weights read back out of the file, so the weight layouts
 * (OHWI, 1HWC, [O,I]) and the PAD/SAME/VALID choices are the ones TFLite expects.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { analyzeNetwork } from '../../app/workloads/analyze.js';
import { ZOO_NAMES, zooNetwork } from '../../app/workloads/zoo/index.js';
import { layerPlan } from '../../app/workloads/units.js';
import { NetworkBuilder } from '../../app/workloads/builder.js';
import type { Network } from '../../app/workloads/ir.js';
import { buildTflite, nhwcShape, tflitePadding, type TfliteArtifact } from './tflite-writer.js';
import { readTflite, type TfliteModelInfo } from './tflite-reader.js';

/**
 * node-tflite, loaded by file: the package ships index.ts and index.d.ts beside index.js, and
 * both tsx (bare name -> index.d.ts, an empty module) and tsc (index.js -> index.ts, which
 * does not compile under this project's settings) take the wrong one. So it is required as
 * a file and typed here with what the tests use.
 */
interface TfliteTensor {
  readonly dims: number[];
  copyFrom(data: ArrayBufferView): void;
  copyTo(data: ArrayBufferView): void;
}
interface TfliteInterpreter {
  readonly inputs: TfliteTensor[];
  readonly outputs: TfliteTensor[];
  allocateTensors(): void;
  invoke(): void;
}
const { Interpreter } = createRequire(import.meta.url)('node-tflite/index.js') as {
  Interpreter: new (model: ArrayBufferView, options?: { numThreads?: number }) => TfliteInterpreter;
};

/** Small inputs so the whole zoo runs in seconds; each still exercises every op it has. */
const SMALL: Record<string, number> = { vgg16: 64, alexnet: 96, nin: 64, overfeat: 135, mobilenetv2: 64, 'spnas-space': 64 };

const numel = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** Runs an artifact once in node-tflite with the given inputs (default: all 0.1). */
function run(art: TfliteArtifact, feeds?: readonly Float32Array[]): { dims: number[]; values: Float32Array }[] {
  const it = new Interpreter(art.bytes, { numThreads: 1 });
  it.allocateTensors();
  it.inputs.forEach((t, i) => {
    assert.deepEqual(t.dims, [...art.inputs[i]!.shape], `input ${art.inputs[i]!.name}`);
    t.copyFrom(feeds?.[i] ?? new Float32Array(numel(t.dims)).fill(0.1));
  });
  it.invoke();
  return it.outputs.map((t) => {
    const values = new Float32Array(numel(t.dims));
    t.copyTo(values);
    return { dims: t.dims, values };
  });
}

/** Structural checks every artifact must pass, read back from the bytes. */
function checkStructure(net: Network, art: TfliteArtifact): TfliteModelInfo {
  const m = readTflite(art.bytes);
  assert.equal(m.identifier, 'TFL3');
  assert.equal(m.version, 3);
  assert.equal(m.bufferSizes[0], 0, 'buffer 0 is the empty sentinel');
  const constants = m.tensors.filter((t) => t.buffer !== 0);
  assert.equal(new Set(constants.map((t) => t.buffer)).size, constants.length, 'one buffer per constant tensor');
  assert.equal(m.bufferSizes.length, constants.length + 1);
  for (const t of constants) {
    assert.equal(m.bufferSizes[t.buffer], numel(t.shape) * 4, `${t.name}: buffer holds the tensor`);
    assert.equal(m.bufferOffsets[t.buffer]! % 16, 0, `${t.name}: data is 16-byte aligned`);
  }
  assert.equal(m.operators.length, art.opLayers.length);
  m.operators.forEach((o, i) => {
    assert.equal(o.op, art.opTypes[i]);
    assert.equal(o.outputs.length, 1);
    assert.equal(m.tensors[o.outputs[0]!]!.name, art.opOutputs[i], `operator ${i} output name`);
  });
  // Every layer's last operator writes the tensor named after the layer, in IR order.
  const lastOp = new Map<string, number>();
  art.opLayers.forEach((l, i) => lastOp.set(l, i));
  assert.deepEqual([...lastOp.keys()], net.layers.map((l) => l.name));
  for (const [layer, i] of lastOp) assert.equal(art.opOutputs[i], layer);
  art.opOutputs.forEach((o, i) => {
    if (o !== art.opLayers[i]) assert.match(o, /\/(pad|mul|flatten)$/, `helper output ${o}`);
  });
  assert.deepEqual(m.outputs.map((i) => m.tensors[i]!.name), [...art.outputs]);
  assert.deepEqual(m.inputs.map((i) => m.tensors[i]!.name), art.inputs.map((i) => i.name));
  return m;
}

const zooTimes: string[] = [];

for (const name of ZOO_NAMES) {
  test(`${name}: TFLite runs it and its output shape equals the IR's`, () => {
    const net = zooNetwork(name, SMALL[name] ? { resolution: SMALL[name] } : {});
    const t0 = performance.now();
    const art = buildTflite(net);
    const t1 = performance.now();
    checkStructure(net, art);
    const [out] = run(art);
    const t2 = performance.now();
    zooTimes.push(`${name}: write ${(t1 - t0).toFixed(0)} ms, load+run ${(t2 - t1).toFixed(0)} ms, ${art.opLayers.length} ops, ${(art.bytes.length / 1e6).toFixed(1)} MB`);
    const a = analyzeNetwork(net);
    assert.deepEqual(out!.dims, nhwcShape(net.batch, a.outputShape));
    assert.ok(out!.values.every((v) => Number.isFinite(v)), 'no NaN or Inf from the seeded weights');
    // Every zoo network ends in a softmax: its outputs sum to 1.
    assert.ok(Math.abs(out!.values.reduce((s, v) => s + v, 0) - 1) < 1e-3);
  });
}

test('zoo timings', (t) => {
  for (const line of zooTimes) t.diagnostic(line);
});

test('every op runs alone in TFLite with the IR output shape', () => {
  const b = new NetworkBuilder('ops', [8, 16, 16]);
  b.conv(8, 3, { name: 'c' });
  b.bn({ name: 'bn' });
  const r = b.relu({ name: 'r' });
  b.dwconv(3, { name: 'dw' });
  b.relu6({ name: 'r6' });
  const pw = b.pwconv(8, { name: 'pw' });
  b.addOf([r, pw], { name: 'add' });
  b.addOf([r, pw, r], { name: 'add3' });
  const mp = b.maxpool(2, { name: 'mp' });
  const ap = b.avgpool(3, { from: r, stride: 2, pad: 1, name: 'ap' });
  b.concatOf([mp, ap], { name: 'cat' });
  b.conv(16, 3, { stride: 2, pad: 1, name: 'c_s2' });
  b.conv(16, 3, { groups: 16, name: 'c_dw' });
  b.fc(12, { name: 'fc_map' });
  b.bn({ name: 'bn_vec' });
  b.softmax({ name: 'sm_vec' });
  b.gap({ from: 'cat', name: 'gap' });
  b.flatten({ name: 'fl' });
  b.fc(10, { name: 'fc' });
  b.concatOf(['fc', 'fc'], { name: 'cat_vec' });
  b.softmax({ name: 'sm' });
  b.softmax({ from: 'c', name: 'sm_map' });
  const net = b.build();
  const plan = layerPlan('ops', net);
  assert.equal(plan.units.length, net.layers.length);
  const seen = new Set<string>();
  for (const unit of plan.units) {
    const art = buildTflite(unit.network);
    checkStructure(unit.network, art);
    art.opTypes.forEach((o) => seen.add(o));
    const outs = run(art);
    const a = analyzeNetwork(unit.network);
    assert.equal(outs.length, 1, unit.key);
    assert.deepEqual(outs[0]!.dims, nhwcShape(unit.network.batch, a.outputShape), unit.key);
    assert.ok(outs[0]!.values.every((v) => Number.isFinite(v)), unit.key);
    if (unit.network.layers[0]!.op === 'softmax') {
      const classes = outs[0]!.dims.at(-1)!;
      for (let i = 0; i < outs[0]!.values.length; i += classes) {
        const s = outs[0]!.values.subarray(i, i + classes).reduce((x, y) => x + y, 0);
        assert.ok(Math.abs(s - 1) < 1e-4, `${unit.key}: softmax sums to 1`);
      }
    }
  }
  assert.deepEqual(
    [...seen].sort(),
    ['ADD', 'ADD_N', 'AVERAGE_POOL_2D', 'CONCATENATION', 'CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED', 'MAX_POOL_2D', 'MEAN', 'MUL', 'PAD', 'RELU', 'RELU6', 'RESHAPE', 'SOFTMAX'],
  );
});

test('helper operators: PAD, BN as MUL + ADD, RESHAPE before an fc on a feature map', () => {
  const b = new NetworkBuilder('helpers', [3, 16, 16]);
  b.conv(4, 3, { stride: 2, pad: 1, name: 'down' }); // 16 -> 8: TF 'same' pads (0,1), the IR (1,1)
  b.bn({ name: 'bn' });
  b.conv(4, 3, { pad: 1, name: 'same' });
  b.maxpool(3, { stride: 1, pad: 0, name: 'valid' });
  b.fc(5, { name: 'fc' });
  const art = buildTflite(b.build());
  assert.deepEqual(art.opTypes, ['PAD', 'CONV_2D', 'MUL', 'ADD', 'CONV_2D', 'MAX_POOL_2D', 'RESHAPE', 'FULLY_CONNECTED']);
  assert.deepEqual(art.opOutputs, ['down/pad', 'down', 'bn/mul', 'bn', 'same', 'valid', 'fc/flatten', 'fc']);
  assert.deepEqual(art.opLayers, ['down', 'down', 'bn', 'bn', 'same', 'valid', 'fc', 'fc']);
  assert.deepEqual(art.opInputs[1], ['down/pad']);
  const m = readTflite(art.bytes);
  const pad = m.tensors[m.operators[0]!.outputs[0]!]!;
  assert.deepEqual(pad.shape, [1, 17, 17, 3], 'pads only what the windows read: (1,0) per axis');
});

test('tflitePadding: SAME and VALID where TFLite has them, explicit pads otherwise', () => {
  assert.equal(tflitePadding(32, 32, 3, 1, 1), 'SAME');
  assert.equal(tflitePadding(32, 32, 5, 1, 2), 'SAME');
  assert.equal(tflitePadding(33, 33, 3, 2, 1), 'SAME', 'odd input, stride 2: TF pads (1,1) like the IR');
  assert.deepEqual(tflitePadding(32, 32, 3, 2, 1), { h: [1, 0], w: [1, 0] }, 'even input, stride 2: TF pads (0,1), the IR (1,1)');
  assert.equal(tflitePadding(32, 32, 2, 2, 0), 'VALID');
  assert.equal(tflitePadding(7, 7, 3, 2, 'valid'), 'VALID');
  assert.equal(tflitePadding(7, 7, 3, 2, 'same'), 'SAME');
  assert.deepEqual(tflitePadding(96, 96, 11, 4, 2), { h: [2, 1], w: [2, 1] }, 'AlexNet conv1 at 96');
  assert.deepEqual(tflitePadding(16, 16, 3, 1, 2), { h: [2, 2], w: [2, 2] }, 'more padding than same');
});

test('the same seed writes the same bytes; another seed other weights', () => {
  const net = zooNetwork('cifar10-6conv');
  assert.deepEqual(buildTflite(net, { seed: 7 }).bytes, buildTflite(net, { seed: 7 }).bytes);
  assert.notDeepEqual(buildTflite(net, { seed: 7 }).bytes, buildTflite(net, { seed: 8 }).bytes);
});

test('a layer named like a helper tensor is refused', () => {
  const b = new NetworkBuilder('clash', [3, 8, 8]);
  b.relu({ name: 'x/mul' });
  b.bn({ name: 'x' });
  assert.throws(() => buildTflite(b.build()), { code: 'INVALID_WORKLOAD' });
});

// ---- values: TFLite's results against a reference computed here from the file's weights ----

function constant(m: TfliteModelInfo, bytes: Uint8Array, name: string): Float32Array {
  const t = m.tensors.find((x) => x.name === name);
  assert.ok(t, `tensor ${name}`);
  const off = m.bufferOffsets[t.buffer]!;
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset + off, bytes.byteOffset + off + numel(t.shape) * 4));
}

/** NHWC conv, batch 1, zero padding (top, left), filter [O,K,K,I] or depthwise [1,K,K,C]. */
function conv(x: Float32Array, [h, w, c]: number[], f: Float32Array, o: number, k: number, s: number, [pt, pl]: number[], oh: number, ow: number, depthwise: boolean): Float32Array {
  const y = new Float32Array(oh * ow * o);
  for (let i = 0; i < oh; i++)
    for (let j = 0; j < ow; j++)
      for (let oc = 0; oc < o; oc++) {
        let acc = 0;
        for (let di = 0; di < k; di++)
          for (let dj = 0; dj < k; dj++) {
            const yi = i * s + di - pt!;
            const xj = j * s + dj - pl!;
            if (yi < 0 || xj < 0 || yi >= h! || xj >= w!) continue;
            if (depthwise) acc += x[(yi * w! + xj) * c! + oc]! * f[(di * k + dj) * c! + oc]!;
            else for (let ic = 0; ic < c!; ic++) acc += x[(yi * w! + xj) * c! + ic]! * f[((oc * k + di) * k + dj) * c! + ic]!;
          }
        y[(i * ow + j) * o + oc] = acc;
      }
  return y;
}

function seeded(n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.sin(i * 12.9898) * 0.5;
  return a;
}

function assertClose(actual: Float32Array, expected: Float32Array, what: string): void {
  assert.equal(actual.length, expected.length, what);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
  assert.ok(worst < 1e-4, `${what}: max abs error ${worst}`);
}

test('values: conv with asymmetric explicit padding, depthwise, pointwise, BN, fc on a feature map', () => {
  const cases: { name: string; build: (b: NetworkBuilder) => void; check: (m: TfliteModelInfo, bytes: Uint8Array, x: Float32Array, y: Float32Array) => void }[] = [
    {
      name: 'conv k3 s2 p1 on 9x10 (PAD then VALID)',
      build: (b) => b.conv(4, 3, { stride: 2, pad: 1, bias: false, name: 'L' }),
      check: (m, bytes, x, y) => assertClose(y, conv(x, [9, 10, 3], constant(m, bytes, 'L/weights'), 4, 3, 2, [1, 1], 5, 5, false), 'conv'),
    },
    {
      name: 'conv k3 s1 p1 (SAME)',
      build: (b) => b.conv(5, 3, { bias: false, name: 'L' }),
      check: (m, bytes, x, y) => assertClose(y, conv(x, [9, 10, 3], constant(m, bytes, 'L/weights'), 5, 3, 1, [1, 1], 9, 10, false), 'conv'),
    },
    {
      name: 'dwconv k3 s2 p1 on 9x10',
      build: (b) => b.dwconv(3, { stride: 2, name: 'L' }),
      check: (m, bytes, x, y) => assertClose(y, conv(x, [9, 10, 3], constant(m, bytes, 'L/weights'), 3, 3, 2, [1, 1], 5, 5, true), 'dwconv'),
    },
    {
      name: 'pwconv',
      build: (b) => b.pwconv(6, { name: 'L' }),
      check: (m, bytes, x, y) => assertClose(y, conv(x, [9, 10, 3], constant(m, bytes, 'L/weights'), 6, 1, 1, [0, 0], 9, 10, false), 'pwconv'),
    },
    {
      name: 'bn',
      build: (b) => b.bn({ name: 'L' }),
      check: (m, bytes, x, y) => {
        const scale = constant(m, bytes, 'L/scale');
        const shift = constant(m, bytes, 'L/shift');
        assertClose(y, x.map((v, i) => v * scale[i % 3]! + shift[i % 3]!), 'bn');
      },
    },
    {
      name: 'fc on a feature map (NHWC flatten)',
      build: (b) => b.fc(7, { name: 'L' }),
      check: (m, bytes, x, y) => {
        const wgt = constant(m, bytes, 'L/weights');
        const fin = x.length;
        assertClose(y, Float32Array.from({ length: 7 }, (_, o) => x.reduce((s, v, i) => s + v * wgt[o * fin + i]!, 0)), 'fc');
      },
    },
  ];
  for (const c of cases) {
    const b = new NetworkBuilder('one', [3, 9, 10]);
    c.build(b);
    const art = buildTflite(b.build());
    const x = seeded(3 * 9 * 10);
    const [out] = run(art, [x]);
    c.check(readTflite(art.bytes), art.bytes, x, out!.values);
  }
});

test('values: gap is the spatial mean, relu6 clamps, add sums', () => {
  const b = new NetworkBuilder('misc', [3, 4, 5]);
  b.relu6({ name: 'r6' });
  b.addOf(['r6', 'input'], { name: 'sum' });
  b.gap({ name: 'gap' });
  const art = buildTflite(b.build());
  const x = seeded(60).map((v) => v * 20);
  const [out] = run(art, [x]);
  const expected = new Float32Array(3);
  for (let i = 0; i < 60; i++) expected[i % 3]! += (Math.min(Math.max(x[i]!, 0), 6) + x[i]!) / 20;
  assertClose(out!.values, expected, 'gap(relu6(x) + x)');
});
