/**
 * Power per unit during a profiling job: a meter streams readings for the whole job; an
 * idle window before the first unit (and one after the last) gives the baseline; each unit
 * is then run in a loop long enough for the meter's rate and the wanted precision, and the
 * readings inside the loop's steady window, less idle, give its power. A meter that goes
 * silent or away while a unit loops leaves that unit's power `missing`, never zero.
 */
import { LabbenchError } from '../api/errors.js';
import type { UnitPower } from '../api/lut.js';
import type { MeterSummary } from '../api/profile.js';
import { averagePower, idleBaseline, loopLengthFor, netPower, type IdleBaseline, type PowerAverage } from '../meters/align.js';
import { hostNowMs } from '../meters/clock.js';
import { openAnyMeter, type PowerMeter, type PowerSample } from '../meters/meter.js';
import { sleep } from '../util/sleep.js';
import { millijoules, watts } from '../api/units.js';

export interface PowerSettings {
  /** Meter spec, `PORT:TYPE[,options]`. */
  readonly meter: string;
  /** Idle window before (and after) the job, seconds (default 3). */
  readonly idleSeconds?: number;
  /** Wanted relative standard error of a unit's loop power (default 0.02). */
  readonly relSem?: number;
}



export class PowerSession {
  private readonly samples: PowerSample[] = [];
  private readonly errorsAt: number[] = [];
  private before: PowerAverage | undefined;
  private after: PowerAverage | undefined;
  private missing = 0;

  private constructor(
    private readonly meter: PowerMeter,
    private readonly o: PowerSettings,
  ) {
    meter.onSample((s) => this.samples.push(s));
    meter.onError(() => this.errorsAt.push(hostNowMs()));
  }

  static async open(o: PowerSettings): Promise<PowerSession> {
    const meter = await openAnyMeter(o.meter);
    await meter.start();
    return new PowerSession(meter, o);
  }

  /** Readings per second seen so far (for the loop length). */
  private rateHz(): number {
    const n = this.samples.length;
    if (n < 2) return 1;
    const span = (this.samples[n - 1]!.t_ms - this.samples[0]!.t_ms) / 1000;
    return span > 0 ? (n - 1) / span : 1;
  }

  private async idle(): Promise<PowerAverage | undefined> {
    const from = hostNowMs();
    await sleep((this.o.idleSeconds ?? 3) * 1000);
    return averagePower(this.samples, from, hostNowMs(), { minSamples: 3 });
  }

  async measureIdleBefore(): Promise<void> {
    this.before = await this.idle();
    if (!this.before) throw new LabbenchError('DEVICE_UNAVAILABLE', `${this.o.meter}: no readings during the idle window; check the meter and its port`);
  }

  async measureIdleAfter(): Promise<void> {
    this.after = await this.idle();
  }

  private baseline(): IdleBaseline | undefined {
    return idleBaseline(this.before, undefined);
  }

  /** Seconds to loop a unit: enough readings for the wanted precision, from the meter's rate. */
  loopSeconds(): number {
    const { seconds } = loopLengthFor(this.rateHz(), this.o.relSem ?? 0.02, 0.05);
    // The first tenth of a loop is settling and not averaged: ask for that much more.
    return Math.min(20, Math.max(0.3, seconds / 0.9));
  }

  /** Power of a unit from the readings inside its loop window; `missing` with the reason otherwise. */
  unitPower(window: { fromMs: number; toMs: number }, medianMs: number): UnitPower {
    if (this.errorsAt.some((t) => t >= window.fromMs - 500 && t <= window.toMs + 500)) {
      this.missing++;
      return { missing: 'the meter went silent or away while the unit ran' };
    }
    const loop = averagePower(this.samples, window.fromMs, window.toMs, { minSamples: 3 });
    const base = this.baseline();
    const net = netPower(loop, base);
    if (!loop || !net || !base) {
      this.missing++;
      return { missing: loop ? 'no idle baseline' : `too few meter readings in the ${((window.toMs - window.fromMs) / 1000).toFixed(2)} s loop` };
    }
    return { power_w: watts(net.mean_w), power_sem_w: watts(net.sem_w), energy_mj: millijoules(net.mean_w * medianMs), samples: loop.n, idle_w: watts(base.mean_w) };
  }

  summary(): MeterSummary {
    const st = this.meter.stats();
    const both = idleBaseline(this.before, this.after);
    return {
      meter: this.o.meter,
      kind: this.meter.kind,
      samples: st.samples,
      dropped: st.dropped,
      drop_reasons: st.dropReasons,
      idle_w: this.before ? watts(this.before.mean_w) : null,
      idle_drift_w: both?.drift_w !== undefined ? watts(both.drift_w) : null,
      missing_units: this.missing,
    };
  }

  async close(): Promise<void> {
    await this.meter.close();
  }
}
