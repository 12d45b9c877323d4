/**
 * Schema version 20: the device's conditions with every raw sample (hottest thermal zone,
 * CPU frequencies), so throttled samples can be told apart afterwards. Null where the
 * target does not report them (this host's CPU).
 */
import type Database from 'better-sqlite3';

export function updateToSchemaVersion0020(db: Database.Database): void {
  db.exec(`
    ALTER TABLE samples ADD COLUMN temperature_c REAL CHECK (temperature_c IS NULL OR (temperature_c > -100 AND temperature_c < 300));
    ALTER TABLE samples ADD COLUMN cpu_khz TEXT CHECK (cpu_khz IS NULL OR (json_valid(cpu_khz) AND json_type(cpu_khz) = 'array'));
  `);
}
