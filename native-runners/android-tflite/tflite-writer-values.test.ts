/**
 * The TFLite writer's values: node-tflite's results against a reference computed here from the
 * weights read back out of the file (weight layouts OHWI, 1HWC, [O,I]; PAD/SAME/VALID), and the
 * deployed graph (BN folded, activations fused, new layers lowered) against the unfused one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { zooNetwork } from '../../app/workloads/zoo/index.js';
import { NetworkBuilder } from '../../app/workloads/builder.js';
import { buildTflite } from './tflite-writer.js';
import { readTflite, type TfliteModelInfo } from './tflite-reader.js';
import { readTflite as readOnPhone } from '../../test/peers/adb-phone/tflite-reader.js';
import { everyOpNetwork } from './fixtures/every-op-network.js';
import { checkStructure, numel, run } from '../../test/tflite-support.js';

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
