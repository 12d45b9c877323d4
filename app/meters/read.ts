/**
 * `readMeter`: what `labbench meter read --meter PORT:TYPE --seconds N` does. Opens the meter,
 * streams readings for N seconds (each to `onSample` as it comes), closes it, and sums up:
 * mean and sd of the power, the achieved rate, the meter's drop counts, and the errors seen
 * on the way (silences, an unplug and the reconnect). It rejects with CANCELED when `signal`
 * aborts, with DEVICE_UNAVAILABLE when the meter gave no reading at all (or went away and the
 * spec says `reconnect=0`), and with PARSE_FAILED when bytes came but every reading was bad.
 */
import { LabbenchError, type ErrorCode } from '../api/errors.js';
import { hostNowMs } from './clock.js';
import type { MeterStats, PowerSample } from './meter.js';
import { openAnyMeter, openMeter, type OpenMeterOptions } from './open.js';
import { formatMeterSpec, parseMeterSpec, sourceMeterKind, type MeterKind, type MeterSpec, type SourceMeterKind } from './spec.js';

export interface ReadMeterHooks {
  readonly onSample?: (s: PowerSample) => void;
  readonly onError?: (e: LabbenchError) => void;
  readonly signal?: AbortSignal;
  /** Keep every sample in the result (default true; false for long reads at high rates). */
  readonly keepSamples?: boolean;
  readonly open?: OpenMeterOptions;
}

export interface ReadMeterResult {
  readonly spec: string;
  readonly kind: MeterKind | SourceMeterKind;
  readonly path: string;
  readonly seconds: number;
  readonly samples: PowerSample[];
  readonly stats: MeterStats;
  readonly n: number;
  readonly mean_w: number;
  /** Sample standard deviation (0 with one sample). */
  readonly sd_w: number;
  /** Readings per second over the span of the readings. */
  readonly rate_hz: number;
  readonly errors: readonly { readonly t_ms: number; readonly code: ErrorCode; readonly message: string }[];
}

export async function readMeter(spec: string | MeterSpec, seconds: number, hooks: ReadMeterHooks = {}): Promise<ReadMeterResult> {
  if (!(seconds > 0)) throw new LabbenchError('BAD_INPUT', `--seconds must be > 0, not ${seconds}`);
  // Sources (a phone over adb, nvidia-smi) keep trying on their own; a serial spec says whether to reconnect.
  const source = typeof spec === 'string' ? sourceMeterKind(spec) : undefined;
  const parsed = typeof spec === 'string' && source === undefined ? parseMeterSpec(spec) : typeof spec === 'string' ? undefined : spec;
  if (hooks.signal?.aborted) throw new LabbenchError('CANCELED', 'cancelled');
  const meter = parsed ? await openMeter(parsed, hooks.open ?? {}) : await openAnyMeter(spec as string);
  const kind = meter.kind;
  const path = meter.path;
  const reconnect = parsed?.reconnect ?? true;
  const keep = hooks.keepSamples ?? true;
  const samples: PowerSample[] = [];
  const errors: { t_ms: number; code: ErrorCode; message: string }[] = [];
  let n = 0;
  let mean = 0;
  let m2 = 0;
  let first: number | undefined;
  let last: number | undefined;
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finish = resolve));
  let fatal: LabbenchError | undefined;

  meter.onSample((s) => {
    n++;
    const d = s.watts - mean;
    mean += d / n;
    m2 += d * (s.watts - mean);
    first ??= s.t_ms;
    last = s.t_ms;
    if (keep) samples.push(s);
    hooks.onSample?.(s);
  });
  meter.onError((e) => {
    errors.push({ t_ms: hostNowMs(), code: e.code, message: e.message });
    hooks.onError?.(e);
    if (meter.stats().state === 'disconnected' && !reconnect) {
      fatal = e;
      finish();
    }
  });
  const timer = setTimeout(finish, seconds * 1000);
  const onAbort = (): void => finish();
  hooks.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await meter.start();
    await done;
  } finally {
    clearTimeout(timer);
    hooks.signal?.removeEventListener('abort', onAbort);
    await meter.close();
  }
  if (hooks.signal?.aborted) throw new LabbenchError('CANCELED', 'cancelled');
  if (fatal) throw fatal;
  const stats = meter.stats();
  if (n === 0) {
    const reasons = Object.entries(stats.dropReasons).map(([k, v]) => `${k} ${v}`).join(', ');
    if (stats.dropped > 0) {
      throw new LabbenchError('PARSE_FAILED', `${kind} meter on ${path}: every reading in ${seconds} s was dropped (${reasons})`);
    }
    throw new LabbenchError('DEVICE_UNAVAILABLE', `${kind} meter on ${path} gave no reading in ${seconds} s`);
  }
  const span = first !== undefined && last !== undefined ? last - first : 0;
  return {
    spec: parsed ? formatMeterSpec(parsed) : (spec as string).trim(),
    kind,
    path,
    seconds,
    samples,
    stats,
    n,
    mean_w: mean,
    sd_w: n > 1 ? Math.sqrt(m2 / (n - 1)) : 0,
    rate_hz: n > 1 && span > 0 ? ((n - 1) * 1000) / span : n / seconds,
    errors,
  };
}
