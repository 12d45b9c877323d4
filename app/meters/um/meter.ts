/**
 * A RuiDeng UM24C / UM25C / UM34C over an open Duplex (9600 baud serial over USB or
 * Bluetooth SPP). Polls: write 0xF0, wait for one 130-byte frame, decode, repeat, by default
 * as fast as the meter answers (about 135 ms of bytes at 9600 baud: some 7 readings a second)
 * or at most `pollHz`. A sample is stamped with the host time of its request, when the meter
 * took its snapshot. Drops: `short` (a partial frame went stale or the answer timed out
 * half-way), `no-answer`, `stray` (bytes nobody asked for), and the decoder's
 * `unknown-model` / `implausible` / `length`. The model id in each frame picks the scaling,
 * whatever model the spec named.
 */
import type { Duplex } from 'node:stream';
import { hostNowMs } from '../clock.js';
import { DuplexMeter } from '../duplex-meter.js';
import { delay } from '../../util/sleep.js';
import { UM_MODEL_IDS, UM_PLAUSIBILITY, UM_REQUEST, decodeUmFrame, type UmPlausibility } from './decode.js';
import { UmFraming } from './framing.js';

export interface UmMeterOptions {
  /** Cap on requests per second; undefined: as fast as the meter answers. */
  readonly pollHz?: number;
  /** Give up on an answer after this long (ms since the request). */
  readonly answerTimeoutMs?: number;
  /** Discard a partial frame this long after its first byte. */
  readonly staleMs?: number;
  readonly plausibility?: UmPlausibility;
}

type Outcome = { kind: 'frame'; frame: Buffer } | { kind: 'stale' } | { kind: 'timeout' } | { kind: 'stopped' };

export class UmMeter extends DuplexMeter {
  private readonly framing: UmFraming;
  private readonly abort = new AbortController();
  private waiter: ((o: Outcome) => void) | undefined;
  private loopDone: Promise<void> = Promise.resolve();
  private model: string | undefined;
  private readonly onData = (chunk: Buffer): void => {
    this.framing.write(chunk);
  };

  constructor(
    port: Duplex,
    private readonly opts: UmMeterOptions = {},
  ) {
    super(port);
    this.framing = new UmFraming({ staleMs: opts.staleMs ?? 300, heads: UM_MODEL_IDS });
    this.framing.on('data', (frame: Buffer) => this.settle({ kind: 'frame', frame }));
    this.framing.on('resync', () => this.drop('stray'));
    this.framing.on('stale', () => this.settle({ kind: 'stale' }));
    this.framing.on('error', () => undefined);
  }

  async start(): Promise<void> {
    this.port.on('data', this.onData);
    this.loopDone = this.loop();
  }

  async stop(): Promise<void> {
    this.dispose();
    await this.loopDone;
  }

  dispose(): void {
    this.abort.abort();
    this.settle({ kind: 'stopped' });
    this.port.off('data', this.onData);
    this.framing.destroy();
  }

  private settle(o: Outcome): void {
    const w = this.waiter;
    this.waiter = undefined;
    if (w) w(o);
    // Bytes nobody asked for (an answer after its timeout, while pausing between polls).
    else if (o.kind === 'frame' || o.kind === 'stale') this.drop('stray');
  }

  private async loop(): Promise<void> {
    const signal = this.abort.signal;
    const answerTimeoutMs = this.opts.answerTimeoutMs ?? 500;
    const minGapMs = this.opts.pollHz ? 1000 / this.opts.pollHz : 0;
    while (!signal.aborted) {
      if (this.framing.reset() > 0) this.drop('stray');
      const requestedAt = hostNowMs();
      const outcome = await new Promise<Outcome>((resolve) => {
        const timer = setTimeout(() => this.settle({ kind: 'timeout' }), answerTimeoutMs);
        this.waiter = (o) => {
          clearTimeout(timer);
          resolve(o);
        };
        // A write error means the port is going away; SerialMeter hears that from 'close'.
        this.port.write(Buffer.from([UM_REQUEST]), () => undefined);
      });
      if (outcome.kind === 'stopped') break;
      if (outcome.kind === 'frame') {
        const r = decodeUmFrame(outcome.frame, this.opts.plausibility ?? UM_PLAUSIBILITY);
        if (r.ok) {
          if (this.model !== r.reading.model) {
            this.model = r.reading.model;
            this.emitDevice(r.reading.model.toUpperCase());
          }
          this.emitSample({ t_ms: requestedAt, volts: r.reading.volts, amps: r.reading.amps, watts: r.reading.watts });
        } else {
          this.drop(r.reason);
        }
      } else if (outcome.kind === 'stale') {
        this.drop('short');
      } else {
        this.drop(this.framing.reset() > 0 ? 'short' : 'no-answer');
      }
      const wait = requestedAt + minGapMs - hostNowMs();
      if (wait > 0) await delay(wait, signal);
    }
  }
}
