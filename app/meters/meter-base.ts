/**
 * The bookkeeping every meter shares (serial meters, a phone's fuel gauge or rails over adb,
 * a GPU's nvidia-smi): listeners, stats, state changes, drops counted by reason, and, for
 * sources that fail per reading, the rule that a meter reports going away once per outage,
 * not once per failed reading. `PolledMeter` adds the poll loop for sources that are asked
 * (adb) rather than streamed (nvidia-smi, a serial port: `SerialMeter` adds ports, framing,
 * silence and reconnects).
 */
import { Listeners } from './listeners.js';
import type { LabbenchError } from '../api/errors.js';
import type { MeterKind, MeterState, MeterStats, PowerMeter, PowerSample, SourceMeterKind } from './meter.js';

export abstract class MeterBase implements PowerMeter {
  abstract readonly kind: MeterKind | SourceMeterKind;
  abstract readonly path: string;
  protected readonly st: MeterStats = { samples: 0, dropped: 0, dropReasons: {}, state: 'idle', reconnects: 0, silences: 0 };
  private readonly samples = new Listeners<PowerSample>();
  private readonly errors = new Listeners<LabbenchError>();
  private readonly states = new Listeners<MeterState>();
  /** Set from the first failed reading of an outage until a reading succeeds again. */
  protected failing = false;

  abstract start(): Promise<void>;
  abstract close(): Promise<void>;

  protected setState(s: MeterState): void {
    if (this.st.state === s) return;
    this.st.state = s;
    this.states.emit(s);
  }

  protected drop(reason: string, by = 1): void {
    this.st.dropped += by;
    this.st.dropReasons[reason] = (this.st.dropReasons[reason] ?? 0) + by;
  }

  protected emitSample(sample: PowerSample): void {
    this.st.samples++;
    this.st.lastSampleAt = sample.t_ms;
    if (this.st.state !== 'streaming') this.setState('streaming');
    this.samples.emit(sample);
  }

  protected reportError(err: LabbenchError): void {
    this.errors.emit(err);
  }

  /** The source stopped answering: said once per outage (`disconnected`, one error). */
  protected lost(err: LabbenchError): void {
    if (this.failing || this.closed) return;
    this.failing = true;
    this.st.silences++;
    this.setState('disconnected');
    this.reportError(err);
  }

  /** A reading succeeded: ends an outage; true when there was one (counted as a reconnect). */
  protected recovered(): boolean {
    if (!this.failing) return false;
    this.failing = false;
    this.st.reconnects++;
    return true;
  }

  protected get closed(): boolean {
    return this.st.state === 'closed';
  }

  onSample(cb: (s: PowerSample) => void): () => void {
    return this.samples.add(cb);
  }
  onError(cb: (e: LabbenchError) => void): () => void {
    return this.errors.add(cb);
  }
  onState(cb: (s: MeterState) => void): () => void {
    return this.states.add(cb);
  }
  stats(): MeterStats {
    return { ...this.st, dropReasons: { ...this.st.dropReasons } };
  }
}

/** A source read by asking it `pollHz` times a second; a poll never overlaps the previous one. */
export abstract class PolledMeter extends MeterBase {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly pollHz: number) {
    super();
  }

  /** One reading: emits, drops or reports loss itself; must not throw. */
  protected abstract poll(): Promise<void>;

  /** Polls until `close()`, each poll `1 / pollHz` s after the previous one ended. */
  protected startPolling(): void {
    const loop = async (): Promise<void> => {
      if (this.closed) return;
      await this.poll();
      if (!this.closed) this.timer = setTimeout(() => void loop(), 1000 / this.pollHz);
    };
    this.timer = setTimeout(() => void loop(), 1000 / this.pollHz);
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.setState('closed');
  }
}
