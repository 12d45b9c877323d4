// What every emulated meter protocol ("speaker") shares: the load it measures, its faults and
// its counters, and the shape it takes on the meter end of the pty.
import type { Duplex } from 'node:stream';
import type { Rng } from './physics.js';

export interface EmulatorFaults {
  /** Fraction of frames / words / lines corrupted so that a receiver can tell. */
  garbleRate: number;
  /** Stop answering (UM) or sending (PPK2, line); the device clock keeps running. */
  silent: boolean;
}

export interface EmulatorCounters {
  /** UM requests (0xF0) and PPK2 commands received. */
  requests: number;
  /** Units sent: UM frames, PPK2 sample words, lines. */
  sent: number;
  /** Units sent corrupted. */
  garbled: number;
  /** PPK2 words and lines not sent while silent or because the host did not keep up. */
  withheld: number;
  bytes: number;
}

export interface SpeakerContext {
  /** Power drawn at host time `t_ms` (`performance.timeOrigin + performance.now()` based), W. */
  readonly load: (t_ms: number) => number;
  /** Open-circuit supply voltage, V. */
  readonly volts: number;
  readonly rng: Rng;
  readonly faults: EmulatorFaults;
  readonly counters: EmulatorCounters;
}

export interface Speaker {
  attach(port: Duplex): void;
  detach(): void;
}

/** Host-side time in ms, as the bench stamps it. */
export const now = (): number => performance.timeOrigin + performance.now();

/** USB cable plus connector resistance the supply sags behind, ohm. */
export const SOURCE_OHMS = 0.12;
