/**
 * The meter spec, `--meter PORT:TYPE[,KEY=VALUE...]`, parsed once at the edge into a typed
 * `MeterSpec`. PORT is a path (`/dev/ttyUSB0`, `/dev/serial/by-path/pci-0000:00:14.0-usb-0:2:1.0`)
 * or a Windows name (`COM3`); the spec splits on the LAST colon, so colons inside PORT are fine.
 *
 *   TYPE    a serial kind of app/meters/index.ts: um24c | um25c | um34c | ppk2 | line
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
import { SERIAL_METERS, SOURCE_METERS } from './index.js';
import type { CommonSpec, SerialMeterDescriptor, SourceMeterDescriptor } from './kind.js';

export type { UmSpec } from './um/kind.js';
export type { Ppk2Spec } from './ppk2/kind.js';
export type { LineSpec } from './line/kind.js';

/** A serial meter's parsed spec: the union of what each kind's `parse` returns. */
export type MeterSpec = ReturnType<(typeof SERIAL_METERS)[number]['parse']>;
export type MeterKind = MeterSpec['kind'];
export const METER_KINDS: readonly MeterKind[] = SERIAL_METERS.flatMap((d) => d.kinds);

/** Meters that are no serial port, each with its own spec (see `SOURCE_METERS`' usage lines). */
export type SourceMeterKind = (typeof SOURCE_METERS)[number]['kinds'][number];
export const SOURCE_METER_KINDS: readonly SourceMeterKind[] = SOURCE_METERS.flatMap((d) => d.kinds);

/** The serial kind's descriptor. */
export function serialMeterKind(kind: MeterKind): SerialMeterDescriptor<MeterKind, MeterSpec> {
  return SERIAL_METERS.find((d) => (d.kinds as readonly string[]).includes(kind)) as unknown as SerialMeterDescriptor<MeterKind, MeterSpec>;
}

/** The source kind's descriptor a spec names (TYPE after the last colon), or undefined for a serial meter's spec. */
export function sourceMeterDescriptor(spec: string): SourceMeterDescriptor<SourceMeterKind> | undefined {
  const type = (spec.slice(spec.lastIndexOf(':') + 1).split(',')[0] ?? '').trim().toLowerCase();
  return SOURCE_METERS.find((d) => d.kinds[0] === type) as SourceMeterDescriptor<SourceMeterKind> | undefined;
}

/** The source kind a spec names, or undefined for a serial meter's spec. */
export function sourceMeterKind(spec: string): SourceMeterKind | undefined {
  return sourceMeterDescriptor(spec)?.kinds[0];
}

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

const COMMON_KEYS = ['baud', 'silence', 'reconnect'];

export function parseMeterSpec(spec: string): MeterSpec {
  const colon = spec.lastIndexOf(':');
  if (colon <= 0) throw bad(spec, 'no PORT:TYPE');
  const path = spec.slice(0, colon).trim();
  const [typePart = '', ...optionParts] = spec.slice(colon + 1).split(',');
  const kind = typePart.trim().toLowerCase() as MeterKind;
  if (!METER_KINDS.includes(kind)) throw bad(spec, `unknown meter type '${typePart}'`);
  if (path === '') throw bad(spec, 'empty PORT');
  const d = serialMeterKind(kind);
  const keys = [...COMMON_KEYS, ...d.keys];

  const opts = new Map<string, string>();
  for (const part of optionParts) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw bad(spec, `option '${part}' is not KEY=VALUE`);
    const key = part.slice(0, eq).trim().toLowerCase();
    const value = part.slice(eq + 1).trim();
    const canonical = key === 'volts' ? 'v' : key;
    if (!keys.includes(canonical)) throw bad(spec, `${kind} takes ${keys.join(', ')}, not '${key}'`);
    if (opts.has(canonical)) throw bad(spec, `'${key}' given twice`);
    opts.set(canonical, value);
  }
  const baudRaw = opts.get('baud');
  const silenceRaw = opts.get('silence');
  const reconnectRaw = opts.get('reconnect');
  const common: CommonSpec = {
    path,
    baudRate: baudRaw !== undefined ? num(spec, 'baud', baudRaw, 50, 16_000_000) : d.defaults.baudRate,
    silenceMs: silenceRaw !== undefined ? num(spec, 'silence', silenceRaw, 50, 600_000) : d.defaults.silenceMs,
    reconnect: reconnectRaw !== undefined ? flag(spec, 'reconnect', reconnectRaw) : true,
  };
  return d.parse(kind, common, {
    get: (k) => opts.get(k),
    num: (k, v, min, max) => num(spec, k, v, min, max),
    flag: (k, v) => flag(spec, k, v),
    bad: (why) => bad(spec, why),
  });
}

/** The spec back as text (canonical option order; defaults left out). */
export function formatMeterSpec(spec: MeterSpec): string {
  const d = serialMeterKind(spec.kind);
  const opts: string[] = [];
  if (spec.baudRate !== d.defaults.baudRate) opts.push(`baud=${spec.baudRate}`);
  if (spec.silenceMs !== d.defaults.silenceMs) opts.push(`silence=${spec.silenceMs}`);
  if (!spec.reconnect) opts.push('reconnect=0');
  return [`${spec.path}:${spec.kind}`, ...opts, ...d.format(spec)].join(',');
}
