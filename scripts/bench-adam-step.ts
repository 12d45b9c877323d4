/**
 * Step times of `labbench quantize`'s training loop, as runQuantize sets it up (zoo net with
 * batch norm, the scheme's quantizer, Adam 1e-3 with cosine decay, engine 'auto'), with the
 * time inside the optimizer's applyGradients per step. Measures the fused Adam against
 * tfjs's: run it once as is and once with LABBENCH_FUSED_ADAM=0.
 *
 *   npx tsx scripts/bench-adam-step.ts [model] [scheme] [limit] [batch]
 *   (defaults: mnist-3hidden conventional 1500 100)
 *
 * Prints one JSON line: per-step seconds, the median of steps 1-7 (step 0 warms up), and the
 * optimizer's share.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createIrNet, disposeIrNet, irNetModel } from '../app/train/ir-net.js';
import { withBatchNorm } from '../app/quantize/batch-norm.js';
import { makeQuantizer } from '../app/quantize/lightnn.js';
import type { Scheme } from '../app/quantize/quantizers.js';
import { zooNetwork } from '../app/workloads/zoo/index.js';
import { loadDataset } from '../app/train/data.js';
import { initEngine } from '../app/train/engine.js';
import { FusedAdam } from '../app/train/fused-adam.js';
import { train } from '../app/train/trainer.js';

const [model = 'mnist-3hidden', scheme = 'conventional', limit = '1500', batch = '100'] = process.argv.slice(2);

/** Seconds spent in applyGradients, summed over the optimizers of a step (one per learning-rate scale). */
let inOptimizer = 0;
for (const proto of [tf.AdamOptimizer.prototype, FusedAdam.prototype]) {
  const inner = proto.applyGradients;
  proto.applyGradients = function (this: tf.AdamOptimizer, ...args: Parameters<typeof inner>): void {
    const t0 = performance.now();
    inner.apply(this, args);
    // FusedAdam falls back to the parent's method, which would count twice.
    if (!(proto === tf.AdamOptimizer.prototype && this.constructor === FusedAdam)) inOptimizer += (performance.now() - t0) / 1000;
  };
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const engine = await initEngine('auto');
const data = loadDataset('mnist', { seed: 1, limit: Number(limit) });
const net = createIrNet(withBatchNorm(zooNetwork(model)), 1);
const q = makeQuantizer(net, scheme as Scheme, 1e-3);
const steps: { seconds: number; optimizer: number }[] = [];
let last = performance.now();
let lastOpt = 0;
const r = await train(
  { ...irNetModel(net, { ...(q.transform ? { transform: q.transform } : {}), extraVariables: q.extraVariables, ...(q.extraLoss ? { extraLoss: q.extraLoss } : {}), ...(q.afterStep ? { afterStep: q.afterStep } : {}) }), ...(q.learningRateScales ? { learningRateScales: q.learningRateScales } : {}) },
  data,
  {
    seed: 1, epochs: 1, batchSize: Number(batch), optimizer: 'adam', learningRate: 1e-3, lrSchedule: 'cosine', finalLearningRate: 0.01,
    onBatch: () => {
      const now = performance.now();
      steps.push({ seconds: (now - last) / 1000, optimizer: inOptimizer - lastOpt });
      last = now;
      lastOpt = inOptimizer;
    },
  },
);
const timed = steps.slice(1, 8);
console.log(JSON.stringify({
  model, scheme, limit: Number(limit), batch: Number(batch), fused: process.env.LABBENCH_FUSED_ADAM !== '0', engine: engine.package, native_matmul: !!engine.nativeMatMul,
  median_step_s: +median(timed.map((s) => s.seconds)).toFixed(3), median_optimizer_s: +median(timed.map((s) => s.optimizer)).toFixed(3),
  steps_s: steps.map((s) => +s.seconds.toFixed(3)), test_error: +(1 - r.testAccuracy).toFixed(4),
}));
q.dispose();
disposeIrNet(net);
process.exit(0);
