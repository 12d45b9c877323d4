/**
 * Time for meters: the host clock every sample is stamped with, and `DeviceClock`, which maps
 * a meter's own clock (PPK2 sample index, a line meter's `ms` column) onto it.
 */

/** Host time in ms: `performance.timeOrigin + performance.now()`, monotonic within a process. */
export function hostNowMs(): number {
  return performance.timeOrigin + performance.now();
}

export interface DeviceClockOptions {
  /** How fast the device clock may run slow against the host, in ppm (crystals: < 100). */
  readonly maxDriftPpm?: number;
  /** Arrivals this much later than the estimate may mean a gap the device clock did not count. */
  readonly jumpMs?: number;
  /** ... if they stay that late for this long; a host stall catches up sooner. */
  readonly confirmMs?: number;
}

/**
 * Device time to host time. A reading arrives after it was taken, never before, so the
 * smallest `host - device` seen is the best offset (the least-delayed arrival). The estimate
 * may creep up by `maxDriftPpm` of elapsed device time (a slow device clock), and restarts
 * when device time goes backwards (a reset). Arrivals more than `jumpMs` late are either a
 * host stall (the backlog then arrives in a burst and the next arrivals are on time again)
 * or samples lost without the device clock counting them (every later arrival stays late):
 * only when they stay late for `confirmMs` does the offset move up to them.
 */
export class DeviceClock {
  private offset: number | undefined;
  private lastDevice: number | undefined;
  private lateSince: number | undefined;
  private lateMin = Infinity;
  private readonly maxDrift: number;
  private readonly jumpMs: number;
  private readonly confirmMs: number;

  constructor(opts: DeviceClockOptions = {}) {
    this.maxDrift = (opts.maxDriftPpm ?? 500) * 1e-6;
    this.jumpMs = opts.jumpMs ?? 250;
    this.confirmMs = opts.confirmMs ?? 1000;
  }

  /** A reading with device time `deviceMs` arrived at host time `hostMs`. */
  observe(deviceMs: number, hostMs: number): void {
    const seen = hostMs - deviceMs;
    const last = this.lastDevice;
    this.lastDevice = deviceMs;
    if (this.offset === undefined || last === undefined || deviceMs < last || seen < this.offset) {
      this.offset = seen;
      this.lateSince = undefined;
      return;
    }
    if (seen - this.offset > this.jumpMs) {
      if (this.lateSince === undefined) {
        this.lateSince = hostMs;
        this.lateMin = seen;
      } else {
        this.lateMin = Math.min(this.lateMin, seen);
      }
      if (hostMs - this.lateSince >= this.confirmMs) {
        this.offset = this.lateMin;
        this.lateSince = undefined;
      }
      return;
    }
    this.lateSince = undefined;
    this.offset += Math.min(seen - this.offset, (deviceMs - last) * this.maxDrift);
  }

  /**
   * Device time `deviceMs` happened no earlier than host time `notBeforeHostMs` (sampling
   * started after a command was written). Until arrivals say otherwise, the offset is that
   * bound; a late first arrival (a cold event loop) then cannot push timestamps late.
   */
  anchor(deviceMs: number, notBeforeHostMs: number): void {
    const bound = notBeforeHostMs - deviceMs;
    this.offset = this.offset === undefined ? bound : Math.max(this.offset, bound);
    this.lastDevice ??= deviceMs;
  }

  get synced(): boolean {
    return this.offset !== undefined;
  }

  /** Host time of device time `deviceMs`; call `observe` first. */
  toHost(deviceMs: number): number {
    if (this.offset === undefined) throw new Error('DeviceClock.toHost before any observe()');
    return deviceMs + this.offset;
  }

  reset(): void {
    this.offset = undefined;
    this.lastDevice = undefined;
  }
}
