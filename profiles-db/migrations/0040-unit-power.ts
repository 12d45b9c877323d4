/**
 * Schema version 40: power per unit (from a meter), as one JSON object beside the latency
 * in the run's units and in the LUT; NULL where no meter ran.
 */
import type Database from 'better-sqlite3';

const power = "power TEXT CHECK (power IS NULL OR (json_valid(power) AND json_type(power) = 'object'))";

export function updateToSchemaVersion0040(db: Database.Database): void {
  db.exec(`
    ALTER TABLE run_units ADD COLUMN ${power};
    ALTER TABLE lut ADD COLUMN ${power};
  `);
}
