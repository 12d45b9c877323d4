/**
 * A profiling job in kernel mode (the default): the network is run whole, as deployed, and
 * the runtime's own per-operator profile gives every kernel's time in place. Each distinct
 * kernel becomes a LUT row (its samples are its time in each profiled run; kernels with the
 * same key in one network are averaged run by run), and the network's deployed end-to-end
 * time is recorded with the run. One artifact, one session: the cost of a sample is a
 * network's worth of runs, not a session per layer.
 *
 * A run is written in one go after measuring, so an interrupted job leaves an incomplete
 * run without units; the same command measures it again.
 */
import { LabbenchError } from '../api/errors.js';
import type { ProfileProgress, ProfileRequest, ProfileResult, ProfiledLayer } from '../api/profile.js';
import type { ProfilesDb } from '../../profiles-db/profiles-db.js';
import type { Network } from '../workloads/ir.js';
import { kernelName, type Kernel } from '../workloads/kernels.js';
import { summarize } from '../util/stats.js';
import { PowerSession } from './power-session.js';
import type { LatencyStats, UnitPower } from '../api/lut.js';
import { NETWORK_ARTIFACT, type KernelMeasured, type ProfilingTarget, type SampleConditions, type TargetHooks } from '../../native-runners/target.js';
import type { ProfileJobHooks } from './profile-job.js';
import { claimRun } from './run-claim.js';
import { ms, seconds } from '../api/units.js';

/** The run unit of a kernel: op `kernel/<kind>`, so per-layer models never take it for a layer. */
export const KERNEL_OP_PREFIX = 'kernel/';

export interface KernelJobSettings {
  /** The run's workload name (the file name for an ONNX model). */
  readonly workload: string;
  /** Where an ONNX model was read from, kept so that reports can plan it again. */
  readonly source?: string;
  readonly resolution: number | null;
  readonly batch: number;
  /** A meter (`PORT:TYPE[,options]`): the network is looped as deployed and its power recorded. */
  readonly meter?: string | undefined;
}

/** Fewest profiled runs for choosing quiet ones; with fewer, every run counts. */
const MIN_RUNS_FOR_QUIET = 8;
/** The share of profiled runs a kernel's summary is taken over, and the fewest runs. */
const QUIET_SHARE = 0.25;
const MIN_QUIET = 5;

/**
 * The profiled runs a kernel's time is summarized over: those whose kernel total is in the
 * lowest quarter. A run another process interrupted is slow in every kernel it spans, and on
 * a shared host that is often half of them; see docs/decisions/0001.
 */
export function quietRuns(samplesMs: readonly (readonly number[])[]): number[] {
  const runs = Math.max(0, ...samplesMs.map((s) => s.length));
  const all = Array.from({ length: runs }, (_, i) => i);
  if (runs < MIN_RUNS_FOR_QUIET) return all;
  const totals = all.map((r) => samplesMs.reduce((a, s) => a + (s[r] ?? 0), 0));
  const cut = [...totals].sort((a, b) => a - b)[Math.max(MIN_QUIET, Math.ceil(QUIET_SHARE * runs)) - 1]!;
  return all.filter((r) => totals[r]! <= cut);
}

/**
 * One LUT row per distinct kernel: samples run by run (the mean over its instances in that
 * run), one label per instance (its first layer), and the summary over the quiet runs.
 */
export function kernelRows(m: KernelMeasured): { kernel: Kernel; layers: string[]; samplesMs: number[]; summary: LatencyStats }[] {
  const byKey = new Map<string, { kernel: Kernel; layers: string[]; runs: number[][] }>();
  m.kernels.forEach((k, i) => {
    const samples = m.samplesMs[i]!;
    if (samples.length === 0) return;
    const row = byKey.get(k.key) ?? byKey.set(k.key, { kernel: k, layers: [], runs: samples.map(() => []) }).get(k.key)!;
    row.layers.push(kernelName(k));
    samples.forEach((s, run) => row.runs[run]?.push(s));
  });
  const quiet = quietRuns(m.samplesMs);
  return [...byKey.values()].map((r) => {
    const samplesMs = r.runs.map((xs) => xs.reduce((a, b) => a + b, 0) / xs.length);
    const kept = quiet.filter((i) => i < samplesMs.length).map((i) => samplesMs[i]!);
    return { kernel: r.kernel, layers: r.layers, samplesMs, summary: summarize(kept.length ? kept : samplesMs) };
  });
}

export async function runKernelJob(db: ProfilesDb, target: ProfilingTarget, req: ProfileRequest, network: Network, job: KernelJobSettings, hooks: ProfileJobHooks = {}): Promise<ProfileResult> {
  const measureKernels = target.measureKernels?.bind(target);
  if (!measureKernels) throw new LabbenchError('BAD_INPUT', `${target.deviceKey}: this device cannot profile kernels; use --per-layer`);
  const started = performance.now();
  const warnings: string[] = [];
  const progress = (p: Omit<ProfileProgress, 'total'> & { total?: number }): void => hooks.onProgress?.({ total: 1, ...p });
  const th: TargetHooks = {
    ...(hooks.signal ? { signal: hooks.signal } : {}),
    onWarning: (m) => {
      if (!warnings.includes(m)) warnings.push(m);
      hooks.onWarning?.(m);
    },
    // Steps: the artifact on the device (1), each run measured, the rows recorded (1).
    onRuns: (done, planned) => progress({ phase: 'units', done: 1 + done, total: planned + 2, current: `${req.workload}: ${done} runs` }),
  };
  const settings = { ...target.settings, mode: 'kernels', resolution: job.resolution, batch: job.batch, ...(job.source ? { source: job.source } : {}) };
  const device = db.upsertDevice({ key: target.deviceKey, label: target.label, fingerprint: await target.fingerprint(), origin: 'measured' });
  const workload = job.workload;
  let power: PowerSession | undefined;
  const claim = await claimRun(db, target, { deviceId: device.id, workload, settings }, req.fresh === true, th.onWarning);
  const run = claim.run;
  return claim.measure(async () => {
    progress({ phase: 'units', done: 0, current: `${workload} (kernels, whole network)` });
    await target.prepare?.([], network, th);
    progress({ phase: 'units', done: 1, total: 3, current: `${workload}: measuring` });
    if (job.meter) {
      if (!target.runLoop) throw new LabbenchError('BAD_INPUT', `${target.deviceKey}: this device cannot loop a network for a meter`);
      power = await PowerSession.open({ meter: job.meter });
      progress({ phase: 'units', done: 0, current: `idle baseline on ${job.meter}` });
      await power.measureIdleBefore();
    }
    let m: KernelMeasured | undefined;
    while (!m) {
      try {
        await target.beforeUnit?.(th);
        m = await measureKernels(network, th);
      } catch (e) {
        if (!(e instanceof LabbenchError && e.code === 'DEVICE_UNAVAILABLE' && target.waitForDevice)) throw e;
        progress({ phase: 'paused', done: 0, current: `${workload}: ${e.message}; waiting for the device` });
        await target.waitForDevice(th);
      }
    }
    const rows = kernelRows(m);
    const e2e = summarize(m.endToEnd.samplesMs);
    let netPower: UnitPower | undefined;
    if (power && target.runLoop) {
      // The whole network as deployed, looped for the meter: its power above idle, and energy per inference.
      const unit = { key: NETWORK_ARTIFACT, op: 'network', config: {}, network, layers: [] };
      netPower = power.unitPower(await target.runLoop(unit, power.loopSeconds(), th), e2e.median_ms);
      if ('missing' in netPower) th.onWarning?.(`${workload}: no power (${netPower.missing})`);
      await power.measureIdleAfter();
    }
    const conditionsOf = (samples: readonly number[]): SampleConditions[] | undefined => (m.conditions && m.conditions.length === samples.length ? [...m.conditions] : undefined);
    // The network's kernels, its end to end and the run's completion land together, or not at all.
    db.inTransaction(() => {
      for (const r of rows) {
        db.recordUnit(run.id, { key: r.kernel.key, op: `${KERNEL_OP_PREFIX}${r.kernel.kind}`, config: r.kernel.config, layers: r.layers }, r.samplesMs, r.summary, conditionsOf(r.samplesMs));
      }
      db.recordEndToEnd(run.id, [...m.endToEnd.samplesMs], e2e, m.endToEnd.conditions, undefined, netPower);
      db.completeRun(run.id);
    });
    progress({ phase: 'done', done: 1, total: 1 });
    const layers: ProfiledLayer[] = rows.map((r) => {
      const s = r.summary;
      return { name: r.layers[0]!, op: r.kernel.kind, key: r.kernel.key, median_ms: s.median_ms, ci_ms: [s.ci_low_ms, s.ci_high_ms], n: s.n };
    });
    // Every kernel instance the network ran, repeated kernels each counted.
    const sum = rows.reduce((a, r) => a + r.summary.median_ms * r.layers.length, 0);
    return {
      device: target.deviceKey,
      device_fingerprint: device.fingerprint_hash,
      workload,
      run_id: run.id,
      resumed_units: 0,
      measured_units: rows.length,
      remeasured_units: [],
      warnings,
      settings,
      layers,
      end_to_end: { median_ms: e2e.median_ms, ci_ms: [e2e.ci_low_ms, e2e.ci_high_ms] as const, n: e2e.n, wall_median_ms: m.endToEnd.wallMedianMs !== undefined ? ms(m.endToEnd.wallMedianMs) : e2e.median_ms },
      sum_of_layers_ms: ms(sum),
      sum_gap_pct: ((sum - e2e.median_ms) / e2e.median_ms) * 100,
      ...(netPower && !('missing' in netPower) ? { energy_mj: netPower.energy_mj, power_w: netPower.power_w } : {}),
      ...(power ? { meter: power.summary() } : {}),
      wall_s: seconds((performance.now() - started) / 1000),
      device_s: seconds(m.deviceMs / 1000),
    };
  }, () => power?.close());
}
