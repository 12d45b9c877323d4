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

export function parseOrtProfile(text: string, source = 'ORT profile'): ProfiledRun[] {
  let events: unknown;
  try {
    events = JSON.parse(text);
  } catch (e) {
    throw new LabbenchError('PARSE_FAILED', `${source}: not JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(events)) throw new LabbenchError('PARSE_FAILED', `${source}: expected a JSON array of trace events`);
  const runs: { ts: number; end: number; dur: number; kernels: (KernelTiming & { ts: number })[] }[] = [];
  const kernels: (KernelTiming & { ts: number })[] = [];
  for (const raw of events as TraceEvent[]) {
    if (typeof raw !== 'object' || raw === null) continue;
    const { cat, name, ts, dur } = raw;
    if (typeof name !== 'string' || typeof ts !== 'number' || typeof dur !== 'number') continue;
    if (cat === 'Session' && name === 'model_run') runs.push({ ts, end: ts + dur, dur, kernels: [] });
    else if (cat === 'Node' && name.endsWith(KERNEL_SUFFIX)) {
      kernels.push({
        node: name.slice(0, -KERNEL_SUFFIX.length),
        op: typeof raw.args?.op_name === 'string' ? raw.args.op_name : '?',
        provider: typeof raw.args?.provider === 'string' ? raw.args.provider : '?',
        durUs: dur,
        ts,
      });
    }
  }
  runs.sort((a, b) => a.ts - b.ts);
  for (const k of kernels) {
    const run = runs.find((r) => k.ts >= r.ts && k.ts <= r.end);
    if (!run) throw new LabbenchError('PARSE_FAILED', `${source}: kernel event ${k.node} at ts=${k.ts} lies outside every model_run`);
    run.kernels.push(k);
  }
  return runs.map((r) => ({ modelRunUs: r.dur, kernels: r.kernels.map(({ ts: _ts, ...k }) => k) }));
}

/** Sum of kernel time per run, in milliseconds: the device time a run spent in kernels. */
export function kernelMsPerRun(runs: readonly ProfiledRun[]): number[] {
  return runs.map((r) => r.kernels.reduce((s, k) => s + k.durUs, 0) / 1000);
}
