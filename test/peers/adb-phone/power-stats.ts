// The phone's PowerStats HAL as `dumpsys android.hardware.power.stats.IPowerStats/default`
// (AIDL HAL 2.0, Android 11+) or `lshal debug android.hardware.power.stats@1.0::IPowerStats/default`
// (HIDL 1.0) prints it, laid out with the format strings of the Pixel HAL sources
// (hardware/google/pixel/powerstats): state residencies, energy consumers and the energy meter,
// whose rails' cumulative energy comes from the physics. `delta` keeps one baseline for all
// callers, as the HAL's function-static one does. Glitches for tests: garbled rows, a rail
// left out, and a counter reset (the HAL restarting).

import type { PhonePhysics } from './thermal.js';
import type { Rng } from './rng.js';

export type PowerStatsHal = 'aidl' | 'hidl' | 'none';

export interface RailGlitches {
  /** Chance that a rail's row is garbled in one dump. */
  garble?: number;
  /** Chance that a rail's row is missing from one dump. */
  missing?: number;
}

export const AIDL_SERVICE = 'android.hardware.power.stats.IPowerStats/default';
export const HIDL_SERVICE = 'android.hardware.power.stats@1.0::IPowerStats/default';

const pad = (s: string, n: number): string => s.padStart(n);
/** What `%14.2f` of `static_cast<float>(energyUWs) / 1000.0` prints: float precision. */
const mws = (uws: number): string => (Math.fround(Math.round(uws)) / 1000).toFixed(2);

export class PowerStatsHalEmulator {
  glitches: RailGlitches = {};
  private prev: { uptimeS: number; energy: number[] } | undefined;

  constructor(
    readonly hal: PowerStatsHal,
    private readonly physics: PhonePhysics,
    private readonly rng: Rng,
    private readonly uptimeS: () => number,
  ) {}

  /** Rows of the energy meter, with the test glitches applied. */
  private rows(format: (name: string, subsystem: string, uws: number, i: number) => string): string[] {
    const out: string[] = [];
    this.physics.railEnergyUws().forEach((r, i) => {
      if (this.rng.next() < (this.glitches.missing ?? 0)) return;
      const line = format(r.name, r.subsystem, r.energy_uws, i);
      out.push(this.rng.next() < (this.glitches.garble ?? 0) ? line.slice(0, Math.max(6, Math.floor(line.length * this.rng.next()))).replace(/\d(?=\d*$)/, '#') : line);
    });
    return out;
  }

  /** `dumpsys android.hardware.power.stats.IPowerStats/default [delta]`. */
  dumpAidl(args: readonly string[]): string | null {
    if (this.hal !== 'aidl') return null;
    const delta = args.length === 1 && args[0] === 'delta';
    const now = this.uptimeS();
    const energies = this.physics.railEnergyUws().map((r) => r.energy_uws);
    const lines = [
      '',
      '============= PowerStats HAL 2.0 state residencies ==============',
      `  ${pad('Entity', 16)}   ${pad('State', 18)}   ${pad('Total time', 16)}   ${pad('Total entries', 15)}   ${pad('Last entry tstamp', 17)}`,
      `  ${pad('SoC', 16)}   ${pad('AOSD', 18)}   ${pad(String(Math.round(now * 400)), 13)} ms   ${pad(String(Math.round(now / 7)), 15)}   ${pad(String(Math.round(now * 1000) - 5000), 14)} ms`,
      '========== End of PowerStats HAL 2.0 state residencies ==========',
      '',
      '============= PowerStats HAL 2.0 energy consumers ==============',
      `${'DISPLAY'.padEnd(12)} : ${pad(mws(energies[5] ?? 0), 14)} mWs`,
      '========== End of PowerStats HAL 2.0 energy consumers ==========',
      '',
      '============= PowerStats HAL 2.0 energy meter ==============',
    ];
    if (delta) {
      const prev = this.prev;
      lines.push(`Elapsed time: ${prev ? Math.round((now - prev.uptimeS) * 1000) : 0} ms`);
      lines.push(`  ${pad('Channel', 32)}   ${pad('Cumulative Energy', 18)} (${pad('Delta   ', 14)})`);
      lines.push(...this.rows((n, s, uws, i) => `  ${pad(`[${n}]:${s}`, 32)}   ${pad(mws(uws), 14)} mWs (${pad(mws(prev ? uws - (prev.energy[i] ?? 0) : 0), 14)})`));
      this.prev = { uptimeS: now, energy: energies };
    } else {
      lines.push(`  ${pad('Channel', 32)}   ${pad('Cumulative Energy', 18)}`);
      lines.push(...this.rows((n, s, uws) => `  ${pad(`[${n}]:${s}`, 32)}   ${pad(mws(uws), 14)} mWs`));
    }
    lines.push('========== End of PowerStats HAL 2.0 energy meter ==========', '');
    return lines.join('\n');
  }

  /** `lshal debug android.hardware.power.stats@1.0::IPowerStats/default`. */
  dumpHidl(): string | null {
    if (this.hal !== 'hidl') return null;
    return [
      '',
      '============= PowerStats HAL 1.0 rail energy data ==============',
      `  ${pad('Subsys', 14)}   ${pad('Rail', 18)}   ${pad('Cumulative Energy', 18)}`,
      ...this.rows((n, s, uws) => `  ${pad(s, 14)}   ${pad(n, 18)}   ${pad(mws(uws), 14)} mWs`),
      '========== End of PowerStats HAL 1.0 rail energy data ==========',
      '',
    ].join('\n');
  }

  /** The HAL restarts: its counters start again from zero. */
  reset(): void {
    this.physics.resetRailEnergy();
    this.prev = undefined;
  }
}
