/**
 * The proxy search of app/nas/nas.test.ts's thresholds test on a synthetic device, in this
 * process or in a child of its own, so that its two searches train side by side on two cores
 * (the engine trains on one thread). Run as a script it prints the found choices as JSON.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { initEngine } from '../app/train/engine.js';
import { loadDataset } from '../app/train/data.js';
import { train } from '../app/train/trainer.js';
import { SKIP, type SpnasLatencyTable } from '../app/predict/spnas-lut.js';
import { SPNAS_LAYERS } from '../app/workloads/zoo/spnas-space.js';
import { Supernet } from '../app/nas/supernet.js';
import { choiceName } from '../app/nas/architecture.js';
import { ROOT } from './cli-helpers.js';

/** Per choice k3e3, k3e6, k5e3, k5e6, skip: what every layer costs, in ms. */
export type UniformCosts = readonly [number, number, number, number, number];

/** A synthetic device: every layer costs `costs[choice]` ms, nothing fixed. */
function uniformTable(costs: UniformCosts): SpnasLatencyTable {
  const cells = new Float64Array(SPNAS_LAYERS.length * (SKIP + 1));
  SPNAS_LAYERS.forEach((l) => costs.forEach((c, i) => (cells[l.index * (SKIP + 1) + i] = i === SKIP && !l.residual ? NaN : c)));
  return { cells, fixed_ms: 0, resolution: 224 };
}

/** Four tiny epochs of the supernet on 640 MNIST images at 16 px; the choices it ends with. */
export async function searchOn(costs: UniformCosts, targetMs: number): Promise<string[]> {
  await initEngine();
  const data = loadDataset('mnist', { limit: 640, resolution: 16, seed: 3 });
  const net = new Supernet({ input: data.shape, classes: data.classes, width: 0.125, seed: 5, thresholdScale: 50 }, uniformTable(costs), targetMs);
  try {
    await train(net, data, {
      epochs: 4,
      batchSize: 32,
      optimizer: 'adam',
      learningRate: 2e-3,
    });
    return net.state().architecture.map(choiceName);
  } finally {
    net.dispose();
  }
}

const SELF = fileURLToPath(import.meta.url);

/** searchOn in a child process (the same code, engine and seeds: the same choices). */
export function searchInChild(costs: UniformCosts, targetMs: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', SELF, JSON.stringify({ costs, targetMs })], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(JSON.parse(out) as string[]) : reject(new Error(`search child exited ${code}: ${err.slice(-2000)}`))));
  });
}

if (process.argv[1] === SELF) {
  const { costs, targetMs } = JSON.parse(process.argv[2]!) as { costs: UniformCosts; targetMs: number };
  process.stdout.write(`${JSON.stringify(await searchOn(costs, targetMs))}\n`);
  process.exit(0);
}
