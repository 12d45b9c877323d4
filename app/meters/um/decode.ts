/**
 * RuiDeng UM24C / UM25C / UM34C frames, pure. The meter answers each 0xF0 request with 130
 * bytes, big-endian (layout in shared/FACTS.md, "Power meters: frames"): the model id at
 * offset 0 picks the scaling (UM25C reads volts /1000 and amps /10000, the others /100 and
 * /1000; power is u32 mW on all three). The frame has no checksum, so plausibility stands in:
 * volts in [0, 30], amps in [0, 5], and the meter's own power within tolerance of V x I.
 * `encodeUmFrame` is the inverse, for emulators and tests.
 */

export const UM_FRAME_LENGTH = 130;
export const UM_REQUEST = 0xf0;

export type UmModel = 'um24c' | 'um25c' | 'um34c';

interface ModelScale {
  readonly model: UmModel;
  readonly id: number;
  /** Raw counts per volt / per amp. */
  readonly voltsDiv: number;
  readonly ampsDiv: number;
}

const MODELS: readonly ModelScale[] = [
  { model: 'um24c', id: 0x0963, voltsDiv: 100, ampsDiv: 1000 },
  { model: 'um25c', id: 0x09c9, voltsDiv: 1000, ampsDiv: 10000 },
  { model: 'um34c', id: 0x0d4c, voltsDiv: 100, ampsDiv: 1000 },
];

/** The ids every UM frame starts with, big-endian at offset 0. */
export const UM_MODEL_IDS: readonly number[] = MODELS.map((m) => m.id);

export function umModelById(id: number): ModelScale | undefined {
  return MODELS.find((m) => m.id === id);
}

export function umModel(model: UmModel): ModelScale {
  const m = MODELS.find((x) => x.model === model);
  if (!m) throw new Error(`unknown UM model ${model}`);
  return m;
}

/** Offsets into the frame (all big-endian). */
export const UM_OFFSETS = {
  model: 0,
  volts: 2,
  amps: 4,
  /** u32, mW. */
  watts: 6,
  tempC: 10,
  tempF: 12,
  /** Ten (mAh u32, mWh u32) pairs. */
  groups: 16,
  /** u16, /100 V. */
  dPlus: 96,
  dMinus: 98,
  /** u32. */
  recordSeconds: 112,
  /** u32, /10 ohm. */
  loadOhms: 122,
} as const;

export interface UmReading {
  readonly model: UmModel;
  readonly volts: number;
  readonly amps: number;
  /** The meter's own power reading, W (resolution 1 mW). */
  readonly watts: number;
  readonly tempC: number;
  readonly dPlusVolts: number;
  readonly dMinusVolts: number;
  readonly recordSeconds: number;
  readonly loadOhms: number;
  /** The ten data groups: charge (mAh) and energy (mWh). */
  readonly groups: readonly { readonly mAh: number; readonly mWh: number }[];
}

export type UmDropReason = 'length' | 'unknown-model' | 'implausible';

export type UmDecodeResult =
  | { readonly ok: true; readonly reading: UmReading }
  | { readonly ok: false; readonly reason: UmDropReason; readonly detail: string };

export interface UmPlausibility {
  readonly maxVolts: number;
  readonly maxAmps: number;
  /** |V x I - P| may be up to `absW + rel x max(P, V x I)`. */
  readonly absW: number;
  readonly rel: number;
}

/**
 * The power check allows for the three fields being quantised (UM24C: 10 mV x 1 mA) and read
 * at slightly different instants while the load moves; a corrupted high byte is far outside.
 */
export const UM_PLAUSIBILITY: UmPlausibility = { maxVolts: 30, maxAmps: 5, absW: 0.05, rel: 0.1 };

export function decodeUmFrame(frame: Uint8Array, limits: UmPlausibility = UM_PLAUSIBILITY): UmDecodeResult {
  if (frame.length !== UM_FRAME_LENGTH) {
    return { ok: false, reason: 'length', detail: `${frame.length} bytes, want ${UM_FRAME_LENGTH}` };
  }
  const b = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
  const id = b.readUInt16BE(UM_OFFSETS.model);
  const m = umModelById(id);
  if (!m) return { ok: false, reason: 'unknown-model', detail: `model id 0x${id.toString(16).padStart(4, '0')}` };
  const volts = b.readUInt16BE(UM_OFFSETS.volts) / m.voltsDiv;
  const amps = b.readUInt16BE(UM_OFFSETS.amps) / m.ampsDiv;
  const watts = b.readUInt32BE(UM_OFFSETS.watts) / 1000;
  if (volts > limits.maxVolts || amps > limits.maxAmps) {
    return { ok: false, reason: 'implausible', detail: `${volts} V, ${amps} A out of range` };
  }
  const vi = volts * amps;
  if (Math.abs(vi - watts) > limits.absW + limits.rel * Math.max(vi, watts)) {
    return { ok: false, reason: 'implausible', detail: `power ${watts} W but V x I = ${vi.toFixed(3)} W` };
  }
  const groups: { mAh: number; mWh: number }[] = [];
  for (let g = 0; g < 10; g++) {
    const off = UM_OFFSETS.groups + g * 8;
    groups.push({ mAh: b.readUInt32BE(off), mWh: b.readUInt32BE(off + 4) });
  }
  return {
    ok: true,
    reading: {
      model: m.model,
      volts,
      amps,
      watts,
      tempC: b.readUInt16BE(UM_OFFSETS.tempC),
      dPlusVolts: b.readUInt16BE(UM_OFFSETS.dPlus) / 100,
      dMinusVolts: b.readUInt16BE(UM_OFFSETS.dMinus) / 100,
      recordSeconds: b.readUInt32BE(UM_OFFSETS.recordSeconds),
      loadOhms: b.readUInt32BE(UM_OFFSETS.loadOhms) / 10,
      groups,
    },
  };
}

export interface UmFrameFields {
  readonly model: UmModel;
  readonly volts: number;
  readonly amps: number;
  /** Defaults to volts x amps (rounded to 1 mW). */
  readonly watts?: number;
  readonly tempC?: number;
  readonly dPlusVolts?: number;
  readonly dMinusVolts?: number;
  readonly recordSeconds?: number;
  readonly groups?: readonly { readonly mAh: number; readonly mWh: number }[];
}

const clampU16 = (v: number): number => Math.max(0, Math.min(0xffff, Math.round(v)));
const clampU32 = (v: number): number => Math.max(0, Math.min(0xffffffff, Math.round(v)));

/** Builds a 130-byte frame as the meter sends it (values rounded to the model's resolution). */
export function encodeUmFrame(f: UmFrameFields): Buffer {
  const m = umModel(f.model);
  const b = Buffer.alloc(UM_FRAME_LENGTH);
  b.writeUInt16BE(m.id, UM_OFFSETS.model);
  b.writeUInt16BE(clampU16(f.volts * m.voltsDiv), UM_OFFSETS.volts);
  b.writeUInt16BE(clampU16(f.amps * m.ampsDiv), UM_OFFSETS.amps);
  b.writeUInt32BE(clampU32((f.watts ?? f.volts * f.amps) * 1000), UM_OFFSETS.watts);
  const tempC = f.tempC ?? 25;
  b.writeUInt16BE(clampU16(tempC), UM_OFFSETS.tempC);
  b.writeUInt16BE(clampU16(tempC * 1.8 + 32), UM_OFFSETS.tempF);
  (f.groups ?? []).slice(0, 10).forEach((g, i) => {
    b.writeUInt32BE(clampU32(g.mAh), UM_OFFSETS.groups + i * 8);
    b.writeUInt32BE(clampU32(g.mWh), UM_OFFSETS.groups + i * 8 + 4);
  });
  b.writeUInt16BE(clampU16((f.dPlusVolts ?? 0) * 100), UM_OFFSETS.dPlus);
  b.writeUInt16BE(clampU16((f.dMinusVolts ?? 0) * 100), UM_OFFSETS.dMinus);
  b.writeUInt32BE(clampU32(f.recordSeconds ?? 0), UM_OFFSETS.recordSeconds);
  return b;
}
