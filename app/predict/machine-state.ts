/**
 * Timings of one device brought to one machine state. A host's speed changes while it is
 * profiled, so a network profiled at one minute and the sampler's layers at another can meet
 * different machines, and a model fitted on the one misses the other by as much
 * (docs/decisions/0010-canary-beside-every-run.md).
 * Where samples carry the canary's time beside them (CanaryProbe), a timing in the reference
 * state is the median over its samples of (sample / its canary), times the reference canary
 * time: the median of every unit's canary median over the device's profiles. Samples without
 * a canary (phones, imported rows, older DBs) keep their raw times.
 */
import type { LutEntry } from '../api/lut.js';
import type { MachineState } from '../api/predict.js';
import type { CanarySamples, ProfilesDb } from '../../profiles-db/profiles-db.js';
import { median } from '../util/stats.js';
import { ms } from '../api/units.js';

/** A unit's (or an end-to-end run's) samples summarized against their canary. */
interface StateRow {
  /** Median of sample / canary. */
  readonly perCanary: number;
  /** Median canary time over the samples, ms. */
  readonly canaryMs: number;
  readonly rawMedian: number;
  /** With an exponent: the median over the samples of sample x (reference / its canary)^exponent. */
  readonly stateMedian?: number;
  /** The samples' range: a median asked about outside it is not of these samples. */
  readonly rawMin: number;
  readonly rawMax: number;
}


const rowKey = (runId: number, kind: 'unit' | 'end_to_end', key: string): string => `${runId}\u0000${kind}\u0000${key}`;

/**
 * Canary readings this far from the reference (either way) say nothing about the machine: a
 * canary can be disturbed by what does not slow the sample beside it
 * (docs/decisions/0011-canary-band.md).
 */
const CANARY_BAND = 2;

/** Undefined where fewer than half the samples have a canary inside the band: that timing stays raw. */
function summarize(s: CanarySamples, ref: number, exponent: number | undefined): StateRow | undefined {
  const ratios: number[] = [];
  const canaries: number[] = [];
  const scaled: number[] = [];
  s.canary_ms.forEach((c, i) => {
    if (c < ref / CANARY_BAND || c > ref * CANARY_BAND) return;
    ratios.push(s.latency_ms[i]! / c);
    canaries.push(c);
    if (exponent !== undefined) scaled.push(s.latency_ms[i]! * (ref / c) ** exponent);
  });
  if (ratios.length * 2 < s.latency_ms.length) return undefined;
  return {
    perCanary: median(ratios),
    canaryMs: median(canaries),
    rawMedian: median(s.latency_ms),
    rawMin: Math.min(...s.latency_ms),
    rawMax: Math.max(...s.latency_ms),
    ...(exponent !== undefined ? { stateMedian: median(scaled) } : {}),
  };
}

export class StateNormalizer {
  private constructor(
    private readonly rows: ReadonlyMap<string, StateRow>,
    private readonly lutRows: ReadonlyMap<string, StateRow>,
    /** Undefined: no canary data, every timing is raw. */
    readonly referenceMs: number | undefined,
    /** Set: the median of sample x (reference / its canary)^exponent; unset: the median of sample / canary, run by run. */
    readonly exponent?: number,
  ) {}

  /** From the device's canary samples; `reference` (a fitted model's) instead of their median where given. */
  static fromDb(db: ProfilesDb, deviceId: number, reference?: number, exponent?: number): StateNormalizer {
    return StateNormalizer.fromSamples(db.canarySamples(deviceId), reference, exponent);
  }

  static fromSamples(samples: readonly CanarySamples[], reference?: number, exponent?: number): StateNormalizer {
    const timed = samples.filter((s) => s.latency_ms.length > 0);
    const ref = reference ?? (timed.length ? median(timed.map((s) => median(s.canary_ms))) : undefined);
    const rows = new Map<string, StateRow>();
    const lutRows = new Map<string, StateRow>();
    for (const s of timed) {
      const r = ref === undefined ? undefined : summarize(s, ref, exponent);
      if (!r) continue;
      rows.set(rowKey(s.run_id, s.kind, s.unit_key), r);
      if (s.in_lut) lutRows.set(s.unit_key, r);
    }
    return new StateNormalizer(rows, lutRows, ref, exponent);
  }

  /** The reference canary time, how many timings carried a canary, and how far their canary medians strayed. */
  summary(): MachineState | undefined {
    const ref = this.referenceMs;
    if (ref === undefined) return undefined;
    const c = [...this.rows.values()].map((r) => r.canaryMs / ref).sort((a, b) => a - b);
    const at = (q: number): number => c[Math.min(c.length - 1, Math.floor(q * c.length))] ?? 1;
    return { reference_canary_ms: ms(ref), timings: this.rows.size, canary_p10: at(0.1), canary_p90: at(0.9), ...(this.exponent !== undefined ? { exponent: this.exponent } : {}) };
  }

  /** A run's unit median in the reference state (its raw median where it has no canary). */
  unitMs(runId: number, key: string, rawMedian: number): number {
    return this.scaled(this.rows.get(rowKey(runId, 'unit', key)), rawMedian);
  }

  /** A run's end-to-end median in the reference state. */
  endToEndMs(runId: number, rawMedian: number): number {
    return this.scaled(this.rows.get(rowKey(runId, 'end_to_end', '')), rawMedian);
  }

  /** What multiplies the per-node times of a run's end-to-end profile (medians over the same runs): reference over their canary. */
  endToEndScale(runId: number): number {
    const r = this.rows.get(rowKey(runId, 'end_to_end', ''));
    return r && this.referenceMs !== undefined ? (this.referenceMs / r.canaryMs) ** (this.exponent ?? 1) : 1;
  }

  /** LUT rows with every time scaled to the reference state (rows measured without a canary as they are). */
  lutEntries(entries: readonly LutEntry[]): LutEntry[] {
    return entries.map((e) => {
      const r = this.lutRows.get(e.key);
      if (!r || this.referenceMs === undefined || !(e.median_ms > 0)) return e;
      const f = this.scaled(r, e.median_ms) / e.median_ms;
      return { ...e, median_ms: ms(e.median_ms * f), ci_low_ms: ms(e.ci_low_ms * f), ci_high_ms: ms(e.ci_high_ms * f), mad_ms: ms(e.mad_ms * f), min_ms: ms(e.min_ms * f), max_ms: ms(e.max_ms * f) };
    });
  }

  private scaled(r: StateRow | undefined, raw: number): number {
    if (!r || this.referenceMs === undefined) return raw;
    // With an exponent each sample is brought to the reference state by the canary beside it, and
    // the summary asked about may be over some of the samples (a kernel's quiet runs): it must lie
    // among them. Run by run, it must be their median. Otherwise the row was re-recorded since: raw.
    if (r.stateMedian !== undefined) return raw >= r.rawMin - 1e-9 && raw <= r.rawMax + 1e-9 ? r.stateMedian : raw;
    if (Math.abs(r.rawMedian - raw) > 1e-9 * Math.max(1, raw)) return raw;
    return r.perCanary * this.referenceMs;
  }

  /** The state factor of a run's unit (or of its end to end, key null): what multiplies its raw time. */
  factor(runId: number, key: string | null): number {
    const r = this.rows.get(rowKey(runId, key === null ? 'end_to_end' : 'unit', key ?? ''));
    if (!r || this.referenceMs === undefined) return 1;
    return r.stateMedian !== undefined ? r.stateMedian / r.rawMedian : (r.perCanary * this.referenceMs) / r.rawMedian;
  }
}
