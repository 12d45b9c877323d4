/**
 * Nordic PPK2 data, pure: the metadata text, the 4-byte sample words, and the ADC-to-current
 * conversion with the device's calibration, as nRF Connect Power Profiler does it
 * (NordicSemiconductor/pc-nrfconnect-ppk, src/device/serialDevice.ts: `getAdcResult`,
 * `handleRawDataSet`, `parseMeta`; the same in IRNAS/ppk2-api-python `get_adc_result`).
 *
 * A word is little-endian u32: ADC bits 0-13, range 14-16 (0..4: the five shunt resistors),
 * counter 18-23 (+1 per sample, modulo 64), logic port 24-31. With adc = 4 x (ADC bits):
 *
 *   x    = (adc - O[r]) x (1.8 / 163840) / R[r]                 the shunt current before gain
 *   amps = UG[r] x (x x (GS[r] x x + GI[r]) + S[r] x vdd + I[r])
 *
 * R (ohms), GS, GI, O, S, I and UG come from the metadata (`R0: 1031.64`, ...; defaults as in
 * the app when a key is missing), vdd is the regulator voltage in V. The app's spike filter
 * at range switches is `SpikeFilter`. `ampsToWord` inverts the conversion for emulators.
 */

/** 1.8 V reference over the ADC's scaled full range, as in the app (`adcMult`). */
export const PPK2_ADC_MULT = 1.8 / 163840;
export const PPK2_SAMPLE_RATE_HZ = 100_000;
export const PPK2_COUNTER_MODULO = 64;

export const PPK2_CMD = {
  AVERAGE_START: 0x06,
  AVERAGE_STOP: 0x07,
  DEVICE_RUNNING_SET: 0x0c,
  REGULATOR_SET: 0x0d,
  SET_POWER_MODE: 0x11,
  GET_META_DATA: 0x19,
  RESET: 0x20,
  SET_USER_GAINS: 0x25,
} as const;

/** SET_POWER_MODE arguments. */
export const PPK2_MODE = { AMPERE: 0x01, SOURCE: 0x02 } as const;

export interface Ppk2Modifiers {
  readonly r: readonly number[];
  readonly gs: readonly number[];
  readonly gi: readonly number[];
  readonly o: readonly number[];
  readonly s: readonly number[];
  readonly i: readonly number[];
  readonly ug: readonly number[];
}

/** The app's defaults, used for any key the metadata lacks (an uncalibrated unit). */
export const PPK2_DEFAULT_MODIFIERS: Ppk2Modifiers = {
  r: [1031.64, 101.65, 10.15, 0.94, 0.043],
  gs: [1, 1, 1, 1, 1],
  gi: [1, 1, 1, 1, 1],
  o: [0, 0, 0, 0, 0],
  s: [0, 0, 0, 0, 0],
  i: [0, 0, 0, 0, 0],
  ug: [1, 1, 1, 1, 1],
};

export interface Ppk2Meta {
  readonly modifiers: Ppk2Modifiers;
  readonly calibrated: boolean;
  /** Hardware id (`HW:`), if sent. */
  readonly hw?: number;
  /** Regulator voltage the device reports, mV (`VDD:`). */
  readonly vddMv?: number;
  /** 1 ampere meter, 2 source meter (`mode:`). */
  readonly mode?: number;
  /** Keys that were recognised. */
  readonly keys: number;
}

/**
 * Parses the GET_META_DATA answer: `Key: value` lines up to `END`. Unknown keys are ignored; a
 * value the app would read as a number but that is not one (`-nan`) keeps the default, as the
 * app does (also for 0). Returns undefined when there is no `END` or no key was recognised.
 */
export function parsePpk2Meta(text: string): Ppk2Meta | undefined {
  const end = text.indexOf('END');
  if (end < 0) return undefined;
  const mods: Record<keyof Ppk2Modifiers, number[]> = {
    r: [...PPK2_DEFAULT_MODIFIERS.r],
    gs: [...PPK2_DEFAULT_MODIFIERS.gs],
    gi: [...PPK2_DEFAULT_MODIFIERS.gi],
    o: [...PPK2_DEFAULT_MODIFIERS.o],
    s: [...PPK2_DEFAULT_MODIFIERS.s],
    i: [...PPK2_DEFAULT_MODIFIERS.i],
    ug: [...PPK2_DEFAULT_MODIFIERS.ug],
  };
  let keys = 0;
  let calibrated = false;
  let hw: number | undefined;
  let vddMv: number | undefined;
  let mode: number | undefined;
  for (const raw of text.slice(0, end).split(/\r?\n/)) {
    const m = /^\s*([A-Za-z]+)(\d?)\s*:\s*(\S+)\s*$/.exec(raw);
    if (!m) continue;
    const key = m[1]!.toLowerCase();
    const index = m[2] === '' ? undefined : Number(m[2]);
    const value = Number(m[3]);
    if (key in mods && index !== undefined && index <= 4) {
      keys++;
      // As the app (`meta[key] || modifier`): 0 and NaN (`-nan`) keep the default. That spares
      // a zero R, and turns GS0: 0 into 1, which changes range 0 by under 1e-4 of a reading.
      if (Number.isFinite(value) && value !== 0) mods[key as keyof Ppk2Modifiers][index] = value;
    } else if (index === undefined && Number.isFinite(value)) {
      if (key === 'calibrated') calibrated = value !== 0;
      else if (key === 'hw') hw = value;
      else if (key === 'vdd') vddMv = value;
      else if (key === 'mode') mode = value;
      else continue;
      keys++;
    }
  }
  if (keys === 0) return undefined;
  return {
    modifiers: mods,
    calibrated,
    keys,
    ...(hw !== undefined ? { hw } : {}),
    ...(vddMv !== undefined ? { vddMv } : {}),
    ...(mode !== undefined ? { mode } : {}),
  };
}

/** Writes metadata text as the device sends it (for emulators), ending in `END\n`. */
export function formatPpk2Meta(meta: { modifiers: Ppk2Modifiers; calibrated: boolean; hw: number; vddMv: number; mode: number }): string {
  const lines = [`Calibrated: ${meta.calibrated ? 1 : 0}`];
  const m = meta.modifiers;
  const block = (name: string, xs: readonly number[], digits: number): void => {
    xs.forEach((x, i) => lines.push(`${name}${i}: ${x.toFixed(digits)}`));
  };
  block('R', m.r, 4);
  block('GS', m.gs, 4);
  block('GI', m.gi, 4);
  block('O', m.o, 4);
  lines.push(`VDD: ${meta.vddMv}`, `HW: ${meta.hw}`, `mode: ${meta.mode}`);
  block('S', m.s, 9);
  block('I', m.i, 9);
  block('UG', m.ug, 2);
  lines.push('IA: 56', 'END', '');
  return lines.join('\n');
}

export interface Ppk2Word {
  /** The 14 ADC bits, 0..16383. */
  readonly adc: number;
  readonly range: number;
  readonly counter: number;
  readonly logic: number;
}

export function splitPpk2Word(word: number): Ppk2Word {
  return {
    adc: word & 0x3fff,
    range: (word >>> 14) & 0x7,
    counter: (word >>> 18) & 0x3f,
    logic: (word >>> 24) & 0xff,
  };
}

export function joinPpk2Word(w: Ppk2Word): number {
  return ((w.adc & 0x3fff) | ((w.range & 0x7) << 14) | ((w.counter & 0x3f) << 18) | ((w.logic & 0xff) << 24)) >>> 0;
}

/** The calibrated current, A, of one sample (no spike filter). `adc` is the 14-bit field. */
export function ppk2Amps(mods: Ppk2Modifiers, range: number, adc: number, vddVolts: number): number {
  const raw = adc * 4;
  const x = (raw - mods.o[range]!) * (PPK2_ADC_MULT / mods.r[range]!);
  return mods.ug[range]! * (x * (mods.gs[range]! * x + mods.gi[range]!) + (mods.s[range]! * vddVolts + mods.i[range]!));
}

/**
 * The word a PPK2 would send for `amps`, inverting `ppk2Amps`: in `range` if given (the ADC
 * field clamps), else the lowest range whose ADC field does not saturate.
 */
export function ampsToWord(mods: Ppk2Modifiers, amps: number, vddVolts: number, counter: number, range?: number, logic = 0): number {
  const adcIn = (r: number): number | undefined => {
    const c = mods.s[r]! * vddVolts + mods.i[r]! - amps / mods.ug[r]!;
    const a = mods.gs[r]!;
    const b = mods.gi[r]!;
    // Solve a x^2 + b x + c = 0 for the root that tends to -c/b as a -> 0.
    const disc = b * b - 4 * a * c;
    if (disc < 0) return undefined;
    const x = Math.abs(a) < 1e-12 ? -c / b : (2 * -c) / (b + Math.sqrt(disc));
    return Math.round(((x * mods.r[r]!) / PPK2_ADC_MULT + mods.o[r]!) / 4);
  };
  const word = (r: number, adc: number): number => joinPpk2Word({ adc: Math.max(0, Math.min(0x3fff, adc)), range: r, counter, logic });
  if (range !== undefined) return word(range, adcIn(range) ?? 0x3fff);
  for (let r = 0; r < 4; r++) {
    const adc = adcIn(r);
    if (adc !== undefined && adc <= 16000) return word(r, adc);
  }
  return word(4, adcIn(4) ?? 0x3fff);
}

/**
 * nRF Connect's spike filter: for a few samples after the range switches, output a rolling
 * average instead of the raw value (range 4 uses a slower one and holds for two samples),
 * which hides the transient of the shunt switch. Reset at AVERAGE_START.
 */
export class SpikeFilter {
  private avg: number | undefined;
  private avg4: number | undefined;
  private prevRange: number | undefined;
  private afterSpike = 0;
  private consecutive = 0;

  constructor(
    private readonly alpha = 0.18,
    private readonly alpha5 = 0.06,
    private readonly samples = 3,
  ) {}

  reset(): void {
    this.avg = this.avg4 = this.prevRange = undefined;
    this.afterSpike = this.consecutive = 0;
  }

  apply(amps: number, range: number): number {
    const prevAvg = this.avg;
    const prevAvg4 = this.avg4;
    this.avg = this.avg === undefined ? amps : this.alpha * amps + (1 - this.alpha) * this.avg;
    this.avg4 = this.avg4 === undefined ? amps : this.alpha5 * amps + (1 - this.alpha5) * this.avg4;
    if (this.prevRange === undefined) this.prevRange = range;
    let out = amps;
    if (this.prevRange !== range || this.afterSpike > 0) {
      if (this.prevRange !== range) {
        this.consecutive = 0;
        this.afterSpike = this.samples;
      } else {
        this.consecutive += 1;
      }
      if (range === 4) {
        if (this.consecutive < 2) {
          this.avg4 = prevAvg4;
          this.avg = prevAvg;
        }
        out = this.avg4 ?? amps;
      } else {
        out = this.avg;
      }
      this.afterSpike -= 1;
    }
    this.prevRange = range;
    return out;
  }
}
