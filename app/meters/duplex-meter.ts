/**
 * The base of every per-kind meter: a protocol session over an already open Duplex (a
 * SerialPort, or any byte stream in tests). It never opens or closes the port: `SerialMeter`
 * does that, and starts a fresh session after a reconnect. A session reports readings with
 * `emitSample` and bad data with `drop(reason, n)`; counting is the owner's business.
 */
import type { Duplex } from 'node:stream';
import type { PowerSample } from './meter.js';

export type DropListener = (reason: string, n: number) => void;

export abstract class DuplexMeter {
  private readonly sampleListeners = new Set<(s: PowerSample) => void>();
  private readonly dropListeners = new Set<DropListener>();
  private readonly deviceListeners = new Set<(d: string) => void>();

  constructor(protected readonly port: Duplex) {}

  /** Starts talking to the meter; rejects (with a LabbenchError) if it does not answer. */
  abstract start(): Promise<void>;
  /** Stops the meter politely (PPK2: AVERAGE_STOP) and detaches from the port. */
  abstract stop(): Promise<void>;
  /** Detaches at once without writing anything (the port is gone). */
  abstract dispose(): void;

  onSample(cb: (s: PowerSample) => void): () => void {
    this.sampleListeners.add(cb);
    return () => this.sampleListeners.delete(cb);
  }

  onDrop(cb: DropListener): () => void {
    this.dropListeners.add(cb);
    return () => this.dropListeners.delete(cb);
  }

  /** What the meter says it is (`UM34C`, `PPK2 HW 9173`), once known. */
  onDevice(cb: (device: string) => void): () => void {
    this.deviceListeners.add(cb);
    return () => this.deviceListeners.delete(cb);
  }

  protected emitSample(s: PowerSample): void {
    for (const cb of this.sampleListeners) cb(s);
  }

  protected drop(reason: string, n = 1): void {
    if (n <= 0) return;
    for (const cb of this.dropListeners) cb(reason, n);
  }

  protected emitDevice(device: string): void {
    for (const cb of this.deviceListeners) cb(device);
  }

  /** Writes and waits until the bytes are handed to the OS. */
  protected write(bytes: readonly number[] | Buffer): Promise<void> {
    const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes);
    return new Promise((resolve, reject) => {
      this.port.write(buf, (err) => (err ? reject(err) : resolve()));
    });
  }
}
