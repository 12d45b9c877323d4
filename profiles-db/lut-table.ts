/**
 * The LUT: one row per (device, configuration key), measured here (from a run) or imported
 * (from a LUT file). A local measurement always wins: recordUnit overwrites any row, an
 * import overwrites only rows it imported before. The file format lives in lut-file.ts.
 */
import type { DeviceFingerprint, DeviceRecord, LutEntry, LutRecord, UnitPower } from '../app/api/lut.js';
import { canonicalJson } from './canonical-json.js';
import type { DbContext } from './db-context.js';
import { touchDevice, upsertDevice } from './devices.js';
import { pickStats, STATS_COLUMNS, statsColumnsOf, STATS_FROM_EXCLUDED, STATS_PARAMS, type StatsRow } from './stats-columns.js';

interface LutRow extends StatsRow {
  key: string;
  op: string;
  config: string;
  measured_at: string;
  power: string | null;
  emulated: 0 | 1;
  imported_at: string | null;
}

/** The device's LUT, sorted by key; each row with its device's emulated mark (read from the device, so no writer can leave it out). */
export function lutEntries(ctx: DbContext, deviceId: number): LutRecord[] {
  return ctx.db
    .prepare<[number], LutRow>(
      `SELECT l.key, l.op, l.config, ${statsColumnsOf('l')}, l.measured_at, l.power, d.emulated, i.imported_at
       FROM lut l JOIN devices d ON d.id = l.device_id LEFT JOIN imports i ON i.id = l.import_id
       WHERE l.device_id = ? ORDER BY l.key`,
    )
    .all(deviceId)
    .map((r) => ({
      key: r.key,
      op: r.op,
      // Canonical JSON of an object, written by recordUnit or an import (the schema checks it).
      config: JSON.parse(r.config) as Record<string, unknown>,
      ...pickStats(r),
      measured_at: r.measured_at,
      ...(r.power === null ? {} : { power: JSON.parse(r.power) as UnitPower }),
      emulated: r.emulated === 1,
      ...(r.imported_at === null ? {} : { imported_at: r.imported_at }),
    }));
}

/** Where a device's LUT rows come from: the runs and the imported files behind them. */
export interface LutSources {
  readonly runs: readonly { id: number; workload: string; settings: Record<string, unknown>; status: string; started_at: string; finished_at: string | null; entries: number }[];
  readonly imports: readonly { checksum: string; exported_at: string; exported_by: string; imported_at: string; provenance: Record<string, unknown>; entries: number }[];
}

export function lutSources(ctx: DbContext, deviceId: number): LutSources {
  const runs = ctx.db
    .prepare<[number], { id: number; workload: string; settings: string; status: string; started_at: string; finished_at: string | null; entries: number }>(
      `SELECT r.id, r.workload, r.settings, r.status, r.started_at, r.finished_at, count(*) AS entries
       FROM lut l JOIN runs r ON r.id = l.run_id WHERE l.device_id = ? GROUP BY r.id ORDER BY r.id`,
    )
    .all(deviceId);
  const imports = ctx.db
    .prepare<[number], { checksum: string; exported_at: string; exported_by: string; imported_at: string; provenance: string; entries: number }>(
      `SELECT i.checksum, i.exported_at, i.exported_by, i.imported_at, i.provenance, count(*) AS entries
       FROM lut l JOIN imports i ON i.id = l.import_id WHERE l.device_id = ? GROUP BY i.id ORDER BY i.id`,
    )
    .all(deviceId);
  return {
    // Both are JSON objects written by this module and runs.ts (the schema checks it).
    runs: runs.map((r) => ({ ...r, settings: JSON.parse(r.settings) as Record<string, unknown> })),
    imports: imports.map((i) => ({ ...i, provenance: JSON.parse(i.provenance) as Record<string, unknown> })),
  };
}

/** A LUT as it arrives from a file (validated by the caller). */
export interface LutImport {
  /** `created_at`: when the device was first measured, as the file says. */
  readonly device: { readonly key: string; readonly label: string; readonly fingerprint: DeviceFingerprint; readonly created_at: string };
  readonly entries: readonly LutEntry[];
  readonly checksum: string;
  readonly exported_at: string;
  readonly exported_by: string;
  readonly provenance: Readonly<Record<string, unknown>>;
}

export interface LutImportResult {
  readonly device: DeviceRecord;
  /** Keys the device had no row for. */
  readonly inserted: number;
  /** Rows imported earlier, overwritten. */
  readonly replaced: number;
  /** Rows measured here, left as they were. */
  readonly kept_local: number;
}

/**
 * One transaction: the device (by fingerprint hash, origin `imported` unless measured here),
 * an `imports` row, then each entry. Rows of other devices are never touched; on any error
 * nothing is written.
 */
export function importEntries(ctx: DbContext, imp: LutImport): LutImportResult {
  const tx = ctx.db.transaction((): LutImportResult => {
    const now = ctx.now();
    const { key, label, fingerprint, created_at } = imp.device;
    const device = upsertDevice(ctx, { key, label, fingerprint, created_at, imported_at: now, origin: 'imported' });
    touchDevice(ctx, device.id);
    const { id: importId } = ctx.db
      .prepare<[number, string, string, string, string, string], { id: number }>(
        `INSERT INTO imports (device_id, imported_at, checksum, exported_at, exported_by, provenance) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
      )
      .get(device.id, now, imp.checksum, imp.exported_at, imp.exported_by, canonicalJson(imp.provenance))!;
    const existing = ctx.db.prepare<[number, string], { source: 'measured' | 'imported' }>('SELECT source FROM lut WHERE device_id = ? AND key = ?');
    const upsert = ctx.db.prepare(
      `INSERT INTO lut (device_id, key, op, config, ${STATS_COLUMNS}, measured_at, source, run_id, import_id, power)
       VALUES (@device_id, @key, @op, @config, ${STATS_PARAMS}, @measured_at, 'imported', NULL, @import_id, @power)
       ON CONFLICT (device_id, key) DO UPDATE SET op = excluded.op, config = excluded.config, ${STATS_FROM_EXCLUDED},
         measured_at = excluded.measured_at, import_id = excluded.import_id, power = excluded.power
       WHERE lut.source = 'imported'`,
    );
    let inserted = 0;
    let replaced = 0;
    let kept_local = 0;
    for (const e of imp.entries) {
      const before = existing.get(device.id, e.key);
      if (before?.source === 'measured') {
        kept_local++;
        continue;
      }
      upsert.run({ ...pickStats(e), device_id: device.id, key: e.key, op: e.op, config: canonicalJson(e.config), measured_at: e.measured_at, import_id: importId, power: e.power ? canonicalJson(e.power) : null });
      if (before) replaced++;
      else inserted++;
    }
    return { device, inserted, replaced, kept_local };
  });
  return tx.immediate();
}
