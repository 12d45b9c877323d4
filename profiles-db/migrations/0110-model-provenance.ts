/**
 * Schema version 110: where a fitted model came from. NULL for a model fitted here; for one
 * imported from a model file (`labbench model import`), the file's checksum, exporter and
 * source, with the training rows and accuracy report the file carried, so the model can be
 * audited and exported again on a bench that never saw its training runs.
 */
import type Database from 'better-sqlite3';

export function updateToSchemaVersion0110(db: Database.Database): void {
  db.exec(`ALTER TABLE models ADD COLUMN imported_from TEXT CHECK (imported_from IS NULL OR (json_valid(imported_from) AND json_type(imported_from) = 'object'));`);
}
