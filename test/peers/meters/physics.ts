// What an emulated meter measures: a seeded random source, and a USB supply that sags under
// load. The load is power drawn (W) as the emulated phone reports it; the meter sees the
// supply voltage after a source resistance and the current that delivers that power.

/** mulberry32: small, fast, seeded; good enough for noise. */
export class Rng {
  private s: number;
  private spare: number | undefined;

  constructor(seed = 1) {
    this.s = seed >>> 0 || 1;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** Standard normal (Box-Muller, pairs cached). */
  gauss(): number {
    if (this.spare !== undefined) {
      const g = this.spare;
      this.spare = undefined;
      return g;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
}

export interface SupplyPoint {
  readonly volts: number;
  readonly amps: number;
}

/**
 * The operating point that delivers `watts` from a source of `openVolts` behind `ohms`:
 * P = (V0 - I R) I, so I = (V0 - sqrt(V0^2 - 4 R P)) / 2R. Beyond the source's maximum power
 * it delivers what it can.
 */
export function operatingPoint(watts: number, openVolts: number, ohms: number): SupplyPoint {
  const p = Math.max(0, watts);
  if (ohms <= 0) return { volts: openVolts, amps: p / openVolts };
  const disc = Math.max(0, openVolts * openVolts - 4 * ohms * p);
  const amps = (openVolts - Math.sqrt(disc)) / (2 * ohms);
  return { volts: openVolts - amps * ohms, amps };
}
