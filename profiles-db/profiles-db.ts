/**
 * The profiles DB: devices, profiling runs with their raw samples, and per-device latency
 * LUTs, in one SQLite file (better-sqlite3, so every method is synchronous). This file opens
 * the DB and is the facade; the SQL lives in devices.ts, runs.ts and lut-table.ts, the schema
 * in migrations/, and the LUT exchange format in lut-file.ts.
 *
 * SQLite errors escape as LabbenchError('DB_FAILED') naming the file; calling a run method
 * with a run that does not exist (or is complete) is a bug and throws a plain Error.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { LabbenchError } from '../app/api/errors.js';
import type { DeviceRecord, LatencyStats, LutRecord, LutView, UnitPower } from '../app/api/lut.js';
import type { DbContext } from './db-context.js';
import { getDevice, listDevices, resolveDevice, touchDevice, upsertDevice, type NewDevice } from './devices.js';
import { importEntries, lutEntries, lutSources, type LutImport, type LutImportResult, type LutSources } from './lut-table.js';
import { migrate, schemaVersionOf } from './migrations/migrate.js';
import * as runs from './runs.js';
import * as models from './models.js';
import * as searchRuns from './search-runs.js';
import type { SearchProgressPoint, SearchStatus } from '../app/api/search.js';
import type { CanarySamples, NewRun, OpenedRun, RunRecord, RunUnit, RunUnitInput, SampleConditionsInput } from './runs.js';
import { ownerAlive, type RunOwner } from './run-owner.js';

export type { NewDevice } from './devices.js';
export type { StoredModel } from './models.js';
export type { StoredSearchRun } from './search-runs.js';
export type { LutImport, LutImportResult, LutSources } from './lut-table.js';
export type { CanarySamples, NewRun, OpenedRun, RunRecord, RunStatus, RunUnit, RunUnitInput, SampleConditionsInput } from './runs.js';
export { newRunOwner, type RunOwner } from './run-owner.js';
export { LATEST_SCHEMA_VERSION } from './migrations/migrate.js';

export interface OpenOptions {
  /** Clock for the timestamps the DB writes (default: the system clock). */
  readonly now?: () => Date;
}

const BUSY_TIMEOUT_MS = 5000;

/**
 * Opens (creating it and its folder if needed) and migrates the profiles DB at `path`.
 * Throws LabbenchError DB_FAILED for a file that is not a labbench profiles DB or cannot be
 * opened, DB_MIGRATION for a DB newer than this code or a migration that fails.
 */
export function openProfilesDb(path: string, options: OpenOptions = {}): ProfilesDb {
  const memory = path === ':memory:';
  const abs = memory ? path : resolve(path);
  let db: Database.Database | undefined;
  try {
    if (!memory) mkdirSync(dirname(abs), { recursive: true });
    db = new Database(abs);
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrate(db, abs);
  } catch (err) {
    db?.close();
    if (err instanceof LabbenchError) throw err;
    throw new LabbenchError('DB_FAILED', `${abs}: ${openFailure(err)}`, { cause: err });
  }
  const now = options.now ?? (() => new Date());
  return new ProfilesDb({ db, path: abs, now: () => now().toISOString() });
}

function openFailure(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  if (code === 'SQLITE_NOTADB') return 'not a SQLite database';
  const message = err instanceof Error ? err.message : String(err);
  return `cannot open the profiles DB (${message.split('\n')[0]})`;
}

export class ProfilesDb {
  /** Absolute path of the DB file. */
  readonly path: string;
  readonly #ctx: DbContext;

  /** Use openProfilesDb. */
  constructor(ctx: DbContext) {
    this.#ctx = ctx;
    this.path = ctx.path;
  }

  close(): void {
    this.#ctx.db.close();
  }

  /** Runs `fn` in one transaction (the writes inside become savepoints): all of it lands, or none. */
  inTransaction<T>(fn: () => T): T {
    return this.#guard('transaction', () => this.#ctx.db.transaction(fn).immediate());
  }

  /** `PRAGMA user_version`: the number of the last migration applied. */
  schemaVersion(): number {
    return this.#guard('schemaVersion', () => schemaVersionOf(this.#ctx.db));
  }

  // Devices

  /** Insert or update by fingerprint hash; see devices.ts for the key/label/origin rules. */
  upsertDevice(d: NewDevice): DeviceRecord {
    return this.#guard('upsertDevice', () => upsertDevice(this.#ctx, d));
  }

  /** Sorted by key, most recently used first within a key. */
  /** Makes the device the most recently used of those sharing its key. */
  touchDevice(deviceId: number): void {
    this.#guard('touchDevice', () => touchDevice(this.#ctx, deviceId));
  }

  listDevices(): DeviceRecord[] {
    return this.#guard('listDevices', () => listDevices(this.#ctx));
  }

  getDevice(id: number): DeviceRecord | undefined {
    return this.#guard('getDevice', () => getDevice(this.#ctx, id));
  }

  /** `key` (most recently used fingerprint) or `key@hashprefix`; DEVICE_NOT_FOUND lists the known keys. */
  resolveDevice(ref: string): DeviceRecord {
    return this.#guard('resolveDevice', () => resolveDevice(this.#ctx, ref));
  }

  // Runs

  /** A new run, `incomplete` until completeRun. */
  startRun(run: NewRun): RunRecord {
    return this.#guard('startRun', () => {
      if (!getDevice(this.#ctx, run.deviceId)) throw new LabbenchError('DEVICE_NOT_FOUND', `startRun: no device with id ${run.deviceId} in ${this.path}`);
      return runs.startRun(this.#ctx, run);
    });
  }

  /**
   * The run a job measures, held by `owner` until completeRun or releaseRun: the resumable one
   * (unless `fresh`) or a new one. RUN_IN_USE while another live job holds it; a dead one's is taken over.
   */
  openRun(run: NewRun, opts: { fresh: boolean; owner: RunOwner }): OpenedRun {
    return this.#guard('openRun', () => runs.openRun(this.#ctx, run, { ...opts, alive: ownerAlive }));
  }

  /** Lets go of a run the job with `token` holds (no-op otherwise). */
  releaseRun(runId: number, token: string): void {
    this.#guard('releaseRun', () => runs.releaseRun(this.#ctx, runId, token));
  }

  /** The latest incomplete run of the workload on the device with the same canonical settings. */
  findResumableRun(deviceId: number, workload: string, settings: Readonly<Record<string, unknown>>): RunRecord | undefined {
    return this.#guard('findResumableRun', () => runs.findResumableRun(this.#ctx, deviceId, workload, settings));
  }

  completedUnits(runId: number): Set<string> {
    return this.#guard('completedUnits', () => runs.completedUnits(this.#ctx, runId));
  }

  /** One transaction: raw samples, the run's unit row, and the device's LUT row (source `measured`). */
  recordUnit(runId: number, unit: RunUnitInput, samplesMs: readonly number[], stats: LatencyStats, conditions?: readonly SampleConditionsInput[], power?: UnitPower): void {
    this.#guard('recordUnit', () => runs.recordUnit(this.#ctx, runId, unit, samplesMs, stats, conditions, power));
  }

  /** Device conditions recorded with each sample of a unit, in measuring order. */
  sampleConditions(runId: number, unitKey: string): { temperature_c: number | null; cpu_khz: number[] | null }[] {
    return this.#guard('sampleConditions', () => runs.runSampleConditions(this.#ctx, runId, unitKey));
  }

  /** Every unit's and end-to-end run's samples that carry a canary time, over the device's runs. */
  canarySamples(deviceId: number): CanarySamples[] {
    return this.#guard('canarySamples', () => runs.deviceCanarySamples(this.#ctx, deviceId));
  }

  /** One transaction: the end-to-end samples and stats of the run, and per part its time inside the run where the device gave one. */
  recordEndToEnd(runId: number, samplesMs: readonly number[], stats: LatencyStats, conditions?: readonly SampleConditionsInput[], inNetwork?: Readonly<Record<string, number>>, power?: UnitPower): void {
    this.#guard('recordEndToEnd', () => runs.recordEndToEnd(this.#ctx, runId, samplesMs, stats, conditions, inNetwork, power));
  }

  completeRun(runId: number): void {
    this.#guard('completeRun', () => runs.completeRun(this.#ctx, runId));
  }

  /** Stores the reason; the run stays `incomplete` and resumable. */
  failRun(runId: number, message: string): void {
    this.#guard('failRun', () => runs.failRun(this.#ctx, runId, message));
  }

  getRun(id: number): RunRecord | undefined {
    return this.#guard('getRun', () => runs.getRun(this.#ctx, id));
  }

  /** Newest first. */
  listRuns(deviceId?: number): RunRecord[] {
    return this.#guard('listRuns', () => runs.listRuns(this.#ctx, deviceId));
  }

  runUnits(runId: number): RunUnit[] {
    return this.#guard('runUnits', () => runs.runUnits(this.#ctx, runId));
  }

  /** Raw samples of a unit of the run, in measuring order. */
  unitSamples(runId: number, unitKey: string): number[] {
    return this.#guard('unitSamples', () => runs.runSamples(this.#ctx, runId, unitKey));
  }

  endToEndSamples(runId: number): number[] {
    return this.#guard('endToEndSamples', () => runs.runSamples(this.#ctx, runId, null));
  }

  // LUT

  /** Sorted by key, each row with the device's emulated mark and, if imported, when. */
  lutEntries(deviceId: number): LutRecord[] {
    return this.#guard('lutEntries', () => lutEntries(this.#ctx, deviceId));
  }

  /** The device `ref` names (see resolveDevice) and its LUT; entries may be empty. */
  lutView(ref: string): LutView {
    return this.#guard('lutView', () => {
      const device = resolveDevice(this.#ctx, ref);
      return { device, entries: lutEntries(this.#ctx, device.id) };
    });
  }

  /** The runs and imported files the device's LUT rows come from (provenance for export). */
  lutSources(deviceId: number): LutSources {
    return this.#guard('lutSources', () => lutSources(this.#ctx, deviceId));
  }

  /** One transaction; used by lut-file.ts importLut, which validates the file first. */
  importLutEntries(imp: LutImport): LutImportResult {
    return this.#guard('importLut', () => importEntries(this.#ctx, imp));
  }

  #guard<T>(what: string, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof Database.SqliteError) {
        throw new LabbenchError('DB_FAILED', `${this.path}: ${what} failed: ${err.message}`, { cause: err });
      }
      throw err;
    }
  }

  /** Saves a fitted model of a device (NeuralPower, ...); `importedFrom`: the model file it came from. */
  saveModel(deviceId: number, kind: string, model: Readonly<Record<string, unknown>>, importedFrom?: Readonly<Record<string, unknown>>): models.StoredModel {
    return this.#guard('saveModel', () => models.saveModel(this.#ctx, deviceId, kind, model, importedFrom));
  }

  /** The device's newest model of that kind, if any. */
  latestModel(deviceId: number, kind: string): models.StoredModel | undefined {
    return this.#guard('latestModel', () => models.latestModel(this.#ctx, deviceId, kind));
  }

  // Search runs (NAS, pruning, quantization)

  startSearchRun(kind: string, params: Readonly<Record<string, unknown>>, checkpoint?: string): number {
    return this.#guard('startSearchRun', () => searchRuns.startSearchRun(this.#ctx, kind, params, checkpoint));
  }

  appendSearchProgress(id: number, point: SearchProgressPoint): void {
    this.#guard('appendSearchProgress', () => searchRuns.appendSearchProgress(this.#ctx, id, point));
  }

  /** Where the run's checkpoint file is, for a resume. */
  setSearchRunCheckpoint(id: number, checkpoint: string): void {
    this.#guard('setSearchRunCheckpoint', () => searchRuns.setSearchRunCheckpoint(this.#ctx, id, checkpoint));
  }

  reopenSearchRun(id: number): void {
    this.#guard('reopenSearchRun', () => searchRuns.reopenSearchRun(this.#ctx, id));
  }

  finishSearchRun(id: number, status: Exclude<SearchStatus, 'running'>, outcome: { result?: Readonly<Record<string, unknown>>; error?: string }): void {
    this.#guard('finishSearchRun', () => searchRuns.finishSearchRun(this.#ctx, id, status, outcome));
  }

  getSearchRun(id: number): searchRuns.StoredSearchRun | undefined {
    return this.#guard('getSearchRun', () => searchRuns.getSearchRun(this.#ctx, id));
  }

  /** Newest first. */
  listSearchRuns(kind?: string): searchRuns.StoredSearchRun[] {
    return this.#guard('listSearchRuns', () => searchRuns.listSearchRuns(this.#ctx, kind));
  }
}
