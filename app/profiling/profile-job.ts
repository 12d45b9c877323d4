/**
 * A profiling job: plan the workload's units, measure on a target each unit that the run
 * has not kept yet, record each in its own transaction, then measure the network end to
 * end. A run is `incomplete` until its last write, so a job killed at any point leaves every
 * finished unit in the DB and the next job with the same settings resumes where it stopped.
 *
 * Two disciplines for devices that change under load (phones): a canary layer measured at
 * the start and every few units, whose drift flags the units measured since the last good
 * canary for re-measurement; and a pause, not a failure, when the device goes away.
 */
import { LabbenchError } from '../api/errors.js';
import type { LatencyStats, UnitPower } from '../api/lut.js';
import { PowerSession } from './power-session.js';
import type { ProfileProgress, ProfileRequest, ProfileResult, ProfiledLayer } from '../api/profile.js';
import type { ProfilesDb } from '../../profiles-db/profiles-db.js';
import type { Network } from '../workloads/ir.js';
import { planWorkload } from '../workloads/plan.js';
import type { ProfileUnit } from '../workloads/units.js';
import { canaryUnit } from '../../native-runners/canary.js';
import { median, summarize } from '../util/stats.js';
import { ownerOf } from '../../native-runners/onnxruntime/node-owner.js';
import { claimRun } from './run-claim.js';
import type { Measured, ProfilingTarget, TargetHooks } from '../../native-runners/target.js';
import { millijoules, ms, seconds, watts } from '../api/units.js';

export interface ProfileJobHooks {
  readonly onProgress?: (p: ProfileProgress) => void;
  readonly onWarning?: (message: string) => void;
  readonly signal?: AbortSignal;
}

export interface JobSettings {
  /** Meter spec (`PORT:TYPE[,opts]`): record power per unit alongside latency. */
  readonly meter?: string | undefined;
  readonly resolution: number | null;
  readonly batch: number;
  /** Measure the canary every this many units (0: no canary). */
  readonly canaryEvery: number;
  /** Relative drift of the canary's median that flags units for re-measurement. */
  readonly canaryDrift: number;
}

/** How many times a unit is measured again when canaries keep drifting, before it is kept as is. */
const MAX_REMEASURE = 2;

/**
 * End-to-end slices as one measurement: every sample; per node, the samples-weighted mean of
 * the slices' medians; conditions only when every slice has them.
 */
export function pooled(slices: readonly Measured[]): Measured {
  if (slices.length === 1) return slices[0]!;
  const n = slices.map((m) => m.samplesMs.length);
  const total = n.reduce((a, b) => a + b, 0);
  const walls = slices.flatMap((m) => (m.wallMedianMs === undefined ? [] : [m.wallMedianMs]));
  let nodesMs: Record<string, number> | undefined;
  if (slices.every((m) => m.nodesMs)) {
    nodesMs = {};
    for (const node of Object.keys(slices[0]!.nodesMs!)) {
      if (!slices.every((m) => m.nodesMs![node] !== undefined)) continue;
      nodesMs[node] = slices.reduce((a, m, i) => a + m.nodesMs![node]! * n[i]!, 0) / total;
    }
  }
  const conditions = slices.every((m) => m.conditions) ? slices.flatMap((m) => m.conditions!) : undefined;
  return {
    samplesMs: slices.flatMap((m) => m.samplesMs),
    deviceMs: slices.reduce((a, m) => a + m.deviceMs, 0),
    ...(conditions ? { conditions } : {}),
    ...(walls.length === slices.length ? { wallMedianMs: median(walls) } : {}),
    ...(nodesMs ? { nodesMs } : {}),
  };
}

/**
 * Each part's time inside the network: the sum of its nodes' medians (a node named after the
 * part, or `part/...`). Undefined unless every part has a node, so that a sum over parts is
 * whole; nodes of no part (the NAS space's stem and head batch norms and activations) are left out.
 */
export function partsInNetwork(parts: readonly { readonly name: string }[], nodesMs: Readonly<Record<string, number>>): Record<string, number> | undefined {
  const names = new Set(parts.map((p) => p.name));
  const sums = new Map<string, number>();
  for (const [node, ms] of Object.entries(nodesMs)) {
    const owner = ownerOf(node, names);
    if (owner !== undefined) sums.set(owner, (sums.get(owner) ?? 0) + ms);
  }
  const out: Record<string, number> = {};
  for (const p of parts) {
    const ms = sums.get(p.name);
    if (ms === undefined) return undefined;
    out[p.name] = ms;
  }
  return out;
}

/**
 * Layers inside a part (a block measured as one unit, such as an MBConv of the NAS space):
 * each one's time in the network, from the nodes named after it or `layer/...`. No isolated
 * row exists for them, so these in-place times are the only measurement of those layers
 * (kept with the run for a look at where a block's time goes; NeuralPower trains on isolated
 * rows only, fit-device.ts says why). Parts themselves are left out.
 */
export function innerLayersInNetwork(layers: readonly string[], parts: readonly { readonly name: string }[], nodesMs: Readonly<Record<string, number>>): Record<string, number> {
  const names = new Set(layers);
  const partNames = new Set(parts.map((p) => p.name));
  const out: Record<string, number> = {};
  for (const [node, ms] of Object.entries(nodesMs)) {
    const owner = ownerOf(node, names);
    if (owner !== undefined && !partNames.has(owner)) out[owner] = (out[owner] ?? 0) + ms;
  }
  return out;
}

export async function runProfileJob(db: ProfilesDb, target: ProfilingTarget, req: ProfileRequest, job: JobSettings, hooks: ProfileJobHooks = {}): Promise<ProfileResult> {
  const started = performance.now();
  const warnings: string[] = [];
  const th: TargetHooks = {
    ...(hooks.signal ? { signal: hooks.signal } : {}),
    onWarning: (m) => {
      if (!warnings.includes(m)) warnings.push(m);
      hooks.onWarning?.(m);
    },
  };
  // Runs, warm-up and the like are the target's (its defaults differ); validated at the service's door.
  const settings = { ...target.settings, resolution: job.resolution, batch: job.batch, canary_every: job.canaryEvery, canary_drift: job.canaryDrift };
  const plan = planWorkload(req.workload, { resolution: job.resolution ?? undefined, batch: job.batch });
  const device = db.upsertDevice({ key: target.deviceKey, label: target.label, fingerprint: await target.fingerprint(), origin: 'measured' });
  const claim = await claimRun(db, target, { deviceId: device.id, workload: plan.workload, settings }, req.fresh === true, th.onWarning);
  const run = claim.run;
  const kept = db.completedUnits(run.id);
  const todo = plan.units.filter((u) => !kept.has(u.key));
  const total = plan.units.length + (plan.endToEnd ? 1 : 0);
  let done = plan.units.length - todo.length;
  let deviceMs = 0;
  let measuredUnits = 0;
  const remeasured: string[] = [];
  const unitStart = performance.now();
  let power: PowerSession | undefined;
  const eta = (): number | undefined => {
    if (measuredUnits === 0) return undefined;
    const per = (performance.now() - unitStart) / 1000 / measuredUnits;
    // The end-to-end pass costs about as much as a few units.
    return per * Math.max(0, todo.length - measuredUnits) + per * Math.min(todo.length || 1, 5);
  };
  const progress = (p: Omit<ProfileProgress, 'done' | 'total'>): void => {
    const e = eta();
    hooks.onProgress?.({ done, total, ...(e === undefined ? {} : { eta_s: e }), ...p });
  };

  /** Runs `fn`; when the device goes away, pauses until it is back and runs it again. */
  const withDevice = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    for (;;) {
      try {
        return await fn();
      } catch (e) {
        if (!(e instanceof LabbenchError && e.code === 'DEVICE_UNAVAILABLE' && target.waitForDevice)) throw e;
        progress({ phase: 'paused', current: `${what}: ${e.message}; waiting for the device` });
        await target.waitForDevice(th);
      }
    }
  };
  const measureUnit = async (unit: ProfileUnit): Promise<Measured> =>
    withDevice(unit.layers[0] ?? unit.key, async () => {
      await target.beforeUnit?.(th);
      return target.measureUnit(unit, th);
    });

  return claim.measure(async () => {
    const canary = job.canaryEvery > 0 ? canaryUnit(job.batch) : undefined;
    await withDevice('prepare', async () => target.prepare?.(canary ? [canary, ...todo] : todo, plan.endToEnd, th));
    if (job.meter) {
      if (!target.runLoop) throw new LabbenchError('BAD_INPUT', `${target.deviceKey}: this device cannot loop a unit for a meter`);
      power = await PowerSession.open({ meter: job.meter });
      progress({ phase: 'units', current: `idle baseline on ${job.meter}` });
      await power.measureIdleBefore();
    }
    let canaryBaseline: number | undefined;
    if (canary) {
      progress({ phase: 'canary', current: 'canary baseline' });
      canaryBaseline = summarize((await measureUnit(canary)).samplesMs).median_ms;
    }
    const queue = [...todo];
    const attempts = new Map<string, number>();
    let sinceCheck: ProfileUnit[] = [];
    const whole = plan.endToEnd;
    const slices = Math.max(1, Math.floor(target.endToEndSlices ?? 1));
    const sliced: Measured[] = [];
    const measureSlice = async (network: Network): Promise<void> => {
      progress({ phase: 'end_to_end', current: `${plan.workload} end to end${slices > 1 ? ` (${sliced.length + 1} of ${slices})` : ''}` });
      sliced.push(
        await withDevice('end to end', async () => {
          await target.beforeUnit?.(th);
          return target.measureNetwork(network, th);
        }),
      );
    };
    while (queue.length) {
      // Slices 1..K-1 at even steps through the units (the first before any); the last after them all.
      while (whole && slices > 1 && sliced.length < slices - 1 && measuredUnits >= Math.floor((todo.length * sliced.length) / (slices - 1))) await measureSlice(whole);
      const unit = queue.shift()!;
      progress({ phase: 'units', current: unit.layers[0] ?? unit.key });
      const m = await measureUnit(unit);
      const stats = summarize(m.samplesMs);
      let unitPower: UnitPower | undefined;
      const session = power;
      const loop = target.runLoop?.bind(target);
      if (session && loop) {
        const window = await withDevice(unit.key, () => loop(unit, session.loopSeconds(), th));
        unitPower = session.unitPower(window, stats.median_ms);
        if ('missing' in unitPower) th.onWarning?.(`${unit.layers[0] ?? unit.key}: no power (${unitPower.missing})`);
      }
      db.recordUnit(run.id, { key: unit.key, op: unit.op, config: unit.config, layers: [...unit.layers] }, [...m.samplesMs], stats, m.conditions, unitPower);
      deviceMs += m.deviceMs;
      if (!attempts.has(unit.key)) {
        measuredUnits++;
        done++;
      }
      sinceCheck.push(unit);
      if (canary && canaryBaseline !== undefined && (sinceCheck.length >= job.canaryEvery || queue.length === 0)) {
        progress({ phase: 'canary', current: 'canary check' });
        const now = summarize((await measureUnit(canary)).samplesMs).median_ms;
        const drift = Math.abs(now - canaryBaseline) / canaryBaseline;
        if (drift > job.canaryDrift) {
          const again = sinceCheck.filter((u) => (attempts.get(u.key) ?? 0) < MAX_REMEASURE);
          th.onWarning?.(`canary drifted ${(drift * 100).toFixed(1)}% (${canaryBaseline.toFixed(3)} -> ${now.toFixed(3)} ms): measuring ${again.length} unit(s) again`);
          for (const u of again) {
            attempts.set(u.key, (attempts.get(u.key) ?? 0) + 1);
            if (!remeasured.includes(u.key)) remeasured.push(u.key);
          }
          queue.unshift(...again);
        }
        sinceCheck = [];
      }
    }
    let e2eStats: LatencyStats | undefined;
    let e2eWall: number | undefined;
    let inNetwork: Record<string, number> | undefined;
    if (whole) {
      while (sliced.length < slices) await measureSlice(whole);
      const e2e = pooled(sliced);
      deviceMs += e2e.deviceMs;
      e2eStats = summarize(e2e.samplesMs);
      e2eWall = e2e.wallMedianMs;
      const byPart = e2e.nodesMs && partsInNetwork(plan.parts, e2e.nodesMs);
      inNetwork = byPart && { ...byPart, ...innerLayersInNetwork(whole.layers.map((l) => l.name), plan.parts, e2e.nodesMs!) };
      db.recordEndToEnd(run.id, [...e2e.samplesMs], e2eStats, e2e.conditions, inNetwork);
    }
    await power?.measureIdleAfter();
    db.completeRun(run.id);
    done = total;
    progress({ phase: 'done' });

    const byKey = new Map(db.runUnits(run.id).map((u) => [u.key, u]));
    const layers: ProfiledLayer[] = plan.parts.map((p) => {
      const u = byKey.get(p.key);
      if (!u) throw new Error(`unit ${p.key} missing from run ${run.id}`);
      const s = u.stats;
      const pw = u.power && !('missing' in u.power) ? { power_w: u.power.power_w, energy_mj: u.power.energy_mj } : u.power ? { power_missing: u.power.missing } : {};
      const inNet = inNetwork?.[p.name];
      return { name: p.name, op: p.op, key: p.key, median_ms: s.median_ms, ci_ms: [s.ci_low_ms, s.ci_high_ms], n: s.n, ...(inNet !== undefined ? { in_network_ms: ms(inNet) } : {}), ...pw };
    });
    const sum = layers.reduce((a, l) => a + l.median_ms, 0);
    // NeuralPower's network level: E = sum P_n T_n, P_avg = E / T, over layers that have power.
    const energy = layers.every((l) => l.energy_mj !== undefined) && layers.length ? layers.reduce((a, l) => a + l.energy_mj!, 0) : undefined;
    return {
      device: target.deviceKey,
      device_fingerprint: device.fingerprint_hash,
      workload: plan.workload,
      run_id: run.id,
      resumed_units: plan.units.length - todo.length,
      measured_units: measuredUnits,
      remeasured_units: remeasured,
      warnings,
      settings,
      layers,
      ...(e2eStats
        ? {
            end_to_end: { median_ms: e2eStats.median_ms, ci_ms: [e2eStats.ci_low_ms, e2eStats.ci_high_ms] as const, n: e2eStats.n, wall_median_ms: e2eWall !== undefined ? ms(e2eWall) : e2eStats.median_ms },
            sum_gap_pct: ((sum - e2eStats.median_ms) / e2eStats.median_ms) * 100,
          }
        : {}),
      sum_of_layers_ms: ms(sum),
      ...(energy !== undefined ? { energy_mj: millijoules(energy), power_w: watts(energy / sum) } : {}),
      ...(power ? { meter: power.summary() } : {}),
      wall_s: seconds((performance.now() - started) / 1000),
      device_s: seconds(deviceMs / 1000),
    };
  }, () => power?.close());
}
