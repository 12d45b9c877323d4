/**
 * Schema version 10: devices, profiling runs with their units and raw samples, LUT imports,
 * and the LUT itself. Frozen once released: a change is a new file (0020-..., or 0011-... for
 * a fix-up), never an edit here. The helpers below belong to this version for the same reason.
 */
import type Database from 'better-sqlite3';

/** `PRAGMA application_id` of a labbench profiles DB: "LBDB" as a big-endian int32. */
export const LABBENCH_APPLICATION_ID = 0x4c424442;

const MAX_REAL = '1.7976931348623157e308';

/** A finite, non-negative REAL (a NaN binds as NULL and fails NOT NULL; an infinity fails the bound). */
function ms(column: string): string {
  return `${column} REAL NOT NULL CHECK (${column} >= 0 AND ${column} <= ${MAX_REAL})`;
}

/** LatencyStats as columns. */
const STATS = `
  n INTEGER NOT NULL CHECK (n >= 1),
  ${ms('median_ms')},
  ${ms('ci_low_ms')},
  ${ms('ci_high_ms')},
  ${ms('mad_ms')},
  ${ms('min_ms')},
  ${ms('max_ms')}`;

/** Table constraints of the STATS columns: the order relations that any median summary satisfies. */
const STATS_CHECKS = `
  CHECK (ci_low_ms <= median_ms AND median_ms <= ci_high_ms),
  CHECK (min_ms <= median_ms AND median_ms <= max_ms)`;

const jsonObject = (column: string): string => `${column} TEXT NOT NULL CHECK (json_valid(${column}) AND json_type(${column}) = 'object')`;

export function updateToSchemaVersion0010(db: Database.Database): void {
  db.exec(`
    CREATE TABLE devices (
      id INTEGER PRIMARY KEY,
      key TEXT NOT NULL CHECK (key <> ''),
      label TEXT NOT NULL,
      ${jsonObject('fingerprint')},
      fingerprint_hash TEXT NOT NULL UNIQUE CHECK (length(fingerprint_hash) = 16),
      origin TEXT NOT NULL CHECK (origin IN ('measured', 'imported')),
      created_at TEXT NOT NULL,
      -- Last run started, unit recorded or LUT imported: picks among devices sharing a key.
      last_used_at TEXT NOT NULL,
      -- The same order as a counter, immune to equal or skewed timestamps.
      last_used_seq INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX devices_by_key ON devices (key, last_used_seq);

    CREATE TABLE runs (
      id INTEGER PRIMARY KEY,
      device_id INTEGER NOT NULL REFERENCES devices (id),
      workload TEXT NOT NULL CHECK (workload <> ''),
      ${jsonObject('settings')},
      settings_hash TEXT NOT NULL,
      -- A run is 'incomplete' until completeRun: a killed process leaves it resumable.
      status TEXT NOT NULL DEFAULT 'incomplete' CHECK (status IN ('incomplete', 'complete')),
      started_at TEXT NOT NULL,
      finished_at TEXT,
      -- The last failure (failRun); cleared when the run completes.
      error TEXT,
      CHECK ((status = 'complete') = (finished_at IS NOT NULL))
    ) STRICT;
    CREATE INDEX runs_resumable ON runs (device_id, workload, settings_hash, status);

    CREATE TABLE run_units (
      run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
      key TEXT NOT NULL CHECK (key <> ''),
      op TEXT NOT NULL,
      ${jsonObject('config')},
      -- Workload layer names measured by this unit (identical layers share one unit).
      layers TEXT NOT NULL CHECK (json_valid(layers) AND json_type(layers) = 'array'),
      ${STATS},
      recorded_at TEXT NOT NULL,
      PRIMARY KEY (run_id, key),
      ${STATS_CHECKS}
    ) STRICT;

    CREATE TABLE run_end_to_end (
      run_id INTEGER PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
      ${STATS},
      recorded_at TEXT NOT NULL,
      ${STATS_CHECKS}
    ) STRICT;

    CREATE TABLE samples (
      run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
      -- '' for the end-to-end samples of the run.
      unit_key TEXT NOT NULL,
      kind TEXT NOT NULL CHECK (kind IN ('unit', 'end_to_end')),
      seq INTEGER NOT NULL CHECK (seq >= 0),
      ${ms('latency_ms')},
      PRIMARY KEY (run_id, kind, unit_key, seq),
      CHECK ((kind = 'end_to_end') = (unit_key = ''))
    ) STRICT, WITHOUT ROWID;

    CREATE TABLE imports (
      id INTEGER PRIMARY KEY,
      device_id INTEGER NOT NULL REFERENCES devices (id),
      imported_at TEXT NOT NULL,
      checksum TEXT NOT NULL,
      exported_at TEXT NOT NULL,
      exported_by TEXT NOT NULL,
      ${jsonObject('provenance')}
    ) STRICT;

    CREATE TABLE lut (
      device_id INTEGER NOT NULL REFERENCES devices (id),
      key TEXT NOT NULL CHECK (key <> ''),
      op TEXT NOT NULL,
      ${jsonObject('config')},
      ${STATS},
      measured_at TEXT NOT NULL,
      source TEXT NOT NULL CHECK (source IN ('measured', 'imported')),
      run_id INTEGER REFERENCES runs (id),
      import_id INTEGER REFERENCES imports (id),
      PRIMARY KEY (device_id, key),
      ${STATS_CHECKS},
      CHECK (
        (source = 'measured' AND run_id IS NOT NULL AND import_id IS NULL) OR
        (source = 'imported' AND import_id IS NOT NULL AND run_id IS NULL)
      )
    ) STRICT;
    CREATE INDEX lut_by_run ON lut (run_id) WHERE run_id IS NOT NULL;
    CREATE INDEX lut_by_import ON lut (import_id) WHERE import_id IS NOT NULL;
  `);
  db.pragma(`application_id = ${LABBENCH_APPLICATION_ID}`);
}
