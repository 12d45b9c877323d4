import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../train/engine.js';
import { createIrNet, disposeIrNet, forwardIrNet } from '../train/ir-net.js';
import { zooNetwork } from '../workloads/zoo/index.js';
import { withBatchNorm } from './batch-norm.js';
import { binarizedLayers, distributionLoss, signSte, withoutRelu, xnorInputScale, xnorWeights, Z75, type ActRegTerm } from './binary.js';
import { makeQuantizer } from './lightnn.js';
import { lightnnValues } from './quantizers.js';

await initEngine('cpu');

/** Deterministic values in [-1, 1). */
function uniform(n: number, seed: number): number[] {
  let s = seed;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return (s / 2 ** 32) * 2 - 1;
  });
}

const gradOf = (f: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor, c: tf.Tensor): Float32Array =>
  tf.tidy(() => tf.grad((v: tf.Tensor) => tf.sum(tf.mul(f(v), c)))(x).dataSync() as Float32Array);

test('sign STE: +-1 forward (0 -> +1); backward the finite-difference slope of hardtanh, 1 inside [-1, 1] and 0 outside', () => {
  const xs = [...uniform(200, 3).map((v) => v * 3), -1, 1, 0, -0.999, 1.001];
  const x = tf.tensor1d(xs);
  const c = tf.tensor1d(xs.map((_, i) => 1 + (i % 7)));
  const fwd = signSte(x).dataSync();
  xs.forEach((v, i) => assert.equal(fwd[i], v >= 0 ? 1 : -1, `sign(${v})`));
  const g = gradOf(signSte, x, c);
  const h = 1e-3;
  const hardtanh = (v: number): number => Math.min(1, Math.max(-1, v));
  xs.forEach((v, i) => {
    const want = Math.abs(v) <= 1 ? 1 : 0;
    assert.equal(g[i], want * (c.dataSync()[i] as number), `d sign(${v})`);
    // Away from the kinks at +-1 the STE is hardtanh's numeric derivative.
    if (Math.abs(Math.abs(v) - 1) > 2 * h) assert.ok(Math.abs((hardtanh(v + h) - hardtanh(v - h)) / (2 * h) - want) < 1e-9, `hardtanh'(${v})`);
  });
  x.dispose();
  c.dispose();
});

test('distribution loss: each term is zero on a healthy channel, positive on its own failure, and tf.grad matches finite differences', () => {
  const n = 64;
  const base = uniform(n, 11);
  // Standardize, then give each channel its own shape: healthy (q25 = -1, q75 = 1), degenerate
  // (all positive), saturated (wide), mismatched (narrow, off 0 so that |q25| != |q75|: max's kink).
  const m = base.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(base.reduce((a, b) => a + (b - m) ** 2, 0) / n);
  const z = base.map((v) => (v - m) / sd);
  const channels = [(v: number) => v / Z75, (v: number) => 3 + 0.5 * v, (v: number) => 4 * v, (v: number) => 0.1 + 0.2 * v];
  const values = z.flatMap((v) => channels.map((f) => f(v)));
  const per = (terms: ActRegTerm[], ch: number): number => tf.tidy(() => distributionLoss(tf.tensor2d(z.map((v) => channels[ch]!(v)), [n, 1]), terms).dataSync()[0]!);
  for (const t of ['degeneration', 'saturation', 'mismatch'] as const) assert.ok(per([t], 0) < 1e-8, `${t} on the healthy channel: ${per([t], 0)}`);
  assert.ok(per(['degeneration'], 1) > 1 && per(['saturation'], 1) > 1, 'an all-positive channel is degenerate and saturated');
  assert.ok(per(['saturation'], 2) > 1 && per(['degeneration'], 2) === 0 && per(['mismatch'], 2) === 0, 'a wide channel is saturated only');
  assert.ok(per(['mismatch'], 3) > 0.5 && per(['saturation'], 3) === 0 && per(['degeneration'], 3) === 0, 'a narrow channel is mismatched only');

  const all: ActRegTerm[] = ['degeneration', 'saturation', 'mismatch'];
  // The 2-D layout (an fc input) and the 4-D one (a conv input) as channel-last statistics.
  for (const shape of [[n, 4], [4, 4, 4, 4]] as const) {
    const x = tf.tensor(values, [...shape]);
    const g = tf.tidy(() => tf.grad((v: tf.Tensor) => distributionLoss(v, all))(x).dataSync() as Float32Array);
    const f = (vals: number[]): number => tf.tidy(() => distributionLoss(tf.tensor(vals, [...shape]), all).dataSync()[0]!);
    const h = 1e-2;
    for (const i of [0, 1, 2, 3, 17, 42, 130, 255]) {
      const up = [...values];
      const down = [...values];
      up[i]! += h;
      down[i]! -= h;
      const numeric = (f(up) - f(down)) / (2 * h);
      assert.ok(Math.abs(numeric - g[i]!) <= 2e-3 + 0.03 * Math.abs(numeric), `[${shape}] d/dx${i}: tf.grad ${g[i]}, finite difference ${numeric}`);
    }
    x.dispose();
  }
});

test('the quantizers training runs: LightnnMemo.ste through makeQuantizer passes the gradient unchanged, also on a cached repeat; the BNN input hook gives hardtanh\'s', () => {
  const net = createIrNet(withBatchNorm(withoutRelu(zooNetwork('mnist-1hidden'))), 3);
  const w = net.params.get('fc2.weight')!;
  const c = tf.randomUniform(w.shape, -1, 1, 'float32', 5);
  for (const scheme of ['lightnn-1', 'lightnn-2', 'lightnn-2-bin'] as const) {
    const q = makeQuantizer(net, scheme, 0);
    const k = scheme === 'lightnn-1' ? 1 : 2;
    const want = lightnnValues(w, k).dataSync();
    // First call quantizes, the second hits the memo: both are what training differentiates.
    for (let i = 0; i < 2; i++) {
      const fwd = tf.tidy(() => q.transform!('fc2', w).dataSync());
      assert.deepEqual([...fwd], [...want], `${scheme} forward, call ${i + 1}`);
      assert.deepEqual([...gradOf((v) => q.transform!('fc2', v), w, c)], [...c.dataSync()], `${scheme} gradient, call ${i + 1}`);
    }
    q.dispose();
  }
  const q = makeQuantizer(net, 'binarynet', 0);
  const x = tf.tensor2d(uniform(40, 9).map((v) => v * 2.5), [4, 10]);
  const cx = tf.randomUniform([4, 10], -1, 1, 'float32', 6);
  const xs = x.dataSync();
  const g = gradOf((v) => q.acts!.transform('fc2', v), x, cx);
  xs.forEach((v, i) => assert.equal(g[i]! + 0, Math.abs(v) <= 1 ? cx.dataSync()[i] : 0));
  // The first layer reads the image: no sign there.
  assert.equal(q.acts!.transform('fc1', x), x);
  q.dispose();
  disposeIrNet(net);
});

test('XNOR-Net weights are alpha_f * sign(W) per output filter, with the paper\'s gradient through alpha', () => {
  const w = tf.tensor2d([0.5, -0.1, -0.3, 0.2, 0.1, -0.4], [3, 2]);
  assert.deepEqual([...xnorWeights(w).dataSync()].map((v) => +v.toFixed(6)), [0.3, -0.233333, -0.3, 0.233333, 0.3, -0.233333]);
  const c = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2]);
  // dW = c * alpha + sign(W) * sum_f(c * sign(W)) / n
  const g = gradOf(xnorWeights, w, c);
  const want = [1 * 0.3 + (1 - 3 + 5) / 3, 2 * 0.233333 + -(-2 + 4 - 6) / 3, 3 * 0.3 - (1 - 3 + 5) / 3, 4 * 0.233333 + (-2 + 4 - 6) / 3, 5 * 0.3 + (1 - 3 + 5) / 3, 6 * 0.233333 - (-2 + 4 - 6) / 3];
  want.forEach((v, i) => assert.ok(Math.abs(g[i]! - v) < 1e-5, `dW[${i}] ${g[i]} vs ${v}`));
});

test('XNOR-Net input scaling K: mean |x| over channels, boxed over the conv window (padding counts 0); mean |x| for fc', () => {
  // One image 3x3, 2 channels; |x| averaged over channels is 1..9 row-major.
  const a = [1, 2, 3, 4, 5, 6, 7, 8, 9];
  const x = tf.tensor4d(a.flatMap((v, i) => [(i % 2 ? -1 : 1) * (v - 0.5), v + 0.5]), [1, 3, 3, 2]);
  const same = [...xnorInputScale(x, { kernel: 3, stride: 1, pad: 'same' }).dataSync()];
  // Top-left window holds 1, 2, 4, 5 and five padded zeros; the centre holds all nine.
  const want = [12, 21, 16, 27, 45, 33, 24, 39, 28].map((v) => v / 9);
  same.forEach((v, i) => assert.ok(Math.abs(v - want[i]!) < 1e-5, `K[${i}] ${v} vs ${want[i]}`));
  assert.deepEqual([...xnorInputScale(x, { kernel: 3, stride: 1, pad: 'valid' }).dataSync()].map((v) => +v.toFixed(5)), [5]);
  assert.deepEqual([...xnorInputScale(tf.tensor2d([[1, -3], [0.5, 0.5]]), undefined).dataSync()], [2, 0.5]);
});

test('XNOR-Net in training: binarized layers are scaled by K in the forward pass, with a finite-difference gradient through it', () => {
  const net = createIrNet(withBatchNorm(withoutRelu(zooNetwork('mnist-2conv'))), 4);
  const xnor = makeQuantizer(net, 'xnor', 0);
  const plain = makeQuantizer(net, 'binarynet', 0);
  assert.equal(xnor.acts!.scaleInputs, true);
  assert.equal(plain.acts!.scaleInputs, false);
  // Only binarized layers are scaled: conv1 reads the image.
  const img = tf.randomUniform([2, 28, 28, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
  assert.equal(xnor.acts!.outputScale('conv1', img, { kernel: 5, stride: 1, pad: 'same' }), undefined);
  assert.ok(xnor.acts!.outputScale('fc2', tf.ones([2, 4]), undefined));
  // The whole forward pass with and without K differs, and K's gradient matches a finite difference.
  const fwd = (q: typeof xnor, x: tf.Tensor4D) => forwardIrNet(net, x, false, q.transform, q.acts!.transform, q.acts!.outputScale);
  const y1 = tf.tidy(() => fwd(xnor, img).dataSync());
  const y0 = tf.tidy(() => fwd(plain, img).dataSync());
  assert.ok([...y1].some((v, i) => Math.abs(v - y0[i]!) > 1e-3), 'K changes the logits');
  const x = tf.tensor2d(uniform(8, 5).map((v) => v * 2), [2, 4]);
  const c = tf.tensor2d([1, -2], [2, 1]);
  const k = (v: tf.Tensor) => xnorInputScale(v, undefined);
  const g = gradOf(k, x, c);
  const xs = [...x.dataSync()];
  const h = 1e-3;
  xs.forEach((_, i) => {
    const at = (d: number) => tf.tidy(() => tf.sum(tf.mul(k(tf.tensor2d(xs.map((v, j) => (j === i ? v + d : v)), [2, 4])), c)).dataSync()[0]!);
    assert.ok(Math.abs((at(h) - at(-h)) / (2 * h) - g[i]!) < 1e-2, `dK/dx[${i}]`);
  });
  xnor.dispose();
  plain.dispose();
  disposeIrNet(net);
});

test('binarized layers: all conv/fc but the ones reading the image; the ReLUs go, consumers rewired', () => {
  assert.deepEqual(binarizedLayers(zooNetwork('mnist-1hidden')), ['fc2']);
  assert.deepEqual(binarizedLayers(zooNetwork('mnist-2conv')), ['conv2', 'fc1', 'fc2']);
  const net = withoutRelu(zooNetwork('mnist-2conv'));
  assert.ok(!net.layers.some((l) => l.op === 'relu'));
  assert.deepEqual(net.layers.find((l) => l.name === 'fc2')!.inputs, ['fc1']);
});
