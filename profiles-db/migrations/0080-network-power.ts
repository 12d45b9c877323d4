/**
 * Schema version 80: power of a whole network run, from a meter, beside its end-to-end
 * latency (kernel mode meters the network as deployed, not each layer alone); NULL where
 * no meter ran.
 */
import type Database from 'better-sqlite3';

export function updateToSchemaVersion0080(db: Database.Database): void {
  db.exec(`ALTER TABLE run_end_to_end ADD COLUMN power TEXT CHECK (power IS NULL OR (json_valid(power) AND json_type(power) = 'object'));`);
}
