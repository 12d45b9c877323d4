/**
 * Schema version 30: fitted predictive models per device (NeuralPower and its analytic
 * baseline), kept as JSON with what they were trained on, newest first.
 */
import type Database from 'better-sqlite3';

export function updateToSchemaVersion0030(db: Database.Database): void {
  db.exec(`
    CREATE TABLE models (
      id INTEGER PRIMARY KEY,
      device_id INTEGER NOT NULL REFERENCES devices (id),
      kind TEXT NOT NULL CHECK (kind <> ''),
      created_at TEXT NOT NULL,
      model TEXT NOT NULL CHECK (json_valid(model) AND json_type(model) = 'object')
    ) STRICT;
    CREATE INDEX models_by_device ON models (device_id, kind, id);
  `);
}
