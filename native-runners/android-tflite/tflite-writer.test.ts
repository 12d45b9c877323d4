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
import { buildTflite, type TfliteArtifact } from './tflite-writer.js';
import { HELPER_SUFFIXES, nhwcShape, tflitePadding } from './tflite-emit.js';
import { readTflite, type TfliteModelInfo } from './tflite-reader.js';
import { readTflite as readOnPhone } from '../../test/peers/adb-phone/tflite-reader.js';
import { everyOpNetwork } from './fixtures/every-op-network.js';

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
  const layerNames = new Set(net.layers.map((l) => l.name));
  m.operators.forEach((o, i) => {
    assert.equal(o.op, art.opTypes[i]);
    const outs = o.outputs.map((t) => m.tensors[t]!.name);
    assert.deepEqual(outs, art.opAllOutputs[i], `operator ${i} outputs`);
    assert.equal(outs.at(-1), art.opOutputs[i], `operator ${i} output name`);
    const kernel = art.opKernelLayers[i]!;
    if (layerNames.has(outs.at(-1)!)) {
      // An operator that ends a group writes the tensor named after the group's last layer
      // (a SPLIT one per slice, in channel order).
      assert.equal(art.opLayers[i], outs.at(-1));
      if (o.op === 'SPLIT') assert.deepEqual([...outs].sort(), [...kernel].sort());
      else assert.equal(kernel.at(-1), outs.at(-1));
    } else {
      assert.match(outs[0]!, new RegExp(`^${art.opLayers[i]}/(${HELPER_SUFFIXES.join('|')})$`), `helper output ${outs[0]}`);
      assert.deepEqual(kernel, [art.opLayers[i]]);
    }
  });
  // Every IR layer is implemented by some operator, once.
  const groups = art.opKernelLayers.filter((k, i) => layerNames.has(art.opOutputs[i]!) && k.length > 0);
  assert.deepEqual(groups.flat().sort(), [...layerNames].sort());
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
  b.act('sigmoid', { from: 'c', name: 'sig' });
  b.act('hardswish', { from: 'c', name: 'hsw' });
  b.act('hardsigmoid', { from: 'c', name: 'hsig' });
  b.act('swish', { from: 'c', name: 'sw' });
  const pool = b.gap({ from: 'c', name: 'se_pool' });
  b.mulOf(['c', pool], { name: 'se' });
  b.mulOf(['c', 'r'], { name: 'mul' });
  b.slice(2, 6, { from: 'c', name: 'sl' });
  b.shuffle(4, { from: 'c', name: 'shuf' });
  b.resize(2, 'nearest', { from: 'c', name: 'up' });
  b.resize(3, 'linear', { from: 'c', name: 'up_lin' });
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
    [
      'ADD', 'ADD_N', 'AVERAGE_POOL_2D', 'CONCATENATION', 'CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED', 'HARD_SWISH', 'LOGISTIC', 'MAX_POOL_2D', 'MEAN', 'MUL', 'PAD',
      'RELU', 'RELU6', 'RESHAPE', 'RESIZE_BILINEAR', 'RESIZE_NEAREST_NEIGHBOR', 'SOFTMAX', 'STRIDED_SLICE', 'TRANSPOSE',
    ],
  );
});

test('helper operators: PAD, BN as MUL + ADD, RESHAPE before an fc on a feature map', () => {
  const b = new NetworkBuilder('helpers', [3, 16, 16]);
  b.conv(4, 3, { stride: 2, pad: 1, name: 'down' }); // 16 -> 8: TF 'same' pads (0,1), the IR (1,1)
  b.bn({ name: 'bn' });
  b.conv(4, 3, { pad: 1, name: 'same' });
  b.maxpool(3, { stride: 1, pad: 0, name: 'valid' });
  b.fc(5, { name: 'fc' });
  const art = buildTflite(b.build(), { fuse: false });
  assert.deepEqual(art.opTypes, ['PAD', 'CONV_2D', 'MUL', 'ADD', 'CONV_2D', 'MAX_POOL_2D', 'RESHAPE', 'FULLY_CONNECTED']);
  assert.deepEqual(art.opOutputs, ['down/pad', 'down', 'bn/mul', 'bn', 'same', 'valid', 'fc/flatten', 'fc']);
  assert.deepEqual(art.opLayers, ['down', 'down', 'bn', 'bn', 'same', 'valid', 'fc', 'fc']);
  assert.deepEqual(art.opKernelLayers, art.opLayers.map((l) => [l]));
  assert.deepEqual(art.opInputs[1], ['down/pad']);
  const m = readTflite(art.bytes);
  const pad = m.tensors[m.operators[0]!.outputs[0]!]!;
  assert.deepEqual(pad.shape, [1, 17, 17, 3], 'pads only what the windows read: (1,0) per axis');
  // Deployed (the default): BN folded into the conv before it, which now writes `bn`.
  const fused = buildTflite(b.build());
  assert.deepEqual(fused.opTypes, ['PAD', 'CONV_2D', 'CONV_2D', 'MAX_POOL_2D', 'RESHAPE', 'FULLY_CONNECTED']);
  assert.deepEqual(fused.opOutputs, ['down/pad', 'bn', 'same', 'valid', 'fc/flatten', 'fc']);
  assert.deepEqual(fused.opLayers, ['down', 'bn', 'same', 'valid', 'fc', 'fc']);
  assert.deepEqual(fused.opKernelLayers, [['down'], ['down', 'bn'], ['same'], ['valid'], ['fc'], ['fc']]);
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

// ---- the deployed graph: folded, fused and lowered as TFLite's converter writes it ----

test('deployed graph, read back by the emulated phone: BN folded, RELU fused, new layers lowered with their shapes', () => {
  const art = buildTflite(everyOpNetwork());
  checkStructure(everyOpNetwork(), art);
  const m = readOnPhone(Buffer.from(art.bytes));
  assert.deepEqual(m.operators.map((o) => o.name), [
    'PAD', 'CONV_2D', 'DEPTHWISE_CONV_2D', 'HARD_SWISH', 'MEAN', 'CONV_2D', 'CONV_2D', 'ADD', 'MUL', 'MUL', 'LOGISTIC', 'MUL',
    'SPLIT', 'CONV_2D', 'LOGISTIC', 'CONCATENATION', 'RESHAPE', 'TRANSPOSE', 'RESHAPE', 'STRIDED_SLICE',
    'RESIZE_NEAREST_NEIGHBOR', 'RESIZE_BILINEAR', 'MAX_POOL_2D', 'ADD', 'MEAN', 'RESHAPE', 'FULLY_CONNECTED',
  ]);
  const byOut = (name: string): (typeof m.operators)[number] => m.operators.find((o) => o.outputs.some((t) => m.tensors[t]!.name === name))!;
  const shape = (name: string): number[] => m.tensors.find((t) => t.name === name)!.shape;
  assert.equal(byOut('r1').options.activation, 'RELU6', 'conv + bn + relu6: one CONV_2D');
  assert.equal(byOut('bn2').options.activation, 'NONE', 'depthwise + bn: hardswish is not fused');
  assert.equal(byOut('se_relu').options.activation, 'RELU');
  assert.equal(byOut('se_gate/add').options.activation, 'RELU6', 'hardsigmoid: ADD 3 with RELU6, then MUL 1/6');
  assert.equal(byOut('mp_relu').options.activation, 'RELU', 'pool + relu');
  assert.equal(byOut('sum_relu').options.activation, 'RELU', 'add + relu');
  assert.equal(byOut('fc_relu').options.activation, 'RELU', 'fc + bn + relu');
  for (const gone of ['c1', 'bn1', 'dw', 'se_fc1', 'mp', 'sum', 'fc', 'fc_bn', 'bn1/scale', 'bn1/shift', 'bn2/scale', 'fc_bn/shift']) {
    assert.ok(!m.tensors.some((t) => t.name === gone), `${gone} is folded or fused away`);
  }
  assert.deepEqual(art.opKernelLayers[1], ['c1', 'bn1', 'r1']);
  assert.deepEqual(art.opKernelLayers.at(-1), ['fc', 'fc_bn', 'fc_relu']);
  const split = byOut('left');
  assert.deepEqual(split.outputs.map((t) => m.tensors[t]!.name), ['left', 'right']);
  assert.equal(split.options.numSplits, 2);
  assert.deepEqual(m.tensors[split.inputs[0]!]!.ints, [3], 'SPLIT reads its axis first: channels');
  assert.deepEqual(shape('left'), [1, 4, 4, 8]);
  assert.deepEqual(art.opKernelLayers[m.operators.indexOf(split)], ['left', 'right']);
  assert.equal(art.opOutputs[m.operators.indexOf(split)], 'right', 'a SPLIT row is named after its slices, the last last');
  const se = byOut('se');
  assert.deepEqual(se.inputs.map((t) => m.tensors[t]!.shape), [[1, 4, 4, 16], [1, 1, 1, 16]], 'broadcast MUL');
  assert.deepEqual(shape('shuf/reshape'), [1, 16, 2, 8]);
  assert.deepEqual(shape('shuf/transpose'), [1, 16, 8, 2]);
  assert.deepEqual(shape('shuf'), [1, 4, 4, 16]);
  assert.deepEqual(shape('mid'), [1, 4, 4, 4]);
  assert.deepEqual(shape('up'), [1, 8, 8, 4]);
  const bilinear = byOut('up_lin');
  assert.deepEqual(shape('up_lin'), [1, 8, 8, 16]);
  assert.equal(bilinear.options.halfPixelCenters, true);
  assert.equal(bilinear.version, 3, 'half_pixel_centers needs RESIZE_BILINEAR version 3');
  assert.deepEqual(shape('fc_relu'), [1, 10]);
});

test('fused and unfused artifacts compute the same function (BN folding, fused activations, SPLIT)', () => {
  const nets = [everyOpNetwork(), zooNetwork('mobilenetv2', { resolution: 64 }), zooNetwork('resnet56')];
  for (const net of nets) {
    const fused = buildTflite(net, { seed: 3 });
    const plain = buildTflite(net, { seed: 3, fuse: false });
    checkStructure(net, plain);
    assert.ok(fused.opTypes.length < plain.opTypes.length, `${net.name}: fewer operators`);
    const feeds = fused.inputs.map((i) => seeded(numel(i.shape)));
    const a = run(fused, feeds);
    const b = run(plain, feeds);
    assert.equal(a.length, b.length);
    a.forEach((o, i) => {
      const scale = Math.max(1, ...b[i]!.values.map(Math.abs));
      let worst = 0;
      o.values.forEach((v, k) => (worst = Math.max(worst, Math.abs(v - b[i]!.values[k]!))));
      assert.ok(worst / scale < 1e-4, `${net.name} output ${i}: max difference ${worst} (scale ${scale})`);
    });
  }
});

test('trained values: a folded BN uses the given scale and shift', () => {
  const b = new NetworkBuilder('trained', [3, 6, 6]);
  b.conv(4, 3, { name: 'c' });
  b.bn({ name: 'n' });
  const net = b.build();
  const values = new Map<string, Float32Array>([
    ['c/weights', seeded(4 * 3 * 3 * 3)],
    ['c/bias', Float32Array.from([0.1, -0.2, 0.3, 0])],
    ['n/scale', Float32Array.from([2, 0.5, -1, 1])],
    ['n/shift', Float32Array.from([0, 1, 0, -1])],
  ]);
  const x = seeded(3 * 36);
  const [fused] = run(buildTflite(net, { values }), [x]);
  const [plain] = run(buildTflite(net, { values, fuse: false }), [x]);
  assertClose(fused!.values, plain!.values, 'folded == conv then MUL + ADD');
});

/** One layer on a [C,H,W] input, run in TFLite; returns input and output (NHWC). */
function runOne(c: number, h: number, w: number, build: (b: NetworkBuilder) => void, extra?: Record<string, number[]>): { x: Float32Array; y: Float32Array[]; feeds: Float32Array[] } {
  const b = new NetworkBuilder('one', [c, h, w]);
  build(b);
  const net = { ...b.build(), ...(extra ? { extraInputs: extra } : {}) };
  const art = buildTflite(net);
  const feeds = art.inputs.map((i, k) => seeded(numel(i.shape)).map((v, j) => v * 6 + k - ((j * 7) % 5) * 0.3));
  return { x: feeds[0]!, y: run(art, feeds).map((o) => o.values), feeds };
}

test('values: sigmoid, hardswish, hardsigmoid, swish', () => {
  const relu6 = (v: number): number => Math.min(Math.max(v, 0), 6);
  const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));
  const cases: [ 'sigmoid' | 'hardswish' | 'hardsigmoid' | 'swish', (v: number) => number][] = [
    ['sigmoid', sigmoid],
    ['hardswish', (v) => (v * relu6(v + 3)) / 6],
    ['hardsigmoid', (v) => relu6(v + 3) / 6],
    ['swish', (v) => v * sigmoid(v)],
  ];
  for (const [op, f] of cases) {
    const { x, y } = runOne(4, 3, 5, (b) => b.act(op, { name: 'a' }));
    assertClose(y[0]!, x.map(f), op);
  }
});

test('values: broadcast mul, slices, SPLIT, channel shuffle', () => {
  const { y: muls, feeds } = runOne(4, 3, 5, (b) => b.mulOf(['input', 'gate'], { name: 'm' }), { gate: [4, 1, 1] });
  assertClose(muls[0]!, feeds[0]!.map((v, i) => v * feeds[1]![i % 4]!), 'x * gate[c]');
  const sl = runOne(6, 3, 5, (b) => b.slice(1, 4, { name: 's' }));
  assertClose(sl.y[0]!, Float32Array.from({ length: 15 * 3 }, (_, i) => sl.x[Math.floor(i / 3) * 6 + 1 + (i % 3)]!), 'channels [1,4)');
  const sp = runOne(6, 3, 5, (b) => {
    b.slice(3, 6, { name: 'hi', from: 'input' });
    b.slice(0, 3, { name: 'lo', from: 'input' });
  });
  const half = (lo: number): Float32Array => Float32Array.from({ length: 45 }, (_, i) => sp.x[Math.floor(i / 3) * 6 + lo + (i % 3)]!);
  assertClose(sp.y[0]!, half(3), 'SPLIT: hi');
  assertClose(sp.y[1]!, half(0), 'SPLIT: lo');
  const sh = runOne(6, 3, 5, (b) => b.shuffle(3, { name: 'sh' }));
  // Channel gi * 2 + j moves to j * 3 + gi.
  const expected = new Float32Array(90);
  for (let p = 0; p < 15; p++) for (let gi = 0; gi < 3; gi++) for (let j = 0; j < 2; j++) expected[p * 6 + j * 3 + gi] = sh.x[p * 6 + gi * 2 + j]!;
  assertClose(sh.y[0]!, expected, 'shuffle');
});

test('values: resize nearest and bilinear (half-pixel centers)', () => {
  const [c, h, w, s] = [2, 3, 4, 2];
  const at = (x: Float32Array, yy: number, xx: number, ch: number): number => x[(yy * w + xx) * c + ch]!;
  const nn = runOne(c, h, w, (b) => b.resize(s, 'nearest', { name: 'r' }));
  const lin = runOne(c, h, w, (b) => b.resize(s, 'linear', { name: 'r' }));
  const e1 = new Float32Array(c * h * w * s * s);
  const e2 = new Float32Array(e1.length);
  for (let y = 0; y < h * s; y++)
    for (let x = 0; x < w * s; x++)
      for (let ch = 0; ch < c; ch++) {
        const i = (y * w * s + x) * c + ch;
        e1[i] = at(nn.x, Math.floor(y / s), Math.floor(x / s), ch);
        const sy = Math.max(0, (y + 0.5) / s - 0.5);
        const sx = Math.max(0, (x + 0.5) / s - 0.5);
        const [y0, x0] = [Math.floor(sy), Math.floor(sx)];
        const [y1, x1] = [Math.min(y0 + 1, h - 1), Math.min(x0 + 1, w - 1)];
        const [fy, fx] = [sy - y0, sx - x0];
        const v = (yy: number, xx: number): number => at(lin.x, yy, xx, ch);
        e2[i] = (v(y0, x0) * (1 - fx) + v(y0, x1) * fx) * (1 - fy) + (v(y1, x0) * (1 - fx) + v(y1, x1) * fx) * fy;
      }
  assertClose(nn.y[0]!, e1, 'nearest');
  assertClose(lin.y[0]!, e2, 'bilinear');
});
