/**
 * Power per layer, pure: the mean power of a time window, how long a layer must loop for a
 * wanted precision at a meter's rate, and the idle baseline around the loop. A window without
 * enough samples has no power (undefined), never 0 W.
 *
 * Standard errors assume independent samples. Readings closer together than the load's own
 * correlation time (PPK2 at 1 kHz against a phone's 10 ms scheduler ticks) are not, and the
 * SEM then reads optimistic; pass `loopLengthFor` the rate of roughly independent readings.
 */
import type { PowerSample } from './meter.js';

export interface PowerAverage {
  readonly mean_w: number;
  /** Standard error of the mean, W. */
  readonly sem_w: number;
  /** Sample standard deviation, W. */
  readonly sd_w: number;
  readonly n: number;
}

/**
 * Mean power of the samples with `fromMs <= t_ms <= toMs`. Undefined when fewer than
 * `minSamples` (default 2, the fewest with a standard error) fall inside.
 */
export function averagePower(
  samples: readonly PowerSample[],
  fromMs: number,
  toMs: number,
  opts: { readonly minSamples?: number } = {},
): PowerAverage | undefined {
  const min = Math.max(1, opts.minSamples ?? 2);
  let n = 0;
  let mean = 0;
  let m2 = 0;
  for (const s of samples) {
    if (s.t_ms < fromMs || s.t_ms > toMs || !Number.isFinite(s.watts)) continue;
    n++;
    const d = s.watts - mean;
    mean += d / n;
    m2 += d * (s.watts - mean);
  }
  if (n < min) return undefined;
  const sd = n > 1 ? Math.sqrt(m2 / (n - 1)) : 0;
  return { mean_w: mean, sd_w: sd, sem_w: sd / Math.sqrt(n), n };
}

/**
 * How long to loop a layer so that the mean power's relative standard error is at most
 * `wantedRelSem`, for a meter giving `rateHz` readings whose coefficient of variation under
 * that load is about `roughCv` (sd / mean; from a short pilot, or 0.05 for a steady phone
 * load). n = (cv / relSem)^2 readings, at least `minSamples` (default 5); seconds = n / rate.
 * A UM meter at 7 Hz needs 1.4 s for 2 % at cv 0.1; a PPK2 averaged to 1 kHz, 25 ms.
 */
export function loopLengthFor(
  rateHz: number,
  wantedRelSem: number,
  roughCv: number,
  opts: { readonly minSamples?: number } = {},
): { seconds: number; samples: number } {
  if (!(rateHz > 0) || !(wantedRelSem > 0) || !(roughCv >= 0)) {
    throw new RangeError(`loopLengthFor(${rateHz}, ${wantedRelSem}, ${roughCv}): rate and precision must be > 0, cv >= 0`);
  }
  const samples = Math.max(opts.minSamples ?? 5, Math.ceil((roughCv / wantedRelSem) ** 2));
  return { seconds: samples / rateHz, samples };
}

export interface IdleBaseline {
  readonly mean_w: number;
  readonly sem_w: number;
  readonly n: number;
  /** after - before, W, when both were measured: a large drift says the idle level moved. */
  readonly drift_w?: number;
}

/**
 * Idle power around a loop from the idle windows before and after it: the mean of the two
 * means (a linear drift then cancels at the loop's middle), or the one that was measured.
 * Undefined when neither was.
 */
export function idleBaseline(before: PowerAverage | undefined, after: PowerAverage | undefined): IdleBaseline | undefined {
  if (before && after) {
    return {
      mean_w: (before.mean_w + after.mean_w) / 2,
      sem_w: Math.hypot(before.sem_w, after.sem_w) / 2,
      n: before.n + after.n,
      drift_w: after.mean_w - before.mean_w,
    };
  }
  const one = before ?? after;
  return one ? { mean_w: one.mean_w, sem_w: one.sem_w, n: one.n } : undefined;
}

/** Power a layer adds over idle: loop minus baseline, errors in quadrature. */
export function netPower(loop: PowerAverage | undefined, baseline: IdleBaseline | undefined): { mean_w: number; sem_w: number } | undefined {
  if (!loop || !baseline) return undefined;
  return { mean_w: loop.mean_w - baseline.mean_w, sem_w: Math.hypot(loop.sem_w, baseline.sem_w) };
}
