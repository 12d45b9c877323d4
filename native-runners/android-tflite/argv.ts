/**
 * The command line of one `benchmark_model` run on a phone, as an argv array, and the one
 * place it becomes a shell string. `adb shell` joins its arguments with spaces into a single
 * `sh -c` command line on the phone, so every argument is quoted here with POSIX single
 * quotes: a model path with spaces, quotes or `$()` stays one literal argument.
 *
 * Pure: nothing runs here. Flags are those of TFLite's benchmark_model (see FACTS.md).
 */
import { LabbenchError } from '../../app/api/errors.js';

export type BenchmarkDelegate = 'cpu' | 'xnnpack' | 'gpu' | 'nnapi';

export interface BenchmarkArgvOptions {
  /** benchmark_model on the phone, e.g. /data/local/tmp/benchmark_model. */
  readonly binary: string;
  /** The .tflite file on the phone. */
  readonly graph: string;
  /** --num_threads: CPU threads for the interpreter and XNNPACK. */
  readonly threads: number;
  /** --warmup_runs: unprofiled runs first (benchmark_model also warms up for 0.5 s at least). */
  readonly warmupRuns: number;
  /** --num_runs: profiled runs (benchmark_model also runs for 1 s at least). */
  readonly numRuns: number;
  /** --max_secs: stop the regular runs after this many seconds. */
  readonly maxSecs?: number;
  /**
   * --min_secs and --warmup_min_secs: benchmark_model otherwise runs for at least 1 s (and
   * warms up for 0.5 s) whatever the run counts say; 0 makes the counts exact.
   */
  readonly minSecs?: number;
  readonly warmupMinSecs?: number;
  /** --run_delay: seconds between runs (lets a hot phone cool). */
  readonly runDelay?: number;
  /**
   * cpu: TFLite's own kernels (`--use_xnnpack=false`, so XNNPACK is not applied by default);
   * xnnpack: `--use_xnnpack=true`; gpu / nnapi: that delegate, with XNNPACK off so that the
   * operators it leaves on the CPU get one row each.
   */
  readonly delegate: BenchmarkDelegate;
  /** CPU affinity as a hex mask (`f0`: cores 4-7), run under `taskset`. */
  readonly coreMask?: string;
  /** Write the op profile as CSV to this file on the phone instead of stdout. */
  readonly csvOut?: string;
  /** Name the CSV file with `--profiling_output_csv_file=` (benchmark_model before TF 2.11 or so). */
  readonly legacyCsvFlag?: boolean;
}

const DELEGATE_FLAGS: Readonly<Record<BenchmarkDelegate, readonly string[]>> = {
  cpu: ['--use_xnnpack=false'],
  xnnpack: ['--use_xnnpack=true'],
  gpu: ['--use_gpu=true', '--use_xnnpack=false'],
  nnapi: ['--use_nnapi=true', '--use_xnnpack=false'],
};

function bad(what: string): never {
  throw new LabbenchError('BAD_INPUT', `benchmark_model: ${what}`);
}

function integer(name: string, v: number, min: number): number {
  if (!Number.isInteger(v) || v < min) bad(`${name} must be an integer >= ${min}, got ${v}`);
  return v;
}

function seconds(name: string, v: number, positive: boolean): number {
  if (!Number.isFinite(v) || v < 0 || (positive && v === 0)) bad(`${name} must be a ${positive ? 'positive' : 'non-negative'} number of seconds, got ${v}`);
  return v;
}

function path(name: string, v: string): string {
  if (v === '' || v.includes('\0')) bad(`${name} must be a non-empty path without NUL bytes`);
  return v;
}

/** A taskset mask: hex digits, optional 0x, not zero; returned lower-case without 0x. */
export function normalizeCoreMask(mask: string): string {
  const m = /^(?:0x)?([0-9a-f]+)$/i.exec(mask.trim());
  if (!m || /^0+$/.test(m[1]!)) bad(`core mask must be a non-zero hex number such as f0, got "${mask}"`);
  return m[1]!.toLowerCase();
}

/** The argv of one profiled run: `[taskset <mask>] <binary> --graph=... --enable_op_profiling=true ...`. */
export function benchmarkArgv(o: BenchmarkArgvOptions): string[] {
  const argv: string[] = [];
  if (o.coreMask !== undefined) argv.push('taskset', normalizeCoreMask(o.coreMask));
  argv.push(
    path('binary', o.binary),
    `--graph=${path('graph', o.graph)}`,
    `--num_threads=${integer('threads', o.threads, 1)}`,
    `--warmup_runs=${integer('warmupRuns', o.warmupRuns, 0)}`,
    `--num_runs=${integer('numRuns', o.numRuns, 1)}`,
  );
  if (o.maxSecs !== undefined) argv.push(`--max_secs=${seconds('maxSecs', o.maxSecs, true)}`);
  if (o.minSecs !== undefined) argv.push(`--min_secs=${seconds('minSecs', o.minSecs, false)}`);
  if (o.warmupMinSecs !== undefined) argv.push(`--warmup_min_secs=${seconds('warmupMinSecs', o.warmupMinSecs, false)}`);
  if (o.runDelay !== undefined) argv.push(`--run_delay=${seconds('runDelay', o.runDelay, false)}`);
  const flags = DELEGATE_FLAGS[o.delegate];
  if (!flags) bad(`unknown delegate "${String(o.delegate)}" (cpu, xnnpack, gpu or nnapi)`);
  argv.push(...flags, '--enable_op_profiling=true');
  if (o.csvOut !== undefined) {
    const file = path('csvOut', o.csvOut);
    if (o.legacyCsvFlag) argv.push(`--profiling_output_csv_file=${file}`);
    else argv.push('--op_profiling_output_mode=csv', `--op_profiling_output_file=${file}`);
  }
  return argv;
}
