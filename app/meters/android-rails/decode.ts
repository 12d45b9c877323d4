/**
 * The Pixel's on-device power monitor (ODPM) as Android dumps it: cumulative energy per rail,
 * parsed from text, and successive readings turned into power per rail. Pure: no adb here.
 *
 * Formats (from the Pixel PowerStats HAL sources, hardware/google/pixel/powerstats/PowerStats.cpp
 * `dumpEnergyMeter`, and the HIDL 1.0 service's `DumpEnergyDataToFd`; androidx.benchmark's
 * PowerRail reads the same two commands):
 *
 *   AIDL HAL 2.0 (Android 11+): `dumpsys android.hardware.power.stats.IPowerStats/default [delta]`
 *     ============= PowerStats HAL 2.0 energy meter ==============
 *                                Channel    Cumulative Energy
 *                [S2M_VDD_CPUCL2]:CPU(BIG)         123456.78 mWs
 *     ========== End of PowerStats HAL 2.0 energy meter ==========
 *   each channel printed `"  %32s   %14.2f mWs"` as "[NAME]:SUBSYSTEM" and energyUWs / 1000 (a
 *   float, so large counters are rounded to float precision). With `delta` an `Elapsed time: N ms`
 *   line comes first and each row ends in `(DELTA)`; the HAL keeps one `delta` baseline for all
 *   callers, so this meter does not ask for it and differences cumulative values itself. The
 *   dump also holds state residencies and energy consumers, in sections of their own.
 *   The per-channel `timestampMs` of EnergyMeasurement is not printed: readings are stamped
 *   with the host time of the request.
 *
 *   HIDL HAL 1.0 (Android 10, Pixel 4/5): `lshal debug android.hardware.power.stats@1.0::IPowerStats/default`
 *     ============= PowerStats HAL 1.0 rail energy data ==============
 *               Subsys                 Rail    Cumulative Energy
 *                  CPU      S4M_VDD_CPUCL0          98765.43 mWs
 *     ========== End of PowerStats HAL 1.0 rail energy data ==========
 *
 *   The kernel's ODPM driver (Pixel 6+), `/sys/bus/iio/devices/iio:device*\/energy_value`, and
 *   the framework's channel list, `dumpsys powerstats`: parseIioEnergyValue and
 *   parsePowerStatsChannels below (captures in fixtures/README.md).
 */

export interface RailEnergy {
  /** Rail (channel) name, e.g. `S2M_VDD_CPUCL2`. */
  readonly name: string;
  /** What the rail feeds, e.g. `CPU(BIG)`, `GPU`, `Display`. */
  readonly subsystem: string;
  /** Cumulative energy since boot (or since the HAL's counters were last reset), uWs. */
  readonly energy_uws: number;
}

export interface RailsDump {
  readonly hal: 1 | 2;
  readonly rails: readonly RailEnergy[];
  /** Lines inside the energy section that did not parse (or repeated a rail), dropped. */
  readonly garbled: number;
}

const SECTIONS = [
  { hal: 2 as const, begin: /^=+ PowerStats HAL 2\.0 energy meter =+$/, end: /^=+ End of PowerStats HAL 2\.0 energy meter =+$/ },
  { hal: 1 as const, begin: /^=+ PowerStats HAL 1\.0 rail energy data =+$/, end: /^=+ End of PowerStats HAL 1\.0 rail energy data =+$/ },
];

const NUMBER = String.raw`(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)`;
const HAL2_ROW = new RegExp(String.raw`^\[([^\]\s]+)\]:(\S(?:.*\S)?)\s+${NUMBER}\s+mWs(?:\s+\(\s*-?[\d.e+-]+\))?$`, 'i');
const HAL1_ROW = new RegExp(String.raw`^(\S+)\s+(\S+)\s+${NUMBER}\s+mWs(?:\s+\(\s*-?[\d.e+-]+\))?$`, 'i');
const HEADER = /^(Channel|Subsys)\s/;
const ELAPSED = /^Elapsed time:\s*\d+\s*ms/;

/**
 * The energy-meter section of a PowerStats dump (HAL 2.0 or 1.0), or undefined when the text
 * has none (no such HAL, or a HAL without an energy meter). A section that begins but never
 * ends (a truncated dump) is read as far as it goes.
 */
export function parsePowerStatsDump(text: string): RailsDump | undefined {
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  for (const section of SECTIONS) {
    const start = lines.findIndex((l) => section.begin.test(l));
    if (start < 0) continue;
    const rails: RailEnergy[] = [];
    const seen = new Set<string>();
    let garbled = 0;
    for (const line of lines.slice(start + 1)) {
      if (section.end.test(line)) break;
      if (line === '' || HEADER.test(line) || ELAPSED.test(line)) continue;
      const m = (section.hal === 2 ? HAL2_ROW : HAL1_ROW).exec(line);
      const energy = m ? Number(m[3]) * 1000 : NaN;
      if (!m || !Number.isFinite(energy) || energy < 0) {
        garbled++;
        continue;
      }
      const [name, subsystem] = section.hal === 2 ? [m[1]!, m[2]!] : [m[2]!, m[1]!];
      if (seen.has(name)) {
        garbled++;
        continue;
      }
      seen.add(name);
      rails.push({ name, subsystem, energy_uws: energy });
    }
    return { hal: section.hal, rails, garbled };
  }
  return undefined;
}

const IIO_T = /^t=(\d+)$/;
const IIO_ROW = /^CH(\d+)\(T=(\d+)\)\[([^\]\s]+)\],\s*(\d+)$/;

/** One ODPM chip's `energy_value`: its `t=` line (ms since boot) and its channels. */
export interface IioEnergyBlock {
  readonly t_ms: number;
  readonly rails: readonly RailEnergy[];
}

export interface IioEnergyDump {
  /** Every rail of every block, in order; `subsystem` from `subsystems` when given, else ''. */
  readonly rails: readonly RailEnergy[];
  /** One block per `t=` line: a Pixel 6 has two ODPM chips (`iio:device0`, `iio:device1`). */
  readonly blocks: readonly IioEnergyBlock[];
  /** `CH` lines that did not parse (or repeated a rail), dropped. */
  readonly garbled: number;
}

/**
 * The ODPM's sysfs counters as `cat /sys/bus/iio/devices/iio:device*\/energy_value` prints
 * them (Pixel 6 and later): per chip a `t=<ms since boot>` line, then one
 * `CH<n>(T=<ms>)[<RAIL>], <uWs>` line per enabled channel, cumulative microwatt-seconds.
 * Other lines (a shell prompt, an error) are skipped. Undefined when no channel line is there.
 * `subsystems` (rail name to what it feeds, from `dumpsys powerstats` channels) labels the rails.
 */
export function parseIioEnergyValue(text: string, subsystems: ReadonlyMap<string, string> = new Map()): IioEnergyDump | undefined {
  const blocks: { t_ms: number; rails: RailEnergy[] }[] = [];
  const seen = new Set<string>();
  let garbled = 0;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    const t = IIO_T.exec(line);
    if (t) {
      blocks.push({ t_ms: Number(t[1]), rails: [] });
      continue;
    }
    if (!/^CH\d/.test(line)) continue;
    const m = IIO_ROW.exec(line);
    const energy = m ? Number(m[4]) : NaN;
    if (!m || !Number.isSafeInteger(energy) || seen.has(m[3]!)) {
      garbled++;
      continue;
    }
    seen.add(m[3]!);
    // A channel line before any `t=` (a cut read) still counts, stamped with its own T.
    if (blocks.length === 0) blocks.push({ t_ms: Number(m[2]), rails: [] });
    blocks.at(-1)!.rails.push({ name: m[3]!, subsystem: subsystems.get(m[3]!) ?? '', energy_uws: energy });
  }
  const rails = blocks.flatMap((b) => b.rails);
  if (rails.length === 0) return undefined;
  return { rails, blocks: blocks.filter((b) => b.rails.length > 0), garbled };
}

/** One channel of `dumpsys powerstats`: `ChannelId: 3, ChannelName: S2M_VDD_CPUCL2, ChannelSubsystem: CPU(BIG)`. */
export interface PowerStatsChannel {
  readonly id: number;
  readonly name: string;
  readonly subsystem: string;
}

const CHANNEL = /^ChannelId:\s*(\d+),\s*ChannelName:\s*([^,]+?),\s*ChannelSubsystem:\s*(.*?)\s*$/;

/**
 * The energy-meter channels the framework's `dumpsys powerstats` lists (Android 11+). It lists
 * names and subsystems only, no energy: it says which rails exist and labels the iio readings.
 */
export function parsePowerStatsChannels(text: string): PowerStatsChannel[] {
  const out = new Map<number, PowerStatsChannel>();
  for (const raw of text.split(/\r?\n/)) {
    const m = CHANNEL.exec(raw.trim());
    if (m && !out.has(Number(m[1]))) out.set(Number(m[1]), { id: Number(m[1]), name: m[2]!, subsystem: m[3]! });
  }
  return [...out.values()].sort((a, b) => a.id - b.id);
}

/** Power from one interval between two good readings. */
export interface RailsPower {
  /** Middle of the interval, host ms: the average power belongs there. */
  readonly t_ms: number;
  readonly interval_ms: number;
  /** Watts per rail name. */
  readonly rails: Readonly<Record<string, number>>;
  /** Sum over the selected rails (all of them unless a selection was given), W. */
  readonly watts: number;
}

export type RailsDrop = 'missing-rail' | 'reset' | 'implausible';

export interface RailsTrackerOptions {
  /** Rails whose name or subsystem contains one of these (case-insensitive) make up `watts`; all when empty. */
  readonly select?: readonly string[];
  /** A total above this is no reading of a phone (default 60 W). */
  readonly maxWatts?: number;
}

/**
 * Successive cumulative readings to power. The first good reading fixes the set of rails;
 * a later reading missing one of them is dropped (`missing-rail`) and the previous good one
 * stays the reference, so the next good reading covers the gap with its true interval. A
 * counter below its previous value (HAL restart, reboot) is a `reset`: nothing is emitted and
 * the new reading becomes the reference. Power outside [0, maxWatts] is `implausible`.
 * Nothing dropped is ever averaged in.
 */
export class RailsTracker {
  private ref: { t_ms: number; energy: Map<string, number> } | undefined;
  private expected: readonly RailEnergy[] | undefined;
  private readonly select: readonly string[];
  private readonly maxWatts: number;

  constructor(o: RailsTrackerOptions = {}) {
    this.select = (o.select ?? []).map((s) => s.toLowerCase()).filter(Boolean);
    this.maxWatts = o.maxWatts ?? 60;
  }

  /** The rails of the first good reading. */
  get rails(): readonly RailEnergy[] {
    return this.expected ?? [];
  }

  /** Starts over from the next reading (after the meter lost the phone: no interval spans the outage). */
  forget(): void {
    this.ref = undefined;
  }

  /** Whether a rail counts towards `watts`. */
  selected(r: Pick<RailEnergy, 'name' | 'subsystem'>): boolean {
    if (this.select.length === 0) return true;
    const n = r.name.toLowerCase();
    const s = r.subsystem.toLowerCase();
    return this.select.some((x) => n.includes(x) || s.includes(x));
  }

  push(t_ms: number, rails: readonly RailEnergy[]): { power?: RailsPower; drop?: RailsDrop } {
    const energy = new Map(rails.map((r) => [r.name, r.energy_uws]));
    if (!this.expected) {
      if (rails.length === 0) return { drop: 'missing-rail' };
      this.expected = rails;
      this.ref = { t_ms, energy };
      return {};
    }
    if (this.expected.some((r) => !energy.has(r.name))) return { drop: 'missing-rail' };
    const ref = this.ref;
    if (!ref) {
      this.ref = { t_ms, energy };
      return {};
    }
    if (this.expected.some((r) => energy.get(r.name)! < ref.energy.get(r.name)!)) {
      this.ref = { t_ms, energy };
      return { drop: 'reset' };
    }
    const dt = t_ms - ref.t_ms;
    if (!(dt > 0)) return { drop: 'implausible' };
    const perRail: Record<string, number> = {};
    let watts = 0;
    for (const r of this.expected) {
      // uWs over ms: mW; / 1000: W.
      const w = (energy.get(r.name)! - ref.energy.get(r.name)!) / dt / 1000;
      perRail[r.name] = w;
      if (this.selected(r)) watts += w;
    }
    this.ref = { t_ms, energy };
    if (!(watts <= this.maxWatts)) return { drop: 'implausible' };
    return { power: { t_ms: ref.t_ms + dt / 2, interval_ms: dt, rails: perRail, watts } };
  }
}
