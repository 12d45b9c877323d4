/**
 * Schema version 100: the job that measures a run (pid, host, a token per job, the process's
 * start time), so that a second writer refuses the run while its holder lives and takes it
 * over once the holder is gone. NULL when no job holds the run.
 */
import type Database from 'better-sqlite3';

export function updateToSchemaVersion0100(db: Database.Database): void {
  db.exec(`ALTER TABLE runs ADD COLUMN owner TEXT CHECK (owner IS NULL OR (json_valid(owner) AND json_type(owner) = 'object'));`);
}
