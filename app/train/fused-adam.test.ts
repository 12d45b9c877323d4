import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Tensor2D, Tensor4D, Variable } from '@tensorflow/tfjs-core';
import { initEngine } from './engine.js';
import { FusedAdam } from './fused-adam.js';
import { wasmSimdSupported } from './fused-adam-wasm.js';
import { makeOptimizer, train } from './trainer.js';
import type { Dataset, TrainableModel } from './types.js';

/** tfjs's own Adam with the trainer's rate setter: the reference. */
class ReferenceAdam extends tf.AdamOptimizer {
  setLearningRate(lr: number): void {
    this.learningRate = lr;
  }
}

/** A list of named gradients, as the trainer passes them (tfjs does not export the type). */
type NamedTensor = Extract<Parameters<tf.AdamOptimizer['applyGradients']>[0], readonly unknown[]>[number];

/** Deterministic values of mixed scale and sign (an LCG), so both optimizers see the same. */
function values(n: number, seed: number, scale: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, (_, i) => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return (s / 2 ** 32 - 0.5) * scale * 2 ** -(i % 9);
  });
}

// Sizes that leave a scalar tail after the f32x4 loop (15, 7, 1) and one that does not (64).
const SHAPES: readonly number[][] = [[3, 5], [7], [], [8, 8]];

function makeVars(prefix: string): Variable[] {
  return SHAPES.map((shape, i) => tf.variable(tf.tensor(values(tf.util.sizeFromShape(shape), 11 + i, 0.2), shape), true, `${prefix}/v${i}`));
}

/** The gradients of step `step` (the same for both sides); `skip` names an index that gets none this step. */
function gradients(vars: readonly Variable[], step: number, skip?: number): NamedTensor[] {
  return vars.map((v, i) => ({ name: v.name, tensor: (i === skip ? undefined : tf.tensor(values(v.size, 100 * step + i, 0.05), v.shape)) as Tensor }));
}

function bitsEqual(a: Tensor, b: Tensor, what: string): void {
  const x = new Int32Array((a.dataSync() as Float32Array).slice().buffer);
  const y = new Int32Array((b.dataSync() as Float32Array).slice().buffer);
  const bad = x.findIndex((bits, i) => bits !== y[i]);
  assert.equal(bad, -1, `${what}[${bad}]: tfjs ${a.dataSync()[bad]}, fused ${b.dataSync()[bad]}`);
}

/** Runs the same steps on both optimizers: rates per step, optional skipped variable per step. */
function runBoth(ref: ReferenceAdam, fused: FusedAdam, a: Variable[], b: Variable[], rates: readonly number[], skips: readonly (number | undefined)[] = []): void {
  rates.forEach((rate, step) => {
    ref.setLearningRate(rate);
    fused.setLearningRate(rate);
    tf.tidy(() => {
      ref.applyGradients(gradients(a, step, skips[step]));
      fused.applyGradients(gradients(b, step, skips[step]));
    });
  });
}

async function momentsEqual(ref: ReferenceAdam, fused: FusedAdam): Promise<void> {
  const [r, f] = [await ref.getWeights(), await fused.getWeights()];
  assert.equal(f.length, r.length);
  // The iteration count first, then each variable's m, then each v, named <variable>/m and /v.
  r.forEach((w, i) => {
    assert.equal(f[i]?.name.replace('fused/', ''), w.name.replace('ref/', ''));
    bitsEqual(w.tensor, f[i]!.tensor, w.name);
  });
}

describe('FusedAdam on the wasm backend', () => {
  before(async () => {
    assert.equal((await initEngine('wasm', { threads: 1 })).backend, 'wasm');
  });
  after(() => tf.disposeVariables());

  for (const simd of [true, false]) {
    it(`gives tfjs's Adam bit for bit over 6 steps with the rate changed mid-way (${simd ? 'f32x4' : 'scalar'} loop)`, async () => {
      if (simd) assert.equal(wasmSimdSupported(), true, "this Node's WebAssembly has no SIMD");
      tf.disposeVariables();
      const [a, b] = [makeVars('ref'), makeVars('fused')];
      const ref = new ReferenceAdam(1e-3, 0.9, 0.999);
      const fused = new FusedAdam(1e-3, 0.9, 0.999, undefined, { simd });
      runBoth(ref, fused, a, b, [1e-2, 1e-2, 1e-2, 3e-3, 3e-3, 1e-4]);
      assert.equal(fused.fusedSteps, 6, 'every step ran in WebAssembly');
      a.forEach((v, i) => bitsEqual(v, b[i]!, v.name));
      await momentsEqual(ref, fused);
      ref.dispose();
      fused.dispose();
    });
  }

  it('leaves a variable without a gradient alone (its moments too) while keeping its slot, as tfjs does', async () => {
    tf.disposeVariables();
    const [a, b] = [makeVars('ref'), makeVars('fused')];
    const ref = new ReferenceAdam(1e-2, 0.9, 0.999);
    const fused = new FusedAdam(1e-2, 0.9, 0.999);
    // Variable 1 has no gradient on the very first step (its slot is made anyway) and on step 3.
    runBoth(ref, fused, a, b, [1e-2, 1e-2, 1e-2, 1e-2, 1e-2], [1, undefined, undefined, 1, 3]);
    a.forEach((v, i) => bitsEqual(v, b[i]!, v.name));
    await momentsEqual(ref, fused);
    ref.dispose();
    fused.dispose();
  });

  it('writes fresh data for each step (a clone keeps the old values; data ids change, as LightnnMemo needs) and leaks no tensors', () => {
    tf.disposeVariables();
    const [w] = makeVars('fused');
    const fused = new FusedAdam(1e-2, 0.9, 0.999);
    const step = (): void => tf.tidy(() => fused.applyGradients(gradients([w!], 0)));
    step();
    const clone = tf.clone(w!);
    const before = clone.dataSync().slice();
    const id = w!.dataId;
    const count = tf.memory().numTensors;
    step();
    step();
    assert.notEqual(w!.dataId, id);
    assert.deepEqual(clone.dataSync(), before);
    assert.notDeepEqual(w!.dataSync(), before);
    assert.equal(tf.memory().numTensors, count);
    clone.dispose();
    fused.dispose();
  });

  it('saved state restores into a new FusedAdam and continues as the uninterrupted run; tfjs-saved state loads too', async () => {
    tf.disposeVariables();
    const rates = [1e-2, 5e-3, 5e-3, 2e-3, 1e-3];
    const [a, b, c] = [makeVars('ref'), makeVars('fused'), makeVars('resumed')];
    const ref = new ReferenceAdam(1e-2, 0.9, 0.999);
    const fused = new FusedAdam(1e-2, 0.9, 0.999);
    const first = new FusedAdam(1e-2, 0.9, 0.999);
    // Uninterrupted: five steps each. Interrupted: three, state out (copied, as a checkpoint would), then two on a new optimizer.
    runBoth(ref, fused, a, b, rates);
    const steps = (opt: FusedAdam, v: Variable[], from: number, to: number): void => {
      for (let s = from; s < to; s++) {
        opt.setLearningRate(rates[s]!);
        tf.tidy(() => opt.applyGradients(gradients(v, s)));
      }
    };
    steps(first, c, 0, 3);
    const saved = (await first.getWeights()).map((w) => ({ name: w.name, tensor: tf.clone(w.tensor) }));
    first.dispose();
    const resumed = new FusedAdam(1e-2, 0.9, 0.999);
    await resumed.setWeights(saved);
    steps(resumed, c, 3, 5);
    c.forEach((v, i) => bitsEqual(b[i]!, v, v.name));
    // State that tfjs's own Adam saved loads into FusedAdam and continues as tfjs would.
    const [d, e] = [makeVars('tfjs-saved'), makeVars('fused-loaded')];
    const tfjsFirst = new ReferenceAdam(1e-2, 0.9, 0.999);
    for (let s = 0; s < 3; s++) {
      tfjsFirst.setLearningRate(rates[s]!);
      tf.tidy(() => tfjsFirst.applyGradients(gradients(d, s)));
    }
    d.forEach((v, i) => e[i]!.assign(v));
    const state = (await tfjsFirst.getWeights()).map((w) => ({ name: w.name, tensor: tf.clone(w.tensor) }));
    const loaded = new FusedAdam(1e-2, 0.9, 0.999);
    await loaded.setWeights(state);
    for (let s = 3; s < 5; s++) {
      tfjsFirst.setLearningRate(rates[s]!);
      loaded.setLearningRate(rates[s]!);
      tf.tidy(() => {
        tfjsFirst.applyGradients(gradients(d, s));
        loaded.applyGradients(gradients(e, s));
      });
    }
    d.forEach((v, i) => bitsEqual(v, e[i]!, v.name));
    for (const o of [ref, fused, resumed, tfjsFirst, loaded]) o.dispose();
  });

  it('minimize (a NamedVariableMap of gradients) runs fused too', () => {
    tf.disposeVariables();
    const [a, b] = [makeVars('ref'), makeVars('fused')];
    const ref = new ReferenceAdam(1e-2, 0.9, 0.999);
    const fused = new FusedAdam(1e-2, 0.9, 0.999);
    const loss = (vars: Variable[]) => () => tf.addN(vars.map((v) => tf.sum(tf.mul(tf.square(v), 3)))) as tf.Scalar;
    for (let s = 0; s < 3; s++) {
      ref.minimize(loss(a), false, a);
      fused.minimize(loss(b), false, b);
    }
    assert.equal(fused.fusedSteps, 3);
    a.forEach((v, i) => bitsEqual(v, b[i]!, v.name));
    ref.dispose();
    fused.dispose();
  });
});

describe("the trainer's adam on the wasm backend", () => {
  before(async () => {
    assert.equal((await initEngine('wasm', { threads: 1 })).backend, 'wasm');
  });

  /** A 2-layer MLP whose head trains at half the rate (a second optimizer, as BinaryConnect's per-layer scales make). */
  function mlp(): TrainableModel {
    const w1 = tf.variable(tf.tensor(values(48 * 16, 1, 0.5), [48, 16]));
    const b1 = tf.variable(tf.zeros([16]));
    const w2 = tf.variable(tf.tensor(values(16 * 3, 2, 0.5), [16, 3]));
    return {
      forward: (x: Tensor4D) => tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(tf.reshape(x, [x.shape[0], 48]), w1), b1)), w2), 0) as Tensor2D,
      variables: [w1, b1, w2],
      learningRateScales: new Map([[w2, 0.5]]),
    };
  }

  const split = (n: number, seed: number) => ({ x: values(n * 48, seed, 1).map(Math.abs), y: Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) % 3), n });
  const data: Dataset = { name: 'synthetic', shape: [4, 4, 3], classes: 3, train: split(64, 3), val: split(0, 4), test: split(16, 5) };

  it('makeOptimizer gives FusedAdam unless LABBENCH_FUSED_ADAM=0; training with weight decay and a cosine schedule ends on the same weights either way', async () => {
    const old = process.env.LABBENCH_FUSED_ADAM;
    const run = async (env: string | undefined): Promise<Float32Array[]> => {
      if (env === undefined) delete process.env.LABBENCH_FUSED_ADAM;
      else process.env.LABBENCH_FUSED_ADAM = env;
      const model = mlp();
      await train(model, data, { epochs: 2, batchSize: 16, optimizer: 'adam', learningRate: 1e-2, lrSchedule: 'cosine', weightDecay: 1e-2, seed: 1 });
      return model.variables.map((v) => v.dataSync() as Float32Array);
    };
    try {
      delete process.env.LABBENCH_FUSED_ADAM;
      const [on, off] = [makeOptimizer('adam', 1e-3), ((process.env.LABBENCH_FUSED_ADAM = '0'), makeOptimizer('adam', 1e-3))];
      // By constructor: tfjs's Optimizer answers instanceof for any object with its methods.
      assert.equal(on.constructor, FusedAdam);
      assert.notEqual(off.constructor, FusedAdam);
      assert.equal(Object.getPrototypeOf(off.constructor), tf.AdamOptimizer);
      on.dispose();
      off.dispose();
      const [tfjs, fused] = [await run('0'), await run(undefined)];
      fused.forEach((w, i) => assert.deepEqual(w, tfjs[i], `variable ${i}`));
    } finally {
      if (old === undefined) delete process.env.LABBENCH_FUSED_ADAM;
      else process.env.LABBENCH_FUSED_ADAM = old;
    }
  });
});
