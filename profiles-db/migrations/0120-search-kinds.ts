/**
 * Schema version 120: a search run's kind is any registered search method's
 * (app/search-methods.ts), not the three that existed at version 50, so a new method is one
 * folder and one line with no migration of its own. SQLite cannot drop a CHECK in place: the
 * table is rebuilt and every row copied, ids kept (no other table references it).
 */
import type Database from 'better-sqlite3';

export function updateToSchemaVersion0120(db: Database.Database): void {
  db.exec(`
    CREATE TABLE search_runs_0120 (
      id INTEGER PRIMARY KEY,
      kind TEXT NOT NULL CHECK (length(kind) BETWEEN 1 AND 100),
      status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed', 'canceled')),
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      params TEXT NOT NULL CHECK (json_valid(params) AND json_type(params) = 'object'),
      progress TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(progress) AND json_type(progress) = 'array'),
      result TEXT CHECK (result IS NULL OR (json_valid(result) AND json_type(result) = 'object')),
      error TEXT,
      checkpoint TEXT
    ) STRICT;
    INSERT INTO search_runs_0120 (id, kind, status, created_at, updated_at, params, progress, result, error, checkpoint)
      SELECT id, kind, status, created_at, updated_at, params, progress, result, error, checkpoint FROM search_runs;
    DROP TABLE search_runs;
    ALTER TABLE search_runs_0120 RENAME TO search_runs;
    CREATE INDEX search_runs_by_kind ON search_runs (kind, id);
  `);
}
