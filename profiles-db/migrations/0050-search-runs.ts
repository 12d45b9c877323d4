/**
 * Schema version 50: runs of the searches that train networks (NAS, pruning, quantization),
 * with their progress and result as JSON, so that a run can be listed, shown and resumed.
 */
import type Database from 'better-sqlite3';

export function updateToSchemaVersion0050(db: Database.Database): void {
  db.exec(`
    CREATE TABLE search_runs (
      id INTEGER PRIMARY KEY,
      kind TEXT NOT NULL CHECK (kind IN ('nas', 'prune', 'quantize')),
      status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed', 'canceled')),
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      params TEXT NOT NULL CHECK (json_valid(params) AND json_type(params) = 'object'),
      progress TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(progress) AND json_type(progress) = 'array'),
      result TEXT CHECK (result IS NULL OR (json_valid(result) AND json_type(result) = 'object')),
      error TEXT,
      checkpoint TEXT
    ) STRICT;
    CREATE INDEX search_runs_by_kind ON search_runs (kind, id);
  `);
}
