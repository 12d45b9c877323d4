/**
 * Devices: one row per fingerprint. The fingerprint hash is the identity; the key is the
 * name a user types and may be shared by several fingerprints (the same phone after an OS
 * update, a teammate's LUT for "pixel1"), in which case the most recently used one wins.
 * An emulated fingerprint marks the key and label here, whoever calls (a profile, an
 * import), and the DB's triggers refuse a row without the mark (migration 0090).
 */
import { EMULATED_KEY_PREFIX, markedKey, markedLabel } from '../app/api/emulation.js';
import { LabbenchError } from '../app/api/errors.js';
import type { DeviceFingerprint, DeviceRecord } from '../app/api/lut.js';
import { canonicalHash, canonicalJson } from './canonical-json.js';
import type { DbContext } from './db-context.js';

export interface NewDevice {
  readonly key: string;
  readonly label: string;
  readonly fingerprint: DeviceFingerprint;
  readonly origin: 'measured' | 'imported';
  /** When the device was first measured, for an import (the file's); default now. */
  readonly created_at?: string;
  /** For an import: the import's time (default now). */
  readonly imported_at?: string;
}

interface DeviceRow {
  id: number;
  key: string;
  label: string;
  fingerprint: string;
  fingerprint_hash: string;
  origin: 'measured' | 'imported';
  emulated: 0 | 1;
  created_at: string;
  imported_at: string | null;
}

const COLUMNS = 'id, key, label, fingerprint, fingerprint_hash, origin, emulated, created_at, imported_at';
/** The next value of the use counter, inside the statement that stores it. */
const NEXT_SEQ = '(SELECT coalesce(max(last_used_seq), 0) + 1 FROM devices)';
const HASH_PREFIX = /^[0-9a-f]{1,16}$/;

/**
 * sha256 of the canonical fingerprint JSON (sorted keys, `undefined` dropped), first 16 hex
 * digits. `emulated: false` is left out, so that a real device keeps the identity it had
 * before fingerprints said so; an emulated one hashes with its mark.
 */
export function fingerprintHash(fingerprint: DeviceFingerprint): string {
  return canonicalHash(fingerprint.emulated ? fingerprint : { ...fingerprint, emulated: undefined }, 16);
}

function toRecord(row: DeviceRow): DeviceRecord {
  // Written by upsertDevice as canonical JSON of a DeviceFingerprint; the schema checks it is an object.
  const fingerprint = JSON.parse(row.fingerprint) as DeviceFingerprint;
  return { ...row, fingerprint, emulated: row.emulated === 1 };
}

/**
 * Inserts the device, or updates the row with the same fingerprint hash. An update takes the
 * new key and label, except that an import never renames a device measured here (its key is
 * what the user's scripts type). Origin only moves from `imported` to `measured`. The key and
 * label take the fingerprint's emulated mark. `created_at` keeps the earliest measurement
 * known; `imported_at` is set by the first import.
 */
export function upsertDevice(ctx: DbContext, d: NewDevice): DeviceRecord {
  const now = ctx.now();
  const emulated = d.fingerprint.emulated === true;
  const row = ctx.db
    .prepare<[Record<string, string | null>], DeviceRow>(
      `INSERT INTO devices (key, label, fingerprint, fingerprint_hash, origin, created_at, imported_at, last_used_at, last_used_seq)
       VALUES (@key, @label, @fingerprint, @hash, @origin, @created_at, @imported_at, @now, ${NEXT_SEQ})
       ON CONFLICT (fingerprint_hash) DO UPDATE SET
         key = CASE WHEN devices.origin = 'measured' AND excluded.origin = 'imported' THEN devices.key ELSE excluded.key END,
         label = CASE WHEN devices.origin = 'measured' AND excluded.origin = 'imported' THEN devices.label ELSE excluded.label END,
         origin = CASE WHEN 'measured' IN (devices.origin, excluded.origin) THEN 'measured' ELSE 'imported' END,
         created_at = min(devices.created_at, excluded.created_at),
         imported_at = coalesce(devices.imported_at, excluded.imported_at)
       RETURNING ${COLUMNS}`,
    )
    .get({
      key: markedKey(d.key, emulated),
      label: markedLabel(d.label, emulated),
      fingerprint: canonicalJson({ ...d.fingerprint, emulated }),
      hash: fingerprintHash(d.fingerprint),
      origin: d.origin,
      created_at: d.created_at ?? now,
      imported_at: d.origin === 'imported' ? (d.imported_at ?? now) : null,
      now,
    });
  if (!row) throw new Error('upsertDevice: INSERT ... RETURNING gave no row');
  return toRecord(row);
}

/** Marks the device as the most recently used of those sharing its key. */
export function touchDevice(ctx: DbContext, deviceId: number): void {
  ctx.db.prepare<[string, number]>(`UPDATE devices SET last_used_at = ?, last_used_seq = ${NEXT_SEQ} WHERE id = ?`).run(ctx.now(), deviceId);
}

export function listDevices(ctx: DbContext): DeviceRecord[] {
  return ctx.db.prepare<[], DeviceRow>(`SELECT ${COLUMNS} FROM devices ORDER BY key, last_used_seq DESC`).all().map(toRecord);
}

export function getDevice(ctx: DbContext, id: number): DeviceRecord | undefined {
  const row = ctx.db.prepare<[number], DeviceRow>(`SELECT ${COLUMNS} FROM devices WHERE id = ?`).get(id);
  return row && toRecord(row);
}

/**
 * A device by what a user types: a key (`local`, `pixel1`, an adb serial), most recently used
 * first, or `key@hashprefix` for one fingerprint among those sharing the key.
 */
export function resolveDevice(ctx: DbContext, ref: string): DeviceRecord {
  // The key as typed first; then an emulated device's key without its prefix (the adb serial `profile --device` took).
  const byKey = ctx.db
    .prepare<[string, string, string], DeviceRow>(`SELECT ${COLUMNS} FROM devices WHERE key IN (?, ?) ORDER BY key = ? DESC, last_used_seq DESC LIMIT 1`)
    .get(ref, `${EMULATED_KEY_PREFIX}${ref}`, ref);
  if (byKey) return toRecord(byKey);
  const at = ref.lastIndexOf('@');
  const key = ref.slice(0, at);
  const prefix = ref.slice(at + 1).toLowerCase();
  if (at > 0 && HASH_PREFIX.test(prefix)) {
    const rows = ctx.db
      .prepare<[string, string, number, string], DeviceRow>(`SELECT ${COLUMNS} FROM devices WHERE key IN (?, ?) AND substr(fingerprint_hash, 1, ?) = ?`)
      .all(key, `${EMULATED_KEY_PREFIX}${key}`, prefix.length, prefix);
    const [only, ...more] = rows;
    if (only && more.length === 0) return toRecord(only);
    if (only) {
      const names = rows.map((r) => `${r.key}@${r.fingerprint_hash}`).join(', ');
      throw new LabbenchError('BAD_INPUT', `device "${ref}" is ambiguous: ${names}; give more digits of the hash`);
    }
  }
  throw new LabbenchError('DEVICE_NOT_FOUND', `no device "${ref}" in ${ctx.path}; ${knownDevices(ctx)}`);
}

function knownDevices(ctx: DbContext): string {
  const rows = ctx.db.prepare<[], { key: string; n: number }>('SELECT key, count(*) AS n FROM devices GROUP BY key ORDER BY key').all();
  if (rows.length === 0) return 'it has no devices yet (profile one, or import a LUT)';
  const shared = rows.some((r) => r.n > 1) ? ' (a key shared by several fingerprints takes @hashprefix to pick one)' : '';
  return `known devices: ${rows.map((r) => r.key).join(', ')}${shared}`;
}
