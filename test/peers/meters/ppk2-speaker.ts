// A Nordic PPK2 in ampere-meter mode. Answers GET_META_DATA with calibration text ending in
// END, takes SET_POWER_MODE / REGULATOR_SET / AVERAGE_START / AVERAGE_STOP, and while started
// streams 4-byte sample words at the real 100 kHz (a pty carries several MB/s here, so no
// scaling is needed): every tick, the samples whose time has come, their current from the
// load over the device's supply voltage plus noise, encoded through the same calibration the
// host reads, with the counter stepping per sample. Range follows the current by decades, as
// the device's auto-ranging does (switch points approximate). Faults: silence and an
// overflowing host withhold words but the counter runs on (the host sees the gap); a garbled
// word has its counter bits or its range bits corrupted, which is what a receiver can catch.
import type { Duplex } from 'node:stream';
import {
  PPK2_CMD,
  PPK2_SAMPLE_RATE_HZ,
  ampsToWord,
  formatPpk2Meta,
  parsePpk2Meta,
  type Ppk2Modifiers,
} from '../../../app/meters/ppk2/decode.js';
import { now, type Speaker, type SpeakerContext } from './speaker.js';

/** An emulated unit's calibration: the magnitudes of a real PPK2's, not a real unit's. */
export const EMULATED_PPK2_META = {
  calibrated: true,
  hw: 9181,
  vddMv: 5000,
  mode: 1,
  modifiers: {
    r: [1009.2, 102.31, 10.412, 0.9513, 0.05171],
    gs: [0, 110.3, 17.62, 2.381, 0.0702],
    gi: [1, 0.9681, 0.9613, 0.9532, 0.9571],
    o: [108.4, 76.2, 63.9, 51.7, 85.3],
    s: [4.6e-8, 6.1e-7, 5.2e-6, 6.3e-5, 2.9e-3],
    i: [-1.1e-7, -1.4e-6, 3.5e-5, -3.6e-4, -9.1e-3],
    ug: [1, 1, 1, 1, 1],
  } satisfies Ppk2Modifiers,
};

const TICK_MS = 5;
/** Bytes queued towards the host beyond which the device drops samples (its buffer is full). */
const OVERFLOW_BYTES = 2 * 1024 * 1024;
const CMD_LENGTH: Readonly<Record<number, number>> = {
  [PPK2_CMD.AVERAGE_START]: 1,
  [PPK2_CMD.AVERAGE_STOP]: 1,
  [PPK2_CMD.DEVICE_RUNNING_SET]: 2,
  [PPK2_CMD.REGULATOR_SET]: 3,
  [PPK2_CMD.SET_POWER_MODE]: 2,
  [PPK2_CMD.GET_META_DATA]: 1,
  [PPK2_CMD.RESET]: 1,
  [PPK2_CMD.SET_USER_GAINS]: 6,
  0x15: 1,
  0x16: 1,
};

/** Auto-ranging switch points, A (approximate). */
function rangeFor(amps: number): number {
  if (amps < 50e-6) return 0;
  if (amps < 500e-6) return 1;
  if (amps < 5e-3) return 2;
  if (amps < 60e-3) return 3;
  return 4;
}

export class Ppk2Speaker implements Speaker {
  private port: Duplex | undefined;
  private cmd: number[] = [];
  private timer: NodeJS.Timeout | undefined;
  private counter = 0;
  private produced = 0;
  private startedAt = 0;
  private vddMv = 5000;
  /** Set by SET_POWER_MODE: 1 ampere meter, 2 source meter. */
  mode = 0;
  private readonly metaText = formatPpk2Meta(EMULATED_PPK2_META);
  /** The calibration as the host will read it, so that encoding inverts its decoding. */
  private readonly mods: Ppk2Modifiers = parsePpk2Meta(this.metaText)!.modifiers;
  private readonly onData = (chunk: Buffer): void => {
    this.cmd.push(...chunk);
    this.parse();
  };

  constructor(private readonly ctx: SpeakerContext) {}

  get streaming(): boolean {
    return this.timer !== undefined;
  }

  attach(port: Duplex): void {
    this.port = port;
    port.on('data', this.onData);
  }

  detach(): void {
    this.port?.off('data', this.onData);
    this.port = undefined;
    this.stopStream();
  }

  private parse(): void {
    while (this.cmd.length > 0) {
      const op = this.cmd[0]!;
      const len = CMD_LENGTH[op] ?? 1;
      if (this.cmd.length < len) return;
      const args = this.cmd.splice(0, len).slice(1);
      this.ctx.counters.requests++;
      this.command(op, args);
    }
  }

  private command(op: number, args: number[]): void {
    switch (op) {
      case PPK2_CMD.GET_META_DATA:
        if (!this.ctx.faults.silent) this.write(Buffer.from(this.metaText, 'latin1'));
        break;
      case PPK2_CMD.SET_POWER_MODE:
        this.mode = args[0] ?? 0;
        break;
      case PPK2_CMD.REGULATOR_SET:
        this.vddMv = ((args[0] ?? 3) - 3) * 256 + (args[1] ?? 0) + 800 - 32;
        break;
      case PPK2_CMD.AVERAGE_START:
        if (!this.timer) {
          this.startedAt = now();
          this.produced = 0;
          this.timer = setInterval(() => this.tick(), TICK_MS);
        }
        break;
      case PPK2_CMD.AVERAGE_STOP:
        this.stopStream();
        break;
      default:
        break;
    }
  }

  private stopStream(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    const due = Math.floor(((now() - this.startedAt) * PPK2_SAMPLE_RATE_HZ) / 1000);
    const n = due - this.produced;
    if (n <= 0) return;
    this.produced = due;
    const { rng, faults, counters } = this.ctx;
    const withhold = faults.silent || !this.port || this.port.writableLength > OVERFLOW_BYTES;
    if (withhold) {
      this.counter = (this.counter + n) & 0x3f;
      counters.withheld += n;
      return;
    }
    const vdd = this.vddMv / 1000;
    const buf = Buffer.allocUnsafe(n * 4);
    const first = due - n;
    for (let k = 0; k < n; k++) {
      const t = this.startedAt + ((first + k) * 1000) / PPK2_SAMPLE_RATE_HZ;
      const meanAmps = Math.max(0, this.ctx.load(t)) / this.ctx.volts;
      const amps = Math.max(0, meanAmps * (1 + 0.003 * rng.gauss()) + 0.0008 * rng.gauss());
      let word = ampsToWord(this.mods, amps, vdd, this.counter, rangeFor(amps));
      this.counter = (this.counter + 1) & 0x3f;
      if (faults.garbleRate > 0 && rng.next() < faults.garbleRate) {
        counters.garbled++;
        word = rng.next() < 0.5 ? (word ^ (rng.int(1, 63) << 18)) >>> 0 : ((word & ~(0x7 << 14)) | (rng.int(5, 7) << 14)) >>> 0;
      }
      buf.writeUInt32LE(word, k * 4);
    }
    counters.sent += n;
    this.write(buf);
  }

  private write(buf: Buffer): void {
    if (!this.port) return;
    this.port.write(buf);
    this.ctx.counters.bytes += buf.length;
  }
}
