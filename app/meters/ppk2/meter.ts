/**
 * A Nordic PPK2 in ampere-meter mode over an open Duplex (USB CDC serial; the baud rate is
 * ignored by the device). Start: AVERAGE_STOP (a unit left streaming would bury the answer),
 * GET_META_DATA and its text up to `END` (calibration), SET_POWER_MODE ampere meter,
 * REGULATOR_SET to the supply voltage (clamped to the PPK2's 0.8-5 V; the calibration's S term
 * uses it), AVERAGE_START. Then 100 kHz words are checked, converted and averaged to `rateHz`
 * (see sample-stream.ts). Ampere-meter mode measures no voltage: watts = amps x the spec's
 * `v`, and samples carry no `volts`. Sample times come from the sample index (10 us each)
 * mapped onto the host clock. Stop: AVERAGE_STOP.
 */
import type { Duplex } from 'node:stream';
import { LabbenchError } from '../../api/errors.js';
import { DeviceClock, hostNowMs } from '../clock.js';
import { DuplexMeter } from '../duplex-meter.js';
import { delay } from '../../util/sleep.js';
import { PPK2_CMD, PPK2_MODE, PPK2_SAMPLE_RATE_HZ, parsePpk2Meta, type Ppk2Meta } from './decode.js';
import { Ppk2Framing, type Ppk2Chunk } from './framing.js';
import { Ppk2SampleStream, type Ppk2Window } from './sample-stream.js';

export interface Ppk2MeterOptions {
  /** Supply voltage of the device under test, V. */
  readonly volts: number;
  /** Output rate, Hz. */
  readonly rateHz: number;
  readonly spikeFilter: boolean;
  readonly metaTimeoutMs?: number;
  /** For messages. */
  readonly path?: string;
}

/** REGULATOR_SET's two argument bytes for `mv` (as ppk2-api-python's `_convert_source_voltage`). */
export function regulatorBytes(mv: number): [number, number] {
  const clamped = Math.max(800, Math.min(5000, Math.round(mv)));
  const diff = clamped - 800 + 32;
  return [3 + Math.floor(diff / 256), diff % 256];
}

export class Ppk2Meter extends DuplexMeter {
  private mode: 'idle' | 'meta' | 'stream' | 'stopped' = 'idle';
  private metaText = '';
  private metaWaiter: (() => void) | undefined;
  private readonly framing = new Ppk2Framing();
  private readonly clock = new DeviceClock();
  private stream: Ppk2SampleStream | undefined;
  private metaInfo: Ppk2Meta | undefined;
  private readonly onData = (chunk: Buffer): void => {
    if (this.mode === 'stream') {
      this.framing.write(chunk);
    } else if (this.mode === 'meta') {
      this.metaText += chunk.toString('latin1');
      if (/(?:^|\n)END\r?\n/.test(this.metaText)) this.metaWaiter?.();
    }
  };

  constructor(
    port: Duplex,
    private readonly opts: Ppk2MeterOptions,
  ) {
    super(port);
    this.framing.on('error', () => undefined);
  }

  /** The metadata read at start. */
  get meta(): Ppk2Meta | undefined {
    return this.metaInfo;
  }

  async start(): Promise<void> {
    this.port.on('data', this.onData);
    await this.write([PPK2_CMD.AVERAGE_STOP]);
    await delay(50);
    this.mode = 'meta';
    this.metaText = '';
    const timeoutMs = this.opts.metaTimeoutMs ?? 2000;
    const gotEnd = new Promise<boolean>((resolve) => {
      const t = setTimeout(() => resolve(false), timeoutMs);
      this.metaWaiter = () => {
        clearTimeout(t);
        resolve(true);
      };
    });
    await this.write([PPK2_CMD.GET_META_DATA]);
    const ok = await gotEnd;
    this.metaWaiter = undefined;
    if (this.isStopped()) return;
    if (!ok) {
      this.mode = 'idle';
      throw new LabbenchError(
        'DEVICE_UNAVAILABLE',
        `PPK2 on ${this.opts.path ?? 'its port'} sent no metadata ending in END within ${timeoutMs} ms (${this.metaText.length} bytes)`,
      );
    }
    const meta = parsePpk2Meta(this.metaText);
    if (!meta) {
      this.mode = 'idle';
      throw new LabbenchError('PARSE_FAILED', `PPK2 metadata not understood: ${JSON.stringify(this.metaText.slice(0, 120))}`);
    }
    this.metaInfo = meta;
    this.emitDevice(`PPK2${meta.hw !== undefined ? ` HW ${meta.hw}` : ''} (${meta.calibrated ? 'calibrated' : 'uncalibrated'})`);

    const vddMv = Math.max(800, Math.min(5000, Math.round(this.opts.volts * 1000)));
    await this.write([PPK2_CMD.SET_POWER_MODE, PPK2_MODE.AMPERE]);
    await this.write([PPK2_CMD.REGULATOR_SET, ...regulatorBytes(vddMv)]);
    const stream = new Ppk2SampleStream({
      modifiers: meta.modifiers,
      vddVolts: vddMv / 1000,
      windowSlots: Math.max(1, Math.round(PPK2_SAMPLE_RATE_HZ / this.opts.rateHz)),
      spikeFilter: this.opts.spikeFilter,
      onWindow: (w) => this.onWindow(w),
      onDrop: (reason, n) => this.drop(reason, n),
      onResync: () => {
        this.drop('resync');
        this.framing.skip(1);
      },
    });
    this.stream = stream;
    this.framing.on('data', (c: Ppk2Chunk) => {
      this.clock.observe(((stream.nextSlot + c.words.length) * 1000) / PPK2_SAMPLE_RATE_HZ, c.at);
      stream.push(c.words);
    });
    this.mode = 'stream';
    // Sample 0 is taken after the device got AVERAGE_START, so not before this instant.
    this.clock.anchor(0, hostNowMs());
    await this.write([PPK2_CMD.AVERAGE_START]);
  }

  async stop(): Promise<void> {
    if (this.mode === 'stopped') return;
    this.mode = 'stopped';
    this.metaWaiter?.();
    await Promise.race([this.write([PPK2_CMD.AVERAGE_STOP]).catch(() => undefined), delay(300)]);
    this.dispose();
  }

  dispose(): void {
    this.mode = 'stopped';
    this.metaWaiter?.();
    this.port.off('data', this.onData);
    this.framing.destroy();
  }

  /** `mode` changes across awaits, which the type narrowing cannot see. */
  private isStopped(): boolean {
    return this.mode === 'stopped';
  }

  private onWindow(w: Ppk2Window): void {
    const midMs = (((w.firstSlot + w.endSlot) / 2) * 1000) / PPK2_SAMPLE_RATE_HZ;
    this.emitSample({ t_ms: this.clock.toHost(midMs), amps: w.amps, watts: w.amps * this.opts.volts });
  }
}
