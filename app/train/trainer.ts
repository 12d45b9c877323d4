/**
 * The mini-batch training loop: seeded shuffling, optional augmentation, cross-entropy plus
 * the model's own extra loss, sgd/momentum/adam with L2 weight decay on kernels, epoch
 * reports, cancellation between batches. Every step runs inside tf.tidy, so the number of
 * live tensors stays flat from one epoch to the next.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Optimizer, Scalar, Tensor, Tensor1D, Tensor2D, Tensor4D, Variable } from '@tensorflow/tfjs-core';
import { LabbenchError } from '../api/errors.js';
import { AdamWithRate, FusedAdam, fusedAdamWanted } from './fused-adam.js';
import { Rng } from './rng.js';
import type { Dataset, EpochReport, LrSchedule, Split, TrainableModel, TrainOptions, TrainProgress, TrainResult } from './types.js';

/** Defaults that train the small nets here in one epoch; momentum 0.9 makes its step ~10x sgd's. */
const DEFAULT_LR = { sgd: 0.1, momentum: 0.01, adam: 1e-3 } as const;

function cancelled(): LabbenchError {
  return new LabbenchError('CANCELED', 'training cancelled');
}

/** An optimizer whose learning rate a schedule can move between steps. */
export type ScheduledOptimizer = Optimizer & { setLearningRate(lr: number): void };

export function makeOptimizer(kind: TrainOptions['optimizer'], lr: number): ScheduledOptimizer {
  switch (kind ?? 'momentum') {
    case 'sgd':
      return tf.train.sgd(lr);
    case 'momentum':
      return tf.train.momentum(lr, 0.9);
    case 'adam':
      // tf.train.adam's defaults: beta1 0.9, beta2 0.999, epsilon from the backend. On wasm,
      // one WebAssembly pass per variable, same values (LABBENCH_FUSED_ADAM=0: tfjs's ops).
      return fusedAdamWanted() ? new FusedAdam(lr, 0.9, 0.999) : new AdamWithRate(lr, 0.9, 0.999);
    default:
      throw new LabbenchError('BAD_INPUT', `unknown optimizer '${String(kind)}' (expected sgd, momentum or adam)`);
  }
}

const SCHEDULES: readonly LrSchedule[] = ['constant', 'cosine', 'exponential'];

/** The learning rate at `step` of `steps` (0-based): from `base` down to `base * final` at the last step. */
export function scheduledRate(base: number, schedule: LrSchedule, final: number, step: number, steps: number): number {
  const t = steps > 1 ? Math.min(1, step / (steps - 1)) : 0;
  switch (schedule) {
    case 'constant':
      return base;
    case 'cosine':
      return base * (final + ((1 - final) * (1 + Math.cos(Math.PI * t))) / 2);
    case 'exponential':
      return base * final ** t;
  }
}

/** Random crop from the image padded by `pad` zeros, and a mirror where the data set allows. */
export function augmentBatch(x: Float32Array, n: number, h: number, w: number, c: number, rng: Rng, flip: boolean, pad = 2): void {
  const img = new Float32Array(h * w * c);
  const size = h * w * c;
  for (let k = 0; k < n; k++) {
    const base = k * size;
    img.set(x.subarray(base, base + size));
    const dy = rng.int(2 * pad + 1) - pad;
    const dx = rng.int(2 * pad + 1) - pad;
    const mirror = flip && rng.next() < 0.5;
    for (let y = 0; y < h; y++) {
      const sy = y + dy;
      for (let xx = 0; xx < w; xx++) {
        const sx0 = xx + dx;
        const sx = mirror ? w - 1 - sx0 : sx0;
        const o = base + (y * w + xx) * c;
        if (sy < 0 || sy >= h || sx0 < 0 || sx0 >= w) {
          for (let ch = 0; ch < c; ch++) x[o + ch] = 0;
        } else {
          const s = (sy * w + sx) * c;
          for (let ch = 0; ch < c; ch++) x[o + ch] = img[s + ch] ?? 0;
        }
      }
    }
  }
}

function gatherBatch(split: Split, idx: ArrayLike<number>, from: number, to: number, imageSize: number): { x: Float32Array; y: Int32Array } {
  const n = to - from;
  const x = new Float32Array(n * imageSize);
  const y = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const i = idx[from + k] ?? 0;
    x.set(split.x.subarray(i * imageSize, (i + 1) * imageSize), k * imageSize);
    y[k] = split.y[i] ?? 0;
  }
  return { x, y };
}

function crossEntropy(logits: Tensor2D, labels: Tensor1D, classes: number): Scalar {
  const oneHot = tf.oneHot(tf.cast(labels, 'int32') as Tensor1D, classes);
  return tf.losses.softmaxCrossEntropy(oneHot, logits);
}

/** Kernels (rank >= 2) get the L2 penalty; biases and batch-norm scales do not. */
function l2(vars: readonly Variable[], weightDecay: number): Scalar | undefined {
  const kernels = vars.filter((v) => v.rank >= 2);
  if (!weightDecay || !kernels.length) return undefined;
  return tf.mul(tf.addN(kernels.map((v) => tf.sum(tf.square(v)))), weightDecay / 2) as Scalar;
}

/** Accuracy and mean cross-entropy of a split, in inference mode. */
export function evaluate(model: TrainableModel, split: Split, batchSize = 256, shape?: readonly [number, number, number]): { accuracy: number; loss: number } {
  if (split.n === 0) return { accuracy: NaN, loss: NaN };
  const imageSize = split.x.length / split.n;
  const [h, w, c] = shape ?? squareShape(imageSize);
  let correct = 0;
  let lossSum = 0;
  for (let from = 0; from < split.n; from += batchSize) {
    const to = Math.min(split.n, from + batchSize);
    const [hits, loss] = tf.tidy(() => {
      const x = tf.tensor4d(split.x.subarray(from * imageSize, to * imageSize), [to - from, h, w, c]);
      const y = tf.tensor1d(split.y.subarray(from, to), 'int32');
      const logits = model.forward(x, false);
      const classes = logits.shape[1];
      const hit = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), y), 'float32'));
      const l = tf.mul(crossEntropy(logits, y, classes), to - from);
      return [hit.dataSync()[0] ?? 0, l.dataSync()[0] ?? 0];
    });
    correct += hits;
    lossSum += loss;
  }
  return { accuracy: correct / split.n, loss: lossSum / split.n };
}

function squareShape(imageSize: number): [number, number, number] {
  for (const c of [1, 3]) {
    const side = Math.round(Math.sqrt(imageSize / c));
    if (side * side * c === imageSize) return [side, side, c];
  }
  throw new LabbenchError('BAD_INPUT', `cannot infer the image shape from ${imageSize} values per image: pass the data set's shape`);
}

/** Sends TrainProgress every N batches or S seconds, whichever comes first; the ETA from the pace since `t0`. */
function progressTicker(opts: TrainOptions, startEpoch: number, epochs: number, t0: number): (epoch: number, batch: number, batches: number, loss: number) => void {
  const onProgress = opts.onProgress;
  if (!onProgress) return () => undefined;
  const everyBatches = opts.progressEvery?.batches ?? 20;
  const everyMs = (opts.progressEvery?.seconds ?? 2) * 1000;
  let lastAt = t0;
  let sinceLast = 0;
  return (epoch, batch, batches, loss) => {
    const now = performance.now();
    sinceLast++;
    if (sinceLast < everyBatches && now - lastAt < everyMs) return;
    sinceLast = 0;
    lastAt = now;
    const done = epoch + batch / batches;
    const fraction = (done - startEpoch) / Math.max(1, epochs - startEpoch);
    const elapsed_s = (now - t0) / 1000;
    const p: TrainProgress = { epoch, epochs, batch, batches, done, fraction, loss, elapsed_s, eta_s: (elapsed_s / fraction) * (1 - fraction) };
    onProgress(p);
  };
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export async function train(model: TrainableModel, data: Dataset, opts: TrainOptions): Promise<TrainResult> {
  const batchSize = opts.batchSize ?? 64;
  const epochs = opts.epochs;
  const startEpoch = opts.startEpoch ?? 0;
  if (!(Number.isInteger(epochs) && epochs >= 0)) throw new LabbenchError('BAD_INPUT', `epochs must be a non-negative integer (got ${epochs})`);
  if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new LabbenchError('BAD_INPUT', `batchSize must be a positive integer (got ${batchSize})`);
  if (!(Number.isInteger(startEpoch) && startEpoch >= 0)) throw new LabbenchError('BAD_INPUT', `startEpoch must be a non-negative integer (got ${startEpoch})`);
  if (data.train.n === 0) throw new LabbenchError('BAD_INPUT', `${data.name}: the training split is empty`);
  const every = opts.progressEvery;
  if (every && !((every.batches === undefined || (Number.isInteger(every.batches) && every.batches >= 1)) && (every.seconds === undefined || every.seconds >= 0))) {
    throw new LabbenchError('BAD_INPUT', `progressEvery needs a positive whole number of batches and seconds >= 0 (got ${JSON.stringify(every)})`);
  }
  const schedule = opts.lrSchedule ?? 'constant';
  if (!SCHEDULES.includes(schedule)) throw new LabbenchError('BAD_INPUT', `unknown learning-rate schedule '${String(schedule)}' (expected ${SCHEDULES.join(', ')})`);
  const finalLr = opts.finalLearningRate ?? 0.01;
  if (!(finalLr > 0 && finalLr <= 1)) throw new LabbenchError('BAD_INPUT', `finalLearningRate must be in (0, 1] (got ${finalLr})`);
  const lr = opts.learningRate ?? DEFAULT_LR[opts.optimizer ?? 'momentum'];
  // One optimizer per learning-rate multiplier (its own moments), all fed by one gradient pass.
  const groups = new Map<number, Variable[]>();
  for (const v of model.variables) {
    const scale = model.learningRateScales?.get(v) ?? 1;
    if (!(scale > 0 && Number.isFinite(scale))) throw new LabbenchError('BAD_INPUT', `learning-rate scale of ${v.name} must be a positive number (got ${scale})`);
    groups.set(scale, [...(groups.get(scale) ?? []), v]);
  }
  const optimizers = [...groups].map(([scale, vars]) => ({ scale, names: new Set(vars.map((v) => v.name)), optimizer: makeOptimizer(opts.optimizer, lr * scale) }));
  const weightDecay = opts.weightDecay ?? 0;
  const [h, w, c] = data.shape;
  const imageSize = h * w * c;
  const signal = opts.signal;
  const reports: EpochReport[] = [];
  const t0 = performance.now();
  const tick = progressTicker(opts, startEpoch, epochs, t0);
  try {
    for (let epoch = startEpoch; epoch < epochs; epoch++) {
      // One generator per epoch, seeded by (seed, epoch): a resumed run shuffles as the original did.
      const rng = new Rng((opts.seed ?? 0) * 1000 + epoch);
      const order = Int32Array.from({ length: data.train.n }, (_, i) => i);
      rng.shuffle(order);
      const batches = Math.ceil(data.train.n / batchSize);
      const steps = epochs * batches;
      const te = performance.now();
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      let stoppedAfter: number | undefined;
      for (let b = 0; b < batches; b++) {
        if (signal?.aborted) throw cancelled();
        const from = b * batchSize;
        const to = Math.min(data.train.n, from + batchSize);
        const { x, y } = gatherBatch(data.train, order, from, to, imageSize);
        if (opts.augment) augmentBatch(x, to - from, h, w, c, rng, data.hflip === true);
        const rate = scheduledRate(lr, schedule, finalLr, epoch * batches + b, steps);
        for (const o of optimizers) o.optimizer.setLearningRate(rate * o.scale);
        const [loss, hits] = tf.tidy(() => {
          const xs = tf.tensor4d(x, [to - from, h, w, c]) as Tensor4D;
          const ys = tf.tensor1d(y, 'int32');
          let hit: Tensor | undefined;
          const { value: cost, grads } = tf.variableGrads(
            () => {
              const logits = model.forward(xs, true);
              hit = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), ys), 'float32')));
              let total = crossEntropy(logits, ys, data.classes);
              const penalty = l2(model.variables, weightDecay);
              if (penalty) total = tf.add(total, penalty);
              if (model.extraLoss) total = tf.add(total, model.extraLoss());
              return total;
            },
            [...model.variables],
          );
          // Every variable of the group, in a fixed order, as minimize(f, _, varList) passes them:
          // tfjs's Adam and momentum keep their moments by position in this list and skip a
          // missing gradient, so a variable with none this step (a NAS part that is off) must
          // keep its slot, or every later variable would get another's moments.
          for (const o of optimizers) o.optimizer.applyGradients([...o.names].map((name) => ({ name, tensor: grads[name] as Tensor })));
          const values: [number, number] = [cost.dataSync()[0] ?? NaN, hit?.dataSync()[0] ?? 0];
          hit?.dispose();
          return values;
        });
        model.afterStep?.();
        lossSum += loss * (to - from);
        correct += hits;
        seen += to - from;
        opts.onBatch?.({ epoch, batch: b, batches, loss });
        tick(epoch, b + 1, batches, lossSum / seen);
        if (model.finished?.()) {
          stoppedAfter = b + 1;
          break;
        }
        // Lets an abort (a signal, SIGINT) arrive between batches.
        await yieldToEventLoop();
      }
      const seconds = (performance.now() - te) / 1000;
      const val = data.val.n ? evaluate(model, data.val, 256, data.shape).accuracy : NaN;
      const report: EpochReport = {
        epoch,
        epochs,
        loss: lossSum / seen,
        trainAccuracy: correct / seen,
        valAccuracy: val,
        seconds,
        imagesPerSecond: seen / seconds,
        batches,
        ...(stoppedAfter !== undefined ? { stoppedAfterBatches: stoppedAfter } : {}),
      };
      reports.push(report);
      await opts.onEpoch?.(report);
      if (stoppedAfter !== undefined) break;
    }
  } finally {
    for (const o of optimizers) o.optimizer.dispose();
  }
  if (signal?.aborted) throw cancelled();
  const valAccuracy = reports.at(-1)?.valAccuracy ?? (data.val.n ? evaluate(model, data.val, 256, data.shape).accuracy : NaN);
  const testAccuracy = data.test.n ? evaluate(model, data.test, 256, data.shape).accuracy : NaN;
  return { epochs: reports, valAccuracy, testAccuracy, seconds: (performance.now() - t0) / 1000 };
}
