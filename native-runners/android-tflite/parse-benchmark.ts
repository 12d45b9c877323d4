/**
 * Parser of TFLite `benchmark_model --enable_op_profiling=true` output: the per-operator
 * "Run Order" table of the regular benchmark runs, in its stdout form (tab-separated columns
 * from tensorflow/core/util/stats_calculator.cc, with or without `[start]`) or its CSV form
 * (`--op_profiling_output_mode=csv`, older `--profiling_output_csv_file`), plus the timing
 * summaries around it. Pure: text in, rows out. It is not a mapper: map-rows.ts turns rows
 * into per-layer times.
 *
 * What counts: only the "Run Order" table under "Operator-wise Profiling Info for Regular
 * Benchmark Runs" (of the primary graph), or, where no such header is printed (TFLite 1.x, and
 * LiteRT's `benchmark_model --use_profiler=true`), the first Run Order table outside any
 * "Profiling Info for ..." section. The initialization profile printed before it
 * ("Profiling Info for Benchmark Initialization", or any other "Profiling Info for ..."),
 * the "Top by Computation Time" / "Top by Memory Use" / "Summary by node type" tables, and
 * other subgraphs are skipped. A "Delegate internal:" table, printed by recent versions, is
 * returned apart in `delegateInternal`.
 *
 * Units as benchmark_model prints them: row times in milliseconds, summaries in microseconds.
 * A row's `avgMs` is the average of one call; the row costs `avgMs * timesCalled` per run.
 */
import { LabbenchError } from '../../app/api/errors.js';

export interface BenchmarkRow {
  /** Operator type (`CONV_2D`), delegate kernel (`TfLiteXNNPackDelegate`), or delegate-internal op. */
  readonly nodeType: string;
  /** Start offset within a run, ms: printed by TF up to 2.3 and in some CSVs only. */
  readonly startMs?: number;
  /** Duration of the first profiled call, ms. */
  readonly firstMs: number;
  /** Mean duration of one call, ms. */
  readonly avgMs: number;
  /** Share of the summed row times, percent (NaN when benchmark_model printed nan). */
  readonly pct: number;
  readonly cdfPct: number;
  readonly memKb: number;
  /** Calls per run. */
  readonly timesCalled: number;
  /** The name column as printed: `[out1, out2]:<node index>`, or `Delegate/<op>:<n>`. */
  readonly name: string;
  /**
   * `op`: a TFLite node (an operator, or a delegate kernel standing for several), named after
   * its output tensors. `delegate-op`: an operator inside a delegate (XNNPACK's detailed
   * profiling), named after nothing in the model. `other`: any other name.
   */
  readonly kind: 'op' | 'delegate-op' | 'other';
  /** Output tensor names of an `op` row, in node order; empty otherwise. */
  readonly tensorNames: readonly string[];
  /** The last output tensor of an `op` row (what a delegate row is named after), else null. */
  readonly tensorName: string | null;
  /** TFLite node index of an `op` row (delegate kernels come after the model's operators), else null. */
  readonly nodeIndex: number | null;
  /** 1-based line in the parsed text. */
  readonly line: number;
}

/** A `count=... first=... curr=... min=... max=... avg=... std=...` summary, microseconds. */
export interface TimingStats {
  readonly count: number;
  readonly firstUs: number;
  readonly currUs: number;
  readonly minUs: number;
  readonly maxUs: number;
  readonly avgUs: number;
  readonly stdUs: number;
}

/** `Inference timings in us: Init: ..., First inference: ..., Warmup (avg): ..., Inference (avg): ...`. */
export interface InferenceTimings {
  readonly initUs: number;
  readonly firstUs: number;
  readonly warmupAvgUs: number;
  readonly inferenceAvgUs: number;
}

export interface BenchmarkProfile {
  readonly format: 'stdout' | 'csv';
  readonly rows: readonly BenchmarkRow[];
  /**
   * `Timings (microseconds)` of the regular-runs profile: the per-run sum of the profiled
   * operator times (not wall time), over the profiled runs.
   */
  readonly overall?: TimingStats;
  readonly inference?: InferenceTimings;
  /** The bare `count=...` lines after "Running benchmark for at least ...": warmup, then regular runs (wall time per run). */
  readonly runs?: { readonly warmup?: TimingStats; readonly regular?: TimingStats };
  /** Rows of a "Delegate internal:" table, when printed (recent TFLite with XNNPACK). */
  readonly delegateInternal?: readonly BenchmarkRow[];
}

const NUM = String.raw`[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|[-+]?nan|[-+]?inf`;

const REGULAR_HEADER = 'Profiling Info for Regular Benchmark Runs';
const ANY_PROFILE_HEADER = /Profiling Info for /;
const TITLE = /^=+\s+(.+?)\s+=+$/;

/**
 * Prefixes a line may carry: TFLite's `INFO: `/`ERROR: ` log tags, LiteRT's source location
 * after them (`INFO: [./litert/tools/benchmark_litert_model.h:179] `), and Android logcat's
 * `05-31 10:31:13.023 21767 21767 I tflite  : ` (benchmark APK output read back by logcat).
 */
function stripPrefix(line: string): string {
  return line
    .replace(/^\d\d-\d\d \d\d:\d\d:\d\d\.\d+\s+\d+\s+\d+\s+[VDIWEF]\s+[^:]*?\s*:\s?/, '')
    .replace(/^(?:INFO|WARNING|ERROR|VERBOSE): (?:\[[^\]\s]+:\d+\] ?)?/, '');
}

function num(s: string): number {
  const t = s.trim().toLowerCase();
  if (/^[-+]?nan$/.test(t)) return Number.NaN;
  if (/^[-+]?inf$/.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  return Number(t);
}

function parseName(name: string): Pick<BenchmarkRow, 'kind' | 'tensorNames' | 'tensorName' | 'nodeIndex'> {
  const op = /^\[(.*)\]:(\d+)$/.exec(name);
  if (op) {
    // ", " between names; the CSV of current TFLite writes each ',' of a name as a tab.
    const tensorNames = op[1]!.split(/, |\t ?/);
    return { kind: 'op', tensorNames, tensorName: tensorNames.at(-1) ?? null, nodeIndex: Number(op[2]) };
  }
  if (/^Delegate\/.*:\d+$/.test(name)) return { kind: 'delegate-op', tensorNames: [], tensorName: null, nodeIndex: null };
  return { kind: 'other', tensorNames: [], tensorName: null, nodeIndex: null };
}

interface Columns {
  readonly csv: boolean;
  readonly start: boolean;
}

/** The row pattern for a header: node type, [start], first, avg, %, cdf%, mem, times, name. */
function rowPattern({ csv, start }: Columns): RegExp {
  const sep = csv ? ', ' : String.raw`\s+`;
  const n = `(${NUM})`;
  const parts = [String.raw`^\s*(.+?)`, ...(start ? [n] : []), n, n, `${n}%`, `${n}%`, n, String.raw`(\d+)`, String.raw`(\S.*?)\s*$`];
  return new RegExp(parts.join(sep));
}

function parseRow(raw: string, cols: Columns, lineNo: number, fail: (what: string) => never): BenchmarkRow {
  let fields: string[] | undefined;
  if (!cols.csv && raw.includes('\t')) {
    // The stdout table is tab-separated (every field, the first included, starts with \t;
    // a paste may indent the row with more tabs).
    const f = raw.split('\t').map((x) => x.trim());
    while (f.length > 0 && f[0] === '') f.shift();
    fields = f;
  } else {
    // CSV (", " separated, unquoted: names may hold ", " too), or a table whose tabs were
    // turned into spaces on the way (copied from a terminal or a web page).
    const m = rowPattern(cols).exec(raw);
    if (m) fields = m.slice(1);
  }
  const want = cols.start ? 9 : 8;
  if (!fields || fields.length !== want) fail(`malformed Run Order row (expected ${want} columns)`);
  const f = fields;
  let i = 0;
  const nodeType = f[i++]!;
  const startMs = cols.start ? num(f[i++]!) : undefined;
  const firstMs = num(f[i++]!);
  const avgMs = num(f[i++]!);
  const pct = num(f[i++]!.replace(/%$/, ''));
  const cdfPct = num(f[i++]!.replace(/%$/, ''));
  const memKb = num(f[i++]!);
  const timesCalled = num(f[i++]!);
  const name = f[i++]!;
  const finite = [firstMs, avgMs, memKb, timesCalled, ...(startMs === undefined ? [] : [startMs])];
  if (!nodeType || !name || finite.some((v) => !Number.isFinite(v)) || !Number.isInteger(timesCalled) || timesCalled < 0) {
    fail('malformed Run Order row');
  }
  return {
    nodeType,
    ...(startMs === undefined ? {} : { startMs }),
    firstMs,
    avgMs,
    pct,
    cdfPct,
    memKb,
    timesCalled,
    name,
    ...parseName(name),
    line: lineNo,
  };
}

/** `count=50 first=... curr=... min=... max=... avg=2.9499e+06 std=109770`, or `count=1 curr=11409`. */
export function parseTimingStats(text: string): TimingStats | undefined {
  const kv = new Map<string, number>();
  for (const m of text.matchAll(new RegExp(String.raw`\b(count|first|curr|min|max|avg|std)=(${NUM})`, 'g'))) kv.set(m[1]!, num(m[2]!));
  const count = kv.get('count');
  const curr = kv.get('curr');
  if (count === undefined || count === 0 || curr === undefined) return undefined;
  return {
    count,
    firstUs: kv.get('first') ?? curr,
    currUs: curr,
    minUs: kv.get('min') ?? curr,
    maxUs: kv.get('max') ?? curr,
    avgUs: kv.get('avg') ?? curr,
    stdUs: kv.get('std') ?? 0,
  };
}

function parseInference(line: string): InferenceTimings | undefined {
  const get = (label: string): number | undefined => {
    const m = new RegExp(`${label.replace(/[()]/g, '\\$&')}:\\s*(${NUM})`).exec(line);
    return m ? num(m[1]!) : undefined;
  };
  const initUs = get('Init');
  const firstUs = get('First inference');
  const warmupAvgUs = get('Warmup (avg)');
  const inferenceAvgUs = get('Inference (avg)');
  if (initUs === undefined || firstUs === undefined || warmupAvgUs === undefined || inferenceAvgUs === undefined) return undefined;
  return { initUs, firstUs, warmupAvgUs, inferenceAvgUs };
}

interface Tables {
  rows: BenchmarkRow[];
  delegateInternal: BenchmarkRow[];
  overall?: TimingStats;
  format?: 'stdout' | 'csv';
  regularHeaderLine?: number;
  inference?: InferenceTimings;
  runCounts: TimingStats[];
  /** LiteRT's "BENCHMARK RESULTS" block, ms as printed (2 decimals). */
  liteRt: { initMs?: number; firstMs?: number; warmupAvgMs?: number; inferenceAvgMs?: number };
}

const LITERT_RESULTS: readonly [RegExp, keyof Tables['liteRt']][] = [
  [/^Model initialization:\s*(\S+) ms/, 'initMs'],
  [/^Warmup \(first\):\s*(\S+) ms/, 'firstMs'],
  [/^Warmup \(avg\):\s*(\S+) ms/, 'warmupAvgMs'],
  [/^Inference \(avg\):\s*(\S+) ms/, 'inferenceAvgMs'],
];

function scan(text: string, source: string): Tables {
  const lines = text.split(/\r?\n/);
  const out: Tables = { rows: [], delegateInternal: [], runCounts: [], liteRt: {} };
  let section: 'none' | 'other-profile' | 'regular' = 'none';
  let graph: 'primary' | 'subgraph' | 'delegate' = 'primary';
  let table: string | null = null;
  let cols: Columns | null = null;
  let runOrderDone = false;
  lines.forEach((rawLine, idx) => {
    const lineNo = idx + 1;
    const line = stripPrefix(rawLine);
    const t = line.trim();
    const fail = (what: string): never => {
      throw new LabbenchError('PARSE_FAILED', `${source}: ${what} at line ${lineNo}: ${rawLine.trim()}`);
    };
    if (ANY_PROFILE_HEADER.test(t) && !TITLE.test(t)) {
      section = t.includes(REGULAR_HEADER) ? 'regular' : 'other-profile';
      if (section === 'regular') out.regularHeaderLine ??= lineNo;
      graph = 'primary';
      table = null;
      cols = null;
      return;
    }
    if (section !== 'regular') {
      if (section === 'none') {
        if (TITLE.exec(t)?.[1] === 'Run Order' && out.rows.length === 0) {
          // TFLite 1.x and LiteRT's --use_profiler print the regular runs' table with no header.
          section = 'regular';
          out.regularHeaderLine ??= lineNo;
          graph = 'primary';
          table = 'Run Order';
          cols = null;
        } else if (t.startsWith('Inference timings in us:')) out.inference = parseInference(t) ?? out.inference;
        else if (/^count=/.test(t)) {
          const s = parseTimingStats(t);
          if (s) out.runCounts.push(s);
        } else {
          for (const [re, key] of LITERT_RESULTS) {
            const m = re.exec(t);
            if (m && Number.isFinite(Number(m[1]))) out.liteRt[key] = Number(m[1]);
          }
        }
      }
      return;
    }
    // Inside the regular-runs profile.
    if (/^Primary graph /.test(t)) {
      graph = 'primary';
      table = null;
      return;
    }
    if (/^Subgraph \(index: \d+\)/.test(t)) {
      if (!t.includes('Timings') && !t.includes('Memory')) graph = 'subgraph';
      table = null;
      return;
    }
    if (/^Delegate internal:/.test(t)) {
      graph = 'delegate';
      table = null;
      return;
    }
    const title = TITLE.exec(t);
    if (title) {
      table = title[1]!;
      cols = null;
      return;
    }
    if (t.startsWith('Timings (microseconds):')) {
      if (graph === 'primary' && !out.overall) out.overall = parseTimingStats(t);
      table = null;
      return;
    }
    if (t.startsWith('Inference timings in us:')) {
      out.inference = parseInference(t) ?? out.inference;
      return;
    }
    if (table !== 'Run Order' || graph === 'subgraph') return;
    if (t === '') {
      table = null;
      if (graph === 'primary' && out.rows.length > 0) runOrderDone = true;
      return;
    }
    if (!cols) {
      if (t.includes('[node type]')) cols = { csv: false, start: t.includes('[start]') };
      else if (/^node type\s*,/.test(t)) cols = { csv: true, start: /,\s*start\s*,/.test(t) };
      else fail('Run Order row before its header');
      if (cols && out.format === undefined) out.format = cols.csv ? 'csv' : 'stdout';
      return;
    }
    if (graph === 'primary' && runOrderDone) return;
    const row = parseRow(line, cols, lineNo, fail);
    (graph === 'delegate' ? out.delegateInternal : out.rows).push(row);
  });
  return out;
}

/**
 * Parses benchmark_model output. `text` is its stdout (the profile printed there), or the
 * CSV file written with `--op_profiling_output_mode=csv`; with `opts.csv` the rows come from
 * that file and the run summaries from `text` (stdout). Throws PARSE_FAILED naming the line
 * when no regular-runs Run Order table is there or a row does not parse.
 */
export function parseBenchmarkOutput(text: string, opts: { csv?: string; source?: string } = {}): BenchmarkProfile {
  const source = opts.source ?? (opts.csv !== undefined ? 'benchmark_model CSV profile' : 'benchmark_model output');
  const main = scan(text, opts.csv !== undefined ? `${source} (stdout)` : source);
  const prof = opts.csv !== undefined ? scan(opts.csv, source) : main;
  const profText = opts.csv ?? text;
  if (prof.rows.length === 0) {
    const lines = profText.split(/\r?\n/);
    let where: number;
    let what: string;
    if (prof.regularHeaderLine !== undefined) {
      where = prof.regularHeaderLine;
      what = 'no Run Order rows follow the regular-runs profile header';
    } else {
      where = lines.length;
      while (where > 1 && (lines[where - 1] ?? '').trim() === '') where--;
      what = `no "Operator-wise ${REGULAR_HEADER}" section (is --enable_op_profiling=true set, or LiteRT's --use_profiler=true?)`;
    }
    const failure = benchmarkFailure(profText, '');
    throw new LabbenchError(
      'PARSE_FAILED',
      `${source}: ${what} at line ${where}: ${(lines[where - 1] ?? '').trim()}${failure ? ` (benchmark_model reported: ${failure})` : ''}`,
    );
  }
  const [warmup, regular] = main.runCounts;
  const runs = warmup || regular ? { ...(warmup ? { warmup } : {}), ...(regular ? { regular } : {}) } : undefined;
  const overall = prof.overall ?? (opts.csv !== undefined ? main.overall : undefined);
  const inference = main.inference ?? prof.inference ?? liteRtInference(main.liteRt, runs);
  return {
    format: prof.format ?? 'stdout',
    rows: prof.rows,
    ...(overall ? { overall } : {}),
    ...(inference ? { inference } : {}),
    ...(runs ? { runs } : {}),
    ...(prof.delegateInternal.length ? { delegateInternal: prof.delegateInternal } : {}),
  };
}

/**
 * LiteRT prints no `Inference timings in us` line but a results block in ms to 2 decimals;
 * the `count=` lines of the warmup and regular runs say the same to the microsecond, so they
 * win where present.
 */
function liteRtInference(r: Tables['liteRt'], runs: BenchmarkProfile['runs']): InferenceTimings | undefined {
  if (r.initMs === undefined || r.inferenceAvgMs === undefined) return undefined;
  return {
    initUs: r.initMs * 1000,
    firstUs: runs?.warmup?.firstUs ?? (r.firstMs ?? Number.NaN) * 1000,
    warmupAvgUs: runs?.warmup?.avgUs ?? (r.warmupAvgMs ?? Number.NaN) * 1000,
    inferenceAvgUs: runs?.regular?.avgUs ?? r.inferenceAvgMs * 1000,
  };
}

/** Per-run cost of a row in ms: its mean call time times its calls per run. */
export const rowMsPerRun = (r: BenchmarkRow): number => r.avgMs * r.timesCalled;

const GENERIC = /^(?:Benchmarking failed\.?|Registration failed\.?|Restored original execution plan after delegate application failure\.?)$/;

/**
 * Why a benchmark_model run failed, in one line, from its stdout and stderr; undefined when
 * neither shows a known failure. Recognizes the tool's own messages (model not loaded,
 * delegate not applied, op not found, node failing to prepare or invoke, tensors not
 * allocated) and the shell's (binary missing, not executable, not linkable, killed).
 */
export function benchmarkFailure(stdout: string, stderr: string): string | undefined {
  const lines = [...stderr.split(/\r?\n/), ...stdout.split(/\r?\n/)]
    .map((l) => stripPrefix(l).replace(/^(?:Error|error|E\/tflite[^:]*): /, '').replace(/\s+/g, ' ').trim())
    .filter((l) => l !== '');
  const oneLine = (s: string): string => (s.length > 300 ? `${s.slice(0, 297)}...` : s);
  /** The main message, with the first specific error of the few lines before it (the root cause) as its detail. */
  const withDetail = (i: number): string => {
    for (let j = Math.max(0, i - 8); j < i; j++) {
      const d = lines[j]!;
      if (GENERIC.test(d)) continue;
      // Case-insensitive: NNAPI's root cause reads "NN API returned error ANEURALNETWORKS_...".
      if (/could not open|not supported|unsupported|failed|error|invalid|didn't find|no such file/i.test(d)) return oneLine(`${lines[i]!}: ${d}`);
    }
    return oneLine(lines[i]!);
  };
  const patterns: RegExp[] = [
    /Failed to (?:mmap|load) model\b/,
    /Failed to initialize model loader\b/,
    /Failed to apply .+ delegate/,
    /Didn't find op for builtin opcode/,
    /Node number \d+ \(.+\) failed to (?:prepare|invoke)/,
    /Failed to allocate tensors/,
    /Failed to initialize the interpreter/,
    /Disallowed CPU fallback detected/,
    /Failed to invoke/,
    /Output mode.*is not supported/,
    /Please specify the name of your TF Lite input file/,
    /CANNOT LINK EXECUTABLE/,
    /: (?:inaccessible or )?not found$/,
    /Permission denied/,
    /Segmentation fault|Aborted|Killed|Bus error/,
  ];
  for (const p of patterns) {
    const i = lines.findIndex((l) => p.test(l));
    if (i >= 0) return withDetail(i);
  }
  const generic = lines.findIndex((l) => /^Failed\b/.test(l) || /\bfailed\b/i.test(l));
  if (generic >= 0) return withDetail(generic);
  return undefined;
}
