// A microcontroller with an INA219 printing CSV lines at a fixed rate (default 100 Hz) in a
// chosen layout (default ms,volts,amps): bus voltage in 4 mV steps, current in 0.1 mA steps,
// its own millis() clock. Faults: silence stops the lines (the clock runs on); a garbled line
// has a character replaced by junk or loses its trailing fields.
import type { Duplex } from 'node:stream';
import { parseLineColumns, type LineColumn } from '../../../app/meters/line/decode.js';
import { operatingPoint } from './physics.js';
import { SOURCE_OHMS, now, type Speaker, type SpeakerContext } from './speaker.js';

const TICK_MS = 10;
const JUNK = ['#', '?', '@', '~', '!'];

function field(col: LineColumn, ms: number, volts: number, amps: number): string {
  switch (col.quantity) {
    case 'time':
      return col.scale === 1000 ? (ms / 1000).toFixed(3) : String(Math.round(ms / col.scale));
    case 'volts':
      return (volts / col.scale).toFixed(col.scale === 1 ? 3 : 0);
    case 'amps':
      return (amps / col.scale).toFixed(col.scale === 1 ? 4 : col.scale === 0.001 ? 1 : 0);
    case 'watts':
      return ((volts * amps) / col.scale).toFixed(col.scale === 1 ? 4 : 1);
    case 'skip':
      return '0';
  }
}

export class LineSpeaker implements Speaker {
  private port: Duplex | undefined;
  private timer: NodeJS.Timeout | undefined;
  private startedAt = 0;
  private produced = 0;
  private readonly columns: LineColumn[];
  /** millis() at attach: the board booted a while ago. */
  private readonly bootMs = 12_345;

  constructor(
    private readonly ctx: SpeakerContext,
    layout = 'ms+volts+amps',
    private readonly rateHz = 100,
  ) {
    this.columns = parseLineColumns(layout, true);
  }

  attach(port: Duplex): void {
    this.port = port;
    this.startedAt = now();
    this.produced = 0;
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  detach(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.port = undefined;
  }

  private tick(): void {
    const due = Math.floor(((now() - this.startedAt) * this.rateHz) / 1000);
    const { rng, faults, counters } = this.ctx;
    let out = '';
    for (; this.produced < due; this.produced++) {
      if (faults.silent || !this.port) {
        counters.withheld++;
        continue;
      }
      const sinceStart = (this.produced * 1000) / this.rateHz;
      const ms = this.bootMs + sinceStart;
      const p = operatingPoint(this.ctx.load(this.startedAt + sinceStart), this.ctx.volts, SOURCE_OHMS);
      const volts = Math.round((p.volts + 0.004 * rng.gauss()) / 0.004) * 0.004;
      const amps = Math.round((p.amps * (1 + 0.002 * rng.gauss()) + 0.0005 * rng.gauss()) / 0.0001) * 0.0001;
      let line = this.columns.map((c) => field(c, ms, volts, amps)).join(',');
      if (faults.garbleRate > 0 && rng.next() < faults.garbleRate) {
        counters.garbled++;
        if (rng.next() < 0.5 || !line.includes(',')) {
          const at = rng.int(0, line.length - 1);
          line = line.slice(0, at) + JUNK[rng.int(0, JUNK.length - 1)]! + line.slice(at + 1);
        } else {
          line = line.slice(0, line.indexOf(','));
        }
      }
      out += `${line}\r\n`;
      counters.sent++;
    }
    if (out && this.port) {
      this.port.write(out);
      counters.bytes += out.length;
    }
  }
}
