/**
 * `npm run bench` train section: training throughput (images/s) of our engine on the
 * MobileNetV2-style proxy net (app/train/nn.ts mobileNetV2Proxy, 32x32x1, batch 64, SGD with
 * momentum) against Debian's PyTorch on the same net, batch and thread count
 * (scripts/bench-torch-train.py). The two alternate, twice each, and the faster round of each
 * counts, so a neighbour's load on this shared machine hits both sides alike.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../app/train/engine.js';
import { mobileNetV2Proxy } from '../app/train/nn.js';
import type { EngineInfo } from '../app/train/types.js';

export interface TrainBench {
  readonly engine: Pick<EngineInfo, 'backend' | 'package' | 'threads'>;
  readonly net: string;
  readonly resolution: number;
  readonly batch: number;
  readonly steps: number;
  readonly ours_images_per_s: number;
  readonly torch_images_per_s: number | null;
  readonly torch_version: string | null;
  /** Ours over PyTorch's (goal: at least 0.3). */
  readonly ratio: number | null;
  readonly torch_skipped?: string;
}

const PYTHON = '/usr/bin/python3';

function oursImagesPerSecond(resolution: number, batch: number, steps: number, warmup: number): number {
  const model = mobileNetV2Proxy(0, [resolution, resolution, 1], 10, 16);
  const optimizer = tf.train.momentum(0.01, 0.9);
  const x = tf.randomUniform([batch, resolution, resolution, 1]) as tf.Tensor4D;
  const labels = tf.oneHot(tf.tensor1d(Array.from({ length: batch }, (_, i) => i % 10), 'int32'), 10);
  const step = (): number =>
    tf.tidy(() => {
      const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(labels, model.forward(x, true)), true, [...model.variables]);
      return loss?.dataSync()[0] ?? NaN;
    });
  try {
    for (let i = 0; i < warmup; i++) step();
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) step();
    return (batch * steps) / ((performance.now() - t0) / 1000);
  } finally {
    optimizer.dispose();
    tf.dispose([x, labels, ...model.namedVariables().map(([, v]) => v)]);
  }
}

function torchImagesPerSecond(threads: number, resolution: number, batch: number, steps: number, warmup: number): { ips: number; version: string } | { skipped: string } {
  const script = fileURLToPath(new URL('./bench-torch-train.py', import.meta.url));
  const r = spawnSync(PYTHON, [script, '--threads', String(threads), '--batch', String(batch), '--resolution', String(resolution), '--steps', String(steps), '--warmup', String(warmup)], { encoding: 'utf8', timeout: 600_000 });
  if (r.error) return { skipped: `${PYTHON}: ${r.error.message}` };
  if (r.status !== 0) return { skipped: `PyTorch run failed (is python3-torch installed?): ${r.stderr.trim().split('\n').at(-1) ?? ''}` };
  const doc = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as { images_per_s: number; torch: string };
  return { ips: doc.images_per_s, version: doc.torch };
}

export async function benchTrain(quick: boolean, log: (line: string) => void = () => {}): Promise<TrainBench> {
  const info = await initEngine('auto');
  const resolution = 32;
  const batch = 64;
  const steps = quick ? 3 : 8;
  const warmup = 2;
  let ours = 0;
  let torch: number | null = null;
  let version: string | null = null;
  let skipped: string | undefined;
  for (let round = 0; round < 2; round++) {
    log(`train bench round ${round + 1}/2: ${info.package} (${info.threads} thread${info.threads === 1 ? '' : 's'})...`);
    ours = Math.max(ours, oursImagesPerSecond(resolution, batch, steps, warmup));
    if (skipped) continue;
    log(`train bench round ${round + 1}/2: PyTorch (${info.threads} thread${info.threads === 1 ? '' : 's'})...`);
    const t = torchImagesPerSecond(info.threads, resolution, batch, steps, warmup);
    if ('skipped' in t) skipped = t.skipped;
    else {
      torch = Math.max(torch ?? 0, t.ips);
      version = t.version;
    }
  }
  return {
    engine: { backend: info.backend, package: info.package, threads: info.threads },
    net: 'mobilenetv2-proxy (width 16, 5 inverted residuals)',
    resolution,
    batch,
    steps,
    ours_images_per_s: ours,
    torch_images_per_s: torch,
    torch_version: version,
    ratio: torch ? ours / torch : null,
    ...(skipped ? { torch_skipped: skipped } : {}),
  };
}

export function formatTrainBench(r: TrainBench): string {
  const head = `\ntraining throughput, ${r.net}, ${r.resolution}x${r.resolution}x1, batch ${r.batch}, ${r.engine.threads} thread(s):`;
  const ours = `  ours (${r.engine.package}): ${r.ours_images_per_s.toFixed(1)} images/s`;
  const torch = r.torch_images_per_s === null ? `  PyTorch: skipped (${r.torch_skipped ?? 'unavailable'})` : `  PyTorch ${r.torch_version}: ${r.torch_images_per_s.toFixed(1)} images/s`;
  const ratio = r.ratio === null ? '' : `\n  ratio ours/PyTorch: ${r.ratio.toFixed(2)} (goal >= 0.3)`;
  return `${head}\n${ours}\n${torch}${ratio}`;
}
