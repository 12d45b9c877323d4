/**
 * Schema version 60: per part of a network (layer or block), its median time inside the
 * end-to-end run, where the device profiles per operator. Next to the isolated unit medians
 * it shows what running in a network does to each layer (caches, in-place buffers), which
 * is what the fitted gap between a sum of layers and the whole network learns from.
 */
import type Database from 'better-sqlite3';

export function updateToSchemaVersion0060(db: Database.Database): void {
  db.exec(`ALTER TABLE run_end_to_end ADD COLUMN in_network TEXT CHECK (in_network IS NULL OR (json_valid(in_network) AND json_type(in_network) = 'object'));`);
}
