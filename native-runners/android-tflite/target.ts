/**
 * An Android phone as a profiling target: every unit becomes a .tflite file, pushed in one
 * batch before measuring, and is run by TFLite's `benchmark_model` with op profiling on.
 * A sample is one invocation (its average over `innerRuns` runs, as benchmark_model
 * reports averages); samples repeat until the median's interval is tight or a cap is hit.
 * Before each unit the phone must cool below a threshold; temperatures and CPU frequencies
 * are recorded with every sample. A phone that goes away raises DEVICE_UNAVAILABLE, and
 * `waitForDevice` brings the job back when it returns (re-pushing what it lost). A run that
 * hangs while the phone stays listed is killed there by pid and tried again, a few times at
 * most, then fails the unit (runBenchmark).
 */
import { createHash } from 'node:crypto';
import { LabbenchError } from '../../app/api/errors.js';
import type { DeviceFingerprint } from '../../app/api/lut.js';
import type { ProfileRequest } from '../../app/api/profile.js';
import type { Network } from '../../app/workloads/ir.js';
import type { ProfileUnit } from '../../app/workloads/units.js';
import { buildTflite, type TfliteArtifact } from './tflite-writer.js';
import { layerFlops, mapRowsToLayers } from './map-rows.js';
import { groupKind, groupVariant, plannedGroups } from './kernel-groups.js';
import { analyzeNetwork } from '../../app/workloads/analyze.js';
import { layerKernel, type Kernel } from '../../app/workloads/kernels.js';
import { benchmarkArgv } from './argv.js';
import { benchmarkFailure, parseBenchmarkOutput, rowMsPerRun } from './parse-benchmark.js';
import { createAdbClient, killProcess, listPhones, push, pushFile, redial, shell, ShellTimeoutError, tcpSerial, type AdbClient, type ShellResult } from '../../app/devices/adb/adb-shell.js';
import { listCores, readLiveState, thermalZones } from '../../app/devices/adb/phone-info.js';
import { emulationFromProps } from '../../app/devices/adb/emulation.js';
import { parseDumpsysBattery, parseScreenOn } from '../../app/devices/adb/phone-parsers.js';
import { relativeCiHalfWidth } from '../../app/util/stats.js';
import { sleep } from '../../app/util/sleep.js';
import { NETWORK_ARTIFACT, type KernelMeasured, type Measured, type ProfilingTarget, type SampleConditions, type TargetHooks } from '../target.js';

export const DEVICE_DIR = '/data/local/tmp/labbench';
/**
 * Kernel mode: each invocation runs for at least this many times the overhead an invocation
 * last cost on the phone (`setupRatio` of the request; the fit's sample networks ask for less).
 */
const INVOKE_RATIO = 12;
/** The most seconds an invocation is asked to run for (`--min_secs`). */
const MAX_INVOKE_SECS = 5;
/**
 * Per phone, delegate and thread count, what the last kernel-mode invocation cost besides its
 * runs (ms): the first invocation of the next network is sized from it, not from a run count.
 */
const lastInvokeOverheadMs = new Map<string, number>();
export const DEFAULT_BENCHMARK_MODEL = '/data/local/tmp/benchmark_model';
/** Where `--benchmark-binary` is pushed. */
export const PUSHED_BENCHMARK_MODEL = `${DEVICE_DIR}/benchmark_model`;
/** Without `--benchmark-binary`, the build a job runs: the phone's own, else one an earlier job pushed. */
export const BENCHMARK_MODEL_PATHS = [DEFAULT_BENCHMARK_MODEL, PUSHED_BENCHMARK_MODEL] as const;
/** The hottest thermal zone must be below this before each unit (`--cool-below`), degC. */
export const DEFAULT_COOL_BELOW_C = 45;
/** Tries of one benchmark_model invocation that hangs (each killed on the phone) before the unit fails. */
export const MAX_HANG_TRIES = 3;
/** A hung run is one still running after hangTimeoutS plus this many times its expected run time. */
const HANG_MARGIN = 4;

interface AndroidOptions {
  readonly runs: number;
  readonly maxRuns: number;
  readonly warmup: number;
  readonly innerRuns: number;
  readonly threads: number;
  readonly delegate: 'cpu' | 'xnnpack' | 'gpu' | 'nnapi';
  readonly coreMask: string | undefined;
  readonly coolBelowC: number;
  readonly targetRelCi: number;
  readonly benchmarkBinary: string | undefined;
  readonly unplugTimeoutS: number;
  readonly hangTimeoutS: number;
  readonly kernels: boolean;
  readonly invokeRatio: number;
}

/** A unit as a user knows it: its first layer, and its key where that says more. */
function unitName(unit: ProfileUnit): string {
  const first = unit.layers[0];
  return first === undefined || first === unit.key ? unit.key : `${first} [${unit.key}]`;
}

export class AndroidTarget implements ProfilingTarget {
  readonly settings: Readonly<Record<string, unknown>>;
  private cores: number[] = [];
  private zones: { name: string; path: string }[] = [];
  private props: Record<string, string> = {};
  private binary = DEFAULT_BENCHMARK_MODEL;
  /** Artifacts by unit key (and NETWORK_ARTIFACT): device path and bytes, to re-push after a replug. */
  private readonly artifacts = new Map<string, { path: string; bytes: Uint8Array }>();
  /** Per artifact key, the longest inference seen (ms): what a run of it should take. */
  private readonly runMs = new Map<string, number>();
  /** The whole network's artifact with its operator tables, to map profile rows to kernels. */
  private network: { net: Network; artifact: TfliteArtifact } | undefined;

  private constructor(
    private readonly client: AdbClient,
    readonly deviceKey: string,
    readonly label: string,
    private readonly o: AndroidOptions,
  ) {
    this.settings = {
      runner: 'tflite-benchmark_model',
      runs: o.runs,
      warmup: o.warmup,
      inner_runs: o.innerRuns,
      max_runs: o.maxRuns,
      threads: o.threads,
      delegate: o.delegate,
      core_mask: o.coreMask ?? null,
      cool_below_c: o.coolBelowC,
      target_rel_ci: o.targetRelCi,
    };
  }

  /** `kernels`: the deployed graph (converter-style fusion, XNNPACK by default); `layers`: unfused artifacts, the builtin kernels by default. */
  static async open(req: ProfileRequest, mode: 'kernels' | 'layers' = 'layers'): Promise<AndroidTarget> {
    const client = createAdbClient();
    const phones = await listPhones(client);
    const phone = phones.find((p) => p.id === req.device);
    if (!phone) {
      const known = phones.map((p) => p.id).join(', ') || 'none';
      throw new LabbenchError('DEVICE_NOT_FOUND', `${req.device}: no such device (local, gpuN, or an adb serial; adb sees: ${known})`);
    }
    if (phone.type !== 'device') throw new LabbenchError('DEVICE_UNAVAILABLE', `${req.device}: adb reports the phone as ${phone.type}`);
    const runs = req.runs ?? 5;
    const t = new AndroidTarget(client, req.device, req.device, {
      runs,
      maxRuns: req.maxRuns ?? Math.max(20, runs),
      warmup: req.warmup ?? 3,
      innerRuns: req.innerRuns ?? 10,
      threads: req.threads ?? 1,
      delegate: req.delegate ?? (mode === 'kernels' ? 'xnnpack' : 'cpu'),
      coreMask: req.coreMask,
      coolBelowC: req.coolBelowC ?? DEFAULT_COOL_BELOW_C,
      targetRelCi: req.targetRelCi ?? 0.02,
      benchmarkBinary: req.benchmarkBinary,
      unplugTimeoutS: req.unplugTimeoutS ?? 600,
      hangTimeoutS: req.hangTimeoutS ?? 120,
      kernels: mode === 'kernels',
      invokeRatio: req.setupRatio ?? INVOKE_RATIO,
    });
    await t.readIdentity();
    return t;
  }

  private async readIdentity(): Promise<void> {
    this.props = (await this.client.getDevice(this.deviceKey).getProperties()) as Record<string, string>;
    this.cores = await listCores(this.client, this.deviceKey);
    this.zones = await thermalZones(this.client, this.deviceKey);
    (this as { label: string }).label = `${this.props['ro.product.manufacturer'] ?? ''} ${this.props['ro.product.model'] ?? this.deviceKey}`.trim();
  }

  async fingerprint(): Promise<DeviceFingerprint> {
    const p = this.props;
    return {
      kind: 'android',
      emulated: emulationFromProps(p) !== undefined,
      model: p['ro.product.model'] ?? null,
      device: p['ro.product.device'] ?? null,
      soc: p['ro.board.platform'] ?? p['ro.product.board'] ?? null,
      android: p['ro.build.version.release'] ?? null,
      build: p['ro.build.fingerprint'] ?? null,
      abi: p['ro.product.cpu.abi'] ?? null,
      // Which phone of a rack: two of one model and build are two devices, each its own runs and
      // LUT. Hashed, so that an exported LUT does not carry the phone's serial number.
      ...(p['ro.serialno'] ? { unit: createHash('sha256').update(p['ro.serialno']).digest('hex').slice(0, 12) } : {}),
      cores: this.cores.length,
      runtime: 'tflite benchmark_model',
      delegate: this.o.delegate,
      threads: this.o.threads,
      core_mask: this.o.coreMask ?? null,
      ...(this.o.kernels ? { profiling: 'kernels' } : {}),
    };
  }

  /** A binary the user names is pushed and used; else the phone's own, else one an earlier job pushed. */
  private async ensureBinary(): Promise<void> {
    if (this.o.benchmarkBinary) {
      await pushFile(this.client, this.deviceKey, this.o.benchmarkBinary, PUSHED_BENCHMARK_MODEL);
      await shell(this.client, this.deviceKey, ['chmod', '755', PUSHED_BENCHMARK_MODEL]);
      this.binary = PUSHED_BENCHMARK_MODEL;
      return;
    }
    for (const candidate of BENCHMARK_MODEL_PATHS) {
      if ((await shell(this.client, this.deviceKey, ['ls', candidate])).exitCode === 0) {
        this.binary = candidate;
        return;
      }
    }
    throw new LabbenchError(
      'RUNNER_FAILED',
      `${this.deviceKey} has no ${DEFAULT_BENCHMARK_MODEL}: build TFLite's benchmark_model for Android (tensorflow/lite/tools/benchmark, or the prebuilt android_aarch64_benchmark_model from TensorFlow's nightly binaries) and pass --benchmark-binary PATH`,
    );
  }

  private warnAboutConditions(hooks: TargetHooks, battery: ReturnType<typeof parseDumpsysBattery>, screenOn: boolean | undefined): void {
    if (battery.level !== undefined && battery.level < 20) hooks.onWarning?.(`${this.deviceKey}: battery at ${battery.level}%: low batteries throttle`);
    if (screenOn) hooks.onWarning?.(`${this.deviceKey}: the screen is on: it heats the phone and competes for the CPU`);
    if (battery.usb_powered && battery.status === 2) hooks.onWarning?.(`${this.deviceKey}: charging over USB: charging heats the phone (and distorts power readings)`);
  }

  async prepare(units: readonly ProfileUnit[], endToEnd: Network | undefined, hooks: TargetHooks): Promise<void> {
    await shell(this.client, this.deviceKey, ['mkdir', '-p', DEVICE_DIR]);
    await this.ensureBinary();
    const battery = parseDumpsysBattery((await shell(this.client, this.deviceKey, ['dumpsys', 'battery'])).stdout);
    const screen = parseScreenOn((await shell(this.client, this.deviceKey, ['dumpsys', 'power'])).stdout);
    this.warnAboutConditions(hooks, battery, screen);
    const all: [string, Network][] = [...units.map((u) => [u.key, u.network] as [string, Network]), ...(endToEnd ? [[NETWORK_ARTIFACT, endToEnd] as [string, Network]] : [])];
    for (const [key, net] of all) {
      // File names from a hash: the device path never carries a user's naming.
      const name = createHash('sha256').update(key).digest('hex').slice(0, 16);
      const artifact = buildTflite(net, { fuse: this.o.kernels });
      if (key === NETWORK_ARTIFACT) this.network = { net, artifact };
      this.artifacts.set(key, { path: `${DEVICE_DIR}/${name}.tflite`, bytes: artifact.bytes });
    }
    hooks.onStatus?.(`pushing ${this.artifacts.size} artifacts to ${this.deviceKey}`);
    for (const a of this.artifacts.values()) await push(this.client, this.deviceKey, a.bytes, a.path);
  }

  private async liveConditions(): Promise<SampleConditions> {
    const s = await readLiveState(this.client, this.deviceKey, this.cores, this.zones);
    const hottest = s.thermal.length ? Math.max(...s.thermal.map((z) => z.temp_c)) : undefined;
    return { ...(hottest !== undefined ? { temperature_c: hottest } : {}), cpu_khz: s.cpu_khz };
  }

  async beforeUnit(hooks: TargetHooks): Promise<void> {
    const deadline = Date.now() + 600_000;
    for (;;) {
      const c = await this.liveConditions();
      if (c.temperature_c === undefined || c.temperature_c < this.o.coolBelowC) return;
      if (Date.now() > deadline) {
        hooks.onWarning?.(`${this.deviceKey} stayed above ${this.o.coolBelowC} C for 10 minutes; measuring anyway`);
        return;
      }
      hooks.onStatus?.(`${this.deviceKey} at ${c.temperature_c.toFixed(1)} C: cooling below ${this.o.coolBelowC} C`);
      await sleep(1000, hooks.signal);
    }
  }

  /**
   * Runs benchmark_model with its pid known. A run with no result within its time while the
   * phone stays listed is killed there by pid and tried again, MAX_HANG_TRIES times in all; then
   * the unit fails, naming the phone, the unit and what the run printed last. A phone gone from
   * adb's list is DEVICE_UNAVAILABLE (the job pauses) as before.
   */
  private async runBenchmark(argv: readonly string[], what: string, timeoutMs: number, hooks: TargetHooks): Promise<ShellResult> {
    const phone = `${this.label} (${this.deviceKey})`;
    const secs = `${Math.round(timeoutMs / 100) / 10} s`;
    for (let tries = 1; ; tries++) {
      if (hooks.signal?.aborted) throw new LabbenchError('CANCELED', 'cancelled');
      try {
        return await shell(this.client, this.deviceKey, argv, { timeoutMs, trackPid: true });
      } catch (e) {
        if (!(e instanceof ShellTimeoutError)) throw e;
        const last = e.output.trim().split('\n').slice(-2).join(' | ') || '(nothing)';
        if (e.pid === undefined || !(await killProcess(this.client, this.deviceKey, e.pid))) {
          const why = e.pid === undefined ? 'it never printed its pid, so it could not be killed' : `pid ${e.pid} is still there after kill -9 (stuck in the kernel; reboot the phone)`;
          throw new LabbenchError('RUNNER_FAILED', `${phone}: benchmark_model hung on ${what} (no result within ${secs}); ${why}; its last output: ${last}`);
        }
        if (tries >= MAX_HANG_TRIES) {
          throw new LabbenchError('RUNNER_FAILED', `${phone}: benchmark_model hung on ${what} ${tries} times (no result within ${secs} each; each killed on the phone); its last output: ${last}`);
        }
        hooks.onWarning?.(`${phone}: benchmark_model hung on ${what} (no result within ${secs}); killed pid ${e.pid} on the phone, trying again (${tries + 1} of ${MAX_HANG_TRIES})`);
      }
    }
  }

  /** How long `runs` runs of an artifact may take before they count as hung. */
  private hangTimeoutMs(key: string, runs: number): number {
    return this.o.hangTimeoutS * 1000 + HANG_MARGIN * runs * (this.runMs.get(key) ?? 0);
  }

  /** One benchmark_model invocation: the sum of op rows (ms), the whole-inference average, and the parsed profile. */
  private async invoke(key: string, what: string, hooks: TargetHooks, numRuns = this.o.innerRuns, minSecs = 0): Promise<{ opsMs: number; inferenceMs: number; profile: ReturnType<typeof parseBenchmarkOutput> }> {
    const art = this.artifacts.get(key);
    if (!art) throw new Error(`no artifact pushed for ${key}`);
    const argv = benchmarkArgv({
      binary: this.binary,
      graph: art.path,
      threads: this.o.threads,
      warmupRuns: this.o.warmup,
      numRuns,
      minSecs,
      warmupMinSecs: 0,
      delegate: this.o.delegate,
      ...(this.o.coreMask ? { coreMask: this.o.coreMask } : {}),
    });
    const timeoutMs = this.hangTimeoutMs(key, this.o.warmup + numRuns) + HANG_MARGIN * minSecs * 1000;
    let r = await this.runBenchmark(argv, what, timeoutMs, hooks);
    // A vanished file means the phone lost what was pushed (storage cleared): push it again, once.
    if (r.exitCode !== 0 && (await shell(this.client, this.deviceKey, ['ls', art.path])).exitCode !== 0) {
      hooks.onWarning?.(`${this.deviceKey}: ${art.path} was gone from the phone; pushed it again`);
      await push(this.client, this.deviceKey, art.bytes, art.path);
      r = await this.runBenchmark(argv, what, timeoutMs, hooks);
    }
    if (r.exitCode !== 0) {
      const reason = benchmarkFailure(r.stdout, '') ?? r.stdout.trim().split('\n').slice(-1)[0] ?? `exit ${r.exitCode}`;
      throw new LabbenchError('RUNNER_FAILED', `${this.deviceKey}: benchmark_model failed: ${reason}`);
    }
    const parsed = parseBenchmarkOutput(r.stdout, { source: `benchmark_model on ${this.deviceKey}` });
    // A row's avg is per call; an op called several times per run counts that often.
    const opsMs = parsed.rows.reduce((s, row) => s + rowMsPerRun(row), 0);
    // `Inference (avg)` is wall time per inference; the Timings line is the profiled ops' sum.
    const inferenceMs = parsed.inference ? parsed.inference.inferenceAvgUs / 1000 : parsed.overall ? parsed.overall.avgUs / 1000 : opsMs;
    this.runMs.set(key, Math.max(this.runMs.get(key) ?? 0, inferenceMs));
    return { opsMs, inferenceMs, profile: parsed };
  }

  private async sample(key: string, what: string, hooks: TargetHooks, pick: (x: { opsMs: number; inferenceMs: number }) => number): Promise<Measured> {
    const samplesMs: number[] = [];
    const conditions: SampleConditions[] = [];
    let deviceMs = 0;
    while (samplesMs.length < this.o.maxRuns) {
      conditions.push(await this.liveConditions());
      const r = await this.invoke(key, what, hooks);
      samplesMs.push(pick(r));
      deviceMs += r.inferenceMs * this.o.innerRuns;
      if (samplesMs.length >= this.o.runs && relativeCiHalfWidth(samplesMs) <= this.o.targetRelCi) break;
    }
    return { samplesMs, deviceMs, conditions };
  }

  async runLoop(unit: ProfileUnit, seconds: number, hooks: TargetHooks): Promise<{ fromMs: number; toMs: number }> {
    const art = this.artifacts.get(unit.key);
    if (!art) throw new Error(`no artifact pushed for ${unit.key}`);
    const argv = benchmarkArgv({
      binary: this.binary,
      graph: art.path,
      threads: this.o.threads,
      warmupRuns: 1,
      numRuns: 1,
      minSecs: seconds,
      warmupMinSecs: 0,
      delegate: this.o.delegate,
      ...(this.o.coreMask ? { coreMask: this.o.coreMask } : {}),
    });
    const t0 = performance.timeOrigin + performance.now();
    const r = await this.runBenchmark(argv, `${unitName(unit)} (a ${seconds} s loop for the meter)`, this.hangTimeoutMs(unit.key, 0) + seconds * 1000, hooks);
    const t1 = performance.timeOrigin + performance.now();
    if (r.exitCode !== 0) throw new LabbenchError('RUNNER_FAILED', `${this.deviceKey}: benchmark_model loop failed: ${benchmarkFailure(r.stdout, '') ?? `exit ${r.exitCode}`}`);
    const parsed = parseBenchmarkOutput(r.stdout, { source: `benchmark_model loop on ${this.deviceKey}` });
    // The regular runs end when the command does; they lasted count x avg. Model loading and
    // warm-up come before, so the window starts that long before the end, less a settling margin.
    // `Inference (avg)` is wall time per run; the Timings line sums op times only.
    const perRunUs = parsed.inference?.inferenceAvgUs ?? parsed.overall?.avgUs;
    const spanMs = parsed.overall && perRunUs ? (parsed.overall.count * perRunUs) / 1000 : seconds * 1000;
    const from = Math.max(t0, t1 - spanMs);
    return { fromMs: from + (t1 - from) * 0.1, toMs: t1 };
  }

  measureUnit(unit: ProfileUnit, hooks: TargetHooks): Promise<Measured> {
    return this.sample(unit.key, `unit ${unitName(unit)}`, hooks, (r) => r.opsMs);
  }

  measureNetwork(network: Network, hooks: TargetHooks): Promise<Measured> {
    return this.sample(NETWORK_ARTIFACT, `${network.name} end to end`, hooks, (r) => r.inferenceMs);
  }

  /**
   * Kernel mode: the deployed network invoked until its inference time is steady; each
   * invocation's profile gives every kernel its time (XNNPACK's per-node rows, a fused
   * clamp with its producer), mapped to the layers the kernel runs.
   */
  async measureKernels(network: Network, hooks: TargetHooks): Promise<KernelMeasured> {
    const net = this.network;
    if (!net || net.net !== network) throw new Error('measureKernels: prepare() was not given this network');
    const a = net.artifact;
    const analysis = analyzeNetwork(network);
    const names = analysis.layers.map((l) => l.layer.name);
    const weights = layerFlops(network);
    const groups = plannedGroups(a);
    const kernels = new Map<string, { kernel: Kernel; samples: number[] }>();
    const conditions: SampleConditions[] = [];
    const e2e: number[] = [];
    let deviceMs = 0;
    const minSecsAfter = (overheadMs: number): number => Math.min(MAX_INVOKE_SECS, (this.o.invokeRatio * overheadMs) / 1000);
    // A delegate and a thread count load a model at their own cost.
    const overheadKey = `${this.deviceKey} ${this.o.delegate} ${this.o.threads}`;
    let minSecs = minSecsAfter(lastInvokeOverheadMs.get(overheadKey) ?? 0);
    let leastOverheadMs = Infinity;
    while (e2e.length < this.o.maxRuns) {
      const started = performance.now();
      conditions.push(await this.liveConditions());
      const r = await this.invoke(NETWORK_ARTIFACT, `${network.name} (whole network, kernel mode)`, hooks, this.o.innerRuns, minSecs);
      // The device ran the network for the warm-up and the regular runs; benchmark_model counts both.
      const ran = r.profile.runs?.regular?.count ?? r.profile.overall?.count ?? this.o.innerRuns;
      const warm = r.profile.runs?.warmup;
      const runMs = r.inferenceMs * ran + (warm ? (warm.count * warm.avgUs) / 1000 : 0);
      // What an invocation costs besides its runs (shell, model load, delegate) is paid each
      // time: later invocations run long enough for it to be a small part of their time. The
      // least seen sizes them: time that grows with the runs (a phone's own profiling
      // bookkeeping outside its reported times) would otherwise size each one longer than the last.
      leastOverheadMs = Math.min(leastOverheadMs, Math.max(0, performance.now() - started - runMs));
      lastInvokeOverheadMs.set(overheadKey, leastOverheadMs);
      minSecs = minSecsAfter(leastOverheadMs);
      const m = mapRowsToLayers(r.profile.rows, a.opLayers, names, { opOutputs: a.opOutputs, opAllOutputs: a.opAllOutputs, opInputs: a.opInputs, opKernelLayers: a.opKernelLayers, opTypes: a.opTypes, delegateInternal: r.profile.delegateInternal ?? [], weights });
      if (m.unattributed.length) throw new LabbenchError('PARSE_FAILED', `${this.deviceKey}: the profile of ${network.name} gives no time to ${m.unattributed.slice(0, 3).join(', ')}`);
      const whole = m.blocks.filter((b) => !b.detailed && b.ops.length > 1);
      if (whole.length && whole.length === m.blocks.length) {
        throw new LabbenchError('RUNNER_FAILED', `${this.deviceKey}: its benchmark_model times each ${this.o.delegate} partition as a whole, not node by node (TFLite 2.10 and later do); kernel mode needs per-node times: push a newer benchmark_model with --benchmark-binary, or profile --per-layer`);
      }
      // A partition whose per-node rows could not be matched gives no kernel rows; the network's time still counts.
      const untimed = new Set(whole.flatMap((b) => b.ops));
      if (untimed.size && e2e.length === 0) hooks.onWarning?.(`${network.name}: ${whole.length} ${this.o.delegate} partition(s) timed only as a whole; their ${untimed.size} operators give no kernel rows`);
      // The kernels a prediction plans (one per operator, a fused clamp with its producer), each timed by its operators' own rows.
      for (const g of groups) {
        if (g.ops.some((i) => untimed.has(i))) continue;
        const sig = g.ops.join(',');
        const head = m.opMs[g.ops[0]!];
        if (head === undefined) throw new LabbenchError('PARSE_FAILED', `${this.deviceKey}: the profile of ${network.name} gives operator ${g.ops[0]} (${a.opTypes[g.ops[0]!]}) no time of its own`);
        const k = kernels.get(sig) ?? kernels.set(sig, { kernel: layerKernel(analysis, g.layers, groupVariant(a.opTypes, g.ops), groupKind(a.opTypes, g.ops)), samples: [] }).get(sig)!;
        k.samples.push(g.ops.reduce((t, i) => t + (m.opMs[i] ?? 0), 0));
      }
      e2e.push(r.inferenceMs);
      deviceMs += runMs;
      hooks.onRuns?.(e2e.length, Math.max(this.o.runs, e2e.length + 1));
      if (e2e.length >= this.o.runs && relativeCiHalfWidth(e2e) <= this.o.targetRelCi) break;
    }
    const list = [...kernels.values()].filter((k) => k.samples.length === e2e.length);
    return {
      kernels: list.map((k) => k.kernel),
      samplesMs: list.map((k) => k.samples),
      conditions,
      endToEnd: { samplesMs: e2e, deviceMs, conditions },
      deviceMs,
    };
  }

  async waitForDevice(hooks: TargetHooks): Promise<void> {
    const deadline = Date.now() + this.o.unplugTimeoutS * 1000;
    let lastDial = Date.now();
    for (;;) {
      const phones = await listPhones(this.client).catch(() => []);
      if (phones.some((p) => p.id === this.deviceKey && p.type === 'device')) break;
      // The server leaves a TCP phone (`adb connect`) offline after its port comes back and
      // answers a new connect with "already connected"; a disconnect first makes it dial again.
      if (tcpSerial(this.deviceKey) && Date.now() - lastDial > 2000) {
        lastDial = Date.now();
        await redial(this.client, this.deviceKey);
      }
      if (Date.now() > deadline) throw new LabbenchError('DEVICE_UNAVAILABLE', `${this.deviceKey} did not come back within ${this.o.unplugTimeoutS} s; the run is kept, rerun to resume`);
      await sleep(500, hooks.signal);
    }
    hooks.onStatus?.(`${this.deviceKey} is back`);
    // Files pushed before the unplug may be gone (a reboot clears nothing here, a factory reset would).
    const listing = await shell(this.client, this.deviceKey, ['ls', DEVICE_DIR]);
    const present = new Set(listing.stdout.split(/\s+/));
    for (const a of this.artifacts.values()) {
      if (!present.has(a.path.slice(DEVICE_DIR.length + 1))) await push(this.client, this.deviceKey, a.bytes, a.path);
    }
  }
}
