/**
 * A Pixel's power rails as a meter: the on-device power monitor's cumulative energy per rail,
 * read over adb from the PowerStats HAL dump, or else from the ODPM driver's iio sysfs files
 * (decode.ts has the formats), a few times a second,
 * differenced into watts per rail and their sum. Unlike the fuel gauge it sees the SoC's own
 * rails (CPU clusters, GPU, DDR, display...), not the battery, so it reads the same on USB
 * power as on battery. Bad dumps are dropped and counted (garbled rows, a missing rail, a
 * counter reset), never averaged in.
 * Spec: `SERIAL:rails[,poll=HZ][,only=NAME+NAME]`, e.g. `HT7A1...:rails` or
 * `127.0.0.1:5555:rails,only=cpu+gpu` (rails whose name or subsystem contains one of the words).
 */
import { LabbenchError } from '../../api/errors.js';
import { createAdbClient, shell, type AdbClient } from '../../devices/adb/adb-shell.js';
import { hostNowMs } from '../clock.js';
import { PolledMeter } from '../meter-base.js';
import { parseIioEnergyValue, parsePowerStatsChannels, parsePowerStatsDump, RailsTracker, type RailEnergy } from './decode.js';

export const ANDROID_RAILS = 'rails';

/** The commands, newest HAL first: AIDL PowerStats (Android 11+), then HIDL 1.0 (Android 10). */
export const POWER_STATS_COMMANDS = [
  ['dumpsys', 'android.hardware.power.stats.IPowerStats/default'],
  ['lshal', 'debug', 'android.hardware.power.stats@1.0::IPowerStats/default'],
] as const;

/** Last resort: the ODPM driver's counters (Pixel 6+), all chips at once (a shell glob, so raw). */
export const IIO_ENERGY_COMMAND = 'cat /sys/bus/iio/devices/iio:device*/energy_value';

interface Reading {
  readonly rails: readonly RailEnergy[];
  readonly garbled: number;
  readonly what: string;
}

interface Reader {
  readonly argv: readonly string[];
  readonly raw?: string;
  /** What the reader needs read first, once, when detection gets to it. */
  before?(): Promise<void>;
  parse(text: string): Reading | undefined;
}

export interface AndroidRailsSpec {
  readonly serial: string;
  readonly pollHz: number;
  /** Words selecting the rails summed into `watts`; empty: every rail. */
  readonly only: readonly string[];
}

export function parseAndroidRailsSpec(spec: string): AndroidRailsSpec {
  const bad = (why: string): LabbenchError => new LabbenchError('BAD_INPUT', `bad --meter '${spec}': ${why} (expected SERIAL:rails[,poll=HZ][,only=WORD+WORD])`);
  const m = /^(.+):rails((?:,[^,]*)*)$/i.exec(spec.trim());
  if (!m || m[1]!.trim() === '') throw bad('no SERIAL');
  let pollHz = 4;
  let only: string[] = [];
  for (const opt of m[2]!.split(',').slice(1)) {
    const [key = '', value = ''] = opt.split('=', 2).map((x) => x.trim());
    if (key === 'poll') {
      pollHz = Number(value);
      if (value === '' || !(pollHz > 0 && pollHz <= 50)) throw bad(`poll=${value} is not a rate in (0, 50] Hz`);
    } else if (key === 'only') {
      only = value.split('+').map((w) => w.trim()).filter(Boolean);
      if (only.length === 0) throw bad('only= names no rail');
    } else {
      throw bad(`rails takes poll, only, not '${key}'`);
    }
  }
  return { serial: m[1]!.trim(), pollHz, only };
}

export class AndroidRailsMeter extends PolledMeter {
  readonly kind = ANDROID_RAILS;
  readonly path: string;
  private readonly client: AdbClient;
  private readonly tracker: RailsTracker;
  private reader: Reader | undefined;

  constructor(readonly spec: AndroidRailsSpec) {
    super(spec.pollHz);
    this.path = spec.serial;
    this.client = createAdbClient();
    this.tracker = new RailsTracker({ select: spec.only });
  }

  private readers(): Reader[] {
    const hal = POWER_STATS_COMMANDS.map((argv) => ({
      argv,
      parse: (text: string): Reading | undefined => {
        const d = parsePowerStatsDump(text);
        return d && { rails: d.rails, garbled: d.garbled, what: `PowerStats HAL ${d.hal}.0` };
      },
    }));
    const subsystems = new Map<string, string>();
    const iio: Reader = {
      argv: ['cat'],
      raw: IIO_ENERGY_COMMAND,
      // The iio files name rails only; the framework's channel list says what each feeds (read only when no HAL dump had rails).
      before: async () => {
        for (const c of parsePowerStatsChannels((await shell(this.client, this.spec.serial, ['dumpsys', 'powerstats'], { timeoutMs: 5000 })).stdout)) subsystems.set(c.name, c.subsystem);
      },
      parse: (text) => {
        const d = parseIioEnergyValue(text, subsystems);
        return d && { rails: d.rails, garbled: d.garbled, what: `ODPM iio sysfs (${d.blocks.length} chips)` };
      },
    };
    return [...hal, iio];
  }

  /** Finds the reader whose output has rails; DEVICE_UNAVAILABLE when none has. */
  private async detect(): Promise<void> {
    const tried: string[] = [];
    for (const reader of this.readers()) {
      await reader.before?.();
      const r = await shell(this.client, this.spec.serial, reader.argv, { timeoutMs: 5000, ...(reader.raw ? { raw: reader.raw } : {}) });
      const dump = reader.parse(r.stdout);
      if (dump && dump.rails.length > 0) {
        this.reader = reader;
        const chosen = dump.rails.filter((x) => this.tracker.selected(x));
        if (chosen.length === 0) throw new LabbenchError('BAD_INPUT', `${this.spec.serial}: no rail matches only=${this.spec.only.join('+')} (rails: ${dump.rails.map((x) => `${x.name}:${x.subsystem}`).join(', ')})`);
        this.st.device = `${dump.what}, ${dump.rails.length} rails`;
        return;
      }
      tried.push(`'${reader.raw ?? reader.argv.join(' ')}' ${dump ? 'lists no rails' : 'has no energy meter section'}`);
    }
    throw new LabbenchError('DEVICE_UNAVAILABLE', `${this.spec.serial}: no ODPM power rails (${tried.join('; ')}); this phone has no on-device power monitor: use SERIAL:battery or a USB meter`);
  }

  protected async poll(): Promise<void> {
    const t0 = hostNowMs();
    try {
      // A loaded phone (or host) can take a few seconds over adb: only then is the meter lost.
      const reader = this.reader!;
      const r = await shell(this.client, this.spec.serial, reader.argv, { timeoutMs: 5000, ...(reader.raw ? { raw: reader.raw } : {}) });
      const t = (t0 + hostNowMs()) / 2;
      // Energy spent during the outage is not the power of the next interval.
      if (this.recovered()) this.tracker.forget();
      const dump = reader.parse(r.stdout);
      if (!dump) {
        this.drop('no-section');
        return;
      }
      if (dump.garbled > 0) this.drop('garbled', dump.garbled);
      const { power, drop } = this.tracker.push(t, dump.rails);
      if (drop) this.drop(drop);
      if (power) this.emitSample({ t_ms: power.t_ms, watts: power.watts, rails: power.rails });
    } catch (e) {
      this.lost(e instanceof LabbenchError ? e : new LabbenchError('DEVICE_UNAVAILABLE', `${this.spec.serial}: power rails unreadable (${(e as Error).message})`));
    }
  }

  async start(): Promise<void> {
    this.setState('starting');
    await this.detect();
    // The first reading is only the reference: power needs two.
    await this.poll();
    this.startPolling();
  }
}
