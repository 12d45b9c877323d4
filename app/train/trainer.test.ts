import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { LabbenchError } from '../api/errors.js';
import { engineInfo, initEngine } from './engine.js';
import { loadDataset } from './data.js';
import { mobileNetV2Proxy, smallCnn } from './nn.js';
import { evaluate, scheduledRate, train } from './trainer.js';
import type { Dataset, TrainProgress } from './types.js';

describe('trainer on the wasm engine', () => {
  let mnist: Dataset;
  before(async () => {
    const info = await initEngine('wasm', { threads: 1 });
    assert.equal(info.backend, 'wasm');
    mnist = loadDataset('mnist', { limit: 2000, seed: 1 });
  });

  it('initEngine is idempotent and reported', async () => {
    const again = await initEngine('cpu');
    assert.equal(again, engineInfo());
    assert.equal(tf.getBackend(), 'wasm');
    await assert.rejects(initEngine('tpu' as never), (e: unknown) => e instanceof LabbenchError && e.code === 'BAD_INPUT');
  });

  it('a small CNN learns MNIST: 1 epoch on 1,800 images beats 80 % validation accuracy', async () => {
    const model = smallCnn(1, mnist.shape, mnist.classes);
    const before0 = evaluate(model, mnist.val, 256, mnist.shape).accuracy;
    const r = await train(model, mnist, { epochs: 1, batchSize: 32, seed: 1 });
    assert.ok(before0 < 0.3, `untrained accuracy ${before0}`);
    assert.ok(r.valAccuracy > 0.8, `validation accuracy ${r.valAccuracy}`);
    assert.ok(r.testAccuracy > 0.75, `test accuracy ${r.testAccuracy}`);
    assert.equal(r.epochs.length, 1);
    assert.ok((r.epochs[0]?.imagesPerSecond ?? 0) > 0);
  });

  it('leaks no tensors from one epoch to the next (MobileNetV2 proxy, batch norm, adam, weight decay, augmentation)', async () => {
    const small: Dataset = { ...mnist, train: { x: mnist.train.x.subarray(0, 96 * 784), y: mnist.train.y.subarray(0, 96), n: 96 }, val: { x: mnist.val.x.subarray(0, 32 * 784), y: mnist.val.y.subarray(0, 32), n: 32 } };
    const model = mobileNetV2Proxy(2, small.shape, small.classes, 8);
    const counts: number[] = [];
    await train(model, small, { epochs: 3, batchSize: 32, optimizer: 'adam', weightDecay: 1e-4, augment: true, seed: 2, onEpoch: () => void counts.push(tf.memory().numTensors) });
    assert.equal(counts.length, 3);
    assert.equal(counts[2], counts[1], `live tensors per epoch: ${counts.join(', ')}`);
    assert.equal(counts[1], counts[0], `live tensors per epoch: ${counts.join(', ')}`);
  });

  it('resumes at startEpoch and reports only the epochs it ran', async () => {
    const small: Dataset = { ...mnist, train: { x: mnist.train.x.subarray(0, 64 * 784), y: mnist.train.y.subarray(0, 64), n: 64 } };
    const r = await train(smallCnn(3, small.shape, small.classes), small, { epochs: 3, startEpoch: 2, batchSize: 32 });
    assert.deepEqual(r.epochs.map((e) => e.epoch), [2]);
  });

  it('ends early when the model says it has finished, and the last report says after how many batches', async () => {
    const small: Dataset = { ...mnist, train: { x: mnist.train.x.subarray(0, 64 * 784), y: mnist.train.y.subarray(0, 64), n: 64 } };
    const base = smallCnn(5, small.shape, small.classes);
    let steps = 0;
    const model = { variables: base.variables, forward: base.forward.bind(base), afterStep: () => void steps++, finished: () => steps >= 3 };
    const r = await train(model, small, { epochs: 4, batchSize: 32, seed: 1 });
    assert.equal(steps, 3, 'no step after the model finished');
    assert.deepEqual(
      r.epochs.map((e) => [e.epoch, e.stoppedAfterBatches, e.batches]),
      [
        [0, undefined, 2],
        [1, 1, 2],
      ],
    );
    assert.ok(Number.isFinite(r.valAccuracy));
  });

  it('stops between batches when the signal aborts, with CANCELED', async () => {
    const ctl = new AbortController();
    let batches = 0;
    const model = smallCnn(4, mnist.shape, mnist.classes);
    await assert.rejects(
      train(model, mnist, {
        epochs: 2,
        batchSize: 32,
        signal: ctl.signal,
        onBatch: (b) => {
          batches++;
          if (b.batch === 2) ctl.abort();
        },
      }),
      (e: unknown) => e instanceof LabbenchError && e.code === 'CANCELED',
    );
    assert.equal(batches, 3);
  });

  it('reports progress inside each epoch: every N batches, a fraction that only grows, and an ETA', async () => {
    const small: Dataset = { ...mnist, train: { x: mnist.train.x.subarray(0, 160 * 784), y: mnist.train.y.subarray(0, 160), n: 160 }, val: { ...mnist.val, n: 0 } };
    const seen: TrainProgress[] = [];
    const epochEnds: number[] = [];
    await train(smallCnn(7, small.shape, small.classes), small, {
      epochs: 3, startEpoch: 1, batchSize: 8, seed: 1, progressEvery: { batches: 3, seconds: 60 },
      onProgress: (p) => void seen.push(p),
      onEpoch: () => void epochEnds.push(seen.length),
    });
    // 20 batches per epoch, a report every 3rd batch of the run: 6 in the first epoch run, 7 in the second, each before its epoch's end.
    assert.deepEqual(epochEnds, [6, 13]);
    assert.deepEqual(seen.slice(0, 6).map((p) => p.batch), [3, 6, 9, 12, 15, 18]);
    assert.ok(seen.every((p, i) => i === 0 || p.fraction > seen[i - 1]!.fraction), `fractions: ${seen.map((p) => p.fraction).join(', ')}`);
    assert.ok(seen.every((p) => p.fraction > 0 && p.fraction <= 1 && p.batches === 20 && p.epochs === 3));
    assert.ok(Math.abs(seen[0]!.done - (1 + 3 / 20)) < 1e-12 && Math.abs(seen[0]!.fraction - 3 / 40) < 1e-12);
    assert.ok(seen.every((p) => Number.isFinite(p.eta_s) && p.eta_s >= 0 && Number.isFinite(p.loss)), 'every report has an ETA and a loss');
    assert.ok(seen[0]!.eta_s > seen.at(-1)!.eta_s, `the ETA falls as the run goes: ${seen.map((p) => p.eta_s.toFixed(2)).join(', ')}`);
    // Seconds 0: every batch reports.
    const every: TrainProgress[] = [];
    await train(smallCnn(8, small.shape, small.classes), small, { epochs: 1, batchSize: 40, progressEvery: { seconds: 0 }, onProgress: (p) => void every.push(p) });
    assert.deepEqual(every.map((p) => p.batch), [1, 2, 3, 4]);
    await assert.rejects(train(smallCnn(9, small.shape, small.classes), small, { epochs: 1, progressEvery: { batches: 0 } }), (e: unknown) => e instanceof LabbenchError && e.code === 'BAD_INPUT');
  });

  it('learning-rate schedules: cosine and exponential run from the base rate to base * final', () => {
    assert.equal(scheduledRate(0.1, 'constant', 0.01, 7, 10), 0.1);
    for (const kind of ['cosine', 'exponential'] as const) {
      assert.ok(Math.abs(scheduledRate(0.1, kind, 0.01, 0, 10) - 0.1) < 1e-15);
      assert.ok(Math.abs(scheduledRate(0.1, kind, 0.01, 9, 10) - 0.001) < 1e-15);
      const rates = Array.from({ length: 10 }, (_, i) => scheduledRate(0.1, kind, 0.01, i, 10));
      assert.ok(rates.every((r, i) => i === 0 || r < rates[i - 1]!), `${kind} decreases: ${rates.join(', ')}`);
    }
    assert.ok(Math.abs(scheduledRate(1, 'cosine', 0.01, 50, 101) - 0.505) < 1e-12);
    assert.ok(Math.abs(scheduledRate(1, 'exponential', 0.01, 50, 101) - 0.1) < 1e-12);
  });

  it('a per-variable learning-rate scale moves that variable alone at its own rate (one gradient pass, an optimizer per scale)', async () => {
    const small: Dataset = { ...mnist, train: { x: mnist.train.x.subarray(0, 64 * 784), y: mnist.train.y.subarray(0, 64), n: 64 } };
    const model = smallCnn(6, small.shape, small.classes);
    const head = model.body.named('').find(([name]) => name.endsWith('.kernel'))![1];
    const conv = model.body.named('').find(([name]) => name.endsWith('.filter'))![1];
    const [head0, conv0] = [head.dataSync().slice(), conv.dataSync().slice()];
    const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - (b[i] ?? 0))), 0);
    await train({ forward: model.forward, variables: model.variables, learningRateScales: new Map([[head, 1e-9]]) }, small, { epochs: 1, batchSize: 32, optimizer: 'adam', learningRate: 0.01, lrSchedule: 'cosine' });
    assert.ok(maxDiff(head.dataSync(), head0) < 1e-9, `scaled head moved by ${maxDiff(head.dataSync(), head0)}`);
    assert.ok(maxDiff(conv.dataSync(), conv0) > 1e-3, `unscaled conv moved by ${maxDiff(conv.dataSync(), conv0)}`);
    await assert.rejects(train({ forward: model.forward, variables: model.variables, learningRateScales: new Map([[head, 0]]) }, small, { epochs: 1 }), (e: unknown) => e instanceof LabbenchError && e.code === 'BAD_INPUT');
  });

  it('rejects bad options', async () => {
    const model = smallCnn(5, mnist.shape, mnist.classes);
    await assert.rejects(train(model, mnist, { epochs: 1, batchSize: 0 }), (e: unknown) => e instanceof LabbenchError && e.code === 'BAD_INPUT');
    await assert.rejects(train(model, mnist, { epochs: 1, optimizer: 'rmsprop' as never }), (e: unknown) => e instanceof LabbenchError && e.code === 'BAD_INPUT');
    await assert.rejects(train(model, mnist, { epochs: 1, lrSchedule: 'step' as never }), (e: unknown) => e instanceof LabbenchError && e.code === 'BAD_INPUT');
    await assert.rejects(train(model, mnist, { epochs: 1, lrSchedule: 'cosine', finalLearningRate: 0 }), (e: unknown) => e instanceof LabbenchError && e.code === 'BAD_INPUT');
  });
});
