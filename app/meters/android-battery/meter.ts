/**
 * A phone as its own power meter: the fuel gauge's `current_now` (uA) and `voltage_now`
 * (uV) in /sys/class/power_supply/battery, polled over adb. Coarse (a few readings a
 * second, the gauge's own averaging) but needs no hardware. Sign conventions vary by vendor
 * (Qualcomm reports discharge as positive, others negative), so the magnitude is used; while
 * the phone charges over USB the gauge sees net battery current, not the phone's draw, and
 * the reading says nothing useful: profile on battery, or with a USB meter.
 * Spec: `SERIAL:battery[,poll=HZ]`, e.g. `HT7A1...:battery` or `127.0.0.1:5555:battery`.
 */
import { LabbenchError } from '../../api/errors.js';
import { createAdbClient, shell, type AdbClient } from '../../devices/adb/adb-shell.js';
import { hostNowMs } from '../clock.js';
import { PolledMeter } from '../meter-base.js';

const SYSFS = '/sys/class/power_supply/battery';
export const ANDROID_BATTERY = 'battery';

export function parseAndroidBatterySpec(spec: string): { serial: string; pollHz: number } {
  const m = /^(.+):battery(?:,poll=([0-9.]+))?$/i.exec(spec.trim());
  const hz = m?.[2] === undefined ? 4 : Number(m[2]);
  if (!m || !(hz > 0 && hz <= 50)) throw new LabbenchError('BAD_INPUT', `bad --meter '${spec}' (expected SERIAL:battery[,poll=HZ], HZ up to 50)`);
  return { serial: m[1]!, pollHz: hz };
}

export class AndroidBatteryMeter extends PolledMeter {
  readonly kind = ANDROID_BATTERY;
  readonly path: string;
  private readonly client: AdbClient;

  constructor(
    readonly serial: string,
    pollHz: number,
  ) {
    super(pollHz);
    this.path = serial;
    this.client = createAdbClient();
  }

  protected async poll(): Promise<void> {
    const t0 = hostNowMs();
    try {
      const r = await shell(this.client, this.serial, ['cat', `${SYSFS}/current_now`, `${SYSFS}/voltage_now`], { timeoutMs: 2000 });
      this.recovered();
      const [i, v] = r.stdout.trim().split(/\s+/).map(Number);
      if (r.exitCode !== 0 || i === undefined || v === undefined || !Number.isFinite(i) || !Number.isFinite(v) || v <= 0) {
        this.drop('unreadable');
        return;
      }
      const amps = Math.abs(i) / 1e6;
      const volts = v / 1e6;
      this.emitSample({ t_ms: (t0 + hostNowMs()) / 2, volts, amps, watts: amps * volts });
    } catch (e) {
      this.lost(e instanceof LabbenchError ? e : new LabbenchError('DEVICE_UNAVAILABLE', `${this.serial}: battery gauge unreadable (${(e as Error).message})`));
    }
  }

  async start(): Promise<void> {
    this.setState('starting');
    await this.poll();
    if (this.st.samples === 0) throw new LabbenchError('DEVICE_UNAVAILABLE', `${this.serial}: cannot read ${SYSFS}/current_now and voltage_now`);
    this.startPolling();
  }
}
