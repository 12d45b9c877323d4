/**
 * A Pixel's power rails as a meter: the on-device power monitor's cumulative energy per rail,
 * read over adb from the PowerStats HAL dump (decode.ts has the formats) a few times a second,
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
import { parsePowerStatsDump, RailsTracker } from './decode.js';

export const ANDROID_RAILS = 'rails';

/** The commands, newest HAL first: AIDL PowerStats (Android 11+), then HIDL 1.0 (Android 10). */
export const POWER_STATS_COMMANDS = [
  ['dumpsys', 'android.hardware.power.stats.IPowerStats/default'],
  ['lshal', 'debug', 'android.hardware.power.stats@1.0::IPowerStats/default'],
] as const;

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
  private command: readonly string[] | undefined;

  constructor(readonly spec: AndroidRailsSpec) {
    super(spec.pollHz);
    this.path = spec.serial;
    this.client = createAdbClient();
    this.tracker = new RailsTracker({ select: spec.only });
  }

  /** Finds the command whose dump has an energy meter with rails; DEVICE_UNAVAILABLE when none has. */
  private async detect(): Promise<void> {
    const tried: string[] = [];
    for (const argv of POWER_STATS_COMMANDS) {
      const r = await shell(this.client, this.spec.serial, argv, { timeoutMs: 5000 });
      const dump = parsePowerStatsDump(r.stdout);
      if (dump && dump.rails.length > 0) {
        this.command = argv;
        const chosen = dump.rails.filter((x) => this.tracker.selected(x));
        if (chosen.length === 0) throw new LabbenchError('BAD_INPUT', `${this.spec.serial}: no rail matches only=${this.spec.only.join('+')} (rails: ${dump.rails.map((x) => `${x.name}:${x.subsystem}`).join(', ')})`);
        this.st.device = `PowerStats HAL ${dump.hal}.0, ${dump.rails.length} rails`;
        return;
      }
      tried.push(`'${argv.join(' ')}' ${dump ? 'lists no rails' : 'has no energy meter section'}`);
    }
    throw new LabbenchError('DEVICE_UNAVAILABLE', `${this.spec.serial}: no ODPM power rails (${tried.join('; ')}); this phone has no on-device power monitor: use SERIAL:battery or a USB meter`);
  }

  protected async poll(): Promise<void> {
    const t0 = hostNowMs();
    try {
      // A loaded phone (or host) can take a few seconds over adb: only then is the meter lost.
      const r = await shell(this.client, this.spec.serial, this.command!, { timeoutMs: 5000 });
      const t = (t0 + hostNowMs()) / 2;
      // Energy spent during the outage is not the power of the next interval.
      if (this.recovered()) this.tracker.forget();
      const dump = parsePowerStatsDump(r.stdout);
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
