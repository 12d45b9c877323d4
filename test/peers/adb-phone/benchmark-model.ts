// The emulated TensorFlow Lite `benchmark_model` binary: flag parsing and logging like
// tensorflow/lite/tools/benchmark (benchmark_model.cc, benchmark_tflite_model.cc), model
// loading through tflite-reader.ts, delegate partitioning (XNNPACK, GPU, NNAPI), and runs
// timed by the phone's performance and thermal models, slept for real (x timeScale).
// Two builds: 'classic' (TF ~2.9: plain log lines, a [start] column in the op profile, TF
// 2.9's XNNPACK delegate) and 'modern' (TF 2.13+: "INFO: " prefixes, no [start], XNNPACK
// "Delegate internal" rows, the XNNPACK delegate of TF 2.16).

import { FsError, normalizePath } from './fs.js';
import { cppDefault } from './cpp-format.js';
import { gpuSupports, opCost, PrepareError, registrationError, xnnpackFusesClamp, xnnpackOperatorName, xnnpackSupports, type OpCost, type XnnpackRelease } from './op-cost.js';
import { cpuOpPower, cpuOpTimeUs, gpuOpTimeUs, placeThreads, DRAM_J_PER_BYTE, GPU_INVOKE_US, INVOKE_US, XNNPACK_NODE_US, type CpuPlacement } from './perf-model.js';
import { profileReport, Stat, StatsCalculator } from './profile-format.js';
import type { PhoneHost } from './phone-host.js';
import type { Rng } from './rng.js';
import type { Io, ShellState } from './sh-exec.js';
import { readTflite, TfliteFormatError, type TfliteModel } from './tflite-reader.js';
import type { LoadPower } from './thermal.js';

type FlagType = 'int32' | 'float' | 'bool' | 'string';
type FlagValue = number | boolean | string;

interface FlagDef {
  name: string;
  type: FlagType;
  dflt: FlagValue;
  help: string;
  /** Label LogParams prints; absent for flags it never prints. */
  label?: string;
  modernOnly?: boolean;
}

/** In LogParams order: BenchmarkModel, BenchmarkTfLiteModel, then the delegate providers. */
const FLAGS: FlagDef[] = [
  { name: 'num_runs', type: 'int32', dflt: 50, help: 'expected number of runs, see also min_secs, max_secs', label: 'Min num runs' },
  { name: 'min_secs', type: 'float', dflt: 1, help: 'minimum number of seconds to rerun for, potentially making the actual number of runs to be greater than num_runs', label: 'Min runs duration (seconds)' },
  { name: 'max_secs', type: 'float', dflt: 150, help: 'maximum number of seconds to rerun for, potentially making the actual number of runs to be less than num_runs.', label: 'Max runs duration (seconds)' },
  { name: 'run_delay', type: 'float', dflt: -1, help: 'delay between runs in seconds', label: 'Inter-run delay (seconds)' },
  { name: 'run_frequency', type: 'float', dflt: -1, help: 'Execute at a fixed frequency, instead of a fixed delay.', label: 'Number of prorated runs per second' },
  { name: 'num_threads', type: 'int32', dflt: -1, help: 'number of threads', label: 'Num threads' },
  { name: 'use_caching', type: 'bool', dflt: false, help: 'Enable caching of prepacked weights matrices in matrix multiplication routines.', label: 'Use caching' },
  { name: 'benchmark_name', type: 'string', dflt: '', help: 'benchmark name', label: 'Benchmark name' },
  { name: 'output_prefix', type: 'string', dflt: '', help: 'benchmark output prefix', label: 'Output prefix' },
  { name: 'warmup_runs', type: 'int32', dflt: 1, help: 'minimum number of runs performed on initialization, to allow performance characteristics to settle, see also warmup_min_secs', label: 'Min warmup runs' },
  { name: 'warmup_min_secs', type: 'float', dflt: 0.5, help: 'minimum number of seconds to rerun for, potentially making the actual number of warm-up runs to be greater than warmup_runs', label: 'Min warmup runs duration (seconds)' },
  { name: 'verbose', type: 'bool', dflt: false, help: 'Whether to log parameters whose values are not set.' },
  { name: 'dry_run', type: 'bool', dflt: false, help: 'Whether to run the tool just with simply loading the model, allocating tensors etc. but without actually invoking any op kernels.', label: 'Run w/o invoking kernels' },
  { name: 'report_peak_memory_footprint', type: 'bool', dflt: false, help: 'Report the peak memory footprint by periodically checking the memory footprint.', label: 'Report the peak memory footprint' },
  { name: 'memory_footprint_check_interval_ms', type: 'int32', dflt: 50, help: 'The interval in millisecond between two consecutive memory footprint checks.', label: 'Memory footprint check interval (ms)' },
  { name: 'graph', type: 'string', dflt: '', help: 'graph file name', label: 'Graph' },
  { name: 'signature_to_run_for', type: 'string', dflt: '', help: 'If the model contains multiple signatures, use this flag to specify the signature to benchmark.', label: 'Signature to run', modernOnly: true },
  { name: 'input_layer', type: 'string', dflt: '', help: 'input layer names', label: 'Input layers' },
  { name: 'input_layer_shape', type: 'string', dflt: '', help: 'input layer shape', label: 'Input shapes' },
  { name: 'input_layer_value_range', type: 'string', dflt: '', help: 'A map-like string representing value range for *integer* input layers.', label: 'Input value ranges' },
  { name: 'input_layer_value_files', type: 'string', dflt: '', help: 'A map-like string representing value file.', label: 'Input value files' },
  { name: 'allow_fp16', type: 'bool', dflt: false, help: 'allow fp16', label: 'Allow fp16' },
  { name: 'require_full_delegation', type: 'bool', dflt: false, help: 'require delegate to run the entire graph', label: 'Require full delegation' },
  { name: 'enable_op_profiling', type: 'bool', dflt: false, help: 'enable op profiling', label: 'Enable op profiling' },
  { name: 'op_profiling_output_mode', type: 'string', dflt: 'stdout', help: "Output mode for op profiling results. Supported values are: 'stdout', 'csv' and 'proto'.", label: 'Op profiling output mode.' },
  { name: 'op_profiling_output_file', type: 'string', dflt: '', help: 'Output file for op profiling results.', label: 'Op profiling output file.' },
  { name: 'max_profiling_buffer_entries', type: 'int32', dflt: 1024, help: 'max profiling buffer entries', label: 'Max profiling buffer entries' },
  { name: 'profiling_output_csv_file', type: 'string', dflt: '', help: 'File path to export profile data as CSV, if not set prints to stdout.', label: 'CSV File to export profiling data to' },
  { name: 'print_preinvoke_state', type: 'bool', dflt: false, help: 'print out the interpreter internals just before calling Invoke.', label: 'Print pre-invoke interpreter state' },
  { name: 'print_postinvoke_state', type: 'bool', dflt: false, help: 'print out the interpreter internals just before benchmark completes.', label: 'Print post-invoke interpreter state' },
  { name: 'help', type: 'bool', dflt: false, help: 'Print out all supported flags if true.' },
  { name: 'max_delegated_partitions', type: 'int32', dflt: 0, help: 'Max number of partitions to be delegated.', label: 'Max number of delegated partitions' },
  { name: 'min_nodes_per_partition', type: 'int32', dflt: 0, help: 'The minimal number of TFLite graph nodes of a partition that has to be reached for it to be delegated.', label: 'Min nodes per partition' },
  { name: 'use_nnapi', type: 'bool', dflt: false, help: 'use nnapi delegate api', label: 'Use NNAPI' },
  { name: 'nnapi_accelerator_name', type: 'string', dflt: '', help: 'the name of the nnapi accelerator to use (requires Android Q+)', label: 'NNAPI accelerator name' },
  { name: 'disable_nnapi_cpu', type: 'bool', dflt: true, help: 'Disable the NNAPI CPU device', label: 'Disable NNAPI cpu' },
  { name: 'use_hexagon', type: 'bool', dflt: false, help: 'Use Hexagon delegate', label: 'Use Hexagon' },
  { name: 'use_xnnpack', type: 'bool', dflt: false, help: 'explicitly apply the XNNPACK delegate.', label: 'Use xnnpack' },
  { name: 'use_gpu', type: 'bool', dflt: false, help: 'use gpu', label: 'Use gpu' },
  { name: 'gpu_precision_loss_allowed', type: 'bool', dflt: true, help: 'Allow to process computation in lower precision than FP32 in GPU.', label: 'Allow lower precision in gpu' },
  { name: 'gpu_backend', type: 'string', dflt: '', help: "Force the GPU delegate to use a particular backend for execution: 'cl' or 'gl'.", label: 'GPU backend' },
];

/** Flag definitions the emulated build knows, with the "#threads" alias of num_threads. */
function flagDefs(modern: boolean): FlagDef[] {
  return FLAGS.filter((f) => modern || !f.modernOnly);
}

class Params {
  private readonly values = new Map<string, FlagValue>();
  private readonly set = new Set<string>();

  constructor(private readonly defs: FlagDef[]) {
    for (const d of defs) this.values.set(d.name, d.dflt);
  }

  def(name: string): FlagDef | undefined {
    return this.defs.find((d) => d.name === name);
  }

  parse(name: string, raw: string): boolean {
    const d = this.def(name);
    if (!d) return false;
    let v: FlagValue;
    if (d.type === 'int32') {
      if (!/^[+-]?\d+$/.test(raw)) return false;
      v = Number.parseInt(raw, 10);
    } else if (d.type === 'float') {
      v = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(v)) return false;
    } else if (d.type === 'bool') {
      if (raw === 'true' || raw === '1') v = true;
      else if (raw === 'false' || raw === '0') v = false;
      else return false;
    } else {
      v = raw;
    }
    this.values.set(name, v);
    this.set.add(name);
    return true;
  }

  num(name: string): number {
    const v = this.values.get(name);
    return typeof v === 'number' ? v : 0;
  }

  bool(name: string): boolean {
    return this.values.get(name) === true;
  }

  str(name: string): string {
    const v = this.values.get(name);
    return typeof v === 'string' ? v : '';
  }

  isSet(name: string): boolean {
    return this.set.has(name);
  }

  put(name: string, v: FlagValue): void {
    this.values.set(name, v);
  }

  show(name: string): string {
    const v = this.values.get(name);
    if (typeof v === 'boolean') return v ? '1' : '0';
    if (typeof v === 'number') return this.def(name)?.type === 'float' ? cppDefault(v) : String(v);
    return v ?? '';
  }
}

/** One row of the execution plan: a builtin kernel node or a delegate kernel node. */
interface PlanRow {
  nodeIndex: number;
  type: string;
  backend: 'builtin' | 'xnnpack' | 'gpu';
  ops: number[];
  /** Output tensor names for "[a, b]:N". */
  outputs: string[];
}

export interface BenchmarkContext {
  host: PhoneHost;
  state: ShellState;
  io: Io;
  signal: AbortSignal;
}

/** Runs `benchmark_model` with argv; returns the exit status. */
export async function runBenchmarkModel(argv: string[], ctx: BenchmarkContext): Promise<number> {
  return new BenchmarkRun(argv, ctx).run();
}

class BenchmarkRun {
  private readonly modern: boolean;
  private readonly params: Params;
  private readonly host: PhoneHost;
  private readonly rng: Rng;
  private releaseLoad: (() => void) | null = null;

  constructor(
    private readonly argv: string[],
    private readonly ctx: BenchmarkContext,
  ) {
    this.host = ctx.host;
    this.modern = ctx.host.benchmarkFlavor === 'modern';
    this.params = new Params(flagDefs(this.modern));
    this.rng = ctx.host.rng.fork();
  }

  // ---- logging (tools/logging.h vs the runtime's minimal logging) ----

  private info(msg: string): void {
    this.ctx.io.stdout.write(`${this.modern ? 'INFO: ' : ''}${msg}\n`);
  }

  private warn(msg: string): void {
    this.ctx.io.stdout.write(`${this.modern ? 'WARN: ' : ''}${msg}\n`);
  }

  private error(msg: string): void {
    this.ctx.io.stderr.write(`${this.modern ? 'ERROR: ' : ''}${msg}\n`);
  }

  /** TFLite runtime messages (TFLITE_LOG_PROD): always prefixed, on stderr. */
  private runtime(level: 'INFO' | 'WARNING' | 'ERROR', msg: string): void {
    this.ctx.io.stderr.write(`${level}: ${msg}\n`);
  }

  private failed(): number {
    this.error('Benchmarking failed.');
    return 1;
  }

  private usage(): string {
    const lines = [`usage: ${this.argv[0] ?? 'benchmark_model'}`, 'Flags:'];
    for (const d of flagDefs(this.modern)) lines.push(`\t--${d.name}=${typeof d.dflt === 'boolean' ? String(d.dflt) : d.type === 'float' ? cppDefault(d.dflt as number) : String(d.dflt)}\t${d.type}\toptional\t${d.help}`);
    return lines.join('\n');
  }

  // ---- the tool ----

  async run(): Promise<number> {
    this.info('STARTING!');
    const unconsumed: string[] = [];
    for (const arg of this.argv.slice(1)) {
      const m = /^--([A-Za-z0-9_]+)=([\s\S]*)$/.exec(arg);
      if (!m || !this.params.def(m[1] ?? '')) {
        unconsumed.push(arg);
        continue;
      }
      if (!this.params.parse(m[1] ?? '', m[2] ?? '')) {
        this.error(this.usage());
        return this.failed();
      }
    }
    if (this.params.bool('help')) {
      this.error(this.usage());
      return this.failed();
    }
    if (unconsumed.length) this.warn(`Unconsumed cmdline flags: ${unconsumed.join(' ')}`);

    // ValidateParams
    const graph = this.params.str('graph');
    if (graph === '') {
      this.error('Please specify the name of your TF Lite input file with --graph');
      return this.failed();
    }
    const profiling = this.params.bool('enable_op_profiling');
    if (profiling) {
      const mode = this.params.str('op_profiling_output_mode');
      if (!['stdout', 'csv', 'proto'].includes(mode)) {
        this.error(`Output mode${mode} is not supported. Supported values are: 'stdout', 'csv' and 'proto'.`);
        return this.failed();
      }
      if (this.params.str('profiling_output_csv_file') !== '') {
        this.params.put('op_profiling_output_mode', 'csv');
        this.params.put('op_profiling_output_file', this.params.str('profiling_output_csv_file'));
      }
    }
    this.logParams();
    try {
      return await this.benchmark(graph, profiling);
    } finally {
      this.releaseLoad?.();
      this.releaseLoad = null;
    }
  }

  private logParams(): void {
    const verbose = this.params.bool('verbose');
    this.info(`Log parameter values verbosely: [${verbose ? 1 : 0}]`);
    for (const d of flagDefs(this.modern)) {
      if (!d.label) continue;
      const always = d.name === 'graph' || d.name === 'signature_to_run_for';
      if (always || verbose || this.params.isSet(d.name)) this.info(`${d.label}: [${this.params.show(d.name)}]`);
      if (d.name === 'print_postinvoke_state' && (verbose || this.params.isSet('num_threads'))) {
        this.info(`#threads used for CPU inference: [${this.params.show('num_threads')}]`);
      }
      if (d.name === 'use_nnapi' && this.params.bool('use_nnapi')) this.info('NNAPI accelerators available: [nnapi-reference]');
    }
  }

  private setLoad(cores: number[], util: number, gpu = 0, power: LoadPower = {}): void {
    this.releaseLoad?.();
    this.releaseLoad = this.host.physics.addLoad(cores, util, gpu, power);
  }

  private async benchmark(graph: string, profiling: boolean): Promise<number> {
    const { host, state } = this.ctx;
    const path = normalizePath(graph, state.cwd);
    const allowed = host.spec.cores.filter((c) => state.affinity.includes(c.id));
    const threads = this.params.num('num_threads') > 0 ? this.params.num('num_threads') : 1;
    const placedSpecs = placeThreads(threads, allowed.length ? allowed : host.spec.cores);
    const lead = placedSpecs[0];
    if (!lead) return this.failed();
    this.setLoad([lead.id], 1);

    // ---- Init: LoadModel ----
    let data: Buffer;
    try {
      data = host.fs.read(path, state.cred);
    } catch (err) {
      this.runtime('ERROR', err instanceof FsError && err.code === 'EISDIR' ? `Mmap of '${graph}' failed.` : `Could not open '${graph}'.`);
      this.error(`${this.modern ? 'Failed to load model' : 'Failed to mmap model'} ${graph}`);
      return this.failed();
    }
    let model: TfliteModel;
    try {
      model = readTflite(data);
    } catch (err) {
      this.runtime('ERROR', err instanceof TfliteFormatError ? err.message : String(err));
      this.error(`${this.modern ? 'Failed to load model' : 'Failed to mmap model'} ${graph}`);
      return this.failed();
    }
    this.info(`Loaded model ${graph}`);

    // ---- InitInterpreter ----
    this.runtime('INFO', 'Initialized TensorFlow Lite runtime.');
    for (const op of model.operators) {
      const err = registrationError(op);
      if (err) {
        for (const line of err.split('\n')) if (line) this.runtime('ERROR', line);
        this.error('Failed to initialize the interpreter');
        return this.failed();
      }
    }
    let costs: OpCost[] = [];
    let prepareError: PrepareError | null = null;
    try {
      costs = model.operators.map((op) => opCost(model, op));
    } catch (err) {
      if (!(err instanceof PrepareError)) throw err;
      prepareError = err;
    }

    // ---- delegates ----
    const explicit: Array<'gpu' | 'nnapi' | 'xnnpack'> = [];
    if (this.params.bool('use_gpu')) explicit.push('gpu');
    if (this.params.bool('use_nnapi')) explicit.push('nnapi');
    if (this.params.bool('use_hexagon')) this.warn('Could not create Hexagon delegate: platform may not support delegate or required libraries are missing');
    if (this.params.bool('use_xnnpack')) explicit.push('xnnpack');
    const lazyXnnpack = explicit.length === 0 && !(this.params.isSet('use_xnnpack') && !this.params.bool('use_xnnpack'));
    if (explicit.length >= 2) this.info(`Going to apply ${explicit.length} delegates one after another.`);

    const owner: Array<'cpu' | 'xnnpack' | 'gpu'> = model.operators.map(() => 'cpu');
    // The classic build's XNNPACK is TF 2.9's; the modern build's follows TF 2.16.
    const release: XnnpackRelease = this.modern ? 'tf2.16' : 'tf2.9';
    const xnnpackTakes = (m: TfliteModel, op: TfliteModel['operators'][number]): boolean => xnnpackSupports(m, op, release);
    const supportedBy = (test: typeof gpuSupports, i: number): boolean => {
      const op = model.operators[i];
      return op !== undefined && test(model, op);
    };
    const rows: PlanRow[] = [];
    let nextNode = model.operators.length;
    const delegated: Array<{ kind: 'xnnpack' | 'gpu'; ops: number[]; node: number }> = [];
    const partition = (kind: 'xnnpack' | 'gpu', supports: (i: number) => boolean, maxPartitions: number): number => {
      const parts: number[][] = [];
      let cur: number[] = [];
      model.operators.forEach((_, i) => {
        if (owner[i] === 'cpu' && supports(i)) cur.push(i);
        else if (cur.length) {
          parts.push(cur);
          cur = [];
        }
      });
      if (cur.length) parts.push(cur);
      const minNodes = this.params.num('min_nodes_per_partition');
      let chosen = parts.filter((p) => p.length >= Math.max(1, minNodes));
      if (maxPartitions > 0 && chosen.length > maxPartitions) chosen = [...chosen].sort((a, b) => b.length - a.length).slice(0, maxPartitions).sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0));
      for (const p of chosen) {
        for (const i of p) owner[i] = kind;
        delegated.push({ kind, ops: p, node: nextNode++ });
      }
      return chosen.length;
    };
    const fullyDelegated = (): boolean => delegated.length === 1 && owner.every((o) => o !== 'cpu');
    const explained = (name: string, kernels: number): void => {
      if (kernels === 1 && fullyDelegated()) this.info(`Explicitly applied ${name} delegate, and the model graph will be completely executed by the delegate.`);
      else if (kernels > 0) this.info(`Explicitly applied ${name} delegate, and the model graph will be partially executed by the delegate w/ ${kernels} delegate kernels.`);
      else this.info(`Though ${name} delegate is explicitly applied, the model graph will not be executed by the delegate.`);
    };
    const maxParts = this.params.num('max_delegated_partitions');
    for (const d of explicit) {
      if (d === 'gpu') {
        this.runtime('INFO', 'Created TensorFlow Lite delegate for GPU.');
        this.info('GPU delegate created.');
        this.runtime('INFO', 'Initialized OpenCL-based API.');
        const unsupported = model.operators.filter((op, i) => owner[i] === 'cpu' && !gpuSupports(model, op));
        const k = partition('gpu', (i) => supportedBy(gpuSupports, i), maxParts > 0 ? maxParts : 1);
        if (unsupported.length) {
          const onGpu = owner.filter((o) => o === 'gpu').length;
          this.runtime('WARNING', `Following operations are not supported by GPU delegate:\n${[...new Set(unsupported.map((o) => o.name))].map((n) => `${n}: Operation is not supported.`).join('\n')}\n${onGpu} operations will run on the GPU, and the remaining ${model.operators.length - onGpu} operations will run on the CPU.`);
        }
        this.runtime('INFO', `Created ${k} GPU delegate kernels.`);
        explained('GPU', k);
      } else if (d === 'nnapi') {
        this.runtime('INFO', 'Created TensorFlow Lite delegate for NNAPI.');
        this.info('NNAPI delegate created.');
        // The only NNAPI device is nnapi-reference (CPU), which the delegate never uses for
        // acceleration on Android 10+: nothing is delegated, the graph runs on the builtin kernels.
        explained('NNAPI', 0);
      } else {
        this.runtime('INFO', 'Created TensorFlow Lite XNNPACK delegate for CPU.');
        this.info('XNNPACK delegate created.');
        explained('XNNPACK', partition('xnnpack', (i) => supportedBy(xnnpackTakes, i), maxParts));
      }
      if (this.params.bool('require_full_delegation') && !fullyDelegated()) {
        this.error('Disallowed CPU fallback detected.');
        return this.failed();
      }
    }
    if (lazyXnnpack && model.operators.length) {
      this.runtime('INFO', 'Created TensorFlow Lite XNNPACK delegate for CPU.');
      partition('xnnpack', (i) => supportedBy(xnnpackTakes, i), 0);
    }

    // ---- AllocateTensors (kernels' Prepare) ----
    if (prepareError) {
      this.runtime('ERROR', prepareError.message);
      this.runtime('ERROR', `Node number ${prepareError.nodeIndex} (${prepareError.opName}) failed to prepare.`);
      this.error('Failed to allocate tensors!');
      return this.failed();
    }

    // Execution plan: original order, each delegated partition replaced by its kernel node.
    const consumers = new Map<number, number[]>();
    model.operators.forEach((op, i) => op.inputs.forEach((t) => consumers.set(t, [...(consumers.get(t) ?? []), i])));
    const tensorName = (t: number): string => model.tensors[t]?.name || 'Unknown';
    for (let i = 0; i < model.operators.length; i++) {
      const op = model.operators[i];
      if (!op) continue;
      const part = delegated.find((p) => p.ops.includes(i));
      if (!part) {
        rows.push({ nodeIndex: i, type: op.name, backend: 'builtin', ops: [i], outputs: op.outputs.map(tensorName) });
        continue;
      }
      if (part.ops[0] !== i) continue;
      const inside = new Set(part.ops);
      const outs: number[] = [];
      for (const j of part.ops) {
        for (const t of model.operators[j]?.outputs ?? []) {
          const used = consumers.get(t) ?? [];
          if (model.outputs.includes(t) || used.some((c) => !inside.has(c))) outs.push(t);
        }
      }
      rows.push({ nodeIndex: part.node, type: part.kind === 'gpu' ? 'TfLiteGpuDelegateV2' : 'TfLiteXNNPackDelegate', backend: part.kind, ops: part.ops, outputs: outs.map(tensorName) });
    }

    // ---- init timing ----
    const weightBytes = costs.reduce((a, c) => a + c.weightBytes, 0);
    const arenaBytes = model.tensors.filter((t) => !t.isConstant).reduce((a, t) => a + t.bytes, 0);
    const xnnWeights = delegated.filter((p) => p.kind === 'xnnpack').reduce((a, p) => a + p.ops.reduce((b, i) => b + (costs[i]?.weightBytes ?? 0), 0), 0);
    const gpuOps = delegated.filter((p) => p.kind === 'gpu').reduce((a, p) => a + p.ops.length, 0);
    const noise = (): number => this.rng.logNormal(0.08);
    const loadUs = (150 + data.length / 2e3) * noise();
    const buildUs = (400 + 40 * model.operators.length) * noise();
    const delegateUs = (delegated.some((p) => p.kind === 'xnnpack') ? 250 + xnnWeights / 900 : 0) + (gpuOps ? 220_000 + 9_000 * gpuOps : 0);
    const allocUs = (80 + arenaBytes / 4e3) * noise();
    const initUs = Math.round(loadUs + buildUs + delegateUs * noise() + allocUs);
    if (!(await this.host.sleepSim(initUs / 1e6, this.ctx.signal))) return 137;
    this.info(`The input model file size (MB): ${cppDefault(data.length / 1e6)}`);
    this.info(`Initialized session in ${cppDefault(initUs / 1e3)}ms.`);

    const initStats = new StatsCalculator();
    if (profiling) {
      const explicitDelegate = explicit.length > 0 && delegated.length > 0;
      const mgwd = { name: 'ModifyGraphWithDelegate/0', type: 'ModifyGraphWithDelegate', us: Math.round(delegateUs), kb: Math.round((xnnWeights * 1.1) / 1024 + (gpuOps ? 2048 : 0)) };
      const alloc = { name: 'AllocateTensors/0', type: 'AllocateTensors', us: Math.round(allocUs), kb: Math.round(arenaBytes / 1024) };
      const events = delegated.length ? (explicitDelegate ? [mgwd, alloc] : [alloc, mgwd]) : [alloc];
      // With an explicit delegate, AllocateTensors runs twice (before and after the delegate).
      let start = 0;
      events.forEach((e, i) => {
        initStats.addNodeStats(e.name, e.type, i, start, e.us, e.kb * 1000);
        start += e.us;
        if (e === alloc && explicitDelegate) {
          const again = Math.max(1, Math.round(e.us / 3));
          initStats.addNodeStats(e.name, e.type, i, start, again, e.kb * 1000);
          start += again;
        }
      });
      initStats.updateRunTotalUs(start);
    }

    // ---- runs ----
    if (this.params.bool('dry_run')) {
      this.params.put('warmup_runs', 0);
      this.params.put('warmup_min_secs', -1);
      this.params.put('num_runs', 0);
      this.params.put('min_secs', -1);
    }
    const usesGpu = rows.some((r) => r.backend === 'gpu');
    const usedCores = placedSpecs.map((c) => c.id);
    const mainStats = new StatsCalculator();
    const internalStats = new StatsCalculator();
    const sim = new RunSimulator(this.host, model, costs, rows, placedSpecs, threads, this.rng, weightBytes);

    const phase = async (kind: 'warmup' | 'regular', minRuns: number, minSecs: number, maxSecs: number): Promise<Stat | null> => {
      this.info(`Running benchmark for at least ${minRuns} iterations and at least ${cppDefault(minSecs)} seconds but terminate if exceeding ${cppDefault(maxSecs)} seconds.`);
      if (kind === 'warmup' && this.host.faults.benchmarkHangs > 0) {
        // The fault: the first invoke deadlocks (no load, no output) until a signal ends the process.
        this.host.faults.benchmarkHangs--;
        this.releaseLoad?.();
        this.releaseLoad = null;
        await this.host.sleepSim(Number.POSITIVE_INFINITY, this.ctx.signal);
        return null;
      }
      const stat = new Stat();
      const delay = this.params.num('run_delay');
      let elapsedUs = 0;
      let pendingUs = 0;
      let placement = sim.placement();
      this.setLoad(usedCores, 1, usesGpu ? 1 : 0, sim.powerProfile(placement));
      for (let run = 0; (run < minRuns || elapsedUs < minSecs * 1e6) && elapsedUs <= maxSecs * 1e6; run++) {
        if (pendingUs / 1e6 >= 0.25 || (pendingUs / 1e6) * this.host.timeScale >= 0.02) {
          if (!(await this.host.sleepSim(pendingUs / 1e6, this.ctx.signal))) return null;
          pendingUs = 0;
          placement = sim.placement();
        }
        const r = sim.run(placement, kind === 'warmup' && run === 0 ? 'cold' : kind === 'warmup' ? 'warm' : run === 0 ? 'first' : 'steady', profiling);
        stat.update(r.totalUs);
        elapsedUs += r.totalUs;
        pendingUs += r.totalUs;
        if (kind === 'regular' && profiling) {
          let start = 0;
          r.rowUs.forEach((us, i) => {
            const row = rows[i];
            if (!row) return;
            mainStats.addNodeStats(`[${row.outputs.join(', ')}]:${row.nodeIndex}`, row.type, i, start, us, 0);
            start += us;
          });
          mainStats.updateRunTotalUs(r.rowUs.reduce((a, b) => a + b, 0));
          if (this.modern && r.internal.length) {
            let s = 0;
            r.internal.forEach((e, i) => {
              internalStats.addNodeStats(`Delegate/${e.name}:${e.index}`, 'DelegateOpInvoke', i, s, e.us, 0);
              s += e.us;
            });
            internalStats.updateRunTotalUs(r.internal.reduce((a, e) => a + e.us, 0));
          }
        }
        if (delay > 0) {
          if (!(await this.host.sleepSim(pendingUs / 1e6, this.ctx.signal))) return null;
          pendingUs = 0;
          this.releaseLoad?.();
          this.releaseLoad = null;
          if (!(await this.host.sleepSim(delay, this.ctx.signal))) return null;
          elapsedUs += delay * 1e6;
          // The clocks after the pause, then the load drawn at them.
          placement = sim.placement();
          this.setLoad(usedCores, 1, usesGpu ? 1 : 0, sim.powerProfile(placement));
        }
      }
      if (pendingUs > 0 && !(await this.host.sleepSim(pendingUs / 1e6, this.ctx.signal))) return null;
      this.info(`${stat.toString()}\n`);
      return stat;
    };

    const maxSecs = this.params.num('max_secs');
    const warm = await phase('warmup', this.params.num('warmup_runs'), this.params.num('warmup_min_secs'), maxSecs);
    if (!warm) return 137;
    const regular = await phase('regular', this.params.num('num_runs'), this.params.num('min_secs'), maxSecs);
    if (!regular) return 137;
    this.releaseLoad?.();
    this.releaseLoad = null;

    this.info(`Inference timings in us: Init: ${initUs}, First inference: ${warm.first}, Warmup (avg): ${cppDefault(warm.avg())}, Inference (avg): ${cppDefault(regular.avg())}`);
    this.info('Note: as the benchmark tool itself affects memory footprint, the following is only APPROXIMATE to the actual memory footprint of the model at runtime. Take the information at your discretion.');
    const initMb = (weightBytes * (lazyXnnpack || explicit.includes('xnnpack') ? 2.1 : 1) + arenaBytes) / 1048576 + 1.2 + this.rng.uniform(0, 0.3);
    this.info(`Memory footprint delta from the start of the tool (MB): init=${cppDefault(initMb)} overall=${cppDefault(initMb + 0.4 + this.rng.uniform(0, 0.5))}`);

    if (profiling) this.writeProfile(initStats, mainStats, internalStats);
    return 0;
  }

  private writeProfile(init: StatsCalculator, main: StatsCalculator, internal: StatsCalculator): void {
    const mode = this.params.str('op_profiling_output_mode');
    const csv = mode === 'csv';
    const o = { csv, startColumn: !this.modern };
    let text = '';
    if (init.numRuns > 0) text += `Profiling Info for Benchmark Initialization:\n${profileReport(init, null, o)}\n`;
    if (main.numRuns > 0) text += `Operator-wise Profiling Info for Regular Benchmark Runs:\n${profileReport(main, internal, o)}\n`;
    if (mode === 'proto') return;
    const file = this.params.str('op_profiling_output_file');
    if (file !== '') {
      try {
        this.host.fs.write(normalizePath(file, this.ctx.state.cwd), text, this.ctx.state.cred);
        return;
      } catch {
        // std::ofstream failed to open: the listener falls back to the log.
      }
    }
    const [first, ...rest] = text.split('\n');
    this.ctx.io.stdout.write(`${this.modern ? 'INFO: ' : ''}${first ?? ''}\n${rest.join('\n')}`);
  }
}

/** Produces per-row times for one invocation from the perf model plus noise. */
class RunSimulator {
  private readonly fused: boolean[];
  private readonly xnnNames: string[];

  constructor(
    private readonly host: PhoneHost,
    private readonly model: TfliteModel,
    private readonly costs: OpCost[],
    private readonly rows: PlanRow[],
    private readonly cores: ReturnType<typeof placeThreads>,
    private readonly threads: number,
    private readonly rng: Rng,
    private readonly weightBytes: number,
  ) {
    this.xnnNames = model.operators.map((op) => xnnpackOperatorName(model, op));
    this.fused = model.operators.map(() => false);
    for (const row of rows) {
      if (row.backend !== 'xnnpack') continue;
      const partition = new Set(row.ops);
      for (const i of row.ops) this.fused[i] = xnnpackFusesClamp(model, i, partition);
    }
  }

  /** What a run draws besides busy cycles: its ops' switching activity, time-weighted, and its DRAM traffic power. */
  powerProfile(p: CpuPlacement): LoadPower {
    const bw = this.host.spec.memBandwidthGBs;
    let us = 0;
    let active = 0;
    let dram = 0;
    for (const row of this.rows) {
      if (row.backend === 'gpu') continue;
      for (const i of row.backend === 'builtin' ? row.ops.slice(0, 1) : row.ops) {
        const c = this.costs[i];
        if (!c || this.fused[i]) continue;
        const o = cpuOpPower(c, p, row.backend, bw);
        us += o.us;
        active += o.us * o.activity;
        dram += o.dramBytes;
      }
    }
    return us > 0 ? { activity: active / us, dramW: (dram * DRAM_J_PER_BYTE) / (us / 1e6) } : {};
  }

  /** Where the threads run and at what clock, read from the phone now. */
  placement(): CpuPlacement {
    return {
      cores: this.cores.map((c) => ({ spec: c, khz: this.host.physics.busyKHz(c) })),
      oversubscription: Math.max(1, this.threads / this.cores.length),
    };
  }

  run(p: CpuPlacement, state: 'cold' | 'warm' | 'first' | 'steady', profiling: boolean): { rowUs: number[]; internal: Array<{ name: string; index: number; us: number }>; totalUs: number } {
    const runFactor = this.rng.logNormal(0.012) * (state === 'cold' ? 1.6 : state === 'warm' ? 1.03 : state === 'first' ? 1.04 : 1);
    const bw = this.host.spec.memBandwidthGBs;
    const gpuFrac = this.host.physics.gpuFraction();
    const internal: Array<{ name: string; index: number; us: number }> = [];
    const rowUs = this.rows.map((row) => {
      let us = 0;
      if (row.backend === 'builtin') {
        const c = this.costs[row.ops[0] ?? 0];
        us = c ? cpuOpTimeUs(c, p, 'builtin', bw) * this.rng.logNormal(0.03) : 1;
      } else if (row.backend === 'xnnpack') {
        let xnnIndex = 0;
        row.ops.forEach((i) => {
          const c = this.costs[i];
          if (!c || this.fused[i]) return;
          const t = cpuOpTimeUs(c, p, 'xnnpack', bw) * this.rng.logNormal(0.03) * runFactor;
          internal.push({ name: this.xnnNames[i] ?? 'Copy (NC, X32)', index: xnnIndex++, us: Math.max(1, Math.round(t)) });
          us += t / runFactor;
        });
        us += XNNPACK_NODE_US;
      } else {
        const first = this.model.operators[row.ops[0] ?? 0];
        const inBytes = first ? first.inputs.reduce((a, t) => a + (this.model.tensors[t]?.isConstant ? 0 : (this.model.tensors[t]?.bytes ?? 0)), 0) : 0;
        for (const i of row.ops) {
          const c = this.costs[i];
          if (c) us += gpuOpTimeUs(c, this.host.spec.gpu, gpuFrac) * this.rng.logNormal(0.02);
        }
        us += GPU_INVOKE_US + inBytes / 4e3;
      }
      return us * runFactor;
    });
    if (state === 'cold' && rowUs.length) rowUs[0] = (rowUs[0] ?? 0) + this.weightBytes / 1.5e3;
    // Now and then the scheduler preempts the benchmark thread (or an interrupt lands):
    // a delay of up to a few ms, never more than about twice the run itself.
    if (rowUs.length && this.rng.next() < 0.02) {
      const k = Math.floor(this.rng.next() * rowUs.length);
      const run = rowUs.reduce((a, b) => a + b, 0);
      rowUs[k] = (rowUs[k] ?? 0) + Math.min(this.rng.uniform(0.3, 2) * run, this.rng.uniform(200, 4000));
    }
    const ints = rowUs.map((u) => Math.max(1, Math.round(u)));
    const totalUs = ints.reduce((a, b) => a + b, 0) + INVOKE_US + (profiling ? ints.length : 0) + Math.round(this.rng.uniform(0, 6));
    return { rowUs: ints, internal, totalUs };
  }
}
