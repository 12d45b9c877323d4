/**
 * Parser of onnxruntime's own profiler output (a Chrome trace, written by
 * `session.endProfiling()`): one `model_run` Session event per `session.run()`, and one
 * `<node>_kernel_time` Node event per executed kernel, with `dur` in microseconds.
 * Kernels are assigned to the run whose `model_run` interval contains them.
 *
 * Pure: text in, runs out. Fixtures in ./fixtures were recorded from ORT 1.30 on this CPU.
 */
import { LabbenchError } from '../../app/api/errors.js';

export interface KernelTiming {
  /** ORT node name (`conv1`, or after fusion `relu1_nchwc`, `ReorderOutput`). */
  readonly node: string;
  readonly op: string;
  readonly provider: string;
  readonly durUs: number;
}

export interface ProfiledRun {
  /** `model_run` duration: the whole `session.run()` inside ORT, in microseconds. */
  readonly modelRunUs: number;
  readonly kernels: readonly KernelTiming[];
}

interface TraceEvent {
  cat?: unknown;
  name?: unknown;
  ts?: unknown;
  dur?: unknown;
  args?: { op_name?: unknown; provider?: unknown };
}

const KERNEL_SUFFIX = '_kernel_time';

type Timed = KernelTiming & { ts: number };
interface Events {
  runs: { ts: number; end: number; dur: number; kernels: Timed[] }[];
  kernels: Timed[];
}

/**
 * ORT writes one event per line, its fixed fields first (`{"cat" : "Node","pid" :..,"tid" :..,
 * "dur" :..,"ts" :..,"ph" : "X","name" :"..","args" : {..}}`). Reading those by pattern skips
 * building every event's args: a long profile is tens of MB, and JSON.parse of it was a large
 * part of a small network's profiling overhead. Any line of another shape falls back to JSON.
 */
const LINE = /^\{"cat" : "(\w+)","pid" :\d+,"tid" :\d+,"dur" :(\d+),"ts" :(\d+),"ph" : "X","name" :"((?:[^"\\]|\\.)*)","args" : \{(.*)\}\},?$/;
const OP_NAME = /"op_name" : "([^"\\]*)"/;
const PROVIDER = /"provider" : "([^"\\]*)"/;

/** Keeps a `model_run` or a kernel event, whichever way it was read; `args` is read for a kernel only. */
function keep(ev: Events, cat: unknown, name: string, ts: number, dur: number, args: () => { op: string; provider: string }): void {
  if (cat === 'Session' && name === 'model_run') ev.runs.push({ ts, end: ts + dur, dur, kernels: [] });
  else if (cat === 'Node' && name.endsWith(KERNEL_SUFFIX)) ev.kernels.push({ node: name.slice(0, -KERNEL_SUFFIX.length), ...args(), durUs: dur, ts });
}

function linesOf(text: string): Events | undefined {
  const lines = text.trimEnd().split('\n');
  if (lines.length < 2 || lines[0]!.trim() !== '[' || lines[lines.length - 1]!.trim() !== ']') return undefined;
  const ev: Events = { runs: [], kernels: [] };
  for (let i = 1; i < lines.length - 1; i++) {
    const line = lines[i]!.trimEnd();
    const m = LINE.exec(line);
    if (!m || m[4]!.includes('\\')) return undefined;
    const [, cat, dur, ts, name, args] = m as unknown as [string, string, string, string, string, string];
    keep(ev, cat, name, Number(ts), Number(dur), () => ({ op: OP_NAME.exec(args)?.[1] ?? '?', provider: PROVIDER.exec(args)?.[1] ?? '?' }));
  }
  return ev;
}

function parsed(text: string, source: string): Events {
  let events: unknown;
  try {
    events = JSON.parse(text);
  } catch (e) {
    throw new LabbenchError('PARSE_FAILED', `${source}: not JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(events)) throw new LabbenchError('PARSE_FAILED', `${source}: expected a JSON array of trace events`);
  const ev: Events = { runs: [], kernels: [] };
  for (const raw of events as TraceEvent[]) {
    if (typeof raw !== 'object' || raw === null) continue;
    const { cat, name, ts, dur } = raw;
    if (typeof name !== 'string' || typeof ts !== 'number' || typeof dur !== 'number') continue;
    keep(ev, cat, name, ts, dur, () => ({
      op: typeof raw.args?.op_name === 'string' ? raw.args.op_name : '?',
      provider: typeof raw.args?.provider === 'string' ? raw.args.provider : '?',
    }));
  }
  return ev;
}

export function parseOrtProfile(text: string, source = 'ORT profile'): ProfiledRun[] {
  const { runs, kernels } = linesOf(text) ?? parsed(text, source);
  runs.sort((a, b) => a.ts - b.ts);
  // Runs do not overlap: each kernel, in time order, belongs to the run that started last before it.
  kernels.sort((a, b) => a.ts - b.ts);
  let r = 0;
  for (const k of kernels) {
    while (r + 1 < runs.length && runs[r + 1]!.ts <= k.ts) r++;
    const run = runs[r];
    if (!run || k.ts < run.ts || k.ts > run.end) throw new LabbenchError('PARSE_FAILED', `${source}: kernel event ${k.node} at ts=${k.ts} lies outside every model_run`);
    run.kernels.push(k);
  }
  return runs.map((x) => ({ modelRunUs: x.dur, kernels: x.kernels.map(({ ts: _ts, ...k }) => k) }));
}

/** Sum of kernel time per run, in milliseconds: the device time a run spent in kernels. */
export function kernelMsPerRun(runs: readonly ProfiledRun[]): number[] {
  return runs.map((r) => r.kernels.reduce((s, k) => s + k.durUs, 0) / 1000);
}
