/**
 * Schema version 90: provenance that cannot lie.
 * - Every fingerprint states `emulated` (true or false), and `devices.emulated` is generated
 *   from it, so the column cannot disagree with the fingerprint. Triggers refuse a device
 *   whose key and label do not carry the mark of its fingerprint (`emulated:` key prefix,
 *   ` (emulated)` label suffix), or whose fingerprint leaves the question open.
 * - `devices.imported_at`: when a LUT of the device was first imported. `created_at` of an
 *   imported device becomes when it was first measured (its earliest LUT row), not the
 *   import time it used to get.
 * Before this version nothing read the emulated phone's mark and its build was a real
 * Pixel's: a device is taken as emulated where its build is one that phone reported and its
 * key is a TCP serial on this host (a real Pixel of that build is a USB serial), or where
 * its build names an emulator image. The rule is frozen here with the version.
 */
import type Database from 'better-sqlite3';
import { canonicalHash, canonicalJson } from '../canonical-json.js';

/** ro.build.fingerprint of labbench's emulated phone before it said it was one. */
export const LEGACY_EMULATED_BUILDS: readonly string[] = [
  'google/sailfish/sailfish:10/QP1A.191005.007.A3/5972272:user/release-keys',
  'google/walleye/walleye:11/RP1A.201005.004.A1/6934943:user/release-keys',
];
const LOOPBACK_SERIAL = /^(127\.0\.0\.1|localhost|\[::1\]):\d+$/;

/** Whether a fingerprint written before version 90 (or in a version 1 LUT file) was the emulated phone's or an emulator's. */
export function legacyEmulated(fingerprint: Readonly<Record<string, unknown>>, key: string): boolean {
  if (fingerprint.emulated === true) return true;
  const build = typeof fingerprint.build === 'string' ? fingerprint.build : '';
  if (/^(google_)?sdk($|_)/.test(build.split('/')[1] ?? '')) return true;
  return fingerprint.kind === 'android' && LEGACY_EMULATED_BUILDS.includes(build) && LOOPBACK_SERIAL.test(key);
}

const MARK = `json_extract(NEW.fingerprint, '$.emulated') IS 1`;
const UNMARKED = `
  coalesce(json_type(NEW.fingerprint, '$.emulated'), '') NOT IN ('true', 'false')
  OR (${MARK}) <> (substr(NEW.key, 1, 9) = 'emulated:')
  OR ((${MARK}) AND substr(NEW.label, -11) <> ' (emulated)')`;

export function updateToSchemaVersion0090(db: Database.Database): void {
  const rows = db.prepare<[], { id: number; key: string; label: string; fingerprint: string }>('SELECT id, key, label, fingerprint FROM devices').all();
  const update = db.prepare<[string, string, string, string, number]>('UPDATE devices SET fingerprint = ?, fingerprint_hash = ?, key = ?, label = ? WHERE id = ?');
  const hashOf = db.prepare<[number], { fingerprint_hash: string }>('SELECT fingerprint_hash FROM devices WHERE id = ?');
  for (const r of rows) {
    const fp = JSON.parse(r.fingerprint) as Record<string, unknown>;
    const emulated = legacyEmulated(fp, r.key);
    const next = { ...fp, emulated };
    // The hash leaves `emulated: false` out (real devices keep their identity); an emulated device gets a new one.
    const hash = emulated ? canonicalHash(next, 16) : hashOf.get(r.id)!.fingerprint_hash;
    const key = emulated && !r.key.startsWith('emulated:') ? `emulated:${r.key}` : r.key;
    const label = emulated && !r.label.endsWith(' (emulated)') ? `${r.label} (emulated)` : r.label;
    update.run(canonicalJson(next), hash, key, label, r.id);
  }
  db.exec(`
    ALTER TABLE devices ADD COLUMN emulated INTEGER GENERATED ALWAYS AS (json_extract(fingerprint, '$.emulated') IS 1) VIRTUAL;
    ALTER TABLE devices ADD COLUMN imported_at TEXT;
    UPDATE devices SET imported_at = created_at, created_at = coalesce((SELECT min(measured_at) FROM lut WHERE device_id = devices.id), created_at)
      WHERE origin = 'imported';
    UPDATE devices SET imported_at = (SELECT min(imported_at) FROM imports WHERE device_id = devices.id) WHERE origin = 'measured';
    CREATE TRIGGER devices_mark_insert BEFORE INSERT ON devices WHEN ${UNMARKED}
    BEGIN SELECT RAISE(ABORT, 'devices: an emulated fingerprint needs the key prefix emulated: and the label suffix (emulated), and a real one neither'); END;
    CREATE TRIGGER devices_mark_update BEFORE UPDATE ON devices WHEN ${UNMARKED}
    BEGIN SELECT RAISE(ABORT, 'devices: an emulated fingerprint needs the key prefix emulated: and the label suffix (emulated), and a real one neither'); END;
  `);
}
