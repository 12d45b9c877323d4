/**
 * A `PowerMeter` on a serial port: opens the port with serialport at the spec's baud rate,
 * runs the kind's protocol session (a `DuplexMeter`) over it, counts samples and drops, and
 * watches for trouble. No reading for `silenceMs` makes it `silent`; the port closing under
 * it (unplugged, `disconnected`) makes it `disconnected`. Both are reported through `onError`
 * as DEVICE_UNAVAILABLE and never turn into zero watts. With `reconnect` it reopens the same
 * path every `reconnectMs` and starts a fresh session (PPK2: metadata again), and samples
 * resume. Counts carry across sessions.
 */
import { MeterBase } from './meter-base.js';
import type { Duplex } from 'node:stream';
import { LabbenchError } from '../api/errors.js';
import { hostNowMs } from './clock.js';
import { hangupSafeSerialPort } from './hangup-safe-binding.js';
import type { DuplexMeter } from './duplex-meter.js';
import type { PowerSample } from './meter.js';
import type { MeterKind, MeterSpec } from './spec.js';

/** What SerialMeter needs of a port: serialport's SerialPort, or SerialPortMock in tests. */
export interface PortLike extends Duplex {
  open(cb: (err: Error | null) => void): void;
  close(cb?: (err: Error | null) => void): void;
  drain(cb?: (err: Error | null) => void): void;
  readonly isOpen: boolean;
}

export type PortFactory = (o: { path: string; baudRate: number }) => PortLike;

/** serialport's SerialPort, with hang-ups reported as disconnects (see hangup-safe-binding.ts). */
export const serialPortFactory: PortFactory = ({ path, baudRate }) => hangupSafeSerialPort(path, baudRate);

export interface SerialMeterOptions {
  /** Defaults to serialport's SerialPort with the hang-up-safe binding. */
  readonly portFactory?: PortFactory;
  /** Pause between reopen attempts after the port went away, ms (default 500). */
  readonly reconnectMs?: number;
}

export class SerialMeter extends MeterBase {
  readonly kind: MeterKind;
  readonly path: string;
  private port: PortLike | undefined;
  private session: DuplexMeter | undefined;
  private started = false;
  private closing = false;
  private sessionLive = false;
  private lastProgressAt = 0;
  private watchdog: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly spec: MeterSpec,
    private readonly makeSession: (port: Duplex) => DuplexMeter,
    private readonly opts: SerialMeterOptions = {},
  ) {
    super();
    this.kind = spec.kind;
    this.path = spec.path;
  }

  /** Opens the port (DEVICE_UNAVAILABLE if it cannot be). `start()` opens it if needed. */
  async open(): Promise<void> {
    if (this.port) return;
    const port = await this.openPort();
    this.port = port;
    this.attach(port);
  }

  async start(): Promise<void> {
    if (this.started) return;
    if (this.closing) throw new LabbenchError('DEVICE_UNAVAILABLE', `${this.describe()} is closed`);
    await this.open();
    this.started = true;
    const every = Math.max(20, Math.min(250, this.spec.silenceMs / 4));
    this.watchdog = setInterval(() => this.checkSilence(), every);
    try {
      await this.startSession();
    } catch (err) {
      await this.close();
      if (err instanceof LabbenchError) throw err;
      throw new LabbenchError('DEVICE_UNAVAILABLE', `${this.describe()} failed to start: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    clearInterval(this.watchdog);
    clearTimeout(this.reconnectTimer);
    const session = this.session;
    this.session = undefined;
    if (session) {
      await Promise.race([session.stop().catch(() => undefined), new Promise((r) => setTimeout(r, 1000))]);
    }
    const port = this.port;
    this.port = undefined;
    if (port?.isOpen) {
      // A peer that stopped reading would hold drain() forever.
      await Promise.race([new Promise<void>((resolve) => port.drain(() => resolve())), new Promise((r) => setTimeout(r, 500))]);
      await new Promise<void>((resolve) => port.close(() => resolve()));
    }
    this.setState('closed');
  }

  private describe(): string {
    return `${this.kind} meter on ${this.path}`;
  }

  private openPort(): Promise<PortLike> {
    const factory = this.opts.portFactory ?? serialPortFactory;
    return new Promise((resolve, reject) => {
      const fail = (err: unknown): void =>
        reject(
          new LabbenchError('DEVICE_UNAVAILABLE', `cannot open ${this.describe()}: ${err instanceof Error ? err.message : String(err)}`, { cause: err }),
        );
      let port: PortLike;
      try {
        port = factory({ path: this.path, baudRate: this.spec.baudRate });
      } catch (err) {
        fail(err);
        return;
      }
      port.open((err) => (err ? fail(err) : resolve(port)));
    });
  }

  private attach(port: PortLike): void {
    port.on('error', (err: Error) => {
      if (!this.closing && port === this.port) this.reportError(new LabbenchError('DEVICE_UNAVAILABLE', `${this.describe()}: ${err.message}`, { cause: err }));
    });
    port.once('close', (err?: Error | null) => this.onPortClosed(port, err ?? undefined));
  }

  private async startSession(): Promise<void> {
    const port = this.port;
    if (!port) throw new Error('startSession without a port');
    const session = this.makeSession(port);
    session.onSample((s) => this.onSessionSample(s));
    session.onDrop((reason, n) => this.drop(reason, n));
    session.onDevice((d) => (this.st.device = d));
    this.session = session;
    this.sessionLive = false;
    this.setState('starting');
    await session.start();
    this.sessionLive = true;
    this.lastProgressAt = hostNowMs();
  }

  private onSessionSample(s: PowerSample): void {
    this.lastProgressAt = hostNowMs();
    this.emitSample(s);
  }

  private checkSilence(): void {
    if (!this.sessionLive || (this.st.state !== 'starting' && this.st.state !== 'streaming')) return;
    const quietMs = hostNowMs() - this.lastProgressAt;
    if (quietMs <= this.spec.silenceMs) return;
    this.st.silences++;
    this.setState('silent');
    this.reportError(new LabbenchError('DEVICE_UNAVAILABLE', `${this.describe()} is silent: no reading for ${Math.round(quietMs)} ms`));
  }

  private onPortClosed(port: PortLike, err: Error | undefined): void {
    if (this.closing || port !== this.port) return;
    this.session?.dispose();
    this.session = undefined;
    this.sessionLive = false;
    this.port = undefined;
    this.setState('disconnected');
    const again = this.spec.reconnect && this.started;
    this.reportError(
      new LabbenchError('DEVICE_UNAVAILABLE', `${this.describe()} went away${err ? ` (${err.message})` : ''}${again ? '; reconnecting' : ''}`, {
        cause: err,
      }),
    );
    if (again) this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    this.reconnectTimer = setTimeout(() => void this.reconnect(), this.opts.reconnectMs ?? 500);
  }

  private async reconnect(): Promise<void> {
    if (this.closing) return;
    let port: PortLike;
    try {
      port = await this.openPort();
    } catch {
      if (!this.closing) this.scheduleReconnect();
      return;
    }
    if (this.closing) {
      port.close();
      return;
    }
    this.port = port;
    this.attach(port);
    this.st.reconnects++;
    try {
      await this.startSession();
    } catch {
      // The meter is there but not answering yet: drop this attempt and try again.
      this.session?.dispose();
      this.session = undefined;
      this.port = undefined;
      if (port.isOpen) port.close();
      this.setState('disconnected');
      if (!this.closing) this.scheduleReconnect();
    }
  }
}
