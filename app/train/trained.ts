/**
 * `--model FILE|NAME`: a model file is loaded; a zoo name is trained on the data first, or a
 * cached copy of that training (same net, data, epochs, limit, seed) is reused from
 * ~/.labbench/models (beside the DB).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { LabbenchError } from '../api/errors.js';
import { isZooName, zooNetwork } from '../workloads/zoo/index.js';
import { train } from './trainer.js';
import type { Dataset, EpochReport, Split, TrainProgress } from './types.js';
import { createIrNet, disposeIrNet, irNetFromArrays, irNetModel, readArrays, type IrNet } from './ir-net.js';
import { loadModelFile, saveModelFile } from './model-file.js';
import { Rng } from './rng.js';

export interface TrainedOptions {
  readonly epochs: number;
  readonly limit?: number;
  readonly seed: number;
  readonly batchSize?: number;
  readonly cacheDir: string;
  readonly signal?: AbortSignal;
  onEpoch?(r: EpochReport): void;
  onProgress?(p: TrainProgress): void;
}

export interface Trained {
  readonly net: IrNet;
  readonly source: 'file' | 'cache' | 'trained';
  readonly path: string;
  readonly testAccuracy: number;
}

export { modelCacheDir } from './model-cache.js';

export async function obtainTrained(model: string, data: Dataset, opts: TrainedOptions): Promise<Trained> {
  if (!isZooName(model)) {
    if (!existsSync(model)) throw new LabbenchError('BAD_INPUT', `--model ${model}: neither a model file nor a zoo name`);
    const f = loadModelFile(model);
    return { net: irNetFromArrays(f.network, f.arrays), source: 'file', path: model, testAccuracy: f.meta.test_accuracy };
  }
  const path = join(opts.cacheDir, `${model}-${data.name}-e${opts.epochs}-l${opts.limit ?? 'all'}-s${opts.seed}.lbnet`);
  if (existsSync(path)) {
    const f = loadModelFile(path);
    return { net: irNetFromArrays(f.network, f.arrays), source: 'cache', path, testAccuracy: f.meta.test_accuracy };
  }
  const network = zooNetwork(model);
  if (network.input[0] !== data.shape[2] || network.input[1] !== data.shape[0]) {
    throw new LabbenchError('BAD_INPUT', `${model} takes [${network.input.join(',')}] inputs, ${data.name} has ${data.shape.join('x')} images`);
  }
  const net = createIrNet(network, opts.seed);
  try {
    const r = await train(irNetModel(net), data, { epochs: opts.epochs, seed: opts.seed, optimizer: 'adam', learningRate: 1e-3, ...(opts.batchSize ? { batchSize: opts.batchSize } : {}), ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.onEpoch ? { onEpoch: opts.onEpoch } : {}), ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) });
    saveModelFile(path, network, readArrays(net), { data: data.name, epochs: opts.epochs, ...(opts.limit ? { limit: opts.limit } : {}), seed: opts.seed, test_accuracy: r.testAccuracy });
    return { net, source: 'trained', path, testAccuracy: r.testAccuracy };
  } catch (e) {
    disposeIrNet(net);
    throw e;
  }
}

const emptySplit: Split = { x: new Float32Array(0), y: new Uint8Array(0), n: 0 };

/** The data set with `n` training images from `offset` (wrapping), and no test split: a short fine-tune. */
export function trainSlice(data: Dataset, n: number, offset: number): Dataset {
  const size = data.shape[0] * data.shape[1] * data.shape[2];
  const count = Math.min(n, data.train.n);
  const x = new Float32Array(count * size);
  const y = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const j = (offset + i) % data.train.n;
    x.set(data.train.x.subarray(j * size, (j + 1) * size), i * size);
    y[i] = data.train.y[j]!;
  }
  return { ...data, train: { x, y, n: count }, val: emptySplit, test: emptySplit };
}

/** The first `n` images of a split (fitness on a fixed validation subset). */
export function headOf(split: Split, n: number): Split {
  const count = Math.min(n, split.n);
  const size = split.x.length / Math.max(split.n, 1);
  return { x: split.x.subarray(0, count * size), y: split.y.subarray(0, count), n: count };
}

/** `n` training images drawn by a seeded shuffle, and no test split: the one fine-tune set of a run's candidates. */
export function trainSubset(data: Dataset, n: number, seed: number): Dataset {
  const order = Array.from({ length: data.train.n }, (_, i) => i);
  new Rng(seed).shuffle(order);
  const size = data.shape[0] * data.shape[1] * data.shape[2];
  const picked = order.slice(0, Math.min(n, data.train.n)).sort((a, b) => a - b);
  const x = new Float32Array(picked.length * size);
  const y = new Uint8Array(picked.length);
  picked.forEach((j, i) => {
    x.set(data.train.x.subarray(j * size, (j + 1) * size), i * size);
    y[i] = data.train.y[j]!;
  });
  return { ...data, train: { x, y, n: picked.length }, val: emptySplit, test: emptySplit };
}
