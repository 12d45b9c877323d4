/**
 * Profiling runs: one workload on one device with one set of settings, its measured units
 * (each with its raw samples) and its end-to-end measurement. Every write is one
 * transaction, so a run killed at any point holds exactly the units it finished.
 *
 * A run has two states. `incomplete` from startRun until completeRun; a failure (failRun)
 * only records the reason and keeps the run `incomplete`, because the next job with the
 * same settings should resume it rather than measure everything again. A killed process
 * needs no state change at all.
 *
 * One job at a time measures a run: openRun records the job as its owner, and a second job
 * with the same device, workload and settings is refused (RUN_IN_USE) while the owner lives;
 * an owner whose process is gone (killed) is taken over. completeRun and releaseRun let go.
 */
import type { LatencyStats, UnitPower } from '../app/api/lut.js';
import { canonicalHash, canonicalJson } from './canonical-json.js';
import type { DbContext } from './db-context.js';
import { hostname } from 'node:os';
import { touchDevice } from './devices.js';
import { LabbenchError } from '../app/api/errors.js';
import type { RunOwner } from './run-owner.js';
import { pickStats, STATS_COLUMNS, statsColumnsOf, STATS_FROM_EXCLUDED, STATS_PARAMS, type StatsRow } from './stats-columns.js';

export type RunStatus = 'incomplete' | 'complete';

export interface RunRecord {
  readonly id: number;
  readonly device_id: number;
  readonly workload: string;
  /** The run's settings (runs, warmup, threads, graph optimization, resolution...), as given. */
  readonly settings: Readonly<Record<string, unknown>>;
  readonly status: RunStatus;
  readonly started_at: string;
  /** Set by completeRun; null while incomplete. */
  readonly finished_at: string | null;
  /** The last failure recorded by failRun; null once the run completes. */
  readonly error: string | null;
  readonly end_to_end: LatencyStats | null;
  /** Per part (layer or block) name, its median ms inside the end-to-end run; null where the device gave no per-operator times. */
  readonly in_network: Readonly<Record<string, number>> | null;
  /** Power of the whole network run (kernel mode with a meter); null without one. */
  readonly end_to_end_power: UnitPower | null;
  /** The job measuring the run now (or killed while it did); null when none holds it. */
  readonly owner: RunOwner | null;
}

export interface NewRun {
  readonly deviceId: number;
  readonly workload: string;
  readonly settings: Readonly<Record<string, unknown>>;
}

/** One measured unit of a workload: a layer configuration, or a block. */
export interface RunUnitInput {
  /** LUT key (canonical configuration key). */
  readonly key: string;
  readonly op: string;
  readonly config: Readonly<Record<string, unknown>>;
  /** Names of the workload layers this unit stands for. */
  readonly layers: readonly string[];
}

export interface RunUnit {
  /** Power from a meter, when one ran with the profile. */
  readonly power?: UnitPower;
  readonly key: string;
  readonly op: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly layers: readonly string[];
  readonly stats: LatencyStats;
  readonly recorded_at: string;
}

interface RunRow {
  id: number;
  device_id: number;
  workload: string;
  settings: string;
  status: RunStatus;
  started_at: string;
  finished_at: string | null;
  error: string | null;
  owner: string | null;
}
/** A RunRow LEFT JOINed with run_end_to_end: its stats columns are null when absent. */
type RunJoinRow = RunRow & { [K in keyof StatsRow]: StatsRow[K] | null } & { in_network: string | null; e2e_power: string | null };

const RUN_SELECT = `SELECT r.id, r.device_id, r.workload, r.settings, r.status, r.started_at, r.finished_at, r.error, r.owner,
  ${statsColumnsOf('e')}, e.in_network, e.power AS e2e_power
  FROM runs r LEFT JOIN run_end_to_end e ON e.run_id = r.id`;

function toRecord(row: RunJoinRow): RunRecord {
  const { id, device_id, workload, status, started_at, finished_at, error, n, median_ms, ci_low_ms, ci_high_ms, mad_ms, min_ms, max_ms } = row;
  const end_to_end =
    n === null || median_ms === null || ci_low_ms === null || ci_high_ms === null || mad_ms === null || min_ms === null || max_ms === null
      ? null
      : { n, median_ms, ci_low_ms, ci_high_ms, mad_ms, min_ms, max_ms };
  // Canonical JSON of an object, written by startRun (the schema checks it is an object).
  const settings = JSON.parse(row.settings) as Record<string, unknown>;
  // Written by recordEndToEnd from a Record<string, number> (the schema checks it is an object).
  const in_network = row.in_network === null ? null : (JSON.parse(row.in_network) as Record<string, number>);
  // Written by recordEndToEnd from a UnitPower (the schema checks it is an object).
  const end_to_end_power = row.e2e_power === null ? null : (JSON.parse(row.e2e_power) as UnitPower);
  // Written by openRun from a RunOwner (the schema checks it is an object).
  const owner = row.owner === null ? null : (JSON.parse(row.owner) as RunOwner);
  return { id, device_id, workload, settings, status, started_at, finished_at, error, end_to_end, in_network, end_to_end_power, owner };
}

function settingsHash(settings: Readonly<Record<string, unknown>>): string {
  return canonicalHash(settings, 16);
}

export function getRun(ctx: DbContext, id: number): RunRecord | undefined {
  const row = ctx.db.prepare<[number], RunJoinRow>(`${RUN_SELECT} WHERE r.id = ?`).get(id);
  return row && toRecord(row);
}

/** Newest first; all devices when `deviceId` is omitted. */
export function listRuns(ctx: DbContext, deviceId?: number): RunRecord[] {
  const rows =
    deviceId === undefined
      ? ctx.db.prepare<[], RunJoinRow>(`${RUN_SELECT} ORDER BY r.id DESC`).all()
      : ctx.db.prepare<[number], RunJoinRow>(`${RUN_SELECT} WHERE r.device_id = ? ORDER BY r.id DESC`).all(deviceId);
  return rows.map(toRecord);
}

export function startRun(ctx: DbContext, run: NewRun): RunRecord {
  const tx = ctx.db.transaction((): number => {
    const now = ctx.now();
    const { id } = ctx.db
      .prepare<[number, string, string, string, string], { id: number }>(
        `INSERT INTO runs (device_id, workload, settings, settings_hash, started_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
      )
      .get(run.deviceId, run.workload, canonicalJson(run.settings), settingsHash(run.settings), now)!;
    touchDevice(ctx, run.deviceId);
    return id;
  });
  return getRun(ctx, tx.immediate())!;
}

/** The latest incomplete run of this workload on this device with the same (canonical) settings. */
export function findResumableRun(ctx: DbContext, deviceId: number, workload: string, settings: Readonly<Record<string, unknown>>): RunRecord | undefined {
  const row = ctx.db
    .prepare<[number, string, string], RunJoinRow>(
      `${RUN_SELECT} WHERE r.device_id = ? AND r.workload = ? AND r.settings_hash = ? AND r.status = 'incomplete' ORDER BY r.id DESC LIMIT 1`,
    )
    .get(deviceId, workload, settingsHash(settings));
  return row && toRecord(row);
}

export interface OpenedRun {
  readonly run: RunRecord;
  /** Whether an incomplete run was resumed rather than a new one started. */
  readonly resumed: boolean;
  /** The previous owner, whose process is gone, when the job took the run over from it. */
  readonly tookOverFrom?: RunOwner;
}

/**
 * In one transaction: the run to measure (the resumable one unless `fresh`, else a new one),
 * owned by `owner` from now. A resumable run held by another owner that `alive` says still
 * runs is refused with RUN_IN_USE, naming the run and that process; a dead owner's run is taken over.
 */
export function openRun(ctx: DbContext, run: NewRun, opts: { fresh: boolean; owner: RunOwner; alive: (o: RunOwner) => boolean }): OpenedRun {
  const tx = ctx.db.transaction((): { id: number; resumed: boolean; tookOverFrom?: RunOwner } => {
    const found = opts.fresh ? undefined : findResumableRun(ctx, run.deviceId, run.workload, run.settings);
    const owner = canonicalJson({ ...opts.owner, since: ctx.now() });
    if (!found) {
      const { id } = startRun(ctx, run);
      ctx.db.prepare<[string, number]>('UPDATE runs SET owner = ? WHERE id = ?').run(owner, id);
      return { id, resumed: false };
    }
    const held = found.owner;
    if (held && held.token !== opts.owner.token && opts.alive(held)) throw runInUse(ctx, found, held);
    ctx.db.prepare<[string, number]>('UPDATE runs SET owner = ? WHERE id = ?').run(owner, found.id);
    return { id: found.id, resumed: true, ...(held && held.token !== opts.owner.token ? { tookOverFrom: held } : {}) };
  });
  const r = tx.immediate();
  return { run: getRun(ctx, r.id)!, resumed: r.resumed, ...(r.tookOverFrom ? { tookOverFrom: r.tookOverFrom } : {}) };
}

function runInUse(ctx: DbContext, run: RunRecord, held: RunOwner): LabbenchError {
  const device = ctx.db.prepare<[number], { key: string }>('SELECT key FROM devices WHERE id = ?').get(run.device_id)?.key ?? `device ${run.device_id}`;
  const remote = held.host !== hostname() ? ` It runs on another host, so it cannot be checked from here: if it is gone, start a new run with --fresh.` : '';
  return new LabbenchError(
    'RUN_IN_USE',
    `run ${run.id} (${run.workload} on ${device}) is being measured by pid ${held.pid} on ${held.host} since ${held.since ?? run.started_at}; ` +
      `a second profile of it would mix two measurements. Wait for that one to finish, or stop it (kill ${held.pid}) and run this again to resume the run.${remote}`,
  );
}

/** Lets go of the run if `token`'s job holds it (a no-op otherwise). */
export function releaseRun(ctx: DbContext, runId: number, token: string): void {
  ctx.db.prepare<[number, string]>(`UPDATE runs SET owner = NULL WHERE id = ? AND json_extract(owner, '$.token') = ?`).run(runId, token);
}

/** Keys of the units recorded in the run (what a resumed job skips). */
export function completedUnits(ctx: DbContext, runId: number): Set<string> {
  const rows = ctx.db.prepare<[number], { key: string }>('SELECT key FROM run_units WHERE run_id = ?').all(runId);
  return new Set(rows.map((r) => r.key));
}

/** The device of an incomplete run; a missing or completed run is a bug of the caller. */
function openRunDevice(ctx: DbContext, runId: number, what: string): number {
  const row = ctx.db.prepare<[number], { device_id: number; status: RunStatus }>('SELECT device_id, status FROM runs WHERE id = ?').get(runId);
  if (!row) throw new Error(`${what}: no run ${runId}`);
  if (row.status !== 'incomplete') throw new Error(`${what}: run ${runId} is already complete`);
  return row.device_id;
}

/** Device conditions when a sample was taken (phones report temperature and clocks; this host a canary time). */
export interface SampleConditionsInput {
  readonly temperature_c?: number;
  readonly cpu_khz?: readonly number[];
  readonly canary_ms?: number;
}

function insertSamples(ctx: DbContext, runId: number, kind: 'unit' | 'end_to_end', unitKey: string, samplesMs: readonly number[], conditions?: readonly SampleConditionsInput[]): void {
  if (conditions && conditions.length !== samplesMs.length) throw new Error(`${conditions.length} conditions for ${samplesMs.length} samples`);
  ctx.db.prepare<[number, string, string]>('DELETE FROM samples WHERE run_id = ? AND kind = ? AND unit_key = ?').run(runId, kind, unitKey);
  const insert = ctx.db.prepare<[number, string, string, number, number, number | null, string | null, number | null]>(
    'INSERT INTO samples (run_id, unit_key, kind, seq, latency_ms, temperature_c, cpu_khz, canary_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  samplesMs.forEach((ms, seq) => {
    const c = conditions?.[seq];
    insert.run(runId, unitKey, kind, seq, ms, c?.temperature_c ?? null, c?.cpu_khz ? JSON.stringify(c.cpu_khz) : null, c?.canary_ms ?? null);
  });
}

/** The samples of one unit (or of the end-to-end run, unit_key '') that carry a canary time. */
export interface CanarySamples {
  readonly run_id: number;
  readonly kind: 'unit' | 'end_to_end';
  readonly unit_key: string;
  readonly latency_ms: number[];
  readonly canary_ms: number[];
  /** Whether the device's LUT row for this unit is this run's measurement. */
  readonly in_lut: boolean;
}

/** Over a device's runs, every unit's samples with their canary times, in measuring order. */
export function deviceCanarySamples(ctx: DbContext, deviceId: number): CanarySamples[] {
  const rows = ctx.db
    .prepare<[number], { run_id: number; kind: 'unit' | 'end_to_end'; unit_key: string; latency_ms: number; canary_ms: number; in_lut: number }>(
      `SELECT s.run_id, s.kind, s.unit_key, s.latency_ms, s.canary_ms, l.key IS NOT NULL AS in_lut
       FROM samples s JOIN runs r ON r.id = s.run_id
       LEFT JOIN lut l ON s.kind = 'unit' AND l.device_id = r.device_id AND l.key = s.unit_key AND l.run_id = s.run_id
       WHERE r.device_id = ? AND s.canary_ms IS NOT NULL ORDER BY s.run_id, s.kind, s.unit_key, s.seq`,
    )
    .all(deviceId);
  const out: CanarySamples[] = [];
  let cur: CanarySamples | undefined;
  for (const r of rows) {
    if (!cur || cur.run_id !== r.run_id || cur.kind !== r.kind || cur.unit_key !== r.unit_key) out.push((cur = { run_id: r.run_id, kind: r.kind, unit_key: r.unit_key, latency_ms: [], canary_ms: [], in_lut: r.in_lut === 1 }));
    cur.latency_ms.push(r.latency_ms);
    cur.canary_ms.push(r.canary_ms);
  }
  return out;
}

/** Conditions recorded with a unit's samples, in measuring order (nulls where none were). */
export function runSampleConditions(ctx: DbContext, runId: number, unitKey: string): { temperature_c: number | null; cpu_khz: number[] | null }[] {
  return ctx.db
    .prepare<[number, string], { temperature_c: number | null; cpu_khz: string | null }>(
      "SELECT temperature_c, cpu_khz FROM samples WHERE run_id = ? AND kind = 'unit' AND unit_key = ? ORDER BY seq",
    )
    .all(runId, unitKey)
    .map((r) => ({ temperature_c: r.temperature_c, cpu_khz: r.cpu_khz === null ? null : (JSON.parse(r.cpu_khz) as number[]) }));
}

/**
 * One transaction: the unit's raw samples, its run_units row, and the device's LUT row for
 * the key (source `measured`, this run, measured now). Recording a unit again replaces it.
 */
export function recordUnit(
  ctx: DbContext,
  runId: number,
  unit: RunUnitInput,
  samplesMs: readonly number[],
  stats: LatencyStats,
  conditions?: readonly SampleConditionsInput[],
  power?: UnitPower,
): void {
  const tx = ctx.db.transaction(() => {
    const deviceId = openRunDevice(ctx, runId, 'recordUnit');
    const now = ctx.now();
    const params = { ...pickStats(stats), run_id: runId, device_id: deviceId, key: unit.key, op: unit.op, config: canonicalJson(unit.config), now, power: power ? canonicalJson(power) : null };
    insertSamples(ctx, runId, 'unit', unit.key, samplesMs, conditions);
    ctx.db
      .prepare(
        `INSERT INTO run_units (run_id, key, op, config, layers, ${STATS_COLUMNS}, recorded_at, power)
         VALUES (@run_id, @key, @op, @config, @layers, ${STATS_PARAMS}, @now, @power)
         ON CONFLICT (run_id, key) DO UPDATE SET op = excluded.op, config = excluded.config, layers = excluded.layers,
           ${STATS_FROM_EXCLUDED}, recorded_at = excluded.recorded_at, power = excluded.power`,
      )
      .run({ ...params, layers: JSON.stringify(unit.layers) });
    ctx.db
      .prepare(
        `INSERT INTO lut (device_id, key, op, config, ${STATS_COLUMNS}, measured_at, source, run_id, import_id, power)
         VALUES (@device_id, @key, @op, @config, ${STATS_PARAMS}, @now, 'measured', @run_id, NULL, @power)
         ON CONFLICT (device_id, key) DO UPDATE SET op = excluded.op, config = excluded.config, ${STATS_FROM_EXCLUDED},
           measured_at = excluded.measured_at, source = 'measured', run_id = excluded.run_id, import_id = NULL, power = excluded.power`,
      )
      .run(params);
    touchDevice(ctx, deviceId);
  });
  tx.immediate();
}

/** One transaction: the network's end-to-end samples and stats, on the run (replaced if recorded before). */
export function recordEndToEnd(
  ctx: DbContext,
  runId: number,
  samplesMs: readonly number[],
  stats: LatencyStats,
  conditions?: readonly SampleConditionsInput[],
  inNetwork?: Readonly<Record<string, number>>,
  power?: UnitPower,
): void {
  if (inNetwork && !Object.values(inNetwork).every((v) => Number.isFinite(v) && v >= 0)) throw new Error('recordEndToEnd: in-network times must be finite and >= 0');
  const tx = ctx.db.transaction(() => {
    openRunDevice(ctx, runId, 'recordEndToEnd');
    insertSamples(ctx, runId, 'end_to_end', '', samplesMs, conditions);
    ctx.db
      .prepare(
        `INSERT INTO run_end_to_end (run_id, ${STATS_COLUMNS}, recorded_at, in_network, power) VALUES (@run_id, ${STATS_PARAMS}, @now, @in_network, @power)
         ON CONFLICT (run_id) DO UPDATE SET ${STATS_FROM_EXCLUDED}, recorded_at = excluded.recorded_at, in_network = excluded.in_network, power = excluded.power`,
      )
      .run({ ...pickStats(stats), run_id: runId, now: ctx.now(), in_network: inNetwork ? JSON.stringify(inNetwork) : null, power: power ? canonicalJson(power) : null });
  });
  tx.immediate();
}

/** Marks the run complete (it is no longer resumable) and clears a recorded failure. No-op if already complete. */
export function completeRun(ctx: DbContext, runId: number): void {
  const done = ctx.db
    .prepare<[string, number]>(`UPDATE runs SET status = 'complete', finished_at = ?, error = NULL, owner = NULL WHERE id = ? AND status = 'incomplete'`)
    .run(ctx.now(), runId);
  if (done.changes === 0 && !getRun(ctx, runId)) throw new Error(`completeRun: no run ${runId}`);
}

/** Records why the run stopped. The run stays `incomplete`, so the next job with the same settings resumes it. */
export function failRun(ctx: DbContext, runId: number, message: string): void {
  const r = ctx.db.prepare<[string, number]>(`UPDATE runs SET error = ? WHERE id = ? AND status = 'incomplete'`).run(message, runId);
  if (r.changes === 0) openRunDevice(ctx, runId, 'failRun'); // throws the precise reason
}

interface RunUnitRow extends StatsRow {
  key: string;
  op: string;
  config: string;
  layers: string;
  recorded_at: string;
  power: string | null;
}

/** The run's units in recording order, with the layers each stands for. */
export function runUnits(ctx: DbContext, runId: number): RunUnit[] {
  return ctx.db
    .prepare<[number], RunUnitRow>(`SELECT key, op, config, layers, ${STATS_COLUMNS}, recorded_at, power FROM run_units WHERE run_id = ? ORDER BY rowid`)
    .all(runId)
    .map((r) => ({
      key: r.key,
      op: r.op,
      // Both columns are JSON written by recordUnit; the schema checks object and array.
      config: JSON.parse(r.config) as Record<string, unknown>,
      layers: JSON.parse(r.layers) as string[],
      stats: pickStats(r),
      recorded_at: r.recorded_at,
      ...(r.power === null ? {} : { power: JSON.parse(r.power) as UnitPower }),
    }));
}

/** Raw samples of one unit (or, with `unitKey` null, the run's end-to-end samples), in measuring order. */
export function runSamples(ctx: DbContext, runId: number, unitKey: string | null): number[] {
  return ctx.db
    .prepare<[number, string, string], { latency_ms: number }>('SELECT latency_ms FROM samples WHERE run_id = ? AND kind = ? AND unit_key = ? ORDER BY seq')
    .all(runId, unitKey === null ? 'end_to_end' : 'unit', unitKey ?? '')
    .map((r) => r.latency_ms);
}
