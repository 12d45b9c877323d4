/**
 * The power-meter interface of the bench: one `PowerMeter` per physical meter, whatever its
 * protocol (RuiDeng UM24C/UM25C/UM34C, Nordic PPK2, a line-per-reading microcontroller).
 * A meter streams timestamped `PowerSample`s; bad data is dropped and counted in `stats()`,
 * never averaged in, and a meter that goes silent or away says so through `onError` with a
 * `LabbenchError('DEVICE_UNAVAILABLE')`. This module holds types only, plus re-exports of the
 * entry points (`parseMeterSpec`, `openMeter`, `listSerialPorts`); the protocols live in
 * `app/meters/<kind>/` as framing (a Transform), decode (pure) and meter (over an open Duplex).
 */
import type { LabbenchError } from '../api/errors.js';
import type { MeterKind, SourceMeterKind } from './spec.js';

export type { MeterKind, SourceMeterKind, MeterSpec, UmSpec, Ppk2Spec, LineSpec } from './spec.js';
export { METER_KINDS, SOURCE_METER_KINDS, parseMeterSpec, formatMeterSpec } from './spec.js';
export { openMeter, openAnyMeter, type OpenMeterOptions } from './open.js';
export { listSerialPorts, type SerialPortEntry } from './list-ports.js';

/** One reading. Watts are always there; volts and amps when the meter measures them. */
export interface PowerSample {
  /**
   * Host time of the reading in ms, on the clock `performance.timeOrigin + performance.now()`
   * (monotonic, epoch-based). For meters with their own clock (PPK2, a line meter with a time
   * column) it is the device time mapped onto the host clock; otherwise the host time of the
   * request (UM) or of the line's arrival.
   */
  t_ms: number;
  volts?: number;
  amps?: number;
  watts: number;
  /** Watts per power rail, for meters that see rails (a Pixel's ODPM over adb); `watts` is their selected sum. */
  rails?: Readonly<Record<string, number>>;
}

/**
 * - `starting`: opened, no reading yet; `streaming`: readings arrive;
 * - `silent`: open but no reading for the spec's `silence` ms (an error was reported);
 * - `disconnected`: the port went away (unplugged); reconnecting if the spec allows;
 * - `closed`: `close()` was called.
 */
export type MeterState = 'idle' | 'starting' | 'streaming' | 'silent' | 'disconnected' | 'closed';

export interface MeterStats {
  /** Samples emitted (for the PPK2: averaged output samples, not raw 10 us samples). */
  samples: number;
  /**
   * Raw readings dropped: UM frames, PPK2 words (including samples the device counter says
   * were lost), lines. The sum of `dropReasons`.
   */
  dropped: number;
  /** e.g. `short`, `unknown-model`, `implausible`, `no-answer`, `garbled`, `lost`, `range`. */
  dropReasons: Record<string, number>;
  /** `t_ms` of the last sample. */
  lastSampleAt?: number;
  state: MeterState;
  /** Times the port was reopened after going away. */
  reconnects: number;
  /** Times the meter went silent. */
  silences: number;
  /** What the meter says it is, once known: `UM34C`, `PPK2 HW 9173 (calibrated)`. */
  device?: string;
}

/** A power meter on one port. Listeners return an unsubscribe function. */
export interface PowerMeter {
  /** A serial meter's kind, or a source's: `battery`, `rails` (a phone over adb), `nvidia-smi`. */
  readonly kind: MeterKind | SourceMeterKind;
  /** The port path (or `COM3`). */
  readonly path: string;
  /** Starts the protocol (PPK2: metadata, ampere mode, AVERAGE_START; UM: polling). */
  start(): Promise<void>;
  onSample(cb: (sample: PowerSample) => void): () => void;
  /** `DEVICE_UNAVAILABLE` when the meter goes silent or away; the meter keeps trying. */
  onError(cb: (err: LabbenchError) => void): () => void;
  onState(cb: (state: MeterState) => void): () => void;
  stats(): MeterStats;
  /** Stops the protocol politely (PPK2: AVERAGE_STOP) and closes the port. Idempotent. */
  close(): Promise<void>;
}
