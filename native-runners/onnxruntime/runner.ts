/**
 * The local runner: runs an ONNX artifact with onnxruntime-node and reads kernel times from
 * ORT's own profiler. Discipline: a fixed thread count, warm-up runs, then runs in growing
 * batches until the 95 % interval of the median is within `targetRelCi` of it, or a cap
 * (runs or seconds) is hit. The stop rule watches wall-clock times of `session.run()`
 * (available at once); the samples reported are the profiler's, read at the end, since
 * `endProfiling()` can be called only once per session.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type * as Ort from 'onnxruntime-node';
import { LabbenchError } from '../../app/api/errors.js';
import { relativeCiHalfWidth } from '../../app/util/stats.js';
import { parseOrtProfile, type ProfiledRun } from './parse-profile.js';
import type { OnnxArtifact } from './artifact.js';

export type GraphOptimization = 'disabled' | 'basic' | 'extended' | 'all';
export type OrtExecutionProvider = 'cpu' | 'cuda';

export interface MeasureOptions {
  readonly threads: number;
  readonly graphOptimization: GraphOptimization;
  readonly executionProvider: OrtExecutionProvider;
  readonly warmup: number;
  /** Runs measured at least, and in the first batch. */
  readonly minRuns: number;
  readonly maxRuns: number;
  /** Stop once the interval's half-width is within this fraction of the median (0.02 = 2 %). */
  readonly targetRelCi: number;
  /** Cap on measuring time for one artifact, warm-up excluded. */
  readonly maxSeconds: number;
  readonly signal?: AbortSignal;
  /** Times the host's state beside the runs (CanaryProbe); `canaryMs` then comes back. */
  readonly canary?: CanaryProbe;
  /** Keep the graph ORT runs after its optimizations (`optimized` comes back): fused kernels, layout reorders. */
  readonly keepOptimized?: boolean;
  /**
   * After the profiled runs, end the profiler and run the same session as often again
   * (`plainMs` comes back): the deployed end-to-end time, without the profiler's
   * bookkeeping per node, right after the kernels were timed.
   */
  readonly paired?: boolean;
  /**
   * With `paired`: run until the device time is at least this many times the overhead so far
   * (artifact, session, profile parsing). The rule may take the plain runs past `maxRuns`,
   * and past `maxSeconds` to twice that at most.
   */
  readonly setupRatio?: number;
  /** Profiled runs at most, below `maxRuns`: the profiler's trace grows by every run, and is written, read and parsed whole. */
  readonly profiledMaxRuns?: number;
  /** Setup spent before this call (building the artifact), counted with the session's for `setupRatio`. */
  readonly priorSetupMs?: number;
  /** Canary readings at most this far apart, ms of measuring (default CANARY_EVERY_MS). */
  readonly canaryEveryMs?: number;
  /**
   * Past this many readings in one series of runs, the canary's period grows with the series
   * (a reading every 1/N of the time measured so far): where a timing is normalized by the
   * canary's median, more readings gain little, and each one is overhead. Default: no limit.
   */
  readonly canaryReadings?: number;
  /** Called after each measured run with the count so far (progress for long measurements). */
  readonly onRun?: (runs: number) => void;
}

export interface Measurement {
  /** Per measured run: sum of kernel times (ms), from ORT's profiler. */
  readonly kernelMs: readonly number[];
  /** Per measured run: ORT's `model_run` span (ms): kernels plus the executor's overhead. */
  readonly modelRunMs: readonly number[];
  /** Per measured run: `session.run()` seen from JS (ms), including bindings and copies. */
  readonly wallMs: readonly number[];
  /** The profiled runs themselves, warm-up dropped, for per-node attribution. */
  readonly runs: readonly ProfiledRun[];
  /** Session creation and warm-up, in ms: overhead that is not device time. */
  readonly setupMs: number;
  /** With a canary: per measured run, the canary's time around it (mean of the readings just before and just after). */
  readonly canaryMs?: readonly number[];
  /** With `keepOptimized`: the ONNX model ORT ran, as it wrote it after optimizing. */
  readonly optimized?: Uint8Array;
  /** With `paired`: per run after the profiler ended, `session.run()` (ms), and the canary around each. */
  readonly plainMs?: readonly number[];
  readonly plainCanaryMs?: readonly number[];
  /** Warm-up runs, ms (device time, not overhead). */
  readonly warmupMs?: number;
}

/** Canary readings at most this far apart (ms of measuring): short runs share one, long runs get one each. */
const CANARY_EVERY_MS = 3;
/** Progress after a run at most this often (ms): a small network runs thousands of times. */
const PROGRESS_EVERY_MS = 100;

/**
 * A small fixed layer timed between the runs of what is measured. The host's speed changes
 * under a measurement; the canary's time beside each run says which state that run met, so
 * that timings taken minutes apart can be brought to one state
 * (docs/decisions/0010-canary-beside-every-run.md).
 */
export interface CanaryProbe {
  /** One timed run of the canary, wall ms. */
  run(): Promise<number>;
  release(): Promise<void>;
}

export type SessionOptions = Pick<MeasureOptions, 'threads' | 'graphOptimization' | 'executionProvider'>;

/** One thread pool of `threads`, operators in sequence; ORT's profiler on where a file prefix is given. */
async function createSession(artifact: OnnxArtifact, o: SessionOptions, what: string, profilePrefix?: string, optimizedPath?: string): Promise<Ort.InferenceSession> {
  try {
    return await loadOrt().InferenceSession.create(artifact.bytes, {
      executionProviders: [o.executionProvider],
      intraOpNumThreads: o.threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: o.graphOptimization,
      ...(profilePrefix ? { enableProfiling: true, profileFilePrefix: profilePrefix } : {}),
      ...(optimizedPath ? { optimizedModelFilePath: optimizedPath } : {}),
      // Writing a layout-optimized model warns that it is hardware specific: it is read here, on this host.
      logSeverityLevel: optimizedPath ? 4 : 3,
    });
  } catch (e) {
    throw new LabbenchError('RUNNER_FAILED', `onnxruntime could not load ${what}: ${(e as Error).message}`, { cause: e });
  }
}

/** Every input filled with one constant: for runs whose timing, not output, matters (meter loops, the canary). */
function constantFeeds(artifact: OnnxArtifact): Record<string, Ort.Tensor> {
  const ort = loadOrt();
  return Object.fromEntries(artifact.inputs.map((i) => [i.name, new ort.Tensor('float32', new Float32Array(i.shape.reduce((a, b) => a * b, 1)).fill(0.25), [...i.shape])]));
}

/**
 * `warm`: each reading is the second of two back-to-back runs. The first run after another
 * session's pays for what that session evicted (more after a network with large weights), so
 * a single run tells the neighbour as much as the host (docs/decisions/0001).
 */
export async function openCanary(artifact: OnnxArtifact, o: SessionOptions, warm = false): Promise<CanaryProbe> {
  const session = await createSession(artifact, o, 'the canary');
  const feeds = constantFeeds(artifact);
  for (let i = 0; i < 5; i++) await session.run(feeds);
  return {
    async run() {
      if (warm) await session.run(feeds);
      const s = performance.now();
      await session.run(feeds);
      return performance.now() - s;
    },
    release: () => session.release().catch(() => undefined),
  };
}

const require = createRequire(import.meta.url);
let ortModule: typeof Ort | undefined;

/** Loads onnxruntime-node lazily, so commands that do not profile start without it. */
export function loadOrt(): typeof Ort {
  if (!ortModule) {
    try {
      ortModule = require('onnxruntime-node') as typeof Ort;
    } catch (e) {
      throw new LabbenchError('RUNNER_FAILED', `onnxruntime-node cannot be loaded (${(e as Error).message}); run npm ci`, { cause: e });
    }
  }
  return ortModule;
}

export function ortVersion(): string {
  return loadOrt().env.versions.node ?? 'unknown';
}

function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new LabbenchError('CANCELED', 'cancelled');
}

/**
 * The graph ORT would run for `artifact` (fused kernels, layout conversions), as it writes it
 * after optimizing: a session is created and released, nothing is run.
 */
export async function optimizedGraph(artifact: OnnxArtifact, o: SessionOptions): Promise<Uint8Array> {
  const dir = mkdtempSync(join(tmpdir(), 'labbench-ort-'));
  try {
    const path = join(dir, 'optimized.onnx');
    const session = await createSession(artifact, o, 'the artifact', undefined, path);
    await session.release().catch(() => undefined);
    return new Uint8Array(readFileSync(path));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Canary readings beside a series of runs: short runs share one, each run gets the mean of the readings around it. */
class CanaryTimer {
  private readonly readings: number[] = [];
  private readonly before: number[] = [];
  private since = Infinity;
  private elapsed = 0;

  constructor(
    private readonly probe: CanaryProbe | undefined,
    private readonly every = CANARY_EVERY_MS,
    private readonly maxReadings = Infinity,
  ) {}

  async beforeRun(): Promise<void> {
    if (!this.probe) return;
    if (this.since >= Math.max(this.every, this.elapsed / this.maxReadings)) {
      this.readings.push(await this.probe.run());
      this.since = 0;
    }
    this.before.push(this.readings.length - 1);
  }

  afterRun(ms: number): void {
    this.since += ms;
    this.elapsed += ms;
  }

  /** Per run, the canary around it; undefined without a probe. */
  async finish(): Promise<number[] | undefined> {
    if (!this.probe) return undefined;
    this.readings.push(await this.probe.run());
    return this.before.map((k) => (this.readings[k]! + this.readings[k + 1]!) / 2);
  }
}

/**
 * Runs `run` in growing batches until the stop rule holds: at least `minRuns`, the median's
 * interval within `targetRelCi`, and `enough` (when given) satisfied; or a cap. Wall ms per run.
 */
async function timedRuns(run: () => Promise<unknown>, o: MeasureOptions, canary: CanaryTimer, enough?: (wallMs: readonly number[]) => boolean, growth = 0.5): Promise<number[]> {
  const wallMs: number[] = [];
  const start = performance.now();
  let batch = o.minRuns;
  let told = -Infinity;
  for (;;) {
    for (let i = 0; i < batch && wallMs.length < o.maxRuns; i++) {
      checkAborted(o.signal);
      await canary.beforeRun();
      const s = performance.now();
      await run();
      const ms = performance.now() - s;
      wallMs.push(ms);
      canary.afterRun(ms);
      if (s + ms - told >= PROGRESS_EVERY_MS) {
        told = s + ms;
        o.onRun?.(wallMs.length);
      }
    }
    const elapsed = performance.now() - start;
    if (wallMs.length >= o.maxRuns || elapsed >= o.maxSeconds * 1000) return wallMs;
    if (wallMs.length >= o.minRuns && relativeCiHalfWidth(wallMs) <= o.targetRelCi && (enough?.(wallMs) ?? true)) return wallMs;
    // Grow batches so that a noisy layer converges in a few rounds without overshooting a quiet one.
    batch = Math.max(o.minRuns, Math.ceil(wallMs.length * growth));
  }
}

export async function measureOnnx(artifact: OnnxArtifact, o: MeasureOptions): Promise<Measurement> {
  const ort = loadOrt();
  const dir = mkdtempSync(join(tmpdir(), 'labbench-ort-'));
  const t0 = performance.now();
  let session: Ort.InferenceSession | undefined;
  try {
    const optimizedPath = o.keepOptimized ? join(dir, 'optimized.onnx') : undefined;
    session = await createSession(artifact, o, 'the artifact', join(dir, 'profile'), optimizedPath);
    const s = session;
    const optimized = optimizedPath ? new Uint8Array(readFileSync(optimizedPath)) : undefined;
    const feeds: Record<string, Ort.Tensor> = {};
    let seed = 12345;
    for (const input of artifact.inputs) {
      const n = input.shape.reduce((a, b) => a * b, 1);
      const data = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        data[i] = seed / 0x100000000 - 0.5;
      }
      feeds[input.name] = new ort.Tensor('float32', data, [...input.shape]);
    }
    const w0 = performance.now();
    for (let i = 0; i < o.warmup; i++) {
      checkAborted(o.signal);
      await s.run(feeds);
    }
    const warmupMs = performance.now() - w0;
    const setupMs = performance.now() - t0;
    const canary = new CanaryTimer(o.canary, o.canaryEveryMs, o.canaryReadings);
    const wallMs = await timedRuns(() => s.run(feeds), { ...o, maxRuns: Math.min(o.maxRuns, o.profiledMaxRuns ?? o.maxRuns) }, canary);
    const canaryMs = await canary.finish();
    s.endProfiling();
    const file = readdirSync(dir).find((f) => f.startsWith('profile') && f.endsWith('.json'));
    if (!file) throw new LabbenchError('RUNNER_FAILED', 'onnxruntime wrote no profile file');
    const all = parseOrtProfile(readFileSync(join(dir, file), 'utf8'), file);
    if (all.length !== o.warmup + wallMs.length) {
      throw new LabbenchError('PARSE_FAILED', `${file}: ${all.length} model_run events for ${o.warmup + wallMs.length} runs`);
    }
    const runs = all.slice(o.warmup);
    // The same session without its profiler: the deployed end to end, right after. It runs
    // until the device time is `setupRatio` times what the job has spent besides (artifact,
    // session, profile parsing), so that the overhead stays a small part of the wall time.
    let plain: { plainMs: number[]; plainCanaryMs?: number[] } | undefined;
    if (o.paired) {
      const after = new CanaryTimer(o.canary, o.canaryEveryMs, o.canaryReadings);
      const before = warmupMs + wallMs.reduce((a, b) => a + b, 0);
      const enough = (ms: readonly number[]): boolean => {
        const device = before + ms.reduce((a, b) => a + b, 0);
        const overhead = performance.now() - t0 + (o.priorSetupMs ?? 0) - device;
        return ms.length >= wallMs.length && device >= (o.setupRatio ?? 0) * overhead;
      };
      // The overhead rule may take it past maxRuns, and past maxSeconds to twice that at most;
      // its batches grow by a tenth, not to overshoot it by half.
      const maxRuns = o.setupRatio ? Number.MAX_SAFE_INTEGER : o.maxRuns;
      const plainMs = await timedRuns(() => s.run(feeds), { ...o, maxRuns, maxSeconds: 2 * o.maxSeconds, onRun: (n) => o.onRun?.(wallMs.length + n) }, after, enough, o.setupRatio ? 0.1 : 0.5);
      const plainCanaryMs = await after.finish();
      plain = { plainMs, ...(plainCanaryMs ? { plainCanaryMs } : {}) };
    }
    return {
      kernelMs: runs.map((r) => r.kernels.reduce((sum, k) => sum + k.durUs, 0) / 1000),
      modelRunMs: runs.map((r) => r.modelRunUs / 1000),
      wallMs,
      runs,
      setupMs,
      warmupMs,
      ...(canaryMs ? { canaryMs } : {}),
      ...(optimized ? { optimized } : {}),
      ...(plain ?? {}),
    };
  } finally {
    await session?.release().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Runs an artifact back to back for `seconds` (no profiler), for a power meter to average
 * over; returns the loop's window on the host clock, after a short settling time.
 */
export async function loopOnnx(artifact: OnnxArtifact, o: MeasureOptions & { seconds: number }): Promise<{ fromMs: number; toMs: number }> {
  const session = await createSession(artifact, o, 'the artifact');
  try {
    const feeds = constantFeeds(artifact);
    await session.run(feeds);
    const start = performance.timeOrigin + performance.now();
    const end = start + o.seconds * 1000;
    while (performance.timeOrigin + performance.now() < end) {
      checkAborted(o.signal);
      await session.run(feeds);
    }
    const stop = performance.timeOrigin + performance.now();
    return { fromMs: start + (stop - start) * 0.1, toMs: stop };
  } finally {
    await session.release().catch(() => undefined);
  }
}
