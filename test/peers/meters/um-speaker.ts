// A RuiDeng UM24C / UM25C / UM34C: answers each 0xF0 with a 130-byte frame paced at 9600 baud
// (10 bits a byte: 1.04 ms, so 135 ms a frame) after a few ms of firmware latency. Readings
// carry ADC noise and the model's resolution; the power field comes from the unrounded V x I,
// as the meter computes it. Faults: silence ignores requests; a garbled frame is cut short,
// gets a wrong model id, or a flipped high byte in volts, amps or power.
import type { Duplex } from 'node:stream';
import { UM_REQUEST, encodeUmFrame, type UmModel } from '../../../app/meters/um/decode.js';
import { operatingPoint } from './physics.js';
import { SOURCE_OHMS, now, type Speaker, type SpeakerContext } from './speaker.js';

export const UM_BAUD = 9600;
const BYTE_MS = (10 / UM_BAUD) * 1000;
const LATENCY_MS = 4;
const TICK_MS = 8;

export class UmSpeaker implements Speaker {
  private port: Duplex | undefined;
  private pendingRequests = 0;
  private sending = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly onData = (chunk: Buffer): void => {
    for (const b of chunk) {
      // 0xF1-0xF4 (buttons) and 0xA0+n (group select) are accepted and ignored.
      if (b === UM_REQUEST) {
        this.ctx.counters.requests++;
        this.pendingRequests++;
      }
    }
    this.next();
  };

  constructor(
    private readonly model: UmModel,
    private readonly ctx: SpeakerContext,
  ) {}

  attach(port: Duplex): void {
    this.port = port;
    port.on('data', this.onData);
  }

  detach(): void {
    this.port?.off('data', this.onData);
    this.port = undefined;
    clearTimeout(this.timer);
    this.sending = false;
    this.pendingRequests = 0;
  }

  private next(): void {
    if (this.sending || !this.port) return;
    while (this.pendingRequests > 0) {
      this.pendingRequests--;
      if (this.ctx.faults.silent) continue;
      this.sending = true;
      this.timer = setTimeout(() => this.send(this.frame()), LATENCY_MS);
      return;
    }
  }

  private frame(): Buffer {
    const { rng } = this.ctx;
    const p = operatingPoint(this.ctx.load(now()), this.ctx.volts, SOURCE_OHMS);
    const volts = p.volts + 0.003 * rng.gauss();
    const amps = Math.max(0, p.amps * (1 + 0.002 * rng.gauss()) + 0.001 * rng.gauss());
    const frame = encodeUmFrame({ model: this.model, volts, amps, watts: volts * amps, tempC: 31, dPlusVolts: 0.6, dMinusVolts: 0.6 });
    if (rng.next() >= this.ctx.faults.garbleRate) return frame;
    this.ctx.counters.garbled++;
    switch (rng.int(0, 4)) {
      case 0:
        return frame.subarray(0, rng.int(10, 120));
      case 1:
        frame[0]! ^= 0x40;
        return frame;
      case 2:
        frame[2]! ^= 0x80;
        return frame;
      case 3:
        frame[4]! ^= 0x80;
        return frame;
      default:
        frame[7]! ^= rng.int(1, 255);
        return frame;
    }
  }

  /** Writes `frame` at 9600 baud: every tick, the bytes whose time has come. */
  private send(frame: Buffer): void {
    const started = now();
    let sent = 0;
    const tick = (): void => {
      if (!this.port) return;
      const due = Math.min(frame.length, Math.floor((now() - started) / BYTE_MS) + 1);
      if (due > sent) {
        this.port.write(frame.subarray(sent, due));
        this.ctx.counters.bytes += due - sent;
        sent = due;
      }
      if (sent < frame.length) {
        this.timer = setTimeout(tick, TICK_MS);
        return;
      }
      this.ctx.counters.sent++;
      this.sending = false;
      this.next();
    };
    tick();
  }
}
