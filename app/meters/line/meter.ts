/**
 * A line meter over an open Duplex: a microcontroller printing one reading per line (CSV from
 * an INA219 / INA226), columns as the spec's layout says. Garbled and overlong lines are
 * dropped and counted; blank, `#` comment and header lines are ignored. With a time column the
 * device's clock, mapped onto the host's, stamps each sample; without one, the line's arrival.
 */
import type { Duplex } from 'node:stream';
import { DeviceClock } from '../clock.js';
import { DuplexMeter } from '../duplex-meter.js';
import { decodeLine, type LineColumn } from './decode.js';
import { LineFraming, type TextLine } from './framing.js';

export interface LineMeterOptions {
  readonly columns: readonly LineColumn[];
  /** Supply voltage for layouts without a voltage column. */
  readonly volts?: number;
  readonly maxLineLength?: number;
}

export class LineMeter extends DuplexMeter {
  private readonly framing: LineFraming;
  private readonly clock = new DeviceClock({ jumpMs: 250 });
  private readonly onData = (chunk: Buffer): void => {
    this.framing.write(chunk);
  };

  constructor(
    port: Duplex,
    private readonly opts: LineMeterOptions,
  ) {
    super(port);
    this.framing = new LineFraming(opts.maxLineLength ?? 512);
    this.framing.on('data', (l: TextLine) => this.onLine(l));
    this.framing.on('overlong', () => this.drop('overlong'));
    this.framing.on('error', () => undefined);
  }

  async start(): Promise<void> {
    this.port.on('data', this.onData);
  }

  async stop(): Promise<void> {
    this.dispose();
  }

  dispose(): void {
    this.port.off('data', this.onData);
    this.framing.destroy();
  }

  private onLine({ line, at }: TextLine): void {
    const r = decodeLine(line, this.opts.columns, this.opts.volts);
    if (!r.ok) {
      if (r.reason === 'garbled') this.drop('garbled');
      return;
    }
    const { deviceMs, volts, amps, watts } = r.reading;
    let t = at;
    if (deviceMs !== undefined) {
      this.clock.observe(deviceMs, at);
      t = this.clock.toHost(deviceMs);
    }
    this.emitSample({ t_ms: t, ...(volts !== undefined ? { volts } : {}), ...(amps !== undefined ? { amps } : {}), watts });
  }
}
