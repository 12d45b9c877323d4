// The phone's physics in simulated time: power drawn by busy cores (P ~ f^2.6), the GPU,
// the rest of the SoC, the screen and the charger; a two-node thermal network (die -> case
// -> ambient) integrated in 0.1 s steps; a thermal governor that caps CPU frequency above
// a threshold; the battery's charge, voltage, current and temperature. Everything that
// /sys, dumpsys and the benchmark read about heat and clocks comes from here.

import { coreZoneName, type CoreSpec, type PhoneSpec } from './phone-model.js';

export interface ThrottleParams {
  /** Hottest CPU zone temperature where the big cluster starts losing frequency, degC. */
  startC: number;
  /** Fraction of the max frequency removed per degC above startC. */
  strength: number;
  /** Lowest fraction of max frequency the governor goes down to. */
  floor?: number;
}

export interface PhysicsOptions {
  ambientC: number;
  throttle: ThrottleParams;
  screenOn: boolean;
  charging: boolean;
  batteryLevel: number;
}

export type Governor = 'schedutil' | 'performance' | 'powersave';

/** Thermal constants (see the module comment). */
export const THERMAL = {
  dieToCaseCPerW: 3,
  dieTauS: 2.5,
  caseToAmbientCPerW: 6,
  caseTauS: 90,
  batteryTauS: 200,
  socBaseW: 0.3,
  screenW: 0.4,
  chargerLossW: 0.35,
  chargerInW: 2.1,
  leakW: 0.02,
  stepS: 0.1,
} as const;

/** ODPM rails as a Pixel names them ([NAME]:SUBSYSTEM in the PowerStats dump). */
export const RAILS = [
  { name: 'S3M_VDD_CPUCL1', subsystem: 'CPU(BIG)' },
  { name: 'S4M_VDD_CPUCL0', subsystem: 'CPU(LITTLE)' },
  { name: 'S2S_VDD_G3D', subsystem: 'GPU' },
  { name: 'S5S_VDDQ_MEM', subsystem: 'DDR' },
  { name: 'S5M_VDD_INT', subsystem: 'INT' },
  { name: 'VSYS_PWR_DISPLAY', subsystem: 'Display' },
] as const;
const RAIL = { big: 0, little: 1, gpu: 2, ddr: 3, int: 4, display: 5 } as const;
/** How the power model's terms split over the rails. */
const RAIL_SPLIT = { ddrBaseW: 0.1, cpuToDdr: 0.2, gpuToDdr: 0.15 } as const;

/** What a load draws besides busy cycles: how hard its cycles switch, and its DRAM traffic. */
export interface LoadPower {
  /** Dynamic power of its busy cycles as a fraction of a core's full-activity power (stalled cycles switch less). */
  activity?: number;
  /** DRAM traffic power, watts (on the DDR rail). */
  dramW?: number;
}

interface Load {
  cores: number[];
  util: number;
  gpu: number;
  activity: number;
  dramW: number;
}

export class PhonePhysics {
  private t: number;
  dieC: number;
  caseC: number;
  batteryC: number;
  batteryLevel: number;
  screenOn: boolean;
  charging: boolean;
  ambientC: number;
  private readonly loads = new Map<number, Load>();
  private nextLoad = 1;
  private readonly userMaxKHz: number[];
  private readonly userMinKHz: number[];
  private readonly governors: Governor[];
  private capCache: { big: number; little: number } = { big: 1, little: 1 };
  private readonly railEnergy: number[] = RAILS.map(() => 0);

  constructor(
    readonly spec: PhoneSpec,
    readonly opts: PhysicsOptions,
    private readonly clock: () => number,
  ) {
    this.t = clock();
    this.ambientC = opts.ambientC;
    this.screenOn = opts.screenOn;
    this.charging = opts.charging;
    this.batteryLevel = opts.batteryLevel;
    this.userMaxKHz = spec.cores.map((c) => c.maxKHz);
    this.userMinKHz = spec.cores.map((c) => c.minKHz);
    this.governors = spec.cores.map(() => 'schedutil');
    this.dieC = this.caseC = this.batteryC = opts.ambientC;
    // Start at the idle equilibrium.
    const { soc, caseExtra } = this.power();
    this.caseC = this.ambientC + (soc + caseExtra) * THERMAL.caseToAmbientCPerW;
    this.dieC = this.caseC + soc * THERMAL.dieToCaseCPerW;
    this.batteryC = this.caseC - 1 + (this.charging ? 1.5 : 0);
    // The rails have been counting since boot: the idle draw over the uptime so far.
    const railsNow = this.power().rails;
    railsNow.forEach((w, i) => (this.railEnergy[i] = w * this.t * 1e6));
  }

  // ---- time ----

  /** Integrates up to the current simulated time. */
  sync(): void {
    const now = this.clock();
    while (this.t < now) {
      // Idle stretches (no load, die in equilibrium with the case) take 5 s steps.
      const idle = this.loads.size === 0 && Math.abs(this.dieC - this.caseC - this.power().soc * THERMAL.dieToCaseCPerW) < 0.05;
      const dt = Math.min(idle ? 5 : THERMAL.stepS, now - this.t);
      this.step(dt);
      if (idle) this.dieC = this.caseC + this.power().soc * THERMAL.dieToCaseCPerW;
      this.t += dt;
    }
  }

  private step(dt: number): void {
    this.updateCaps();
    const { soc, caseExtra, total, chargeIn, rails } = this.power();
    rails.forEach((w, i) => (this.railEnergy[i] = (this.railEnergy[i] ?? 0) + w * dt * 1e6));
    const cDie = THERMAL.dieTauS / THERMAL.dieToCaseCPerW;
    const cCase = THERMAL.caseTauS / THERMAL.caseToAmbientCPerW;
    const dieToCase = (this.dieC - this.caseC) / THERMAL.dieToCaseCPerW;
    const caseToAir = (this.caseC - this.ambientC) / THERMAL.caseToAmbientCPerW;
    this.dieC += ((soc - dieToCase) * dt) / cDie;
    this.caseC += ((dieToCase + caseExtra - caseToAir) * dt) / cCase;
    const battTarget = this.caseC - 1 + (this.charging && this.batteryLevel < 100 ? 1.5 : 0);
    this.batteryC += ((battTarget - this.batteryC) * dt) / THERMAL.batteryTauS;
    const energyJ = (this.spec.batteryMah / 1000) * 3.85 * 3600;
    let net = chargeIn - total;
    if (this.batteryLevel >= 100 && net > 0) net = 0;
    this.batteryLevel = Math.min(100, Math.max(0, this.batteryLevel + (net * dt * 100) / energyJ));
  }

  // ---- loads ----

  /** Marks cores (and optionally the GPU) busy until the returned function is called. */
  addLoad(cores: number[], util = 1, gpu = 0, power: LoadPower = {}): () => void {
    this.sync();
    const id = this.nextLoad++;
    this.loads.set(id, { cores, util, gpu, activity: power.activity ?? 1, dramW: power.dramW ?? 0 });
    return () => {
      this.sync();
      this.loads.delete(id);
    };
  }

  clearLoads(): void {
    this.sync();
    this.loads.clear();
  }

  coreUtil(id: number): number {
    let u = 0;
    for (const l of this.loads.values()) if (l.cores.includes(id)) u += l.util;
    return Math.min(1, u);
  }

  /** Utilization-weighted switching activity of a core's loads (1 when idle). */
  private coreActivity(id: number): number {
    let u = 0;
    let a = 0;
    for (const l of this.loads.values()) {
      if (!l.cores.includes(id)) continue;
      u += l.util;
      a += l.util * l.activity;
    }
    return u > 0 ? a / u : 1;
  }

  gpuUtil(): number {
    let u = 0;
    for (const l of this.loads.values()) u += l.gpu;
    return Math.min(1, u);
  }

  // ---- power ----

  private power(): { soc: number; caseExtra: number; total: number; chargeIn: number; rails: number[] } {
    let soc = THERMAL.socBaseW;
    const leak = THERMAL.leakW * (1 + 0.03 * Math.max(0, this.dieC - 25));
    // Rails as the ODPM splits them (RAILS order): a share of the cores' and GPU's dynamic
    // power is memory traffic and lands on DDR; the SoC's base power is DDR and INT.
    const rails = RAILS.map(() => 0);
    rails[RAIL.ddr] = RAIL_SPLIT.ddrBaseW;
    rails[RAIL.int] = THERMAL.socBaseW - RAIL_SPLIT.ddrBaseW;
    for (const c of this.spec.cores) {
      const f = this.capKHzUnsynced(c) / c.maxKHz;
      const dynamic = this.coreUtil(c.id) * this.coreActivity(c.id) * c.powerAtMaxW * Math.pow(f, 2.6);
      soc += dynamic + leak;
      rails[c.cluster === 'big' ? RAIL.big : RAIL.little]! += dynamic * (1 - RAIL_SPLIT.cpuToDdr) + leak;
      rails[RAIL.ddr]! += dynamic * RAIL_SPLIT.cpuToDdr;
    }
    const gpu = this.gpuUtil() * this.spec.gpu.powerW * Math.pow(this.capCache.big, 2);
    soc += gpu;
    rails[RAIL.gpu] = gpu * (1 - RAIL_SPLIT.gpuToDdr);
    rails[RAIL.ddr]! += gpu * RAIL_SPLIT.gpuToDdr;
    for (const l of this.loads.values()) {
      soc += l.dramW;
      rails[RAIL.ddr]! += l.dramW;
    }
    rails[RAIL.display] = this.screenOn ? THERMAL.screenW : 0;
    const charging = this.charging && this.batteryLevel < 100;
    const caseExtra = (this.screenOn ? THERMAL.screenW : 0) + (charging ? THERMAL.chargerLossW : 0);
    const total = soc + (this.screenOn ? THERMAL.screenW : 0);
    const chargeIn = this.charging ? THERMAL.chargerInW : 0;
    return { soc, caseExtra, total, chargeIn, rails };
  }

  /**
   * The on-device power monitor: energy each rail has drawn since boot, uWs (the rails add up
   * to `powerW` integrated over time). Zeroed by `resetRailEnergy` (a PowerStats HAL restart).
   */
  railEnergyUws(): Array<{ name: string; subsystem: string; energy_uws: number }> {
    this.sync();
    return RAILS.map((r, i) => ({ ...r, energy_uws: this.railEnergy[i] ?? 0 }));
  }

  resetRailEnergy(): void {
    this.sync();
    this.railEnergy.fill(0);
  }

  // ---- temperatures ----

  coreTempC(core: CoreSpec): number {
    const u = this.coreUtil(core.id);
    const f = this.capKHzUnsynced(core) / core.maxKHz;
    return this.dieC + (u > 0 ? 2.5 * u * this.coreActivity(core.id) * f * f * (core.cluster === 'big' ? 1 : 0.5) : -0.6);
  }

  private hottestCoreC(): number {
    return Math.max(...this.spec.cores.map((c) => this.coreTempC(c)));
  }

  /** Thermal zones as /sys/class/thermal lists them: cores, gpu, battery, skin, xo. */
  zones(): Array<{ type: string; tempC: number }> {
    this.sync();
    const out = this.spec.cores.map((c) => ({ type: coreZoneName(c), tempC: this.coreTempC(c) }));
    out.push({ type: 'gpu-usr', tempC: this.dieC - 1.5 + 3 * this.gpuUtil() });
    out.push({ type: 'battery', tempC: this.batteryC });
    out.push({ type: 'skin', tempC: this.caseC - 1.5 });
    out.push({ type: 'xo-therm', tempC: this.caseC - 2.5 });
    return out;
  }

  /** The hottest CPU zone, degC (what `temperatureC` reports). */
  temperatureC(): number {
    this.sync();
    return this.hottestCoreC();
  }

  /** Adds heat at once (die and case), as if the phone had been working hard. */
  heat(deltaC: number): void {
    this.sync();
    this.dieC += deltaC;
    this.caseC += deltaC;
    this.batteryC += deltaC * 0.5;
    this.updateCaps();
  }

  /** 0 none, 1 light, 2 moderate, 3 severe: Android's thermal status. */
  thermalStatus(): number {
    this.sync();
    const over = this.hottestCoreC() - this.opts.throttle.startC;
    return over <= 0 ? 0 : over < 5 ? 1 : over < 10 ? 2 : 3;
  }

  // ---- frequencies ----

  private updateCaps(): void {
    const { startC, strength } = this.opts.throttle;
    const floor = this.opts.throttle.floor ?? 0.35;
    const hot = this.hottestCoreC();
    const frac = (over: number): number => (over <= 0 ? 1 : Math.max(floor, 1 - strength * over));
    this.capCache = { big: frac(hot - startC), little: frac(hot - startC - 8) };
  }

  private quantize(core: CoreSpec, khz: number): number {
    let best = core.stepsKHz[0] ?? core.minKHz;
    for (const s of core.stepsKHz) if (s <= khz + 1) best = s;
    return best;
  }

  /** Highest frequency the core may run at now (thermal cap and scaling_max_freq). */
  private capKHzUnsynced(core: CoreSpec): number {
    const frac = core.cluster === 'big' ? this.capCache.big : this.capCache.little;
    const thermal = this.quantize(core, core.maxKHz * frac);
    return Math.max(this.userMinKHz[core.id] ?? core.minKHz, Math.min(thermal, this.userMaxKHz[core.id] ?? core.maxKHz));
  }

  /** scaling_max_freq: the effective policy maximum, kHz. */
  maxKHz(core: CoreSpec): number {
    this.sync();
    return this.capKHzUnsynced(core);
  }

  /** scaling_cur_freq: what the core runs at now, kHz. */
  curKHz(core: CoreSpec): number {
    this.sync();
    const cap = this.capKHzUnsynced(core);
    const gov = this.governors[core.id] ?? 'schedutil';
    if (gov === 'performance') return cap;
    const floor = this.userMinKHz[core.id] ?? core.minKHz;
    if (gov === 'powersave') return floor;
    const u = this.coreUtil(core.id);
    if (u >= 0.5) return cap;
    if (u > 0) return Math.max(floor, this.quantize(core, cap * u * 1.25));
    // Idle: one of the lowest steps, changing every few hundred ms.
    const bucket = Math.floor(this.t * 3) + core.id * 7;
    const idx = (bucket * 2654435761) % 3;
    return Math.max(floor, core.stepsKHz[Math.abs(idx)] ?? core.minKHz);
  }

  /** Frequency a busy core gets: its cap under schedutil/performance, min under powersave. */
  busyKHz(core: CoreSpec): number {
    this.sync();
    return (this.governors[core.id] ?? 'schedutil') === 'powersave' ? (this.userMinKHz[core.id] ?? core.minKHz) : this.capKHzUnsynced(core);
  }

  /** GPU clock as a fraction of max (thermal). */
  gpuFraction(): number {
    this.sync();
    return this.capCache.big;
  }

  governor(core: CoreSpec): Governor {
    return this.governors[core.id] ?? 'schedutil';
  }

  /** Writes to cpufreq policy files apply to the whole cluster, like a shared policy. */
  setPolicy(core: CoreSpec, what: 'max' | 'min' | 'governor', value: string): boolean {
    this.sync();
    const peers = this.spec.cores.filter((c) => c.cluster === core.cluster);
    if (what === 'governor') {
      if (!['schedutil', 'performance', 'powersave'].includes(value)) return false;
      for (const c of peers) this.governors[c.id] = value as Governor;
      return true;
    }
    const khz = Number.parseInt(value, 10);
    if (!Number.isFinite(khz) || khz <= 0) return false;
    for (const c of peers) {
      const q = this.quantize(c, Math.min(c.maxKHz, Math.max(c.minKHz, khz)));
      if (what === 'max') this.userMaxKHz[c.id] = Math.max(q, this.userMinKHz[c.id] ?? c.minKHz);
      else this.userMinKHz[c.id] = Math.min(q, this.userMaxKHz[c.id] ?? c.maxKHz);
    }
    return true;
  }

  // ---- battery ----

  batteryVoltageUv(): number {
    this.sync();
    return Math.round((3.45 + 0.0075 * this.batteryLevel + (this.charging ? 0.08 : 0)) * 1e6);
  }

  /** current_now in uA; positive while discharging (Qualcomm fuel gauge convention). */
  batteryCurrentUa(): number {
    this.sync();
    const { total, chargeIn } = this.power();
    const net = this.batteryLevel >= 100 && this.charging ? 0 : total - chargeIn;
    return Math.round((net / (this.batteryVoltageUv() / 1e6)) * 1e6);
  }

  /** Total power drawn by the phone now, watts (SoC + screen). */
  powerW(): number {
    this.sync();
    return this.power().total;
  }
}
