/**
 * The meter spec, `--meter PORT:TYPE[,KEY=VALUE...]`, parsed once at the edge into a typed
 * `MeterSpec`. PORT is a path (`/dev/ttyUSB0`, `/dev/serial/by-path/pci-0000:00:14.0-usb-0:2:1.0`)
 * or a Windows name (`COM3`); the spec splits on the LAST colon, so colons inside PORT are fine.
 *
 *   TYPE    um24c | um25c | um34c | ppk2 | line
 *   all     baud=N            serial speed (UM 9600; PPK2 115200, any works on USB CDC; line 115200)
 *           silence=MS        no reading for this long reports the meter silent (UM 1500, PPK2 500, line 1000)
 *           reconnect=0|1     reopen the port after it goes away (default 1)
 *   um*     poll=HZ           request rate cap (default: as fast as the meter answers, about 7/s)
 *   ppk2    v=VOLTS           supply voltage of the device under test (default 5.0: USB); the PPK2 in
 *                             ampere-meter mode measures current only, so watts = amps x v
 *           rate=HZ           output rate, averaged from the 100 kHz stream (default 1000)
 *           spike=0|1         nRF Connect's spike filter at range switches (default 1)
 *   line    cols=LAYOUT       columns joined by '+' (or ';' '/'): default ms+volts+amps; e.g. ms+mw,
 *                             s+v+ma, _+ms+w (see line/decode.ts for names)
 *           v=VOLTS           fixed supply voltage for layouts with current but no voltage
 *
 * Examples: `/dev/ttyUSB0:um34c`, `COM3:um25c,poll=2`, `/dev/ttyACM0:ppk2,v=4.2,rate=500`,
 * `/dev/ttyACM1:line,cols=ms+mv+ma,baud=921600`.
 */
import { LabbenchError } from '../api/errors.js';
import { DEFAULT_LINE_LAYOUT, parseLineColumns, type LineColumn } from './line/decode.js';

export type MeterKind = 'um24c' | 'um25c' | 'um34c' | 'ppk2' | 'line';
export const METER_KINDS: readonly MeterKind[] = ['um24c', 'um25c', 'um34c', 'ppk2', 'line'];

/**
 * Meters that are no serial port, each with its own spec parser in its folder:
 *   SERIAL:battery[,poll=HZ]              a phone's fuel gauge over adb (android-battery/)
 *   SERIAL:rails[,poll=HZ][,only=W+W]     a Pixel's ODPM power rails over adb (android-rails/)
 *   GPU:nvidia-smi[,ms=N]                 a local NVIDIA GPU's power.draw (nvidia-smi/); GPU is
 *                                         an index (0, gpu0), UUID or PCI bus id, as `nvidia-smi -i` takes
 */
export type SourceMeterKind = 'battery' | 'rails' | 'nvidia-smi';
export const SOURCE_METER_KINDS: readonly SourceMeterKind[] = ['battery', 'rails', 'nvidia-smi'];

/** The source kind a spec names (TYPE after the last colon), or undefined for a serial meter's spec. */
export function sourceMeterKind(spec: string): SourceMeterKind | undefined {
  const type = (spec.slice(spec.lastIndexOf(':') + 1).split(',')[0] ?? '').trim().toLowerCase();
  return SOURCE_METER_KINDS.find((k) => k === type);
}

interface CommonSpec {
  readonly path: string;
  readonly baudRate: number;
  /** No reading for this long (ms) makes the meter `silent` and reports an error. */
  readonly silenceMs: number;
  /** Reopen the port after it goes away. */
  readonly reconnect: boolean;
}

export interface UmSpec extends CommonSpec {
  readonly kind: 'um24c' | 'um25c' | 'um34c';
  /** Cap on requests per second; undefined: as fast as the meter answers. */
  readonly pollHz?: number;
}

export interface Ppk2Spec extends CommonSpec {
  readonly kind: 'ppk2';
  /** Supply voltage of the device under test, V: ampere-meter mode measures no voltage. */
  readonly volts: number;
  /** Output sample rate, Hz, averaged from the 100 kHz stream. */
  readonly rateHz: number;
  readonly spikeFilter: boolean;
}

export interface LineSpec extends CommonSpec {
  readonly kind: 'line';
  readonly layout: string;
  readonly columns: readonly LineColumn[];
  /** Fixed supply voltage for layouts without a voltage column. */
  readonly volts?: number;
}

export type MeterSpec = UmSpec | Ppk2Spec | LineSpec;

const DEFAULTS: Record<MeterKind, { baudRate: number; silenceMs: number }> = {
  um24c: { baudRate: 9600, silenceMs: 1500 },
  um25c: { baudRate: 9600, silenceMs: 1500 },
  um34c: { baudRate: 9600, silenceMs: 1500 },
  ppk2: { baudRate: 115200, silenceMs: 500 },
  line: { baudRate: 115200, silenceMs: 1000 },
};

const KEYS: Record<MeterKind, readonly string[]> = {
  um24c: ['baud', 'silence', 'reconnect', 'poll'],
  um25c: ['baud', 'silence', 'reconnect', 'poll'],
  um34c: ['baud', 'silence', 'reconnect', 'poll'],
  ppk2: ['baud', 'silence', 'reconnect', 'v', 'rate', 'spike'],
  line: ['baud', 'silence', 'reconnect', 'cols', 'v'],
};

function bad(spec: string, why: string): LabbenchError {
  return new LabbenchError(
    'BAD_INPUT',
    `bad --meter '${spec}': ${why} (expected PORT:TYPE[,KEY=VALUE...], TYPE one of ${[...METER_KINDS, ...SOURCE_METER_KINDS].join(', ')})`,
  );
}

function num(spec: string, key: string, value: string, min: number, max: number): number {
  const v = Number(value);
  if (value.trim() === '' || !Number.isFinite(v) || v < min || v > max) {
    throw bad(spec, `${key}=${value} is not a number in [${min}, ${max}]`);
  }
  return v;
}

function flag(spec: string, key: string, value: string): boolean {
  if (value === '1' || value === 'true' || value === 'on') return true;
  if (value === '0' || value === 'false' || value === 'off') return false;
  throw bad(spec, `${key}=${value} is not 0 or 1`);
}

export function parseMeterSpec(spec: string): MeterSpec {
  const colon = spec.lastIndexOf(':');
  if (colon <= 0) throw bad(spec, 'no PORT:TYPE');
  const path = spec.slice(0, colon).trim();
  const [typePart = '', ...optionParts] = spec.slice(colon + 1).split(',');
  const kind = typePart.trim().toLowerCase() as MeterKind;
  if (!METER_KINDS.includes(kind)) throw bad(spec, `unknown meter type '${typePart}'`);
  if (path === '') throw bad(spec, 'empty PORT');

  const opts = new Map<string, string>();
  for (const part of optionParts) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw bad(spec, `option '${part}' is not KEY=VALUE`);
    const key = part.slice(0, eq).trim().toLowerCase();
    const value = part.slice(eq + 1).trim();
    const canonical = key === 'volts' ? 'v' : key;
    if (!KEYS[kind].includes(canonical)) throw bad(spec, `${kind} takes ${KEYS[kind].join(', ')}, not '${key}'`);
    if (opts.has(canonical)) throw bad(spec, `'${key}' given twice`);
    opts.set(canonical, value);
  }
  const get = (k: string): string | undefined => opts.get(k);

  const baudRaw = get('baud');
  const silenceRaw = get('silence');
  const reconnectRaw = get('reconnect');
  const common: CommonSpec = {
    path,
    baudRate: baudRaw !== undefined ? num(spec, 'baud', baudRaw, 50, 16_000_000) : DEFAULTS[kind].baudRate,
    silenceMs: silenceRaw !== undefined ? num(spec, 'silence', silenceRaw, 50, 600_000) : DEFAULTS[kind].silenceMs,
    reconnect: reconnectRaw !== undefined ? flag(spec, 'reconnect', reconnectRaw) : true,
  };

  switch (kind) {
    case 'um24c':
    case 'um25c':
    case 'um34c': {
      const poll = get('poll');
      return { ...common, kind, ...(poll !== undefined ? { pollHz: num(spec, 'poll', poll, 0.01, 50) } : {}) };
    }
    case 'ppk2': {
      const v = get('v');
      const rate = get('rate');
      const spike = get('spike');
      return {
        ...common,
        kind,
        // The PPK2 measures up to 5 V in ampere-meter mode.
        volts: v !== undefined ? num(spec, 'v', v, 0.8, 5.5) : 5.0,
        rateHz: rate !== undefined ? num(spec, 'rate', rate, 1, 100_000) : 1000,
        spikeFilter: spike !== undefined ? flag(spec, 'spike', spike) : true,
      };
    }
    case 'line': {
      const v = get('v');
      const volts = v !== undefined ? num(spec, 'v', v, 0, 60) : undefined;
      const layout = get('cols') ?? DEFAULT_LINE_LAYOUT;
      let columns: LineColumn[];
      try {
        columns = parseLineColumns(layout, volts !== undefined);
      } catch (err) {
        throw bad(spec, err instanceof Error ? err.message : String(err));
      }
      return { ...common, kind, layout, columns, ...(volts !== undefined ? { volts } : {}) };
    }
  }
}

/** The spec back as text (canonical option order; defaults left out). */
export function formatMeterSpec(spec: MeterSpec): string {
  const d = DEFAULTS[spec.kind];
  const opts: string[] = [];
  if (spec.baudRate !== d.baudRate) opts.push(`baud=${spec.baudRate}`);
  if (spec.silenceMs !== d.silenceMs) opts.push(`silence=${spec.silenceMs}`);
  if (!spec.reconnect) opts.push('reconnect=0');
  if (spec.kind === 'ppk2') {
    if (spec.volts !== 5.0) opts.push(`v=${spec.volts}`);
    if (spec.rateHz !== 1000) opts.push(`rate=${spec.rateHz}`);
    if (!spec.spikeFilter) opts.push('spike=0');
  } else if (spec.kind === 'line') {
    if (spec.layout !== DEFAULT_LINE_LAYOUT) opts.push(`cols=${spec.layout}`);
    if (spec.volts !== undefined) opts.push(`v=${spec.volts}`);
  } else if (spec.pollHz !== undefined) {
    opts.push(`poll=${spec.pollHz}`);
  }
  return [`${spec.path}:${spec.kind}`, ...opts].join(',');
}
