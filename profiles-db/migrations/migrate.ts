/**
 * Brings a profiles DB to the schema this code knows. The version is `PRAGMA user_version`;
 * each migration runs in its own IMMEDIATE transaction that also bumps the version, so a
 * crash leaves the DB at the last finished version, and two processes opening a fresh file
 * at once cannot both migrate it (the second sees the new version inside its transaction).
 */
import type Database from 'better-sqlite3';
import { LabbenchError } from '../../app/api/errors.js';
import { LABBENCH_APPLICATION_ID, updateToSchemaVersion0010 } from './0010-initial.js';
import { updateToSchemaVersion0020 } from './0020-sample-conditions.js';
import { updateToSchemaVersion0030 } from './0030-models.js';
import { updateToSchemaVersion0040 } from './0040-unit-power.js';
import { updateToSchemaVersion0050 } from './0050-search-runs.js';
import { updateToSchemaVersion0060 } from './0060-in-network.js';
import { updateToSchemaVersion0070 } from './0070-sample-canary.js';
import { updateToSchemaVersion0080 } from './0080-network-power.js';
import { updateToSchemaVersion0090 } from './0090-provenance.js';
import { updateToSchemaVersion0100 } from './0100-run-owner.js';
import { updateToSchemaVersion0110 } from './0110-model-provenance.js';
import { updateToSchemaVersion0120 } from './0120-search-kinds.js';

interface Migration {
  readonly version: number;
  readonly name: string;
  readonly up: (db: Database.Database) => void;
}

/** In version order; add a line per migration file. */
const MIGRATIONS: readonly Migration[] = [
  { version: 10, name: '0010-initial', up: updateToSchemaVersion0010 },
  { version: 20, name: '0020-sample-conditions', up: updateToSchemaVersion0020 },
  { version: 30, name: '0030-models', up: updateToSchemaVersion0030 },
  { version: 40, name: '0040-unit-power', up: updateToSchemaVersion0040 },
  { version: 50, name: '0050-search-runs', up: updateToSchemaVersion0050 },
  { version: 60, name: '0060-in-network', up: updateToSchemaVersion0060 },
  { version: 70, name: '0070-sample-canary', up: updateToSchemaVersion0070 },
  { version: 80, name: '0080-network-power', up: updateToSchemaVersion0080 },
  { version: 90, name: '0090-provenance', up: updateToSchemaVersion0090 },
  { version: 100, name: '0100-run-owner', up: updateToSchemaVersion0100 },
  { version: 110, name: '0110-model-provenance', up: updateToSchemaVersion0110 },
  { version: 120, name: '0120-search-kinds', up: updateToSchemaVersion0120 },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;

export function schemaVersionOf(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Refuses a SQLite file that some other program owns, before writing to it. */
function assertOwnFile(db: Database.Database, path: string): void {
  const appId = db.pragma('application_id', { simple: true }) as number;
  if (appId === LABBENCH_APPLICATION_ID) return;
  const foreign = appId !== 0 || schemaVersionOf(db) !== 0 || db.prepare<[], { n: number }>('SELECT count(*) AS n FROM sqlite_schema').get()!.n > 0;
  if (foreign) throw new LabbenchError('DB_FAILED', `${path}: a SQLite file of another program, not a labbench profiles DB`);
}

export function migrate(db: Database.Database, path: string): void {
  const found = schemaVersionOf(db);
  if (found > LATEST_SCHEMA_VERSION) {
    throw new LabbenchError(
      'DB_MIGRATION',
      `${path}: schema version ${found} is newer than this labbench knows (${LATEST_SCHEMA_VERSION}); upgrade labbench or use another --db`,
    );
  }
  if (found === LATEST_SCHEMA_VERSION) return;
  assertOwnFile(db, path);
  for (const m of MIGRATIONS) {
    const step = db.transaction(() => {
      if (schemaVersionOf(db) >= m.version) return; // another process got there first
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    });
    try {
      step.immediate();
    } catch (err) {
      if (err instanceof LabbenchError) throw err;
      const why = err instanceof Error ? err.message : String(err);
      throw new LabbenchError('DB_MIGRATION', `${path}: migration ${m.name} failed: ${why}`, { cause: err });
    }
  }
}
