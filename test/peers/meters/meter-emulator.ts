// Emulated power meters for tests and demos: a process-local peer on the far end of a socat
// pty pair that speaks a meter's serial protocol at its real rate, measuring a load signal
// (the emulated phone's power draw). The bench opens `hostPath` with the real serialport
// binding, exactly as it would open /dev/ttyUSB0. Faults on demand: garbled frames
// (`garbleRate`), silence (`setSilent`), unplug (socat killed: both ends close, the links
// vanish) and replug (a new pair on the same link paths, so a reconnecting host resumes).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SerialPort } from 'serialport';
import { hangupSafeSerialPort } from '../../../app/meters/hangup-safe-binding.js';
import { LineSpeaker } from './line-speaker.js';
import { Rng } from './physics.js';
import { Ppk2Speaker } from './ppk2-speaker.js';
import { PtyPair } from './pty-pair.js';
import type { EmulatorCounters, EmulatorFaults, Speaker, SpeakerContext } from './speaker.js';
import { UM_BAUD, UmSpeaker } from './um-speaker.js';

export type EmulatedMeterType = 'um24c' | 'um25c' | 'um34c' | 'ppk2' | 'line';
export const EMULATED_METER_TYPES: readonly EmulatedMeterType[] = ['um24c', 'um25c', 'um34c', 'ppk2', 'line'];

export interface MeterEmulatorOptions {
  readonly type: EmulatedMeterType;
  /**
   * Power drawn at host time `t_ms` (the bench's clock: `performance.timeOrigin +
   * performance.now()`), W; default 2.0 W. Called per reading (per sample for the PPK2).
   */
  readonly load?: (t_ms: number) => number;
  /** Open-circuit supply voltage, V (default 5.1 for UM meters, 5.0 otherwise). */
  readonly volts?: number;
  readonly seed?: number;
  readonly faults?: { readonly garbleRate?: number; readonly silent?: boolean };
  /** Line meter: readings per second (default 100) and layout (default ms+volts+amps). */
  readonly lineRateHz?: number;
  readonly lineLayout?: string;
  /** Where the pty links go (default: a fresh temp dir, removed by stop()). */
  readonly dir?: string;
}

export class MeterEmulator {
  readonly type: EmulatedMeterType;
  private readonly dir: string;
  private readonly ownsDir: boolean;
  private readonly pair: PtyPair;
  private port: SerialPort | undefined;
  private speaker: Speaker | undefined;
  private readonly faults: EmulatorFaults;
  private readonly counters: EmulatorCounters = { requests: 0, sent: 0, garbled: 0, withheld: 0, bytes: 0 };
  private readonly ctx: SpeakerContext;

  constructor(private readonly opts: MeterEmulatorOptions) {
    this.type = opts.type;
    this.ownsDir = opts.dir === undefined;
    this.dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'labbench-meter-'));
    this.pair = new PtyPair(this.dir);
    this.faults = { garbleRate: opts.faults?.garbleRate ?? 0, silent: opts.faults?.silent ?? false };
    const load = opts.load ?? (() => 2.0);
    this.ctx = {
      load,
      volts: opts.volts ?? (opts.type.startsWith('um') ? 5.1 : 5.0),
      rng: new Rng(opts.seed ?? 1),
      faults: this.faults,
      counters: this.counters,
    };
  }

  /** The path the bench opens. */
  get hostPath(): string {
    return this.pair.hostPath;
  }

  get plugged(): boolean {
    return this.pair.running;
  }

  /** What the emulator did so far (copies). */
  stats(): EmulatorCounters & EmulatorFaults {
    return { ...this.counters, ...this.faults };
  }

  async start(): Promise<{ hostPath: string }> {
    await this.plugIn();
    return { hostPath: this.hostPath };
  }

  setSilent(silent: boolean): void {
    this.faults.silent = silent;
  }

  setGarbleRate(rate: number): void {
    this.faults.garbleRate = rate;
  }

  /** Pulls the cable: socat dies, both ends of the pty close. */
  async unplug(): Promise<void> {
    this.speaker?.detach();
    this.speaker = undefined;
    const port = this.port;
    this.port = undefined;
    if (port?.isOpen) await new Promise<void>((r) => port.close(() => r()));
    await this.pair.kill();
  }

  /** Plugs it back in: a new pty pair on the same link paths, the meter freshly powered. */
  async replug(): Promise<{ hostPath: string }> {
    if (this.pair.running) await this.unplug();
    await this.plugIn();
    return { hostPath: this.hostPath };
  }

  async stop(): Promise<void> {
    await this.unplug();
    if (this.ownsDir) rmSync(this.dir, { recursive: true, force: true });
  }

  private async plugIn(): Promise<void> {
    await this.pair.start();
    const baudRate = this.type.startsWith('um') ? UM_BAUD : 115200;
    const port = hangupSafeSerialPort(this.pair.meterPath, baudRate);
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    // The unplug closes this end too; nothing to report.
    port.on('error', () => undefined);
    this.port = port;
    this.speaker = this.makeSpeaker();
    this.speaker.attach(port);
  }

  private makeSpeaker(): Speaker {
    switch (this.type) {
      case 'um24c':
      case 'um25c':
      case 'um34c':
        return new UmSpeaker(this.type, this.ctx);
      case 'ppk2':
        return new Ppk2Speaker(this.ctx);
      case 'line':
        return new LineSpeaker(this.ctx, this.opts.lineLayout, this.opts.lineRateHz);
    }
  }
}
