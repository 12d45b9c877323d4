import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { registerAllGradients } from '../train/register-gradients.js';
import { pixel1LutPath } from '../../test/cli-helpers.js';
import { readLutText } from '../../profiles-db/importers/read-lut-text.js';
import { compileSpnasTable, SKIP, spnasLatency, type SpnasLatencyTable } from '../predict/spnas-lut.js';
import { SPNAS_LAYERS } from '../workloads/zoo/spnas-space.js';
import { hardIndicator } from './indicator.js';
import { layerRuntime, networkRuntime, runtimePenalty } from './latency-term.js';
import { planWorkload, spnasWorkloadName } from '../workloads/plan.js';
import { allowedChoices, choiceName, fitToBand, parseChoice, randomArchitectures, uniformArchitecture } from './architecture.js';
import { Supernet, type Settlement } from './supernet.js';
import { DEFAULT_THRESHOLD_SCALE } from './supernet-parts.js';
import { offPart, SETTLE_LIMIT_FACTOR } from './super-mbconv.js';
import { groupBatchNorm } from './group-batch-norm.js';
import { BatchNorm } from '../train/nn.js';

const pixel1 = compileSpnasTable(readLutText(readFileSync(pixel1LutPath(), 'utf8'), 'pixel1').entries);

test.before(async () => {
  await tf.setBackend('cpu');
  await registerAllGradients();
});

test('the indicator is a hard step forward and a sigmoid backward', () => {
  const m = tf.tensor1d([-2, -0.1, 0.3, 4]);
  assert.deepEqual([...hardIndicator(m).dataSync()], [0, 0, 1, 1]);
  const g = tf.grad((x: tf.Tensor) => tf.sum(hardIndicator(x, 0.5)))(m).dataSync();
  [-2, -0.1, 0.3, 4].forEach((x, i) => {
    const s = 1 / (1 + Math.exp(-x / 0.5));
    assert.ok(Math.abs(g[i]! - (s * (1 - s)) / 0.5) < 1e-5, `gradient at ${x}`);
  });
});

test('with hard decisions the runtime term is exactly the LUT entry of the chosen option', () => {
  const residual = SPNAS_LAYERS.find((l) => l.residual)!.index;
  const cases: [number, number, number, number][] = [
    // gK, gE6, gE3 -> choice
    [0, 0, 1, 0],
    [0, 1, 1, 1],
    [1, 0, 1, 2],
    [1, 1, 1, 3],
    [1, 1, 0, SKIP],
  ];
  for (const [gK, gE6, gE3, choice] of cases) {
    const ms = layerRuntime(pixel1, residual, { gK: tf.scalar(gK), gE6: tf.scalar(gE6), gE3: tf.scalar(gE3) }).dataSync()[0]!;
    assert.ok(Math.abs(ms - pixel1.cells[residual * 5 + choice]!) < 1e-4, `${choiceName(choice)}: ${ms}`);
  }
  const all = SPNAS_LAYERS.map(() => ({ gK: tf.scalar(1), gE6: tf.scalar(0), gE3: tf.scalar(1) }));
  assert.ok(Math.abs(networkRuntime(pixel1, all).dataSync()[0]! - spnasLatency(pixel1, uniformArchitecture(2))) < 1e-3);
});

test('the runtime penalty is zero inside the band and grows on both sides', () => {
  const p = (ms: number): number => runtimePenalty(tf.scalar(ms), 80, 2).dataSync()[0]!;
  assert.equal(p(78), 0);
  assert.equal(p(80), 0);
  assert.ok(Math.abs(p(88) - 0.2) < 1e-6);
  assert.ok(Math.abs(p(72) - 2 * (0.95 - 0.9)) < 1e-6);
});

test('fitToBand lands in [0.95, 1] x target and follows the preferences it is given', () => {
  const big = uniformArchitecture(3);
  // Every layer prefers 5x5 kernels: going down, the expansions must go first.
  const prefers5 = (_l: number, c: number): number => (c === 2 || c === 3 ? 10 : 0) + (c === SKIP ? -5 : 0);
  const a = fitToBand(pixel1, big, 76, 80, prefers5);
  const ms = spnasLatency(pixel1, a);
  assert.ok(ms >= 76 && ms <= 80, `${ms} ms`);
  assert.ok(a.filter((c) => c === 2 || c === 3).length >= 18, `kernels kept: ${a.map(choiceName).join(',')}`);
  // Going up from the fastest network of the space.
  const fastest = SPNAS_LAYERS.map((l) => (l.residual ? SKIP : 0));
  const up = fitToBand(pixel1, fastest, 95, 100, () => 0);
  const upMs = spnasLatency(pixel1, up);
  assert.ok(upMs >= 95 && upMs <= 100, `${upMs} ms`);
  // Already in the band: unchanged.
  assert.deepEqual(fitToBand(pixel1, a, 76, 80, () => 0), a);
  assert.throws(() => fitToBand(pixel1, big, 10, 20, () => 0), /no architecture of the space is as fast as 20/);
});

test('random baselines meet the band and respect what each layer allows', () => {
  const archs = randomArchitectures(pixel1, 5, 76, 80, 7);
  assert.equal(archs.length, 5);
  for (const a of archs) {
    const ms = spnasLatency(pixel1, a);
    assert.ok(ms >= 76 && ms <= 80);
    a.forEach((c, l) => assert.ok(allowedChoices(l).includes(c)));
  }
  assert.notDeepEqual(archs[0], archs[1]);
  assert.throws(() => randomArchitectures(pixel1, 1, 10, 11, 1), /no random architecture/);
  assert.equal(parseChoice('k5e3'), 2);
  assert.throws(() => parseChoice('k7e3'), /not a spnas-space choice/);
});

test('a found architecture is a workload that profile and predict take', () => {
  const choices = SPNAS_LAYERS.map((l) => (l.residual ? 'skip' : 'k5e3'));
  const plan = planWorkload(spnasWorkloadName(choices), { resolution: 64 });
  const blocks = new Set(plan.units.flatMap((u) => u.layers).map((n) => n.split('/')[0]));
  assert.ok([...blocks].some((b) => b?.startsWith('L1-k5e3')), [...blocks].slice(0, 5).join(' '));
  assert.ok(![...blocks].some((b) => b?.startsWith('L2-')), 'a skipped layer has no block');
  assert.throws(() => planWorkload('spnas:k7e3'), /'k7e3' is not a spnas-space choice/);
  assert.throws(() => planWorkload(spnasWorkloadName(['skip', ...choices.slice(1)])), /layer 0 .* cannot be skipped/);
});

/** A synthetic device: every layer costs `costs[choice]` ms, nothing fixed. */
function flatTable(costs: readonly [number, number, number, number, number]): SpnasLatencyTable {
  const cells = new Float64Array(SPNAS_LAYERS.length * (SKIP + 1));
  SPNAS_LAYERS.forEach((l) => costs.forEach((c, i) => (cells[l.index * (SKIP + 1) + i] = i === SKIP && !l.residual ? NaN : c)));
  return { cells, fixed_ms: 0, resolution: 224 };
}

test('decisions held inside the band settle; a settled net computes what the live one did, with no gradient to its thresholds', () => {
  const shape = { input: [8, 8, 1] as const, classes: 10, width: 0.125, seed: 2, settlePatience: 3 };
  const x = tf.randomUniform([2, 8, 8, 1], 0, 1, 'float32', 4) as tf.Tensor4D;
  // Every layer costs 1 ms whatever it chooses: 22 ms is inside the band of a 22.5 ms target.
  const net = new Supernet(shape, flatTable([1, 1, 1, 1, 1]), 22.5);
  // Rings half a unit under their thresholds (margin 1 - 1.5): off, but still searched (a masked 5x5).
  net.layers.forEach((l) => l.tK.assign(tf.add(l.tK, 1.5 / DEFAULT_THRESHOLD_SCALE)));
  const live = net.forward(x, false);
  assert.deepEqual(net.state().architecture.map(choiceName), SPNAS_LAYERS.map(() => 'k3e6'));
  net.afterStep();
  net.afterStep();
  assert.equal(net.settledCount().settled, 0, 'not before the patience has passed');
  net.afterStep();
  const { settled, parts } = net.settledCount();
  assert.equal(settled, parts);
  assert.ok(net.layers.every((l) => l.status.k === 'off' && l.status.e6 === 'on' && (!l.residual || l.status.e3 === 'on')));
  assert.deepEqual(net.state().architecture.map(choiceName), SPNAS_LAYERS.map(() => 'k3e6'));
  // Settled off, the ring is a true 3x3 kernel: the same outputs as the masked 5x5.
  const after = net.forward(x, false);
  assert.ok(tf.max(tf.abs(tf.sub(live, after))).dataSync()[0]! < 1e-4);
  const thresholds = net.layers.flatMap((l) => [l.tK, l.tE6, ...(l.tE3 ? [l.tE3] : [])]);
  const { grads } = tf.variableGrads(() => tf.add(tf.sum(net.forward(x, true)), net.extraLoss()) as tf.Scalar, [...thresholds, net.layers[0]!.a.dwW]);
  assert.ok(grads[net.layers[0]!.a.dwW.name], 'the weights still learn');
  assert.ok(thresholds.every((t) => !grads[t.name] || tf.max(tf.abs(grads[t.name]!)).dataSync()[0] === 0), 'settled thresholds get no gradient');

  // The settling travels with a checkpoint.
  const copy = new Supernet(shape, flatTable([1, 1, 1, 1, 1]), 22.5);
  copy.restoreSettlement(JSON.parse(JSON.stringify(net.settlement())) as Settlement);
  assert.deepEqual(copy.settledCount(), { settled, parts });
  assert.throws(() => copy.restoreSettlement({ status: [], stable: [], last: [] }), /settling does not match/);
  copy.dispose();

  // Outside the band nothing settles, however long a decision holds.
  const over = new Supernet(shape, flatTable([1, 1, 1, 1, 1]), 15);
  for (let i = 0; i < 5; i++) over.afterStep();
  assert.equal(over.settledCount().settled, 0);
  assert.ok(over.lambda > 1, 'the runtime weight grows outside the band');
  over.dispose();
  net.dispose();
});

test('a part that is off runs off the tape: the same value and gradients as gate * f() at gate 0', () => {
  const x = tf.randomNormal([2, 6, 6, 3], 0, 1, 'float32', 1);
  const w = tf.randomNormal([5, 5, 3, 1], 0, 1, 'float32', 2);
  const weights = tf.randomNormal([2, 6, 6, 3], 0, 1, 'float32', 3);
  const f = (a: tf.Tensor, b: tf.Tensor): tf.Tensor => tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same');
  const loss = (part: (a: tf.Tensor, b: tf.Tensor, g: tf.Tensor) => tf.Tensor) => (a: tf.Tensor, b: tf.Tensor, m: tf.Tensor): tf.Tensor => tf.sum(tf.mul(part(a, b, hardIndicator(m)), weights));
  const margin = tf.scalar(-0.3);
  const [dx, dw, want] = tf.grads(loss((a, b, g) => tf.mul(f(a, b), g)))([x, w, margin]);
  // At gate 0 the input and the weights get nothing (offPart leaves them off the tape)...
  assert.equal(tf.max(tf.abs(dx!)).dataSync()[0], 0);
  assert.equal(tf.max(tf.abs(dw!)).dataSync()[0], 0);
  // ...and the gate's gradient is the same.
  const got = tf.grad((m: tf.Tensor) => loss((a, b, g) => offPart(() => f(a, b), g))(x, w, m))(margin);
  assert.ok(Math.abs(want!.dataSync()[0]! - got.dataSync()[0]!) < 1e-4 * Math.abs(want!.dataSync()[0]!), `${want!.dataSync()[0]} vs ${got.dataSync()[0]}`);
  assert.ok(Math.abs(got.dataSync()[0]!) > 0, 'the gate learns');
  assert.equal(tf.max(tf.abs(offPart(() => f(x, w), hardIndicator(margin)))).dataSync()[0], 0);
});

function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!;
}

test('batch norm over side-by-side groups is each group\'s batch norm, running statistics included', () => {
  const pair = (): BatchNorm[] => [new BatchNorm(3), new BatchNorm(5)];
  const [grouped, apart] = [pair(), pair()];
  for (const norms of [grouped, apart]) {
    norms.forEach((n, i) => {
      n.gamma.assign(tf.randomUniform([n.channels], 0.5, 1.5, 'float32', 10 + i));
      n.beta.assign(tf.randomNormal([n.channels], 0, 1, 'float32', 20 + i));
    });
  }
  const x1 = tf.randomNormal([2, 4, 4, 3], 1, 2, 'float32', 5);
  const x2 = tf.randomNormal([2, 4, 4, 5], -1, 0.5, 'float32', 6);
  const w = tf.randomNormal([2, 4, 4, 8], 0, 1, 'float32', 7);
  const vars = (norms: BatchNorm[]): tf.Variable[] => norms.flatMap((n) => n.variables);
  const one = tf.variableGrads(() => tf.sum(tf.mul(groupBatchNorm(grouped, tf.concat([x1, x2], 3), true), w)) as tf.Scalar, vars(grouped));
  const two = tf.variableGrads(() => tf.sum(tf.mul(tf.concat([apart[0]!.apply(x1, true), apart[1]!.apply(x2, true)], 3), w)) as tf.Scalar, vars(apart));
  assert.ok(Math.abs(one.value.dataSync()[0]! - two.value.dataSync()[0]!) < 1e-3);
  vars(grouped).forEach((v, i) => assert.ok(maxDiff(one.grads[v.name]!, two.grads[vars(apart)[i]!.name]!) < 1e-4, `gradient of parameter ${i}`));
  grouped.forEach((n, i) => {
    assert.ok(maxDiff(n.runningMean, apart[i]!.runningMean) < 1e-5 && maxDiff(n.runningVar, apart[i]!.runningVar) < 1e-5, `running statistics of group ${i}`);
    assert.ok(maxDiff(n.runningMean, tf.zeros([n.channels])) > 1e-3, 'the running mean moved');
  });
  const inference = groupBatchNorm(grouped, tf.concat([x1, x2], 3), false);
  assert.ok(maxDiff(inference, tf.concat([apart[0]!.apply(x1, false), apart[1]!.apply(x2, false)], 3)) < 1e-5);
});

test('a layer using both expansion groups computes them as one path: the sum of the groups\' paths, and the live gate\'s gradient', () => {
  const shape = { input: [8, 8, 1] as const, classes: 10, width: 0.125, seed: 3 };
  const net = new Supernet(shape, flatTable([1, 1, 1, 1, 1]), 22.5);
  const layer = net.layers[2]!;
  assert.ok(layer.residual);
  const cin = layer.a.expandW.shape[2]!;
  const x = tf.randomNormal([2, 6, 6, cin], 0, 1, 'float32', 8) as tf.Tensor4D;
  const w = tf.randomNormal([2, 6, 6, cin], 0, 1, 'float32', 9);
  const v = layer.valuesAt(layer.valueTensors().map((t) => t.dataSync()[0]!), 0);
  assert.ok(v.kAB > 0 && v.e6 > 0 && v.e3 > 0, 'every part starts on');
  // The reference: each group's path on its own (batch norm in inference, so no running statistics move).
  const groupPath = (g: typeof layer.a): tf.Tensor4D => {
    let h = tf.relu(g.expandBn.apply(tf.conv2d(x, g.expandW as tf.Tensor4D, 1, 'same'), false)) as tf.Tensor4D;
    h = tf.relu(g.dwBn.apply(tf.depthwiseConv2d(h, g.dwW as tf.Tensor4D, layer.stride, 'same'), false)) as tf.Tensor4D;
    return tf.conv2d(h, g.projectW as tf.Tensor4D, 1, 'same');
  };
  const reference = (gate: tf.Tensor): tf.Tensor => tf.add(x, layer.projectBn.apply(tf.add(groupPath(layer.a), tf.mul(groupPath(layer.b), gate)), false));
  const loss = (y: tf.Tensor): tf.Scalar => tf.sum(tf.mul(y, w)) as tf.Scalar;
  // Live and on: the gate's gradient (into the threshold, through the sigmoid) as for A + g * B.
  const live = tf.variableGrads(() => loss(layer.apply(x, false, v).y), [layer.tE6]);
  assert.ok(maxDiff(layer.apply(x, false, v).y, reference(tf.scalar(1))) < 1e-4);
  const dGate = tf.grad((g: tf.Tensor) => loss(reference(g)))(tf.scalar(1)).dataSync()[0]!;
  const s = 1 / (1 + Math.exp(-v.e6));
  const want = dGate * s * (1 - s) * -DEFAULT_THRESHOLD_SCALE;
  const got = live.grads[layer.tE6.name]!.dataSync()[0]!;
  assert.ok(Math.abs(got - want) < 1e-3 * Math.abs(want) && want !== 0, `${got} vs ${want}`);
  // Settled on: the same output, no indicator.
  layer.status.k = 'on';
  layer.status.e6 = 'on';
  layer.status.e3 = 'on';
  assert.ok(maxDiff(layer.apply(x, false, v).y, reference(tf.scalar(1))) < 1e-4);
  net.dispose();
});

test('a part that keeps flipping inside the band settles after the patience times SETTLE_LIMIT_FACTOR in-band steps', () => {
  const patience = 3;
  const net = new Supernet({ input: [8, 8, 1] as const, classes: 10, width: 0.125, seed: 2, settlePatience: patience }, flatTable([1, 1, 1, 1, 1]), 22.5);
  const ring = net.layers[0]!;
  const start = ring.tK.dataSync()[0]!;
  // Every architecture costs 22 ms, inside the band; layer 0's ring flips at every step.
  const limit = SETTLE_LIMIT_FACTOR * patience;
  for (let step = 1; step <= limit; step++) {
    ring.tK.assign(tf.scalar(start + (step % 2 === 1 ? 2 : 0) / DEFAULT_THRESHOLD_SCALE));
    net.afterStep();
    if (step < limit) assert.equal(ring.status.k, 'live', `step ${step}`);
  }
  // The last step (even) left the ring on: it settles there.
  assert.equal(ring.status.k, 'on');
  assert.ok(net.layers.slice(1).every((l) => l.status.k === 'on'), 'the parts that held settled after the patience');
  // The count travels with a checkpoint; an older checkpoint without it restores too.
  const copy = new Supernet({ input: [8, 8, 1] as const, classes: 10, width: 0.125, seed: 2, settlePatience: patience }, flatTable([1, 1, 1, 1, 1]), 22.5);
  const saved = net.settlement();
  copy.restoreSettlement({ status: saved.status, stable: saved.stable, last: saved.last });
  assert.deepEqual(copy.settlement().inBand, SPNAS_LAYERS.map(() => [0, 0, 0]));
  copy.restoreSettlement(JSON.parse(JSON.stringify(saved)) as Settlement);
  assert.deepEqual(copy.settlement().inBand, saved.inBand);
  copy.dispose();
  net.dispose();
});
