/**
 * This host as a profiling target: units and networks run in process by onnxruntime-node,
 * on the CPU or (where ORT's CUDA provider is installed) an NVIDIA GPU.
 */
import { availableParallelism, loadavg } from 'node:os';
import { LabbenchError } from '../../app/api/errors.js';
import type { DeviceFingerprint } from '../../app/api/lut.js';
import type { Network } from '../../app/workloads/ir.js';
import type { ProfileUnit } from '../../app/workloads/units.js';
import { buildOnnx } from './artifact.js';
import { loopOnnx, measureOnnx, openCanary, ortVersion, type CanaryProbe, type GraphOptimization, type MeasureOptions } from './runner.js';
import type { ProfiledRun } from './parse-profile.js';
import { cudaProviderPresent, describeLocalCpu, detectNvidiaGpus, localFingerprint } from '../../app/devices/local-host.js';
import { median, summarize } from '../../app/util/stats.js';
import { canaryUnit } from '../canary.js';
import type { KernelMeasured, Measured, ProfilingTarget, SampleConditions, TargetHooks } from '../target.js';
import { mapOrtKernels, readOrtNodes } from './kernel-map.js';

/** Per node, the median over runs of its kernel time in that run (a node may launch several kernels). */
export function nodeMedians(runs: readonly ProfiledRun[]): Record<string, number> {
  const perNode = new Map<string, number[]>();
  runs.forEach((r, i) => {
    for (const k of r.kernels) {
      const v = perNode.get(k.node) ?? perNode.set(k.node, new Array<number>(runs.length).fill(0)).get(k.node)!;
      v[i] = (v[i] ?? 0) + k.durUs / 1000;
    }
  });
  return Object.fromEntries([...perNode].map(([node, v]) => [node, median(v)]));
}

/** Kernel mode measures for at least this many times its setup (artifact, session, optimized graph). */
const SETUP_RATIO = 9;
/** Kernel mode profiles at most this many runs; the plain runs after them go on for the overhead rule. */
const PROFILED_MAX_RUNS = 200;
/** Kernel mode normalizes a timing by its canary median, not run by run: fewer readings do. */
const KERNEL_CANARY_EVERY_MS = 15;
/** Kernel mode: canary readings per series before their period grows (MeasureOptions.canaryReadings). */
const KERNEL_CANARY_READINGS = 50;

export interface LocalOrtOptions {
  readonly runs: number;
  readonly maxRuns: number;
  readonly warmup: number;
  readonly threads: number;
  readonly graphOptimization: GraphOptimization;
  readonly targetRelCi: number;
  readonly maxSecondsPerUnit: number;
  /** Kernel mode: part of the device's identity, so kernel rows and layer rows never share a LUT. */
  readonly kernels?: boolean;
  /** Kernel mode: measure at least this many times the setup (default SETUP_RATIO; 0 for quick samples). */
  readonly setupRatio?: number;
}

export class LocalOrtTarget implements ProfilingTarget {
  readonly label: string;
  readonly settings: Readonly<Record<string, unknown>>;
  /**
   * A network's end-to-end runs are taken in this many slices spread over its units: the
   * units span the whole job and the host's state changes under it, one window does not
   * (docs/decisions/0014-end-to-end-slices.md).
   */
  readonly endToEndSlices = 8;
  /** On the CPU, every sample carries the canary's time beside it (CanaryProbe), for fit-time normalization. */
  private readonly timesCanary: boolean;
  private canary: Promise<CanaryProbe> | undefined;

  private constructor(
    readonly deviceKey: string,
    private readonly executionProvider: 'cpu' | 'cuda',
    private readonly opts: LocalOrtOptions,
    private readonly gpu: { name: string; driver: string } | undefined,
  ) {
    this.label = gpu ? `${gpu.name} (CUDA)` : describeLocalCpu().label;
    this.timesCanary = executionProvider === 'cpu' && process.env.LABBENCH_STATE_CANARY !== '0';
    this.settings = {
      runs: opts.runs,
      threads: opts.threads,
      graph_optimization: opts.graphOptimization,
      warmup: opts.warmup,
      max_runs: opts.maxRuns,
      target_rel_ci: opts.targetRelCi,
      max_seconds_per_unit: opts.maxSecondsPerUnit,
      end_to_end_slices: this.endToEndSlices,
      state_canary: this.timesCanary && (opts.kernels ? 'warm' : true),
    };
  }

  /** `local` is the CPU; `gpuN` needs nvidia-smi to list it and ORT's CUDA provider to run on it. */
  static async open(device: string, opts: LocalOrtOptions): Promise<LocalOrtTarget> {
    if (device === 'local') return new LocalOrtTarget(device, 'cpu', opts, undefined);
    const { gpus, note } = await detectNvidiaGpus();
    const gpu = gpus.find((g) => g.id === device);
    if (!gpu) throw new LabbenchError('DEVICE_NOT_FOUND', `${device}: no such GPU on this machine${note ? ` (${note})` : ''}`);
    if (!cudaProviderPresent()) {
      throw new LabbenchError(
        'DEVICE_UNAVAILABLE',
        `${device}: onnxruntime-node's CUDA execution provider is not installed (reinstall onnxruntime-node without ONNXRUNTIME_NODE_INSTALL=skip on a machine with CUDA 12)`,
      );
    }
    return new LocalOrtTarget(device, 'cuda', opts, gpu);
  }

  async fingerprint(): Promise<DeviceFingerprint> {
    const fp = localFingerprint(
      describeLocalCpu(),
      { runtime: 'onnxruntime-node', runtimeVersion: ortVersion(), executionProvider: this.executionProvider, threads: this.opts.threads, graphOptimization: this.opts.graphOptimization },
      this.gpu,
    );
    return this.opts.kernels ? { ...fp, profiling: 'kernels' } : fp;
  }

  private measureOptions(hooks: TargetHooks): MeasureOptions {
    const o = this.opts;
    return {
      threads: o.threads,
      graphOptimization: o.graphOptimization,
      executionProvider: this.executionProvider,
      warmup: o.warmup,
      minRuns: o.runs,
      maxRuns: o.maxRuns,
      targetRelCi: o.targetRelCi,
      maxSeconds: o.maxSecondsPerUnit,
      ...(hooks.signal ? { signal: hooks.signal } : {}),
    };
  }

  /** Before the first unit: warn when other work already keeps the cores busy. */
  prepare(_units: readonly ProfileUnit[], _endToEnd: Network | undefined, hooks: TargetHooks): Promise<void> {
    this.warnIfBusy(hooks);
    return Promise.resolve();
  }

  /**
   * Timings taken while other processes compete for the cores are not this CPU's: a short
   * layer's median mostly dodges a time slice lost to another process, a whole network's
   * does not (docs/decisions/0015-busy-host-warning.md). The load average counts this
   * process too, hence the one core of slack.
   */
  private warnIfBusy(hooks: TargetHooks): void {
    if (this.executionProvider !== 'cpu') return;
    const load = loadavg()[0] ?? 0;
    const cores = availableParallelism();
    if (load > cores + 1) hooks.onWarning?.(`host busy: load average ${load.toFixed(1)} on ${cores} cores; timings include other processes' contention (end to end more than layers)`);
  }

  /** The canary, opened with the first measurement (none on a GPU, or when turned off). */
  private async withCanary(o: MeasureOptions): Promise<MeasureOptions> {
    if (!this.timesCanary) return o;
    this.canary ??= openCanary(buildOnnx(canaryUnit(1).network), o, this.opts.kernels === true);
    return { ...o, canary: await this.canary };
  }

  async measureUnit(unit: ProfileUnit, hooks: TargetHooks): Promise<Measured> {
    const m = await measureOnnx(buildOnnx(unit.network), await this.withCanary(this.measureOptions(hooks)));
    return { samplesMs: m.kernelMs, deviceMs: m.kernelMs.reduce((a, b) => a + b, 0), ...canaryConditions(m.canaryMs) };
  }

  runLoop(unit: ProfileUnit, seconds: number, hooks: TargetHooks): Promise<{ fromMs: number; toMs: number }> {
    return loopOnnx(buildOnnx(unit.network), { ...this.measureOptions(hooks), seconds });
  }

  async measureNetwork(network: Network, hooks: TargetHooks): Promise<Measured> {
    this.warnIfBusy(hooks);
    const m = await measureOnnx(buildOnnx(network), await this.withCanary(this.measureOptions(hooks)));
    return { samplesMs: m.modelRunMs, deviceMs: m.modelRunMs.reduce((a, b) => a + b, 0), wallMedianMs: summarize(m.wallMs).median_ms, nodesMs: nodeMedians(m.runs), ...canaryConditions(m.canaryMs) };
  }

  /**
   * Kernel mode: the network with ORT's profiler, its optimized graph kept to group the
   * profiled nodes into kernels, and, run for run in turn with it, a session without the
   * profiler for the end-to-end time (the profiler's bookkeeping per node would be part of
   * it otherwise); both meet the same host states.
   */
  async measureKernels(network: Network, hooks: TargetHooks): Promise<KernelMeasured> {
    this.warnIfBusy(hooks);
    const built = performance.now();
    const artifact = buildOnnx(network);
    const o = await this.withCanary(this.measureOptions(hooks));
    const profiled = await measureOnnx(artifact, { ...o, keepOptimized: true, paired: true, setupRatio: this.opts.setupRatio ?? SETUP_RATIO, profiledMaxRuns: PROFILED_MAX_RUNS, priorSetupMs: performance.now() - built, canaryEveryMs: KERNEL_CANARY_EVERY_MS, canaryReadings: KERNEL_CANARY_READINGS, onRun: (n) => hooks.onRuns?.(n, Math.max(2 * o.minRuns, n + 1)) });
    const map = mapOrtKernels(network, readOrtNodes(profiled.optimized!));
    const samplesMs = map.kernels.map((_, i) => (map.nodeCount[i] ? profiled.runs.map(() => 0) : []));
    profiled.runs.forEach((r, run) => {
      for (const k of r.kernels) {
        const i = map.nodeKernel.get(k.node);
        if (i === undefined) throw new LabbenchError('PARSE_FAILED', `ORT profiled node '${k.node}', which its optimized graph of ${network.name} lacks`);
        samplesMs[i]![run]! += k.durUs / 1000;
      }
    });
    const plain = profiled.plainMs!;
    const conditions = canaryConditions(profiled.canaryMs).conditions;
    const endToEnd: Measured = { samplesMs: plain, deviceMs: plain.reduce((a, b) => a + b, 0), wallMedianMs: summarize(plain).median_ms, ...canaryConditions(profiled.plainCanaryMs) };
    // Device time: every run of the network, warm-up included; what else the job spends is overhead.
    const deviceMs = (profiled.warmupMs ?? 0) + profiled.wallMs.reduce((a, b) => a + b, 0) + endToEnd.deviceMs;
    return { kernels: map.kernels, samplesMs, ...(conditions ? { conditions } : {}), endToEnd, deviceMs };
  }

  async close(): Promise<void> {
    const canary = this.canary;
    this.canary = undefined;
    await (await canary?.catch(() => undefined))?.release();
  }
}

function canaryConditions(canaryMs: readonly number[] | undefined): { conditions?: SampleConditions[] } {
  return canaryMs ? { conditions: canaryMs.map((c) => ({ canary_ms: c })) } : {};
}
