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
import { Listeners } from '../listeners.js';
import { LabbenchError } from '../../api/errors.js';
import { createAdbClient, shell, type AdbClient } from '../../devices/adb/adb-shell.js';
import { hostNowMs } from '../clock.js';
import type { MeterState, MeterStats, PowerMeter, PowerSample } from '../meter.js';
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

export class AndroidRailsMeter implements PowerMeter {
  readonly kind = ANDROID_RAILS;
  readonly path: string;
  private readonly client: AdbClient;
  private readonly samples = new Listeners<PowerSample>();
  private readonly errors = new Listeners<LabbenchError>();
  private readonly states = new Listeners<MeterState>();
  private readonly st: MeterStats = { samples: 0, dropped: 0, dropReasons: {}, state: 'idle', reconnects: 0, silences: 0 };
  private readonly tracker: RailsTracker;
  private command: readonly string[] | undefined;
  private timer: NodeJS.Timeout | undefined;
  private failing = false;

  constructor(readonly spec: AndroidRailsSpec) {
    this.path = spec.serial;
    this.client = createAdbClient();
    this.tracker = new RailsTracker({ select: spec.only });
  }

  private setState(s: MeterState): void {
    this.st.state = s;
    this.states.emit(s);
  }

  private drop(reason: string, by = 1): void {
    this.st.dropped += by;
    this.st.dropReasons[reason] = (this.st.dropReasons[reason] ?? 0) + by;
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

  private async poll(): Promise<void> {
    const t0 = hostNowMs();
    try {
      // A loaded phone (or host) can take a few seconds over adb: only then is the meter lost.
      const r = await shell(this.client, this.spec.serial, this.command!, { timeoutMs: 5000 });
      const t = (t0 + hostNowMs()) / 2;
      this.recover();
      const dump = parsePowerStatsDump(r.stdout);
      if (!dump) {
        this.drop('no-section');
        return;
      }
      if (dump.garbled > 0) this.drop('garbled', dump.garbled);
      const { power, drop } = this.tracker.push(t, dump.rails);
      if (drop) this.drop(drop);
      if (!power) return;
      const sample: PowerSample = { t_ms: power.t_ms, watts: power.watts, rails: power.rails };
      this.st.samples++;
      this.st.lastSampleAt = sample.t_ms;
      if (this.st.state !== 'streaming') this.setState('streaming');
      this.samples.emit(sample);
    } catch (e) {
      if (!this.failing) {
        this.failing = true;
        this.st.silences++;
        this.setState('disconnected');
        this.errors.emit(e instanceof LabbenchError ? e : new LabbenchError('DEVICE_UNAVAILABLE', `${this.spec.serial}: power rails unreadable (${(e as Error).message})`));
      }
    }
  }

  private recover(): void {
    if (!this.failing) return;
    this.failing = false;
    this.st.reconnects++;
    this.tracker.forget();
  }

  async start(): Promise<void> {
    this.setState('starting');
    await this.detect();
    // The first reading is only the reference: power needs two.
    await this.poll();
    const loop = async (): Promise<void> => {
      if (this.closed) return;
      await this.poll();
      if (!this.closed) this.timer = setTimeout(() => void loop(), 1000 / this.spec.pollHz);
    };
    this.timer = setTimeout(() => void loop(), 1000 / this.spec.pollHz);
  }

  onSample(cb: (s: PowerSample) => void): () => void {
    return this.samples.add(cb);
  }
  onError(cb: (e: LabbenchError) => void): () => void {
    return this.errors.add(cb);
  }
  onState(cb: (s: MeterState) => void): () => void {
    return this.states.add(cb);
  }
  stats(): MeterStats {
    return { ...this.st, dropReasons: { ...this.st.dropReasons } };
  }
  private get closed(): boolean {
    return this.st.state === 'closed';
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.setState('closed');
  }
}
