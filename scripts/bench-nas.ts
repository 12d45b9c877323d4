/**
 * NAS in the bench, one run on the public Pixel 1 LUT (Fashion-MNIST):
 * - cost: Single-Path NAS claims a search costs about as much as training one network;
 *   measured as the search's wall time over the wall time of training the network it found
 *   (its first seed) for the same number of epochs, on the same data and engine, in one run;
 * - accuracy: the found network and the baselines at the same latency (uniform, random in the
 *   band) each trained over several seeds, mean and sd, and for each baseline whether the found
 *   network's difference is outside the noise (Welch, 5 %); a skip-heavy collapse is reported.
 * Flags: --nas-seeds=N (default 3), --nas-limit=N, --nas-epochs=N (search and training),
 * --nas-random=N (random baselines), --nas-resolution=PX, --nas-width=F (proxy size), --no-nas-baselines (cost only).
 * And the loop closed on this CPU (benchNasOnDevice): a search against the kernel model's
 * table, its found network measured as deployed, against the kernel table and the old LUT.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openProfilesDb } from '../profiles-db/profiles-db.js';
import { loadSpnasLatency, NAS_DEFAULTS, runNas } from '../app/nas/nas-job.js';
import { initEngine } from '../app/train/engine.js';
import { pixel1LutPath } from '../test/cli-helpers.js';
import { LocalLabService } from '../app/lab-service.js';
import { compileSpnasTable, spnasLatency } from '../app/predict/spnas-lut.js';
import { parseChoice, uniformArchitecture } from '../app/nas/architecture.js';
import type { NasCandidate, NasProgress, NasResult } from '../app/api/search.js';

export interface NasBench {
  readonly engine: string;
  readonly images: number;
  readonly epochs: number;
  readonly seeds: number;
  readonly resolution: number;
  readonly width: number;
  readonly target_ms: number;
  readonly predicted_latency_ms: number;
  readonly search_s: number;
  readonly train_s: number;
  /** search_s / train_s: the goal is at most 1.2. */
  readonly ratio: number;
  /**
   * The same ratio in this process's CPU seconds: on a machine shared with other work, wall
   * time moves with the load. CPU time moves too, less: the wasm engine runs as many threads
   * as there are cores, so a phase that finds the cores free counts more CPU seconds than one
   * that shares them.
   */
  readonly search_cpu_s: number;
  readonly train_cpu_s: number;
  readonly cpu_ratio: number;
  /** The found network and the baselines over the seeds (absent with --no-nas-baselines). */
  readonly result: NasResult;
}

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

const flag = (args: readonly string[], name: string): number | undefined => {
  const v = args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  return v === undefined ? undefined : Number(v);
};

export async function benchNas(quick: boolean, args: readonly string[] = [], log: (line: string) => void = () => undefined): Promise<NasBench> {
  const dir = mkdtempSync(join(tmpdir(), 'labbench-bench-nas-'));
  const db = openProfilesDb(join(dir, 'nas.db'));
  const images = flag(args, 'nas-limit') ?? (quick ? 1000 : 12000);
  const epochs = flag(args, 'nas-epochs') ?? (quick ? 1 : 4);
  const seeds = flag(args, 'nas-seeds') ?? 3;
  const baselines = !args.includes('--no-nas-baselines');
  const randomBaselines = flag(args, 'nas-random') ?? 2;
  const resolution = flag(args, 'nas-resolution');
  const width = flag(args, 'nas-width');
  try {
    // The engine's start (seconds of CPU compiling wasm) is not part of the search: runNas's
    // wall time starts after it, and so does the CPU count once the engine is up.
    await initEngine();
    const cpu0 = cpuSeconds();
    // The search ends where the first progress of another phase (training the found network)
    // arrives, and that training ends where the next phase's first progress arrives.
    let cpuSearchEnd: number | undefined;
    let cpuTrainEnd: number | undefined;
    const onProgress = (p: NasProgress): void => {
      if (cpuSearchEnd === undefined && p.phase !== 'search') cpuSearchEnd = cpuSeconds();
      if (cpuTrainEnd === undefined && cpuSearchEnd !== undefined && p.phase !== 'train') cpuTrainEnd = cpuSeconds();
      if (p.point) log(`nas ${p.phase} epoch ${p.point.epoch}/${p.point.epochs}: val ${(100 * (p.point.accuracy ?? NaN)).toFixed(1)}%`);
    };
    const r = await runNas(
      db,
      { lutFile: pixel1LutPath(), targetMs: 80, data: 'fashion-mnist', limit: images, epochs, trainEpochs: epochs, seeds, seed: 1, ...(resolution ? { resolution } : {}), ...(width ? { width } : {}), ...(baselines ? { randomBaselines } : { noBaselines: true }) },
      { onProgress, onWarning: (m) => log(`nas warning: ${m}`) },
    );
    const cpu1 = cpuSeconds();
    const searchCpu = (cpuSearchEnd ?? cpu1) - cpu0;
    const trainCpu = (cpuTrainEnd ?? cpu1) - (cpuSearchEnd ?? cpu1);
    return {
      engine: r.engine,
      images,
      epochs,
      seeds,
      resolution: resolution ?? NAS_DEFAULTS.resolution,
      width: width ?? NAS_DEFAULTS.width,
      target_ms: 80,
      predicted_latency_ms: r.predicted_latency_ms,
      search_s: r.search_seconds,
      train_s: r.train_seconds,
      ratio: r.search_seconds / r.train_seconds,
      search_cpu_s: searchCpu,
      train_cpu_s: trainCpu,
      cpu_ratio: searchCpu / trainCpu,
      result: r,
    };
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const pm = (c: Pick<NasCandidate, 'accuracy' | 'accuracy_sd'>): string => `${(100 * c.accuracy).toFixed(2)} ± ${(100 * c.accuracy_sd).toFixed(2)} %`;

export function formatNasBench(b: NasBench): string {
  const r = b.result;
  return [
    `\nSingle-Path NAS on the Pixel 1 LUT (target ${b.target_ms} ms, fashion-mnist, ${b.images} images at ${b.resolution} px, width x${b.width}, ${b.epochs} epoch(s), ${b.engine}): ` +
      `search ${b.search_s.toFixed(1)} s (${(r.search_epochs ?? b.epochs).toFixed(2)} of ${b.epochs} epochs: it ends when every decision has settled), training the found network (${b.predicted_latency_ms.toFixed(1)} ms) ${b.train_s.toFixed(1)} s: ratio x${b.ratio.toFixed(2)} (goal <= 1.2); ` +
      `in CPU seconds ${b.search_cpu_s.toFixed(1)} / ${b.train_cpu_s.toFixed(1)}: x${b.cpu_ratio.toFixed(2)}`,
    `test accuracy over ${r.seeds} seed(s) (mean ± sd): found ${pm(r)} (skips ${r.skipped.layers} of ${r.skipped.of} skippable layers)`,
    ...r.baselines.map((c) => `  ${c.name.padEnd(14)} ${c.predicted_latency_ms.toFixed(1).padStart(6)} ms  ${pm(c)}  ${c.comparison ?? ''}`),
    ...r.warnings.map((w) => `warning: ${w}`),
  ].join('\n');
}

export interface NasOnDeviceBench {
  readonly resolution: number;
  readonly lut_units: number;
  /** Sample networks of the kernel fit, and the fit's calibration error on them (%). */
  readonly fit_networks: number;
  readonly fit_calibration_rmspe_pct: number;
  readonly target_ms: number;
  readonly workload: string;
  /** What the search optimized: the kernel-model table's sum for the found network. */
  readonly predicted_ms: number;
  /** The kernel model on the found network planned whole (what the table's cells add up to stand for). */
  readonly whole_network_predicted_ms: number;
  /** The old per-block, unfused LUT's sum for the same network. */
  readonly lut_predicted_ms: number;
  /**
   * The found network measured on the same device, as deployed (kernel mode): end to end
   * brought to the kernel model's machine state (what its predictions are in; the raw median
   * where the model has no state), as taken, and as the sum of its kernels.
   */
  readonly measured_end_to_end_ms: number;
  readonly measured_raw_ms: number;
  readonly measured_sum_of_layers_ms: number;
  /** (prediction - measured) / measured, %: the kernel table's and the LUT's. */
  readonly error_pct: number;
  readonly lut_error_pct: number;
}

/**
 * The loop closed on this machine's CPU: fit a small kernel model, profile the NAS space
 * into a per-block LUT (the old table), search against the kernel model's table, then
 * profile the network the search found as deployed (kernel mode) and compare its measured
 * latency with both tables' predictions. The NAS training is tiny here: what is measured is
 * the latency, not accuracy.
 */
export async function benchNasOnDevice(quick: boolean): Promise<NasOnDeviceBench> {
  const dir = mkdtempSync(join(tmpdir(), 'labbench-bench-nas-local-'));
  const dbPath = join(dir, 'nas.db');
  const service = new LocalLabService(dbPath);
  const resolution = quick ? 32 : 64;
  const timing = { runs: 10, maxSecondsPerUnit: quick ? 0.3 : 1, fresh: true } as const;
  try {
    const fit = await service.fit({ device: 'local', mode: 'kernels', sample: quick ? 30 : 80, rounds: 0 });
    const lut = await service.profile({ device: 'local', workload: 'spnas-space', resolution, ...timing });
    const lutTable = compileSpnasTable((await service.lutShow(`local@${lut.device_fingerprint}`)).entries);
    // The kernel table as the search will see it (the same rule: the kernel model, at the LUT's resolution).
    const reader = openProfilesDb(dbPath);
    const kernels = await loadSpnasLatency(reader, { device: 'local', latency: 'kernels' }).finally(() => reader.close());
    const lo = spnasLatency(kernels.table, uniformArchitecture(0));
    const hi = spnasLatency(kernels.table, uniformArchitecture(3));
    const target = Math.round(((lo + hi) / 2) * 100) / 100;
    const nas = await service.nas({ device: 'local', latency: 'kernels', targetMs: target, data: 'mnist', limit: 500, resolution: 16, width: 0.125, batchSize: 32, epochs: 1, trainEpochs: 1, noBaselines: true });
    if (nas.latency_source !== 'kernels' || nas.resolution !== resolution) throw new Error(`the search used ${nas.latency_source ?? '?'} at ${nas.resolution} px, not the kernel model at ${resolution} px`);
    const measured = await service.profile({ device: 'local', workload: nas.workload, resolution, ...timing });
    const whole = await service.predict({ device: 'local', workload: nas.workload, resolution });
    const e2e = measured.end_to_end?.reference_median_ms ?? measured.end_to_end?.median_ms ?? NaN;
    const lutMs = spnasLatency(lutTable, nas.architecture.map((c) => parseChoice(c.choice)));
    const err = (x: number): number => ((x - e2e) / e2e) * 100;
    return {
      resolution,
      lut_units: lut.measured_units,
      fit_networks: fit.calibration?.networks ?? NaN,
      fit_calibration_rmspe_pct: fit.calibration?.rmspe_pct ?? NaN,
      target_ms: target,
      workload: nas.workload,
      predicted_ms: nas.predicted_latency_ms,
      whole_network_predicted_ms: whole.total.runtime_ms,
      lut_predicted_ms: lutMs,
      measured_end_to_end_ms: e2e,
      measured_raw_ms: measured.end_to_end?.median_ms ?? NaN,
      measured_sum_of_layers_ms: measured.sum_of_layers_ms,
      error_pct: err(nas.predicted_latency_ms),
      lut_error_pct: err(lutMs),
    };
  } finally {
    service.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatNasOnDeviceBench(b: NasOnDeviceBench): string {
  return (
    `
NAS on this CPU's kernel model (fit on ${b.fit_networks} sample networks, calibration error ${b.fit_calibration_rmspe_pct.toFixed(1)}%; spnas-space at ${b.resolution}px): target ${b.target_ms.toFixed(2)} ms, ` +
    `the kernel table predicts ${b.predicted_ms.toFixed(2)} ms for the found network (the model on the whole network ${b.whole_network_predicted_ms.toFixed(2)} ms); ` +
    `measured as deployed ${b.measured_end_to_end_ms.toFixed(2)} ms end to end in the model's machine state (${b.measured_raw_ms.toFixed(2)} ms as taken; sum of its kernels ${b.measured_sum_of_layers_ms.toFixed(2)} ms): prediction error ${b.error_pct.toFixed(1)}%; ` +
    `the per-block unfused LUT (${b.lut_units} units) predicts ${b.lut_predicted_ms.toFixed(2)} ms: error ${b.lut_error_pct.toFixed(1)}%`
  );
}
