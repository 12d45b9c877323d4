/**
 * Schema version 70: with every raw sample, the canary layer's time beside it, where the
 * target times one (this host's CPU). The host's speed changes under a profile; the ratio of
 * a sample to its canary is what a fit compares across runs taken minutes apart.
 */
import type Database from 'better-sqlite3';

export function updateToSchemaVersion0070(db: Database.Database): void {
  db.exec(`ALTER TABLE samples ADD COLUMN canary_ms REAL CHECK (canary_ms IS NULL OR canary_ms > 0);`);
}
