/**
 * The line meter's decoding, pure: a column layout (`ms+volts+amps`, `ms+mw`, ...) and one
 * text line to one reading. Lines come from a microcontroller reading an INA219/INA226 and
 * printing CSV; fields may be separated by commas, semicolons, tabs or spaces.
 */
import { LabbenchError } from '../../api/errors.js';

export type LineQuantity = 'time' | 'volts' | 'amps' | 'watts' | 'skip';

export interface LineColumn {
  /** The name as written in the layout (`ms`, `mv`, ...). */
  readonly name: string;
  readonly quantity: LineQuantity;
  /** Multiplier to ms (time), V, A or W. */
  readonly scale: number;
}

const COLUMN_NAMES: Readonly<Record<string, { quantity: LineQuantity; scale: number }>> = {
  ms: { quantity: 'time', scale: 1 },
  s: { quantity: 'time', scale: 1000 },
  us: { quantity: 'time', scale: 0.001 },
  v: { quantity: 'volts', scale: 1 },
  volts: { quantity: 'volts', scale: 1 },
  mv: { quantity: 'volts', scale: 0.001 },
  a: { quantity: 'amps', scale: 1 },
  amps: { quantity: 'amps', scale: 1 },
  ma: { quantity: 'amps', scale: 0.001 },
  ua: { quantity: 'amps', scale: 1e-6 },
  w: { quantity: 'watts', scale: 1 },
  watts: { quantity: 'watts', scale: 1 },
  mw: { quantity: 'watts', scale: 0.001 },
  _: { quantity: 'skip', scale: 1 },
  skip: { quantity: 'skip', scale: 1 },
};

export const LINE_COLUMN_NAMES: readonly string[] = Object.keys(COLUMN_NAMES);
export const DEFAULT_LINE_LAYOUT = 'ms+volts+amps';

/**
 * Parses a layout such as `ms+volts+amps` (also `ms;volts;amps` or `ms/volts/amps`). Names:
 * time `ms|s|us`, voltage `v|volts|mv`, current `a|amps|ma|ua`, power `w|watts|mw`, ignored
 * `_|skip`. Power comes from a power column, else volts x amps, where volts may instead be a
 * fixed supply voltage (`hasFixedVolts`). Throws BAD_INPUT otherwise.
 */
export function parseLineColumns(layout: string, hasFixedVolts = false): LineColumn[] {
  const names = layout.split(/[+;/]/).map((s) => s.trim().toLowerCase());
  const columns: LineColumn[] = [];
  const seen = new Set<LineQuantity>();
  for (const name of names) {
    const known = COLUMN_NAMES[name];
    if (!known) {
      throw new LabbenchError('BAD_INPUT', `line meter column '${name}' is not one of ${LINE_COLUMN_NAMES.join(', ')} (layout '${layout}')`);
    }
    if (known.quantity !== 'skip' && seen.has(known.quantity)) {
      throw new LabbenchError('BAD_INPUT', `line meter layout '${layout}' has two ${known.quantity} columns`);
    }
    seen.add(known.quantity);
    columns.push({ name, quantity: known.quantity, scale: known.scale });
  }
  if (!seen.has('watts') && !(seen.has('amps') && (seen.has('volts') || hasFixedVolts))) {
    throw new LabbenchError(
      'BAD_INPUT',
      `line meter layout '${layout}' gives no power: it needs a power column (w, mw), or a current column (a, ma, ua) with a voltage column or v=VOLTS`,
    );
  }
  return columns;
}

export interface LineReading {
  /** The device's own time, ms, when the layout has a time column. */
  readonly deviceMs?: number;
  readonly volts?: number;
  readonly amps?: number;
  readonly watts: number;
}

export type LineDecodeResult =
  | { readonly ok: true; readonly reading: LineReading }
  /** `garbled` is dropped and counted; `blank`, `comment` and `header` are ignored. */
  | { readonly ok: false; readonly reason: 'garbled' | 'blank' | 'comment' | 'header' };

const NUMBER = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;
const WORD = /^[A-Za-z_][A-Za-z_0-9]*$/;

/** One line (without its newline) to a reading. `fixedVolts` stands in for a missing volts column. */
export function decodeLine(line: string, columns: readonly LineColumn[], fixedVolts?: number): LineDecodeResult {
  const text = line.trim();
  if (text === '') return { ok: false, reason: 'blank' };
  if (text.startsWith('#')) return { ok: false, reason: 'comment' };
  const fields = text.split(/\s*[,;\t ]\s*/);
  if (fields.length !== columns.length) return { ok: false, reason: 'garbled' };
  if (fields.every((f) => WORD.test(f) && !/^(nan|inf|infinity)$/i.test(f))) return { ok: false, reason: 'header' };
  let deviceMs: number | undefined;
  let volts: number | undefined;
  let amps: number | undefined;
  let watts: number | undefined;
  for (let i = 0; i < columns.length; i++) {
    const col = columns[i]!;
    if (col.quantity === 'skip') continue;
    const f = fields[i]!;
    if (!NUMBER.test(f)) return { ok: false, reason: 'garbled' };
    const v = Number(f) * col.scale;
    if (!Number.isFinite(v)) return { ok: false, reason: 'garbled' };
    if (col.quantity === 'time') deviceMs = v;
    else if (col.quantity === 'volts') volts = v;
    else if (col.quantity === 'amps') amps = v;
    else watts = v;
  }
  const supply = volts ?? fixedVolts;
  if (watts === undefined) {
    if (amps === undefined || supply === undefined) return { ok: false, reason: 'garbled' };
    watts = supply * amps;
  }
  return {
    ok: true,
    reading: {
      ...(deviceMs !== undefined ? { deviceMs } : {}),
      ...(volts !== undefined ? { volts } : {}),
      ...(amps !== undefined ? { amps } : {}),
      watts,
    },
  };
}
