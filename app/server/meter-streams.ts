/**
 * Live power traces for the Devices page: a meter read through the service's `readMeter`
 * (the same call as `labbench meter read`) until stopped, its readings batched a few times a
 * second for the UIs, and the latest minute kept so a page opened later starts with a trace.
 */
import { randomUUID } from 'node:crypto';
import { LabbenchError, serializeError } from '../api/errors.js';
import type { LocalLabService } from '../lab-service.js';
import type { MeterPoint, MeterStreamInfo } from '../ipc/protocol.js';

/** A day: `readMeter` wants a length; a trace runs until stopped. */
const FOREVER_S = 86_400;

interface Stream {
  info: { id: string; spec: string; state: MeterStreamInfo['state']; error?: string };
  recent: MeterPoint[];
  pending: MeterPoint[];
  controller: AbortController;
  timer: NodeJS.Timeout;
}

export interface MeterStreamEvents {
  points(id: string, points: readonly MeterPoint[]): void;
  state(stream: MeterStreamInfo): void;
}

export class MeterStreams {
  readonly #streams = new Map<string, Stream>();

  constructor(
    private readonly service: Pick<LocalLabService, 'readMeter'>,
    private readonly events: MeterStreamEvents,
    private readonly opts: { flushMs?: number; keepMs?: number } = {},
  ) {}

  list(): MeterStreamInfo[] {
    return [...this.#streams.values()].map(view);
  }

  start(spec: string): MeterStreamInfo {
    const same = [...this.#streams.values()].find((s) => s.info.spec === spec && s.info.state === 'streaming');
    if (same) throw new LabbenchError('BAD_INPUT', `${spec} is already being read (stream ${same.info.id})`);
    const controller = new AbortController();
    const s: Stream = { info: { id: randomUUID(), spec, state: 'streaming' }, recent: [], pending: [], controller, timer: setInterval(() => this.#flush(s), this.opts.flushMs ?? 200) };
    this.#streams.set(s.info.id, s);
    const keepMs = this.opts.keepMs ?? 60_000;
    this.service
      .readMeter(spec, FOREVER_S, {
        signal: controller.signal,
        onSample: (p) => {
          const point = { t_ms: p.t_ms, watts: p.watts };
          s.pending.push(point);
          s.recent.push(point);
          const cut = s.recent.findIndex((q) => q.t_ms >= point.t_ms - keepMs);
          if (cut > 0) s.recent.splice(0, cut);
        },
      })
      .then(
        () => this.#end(s, 'ended'),
        (e: unknown) => this.#end(s, controller.signal.aborted ? 'ended' : 'failed', serializeError(e).message),
      );
    return view(s);
  }

  stop(id: string): MeterStreamInfo {
    const s = this.#streams.get(id);
    if (!s) throw new LabbenchError('BAD_INPUT', `no meter stream ${id}`);
    s.controller.abort();
    return view(s);
  }

  stopAll(): void {
    for (const s of this.#streams.values()) s.controller.abort();
  }

  #flush(s: Stream): void {
    if (!s.pending.length) return;
    const points = s.pending;
    s.pending = [];
    this.events.points(s.info.id, points);
  }

  #end(s: Stream, state: 'ended' | 'failed', error?: string): void {
    this.#flush(s);
    clearInterval(s.timer);
    s.info.state = state;
    if (error && state === 'failed') s.info.error = error;
    this.events.state(view(s));
  }
}

function view(s: Stream): MeterStreamInfo {
  return { ...s.info, recent: [...s.recent] };
}
