import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { fingerprintHash } from './devices.js';
import { importLut, lutChecksum, parseLutFile, type LutFile } from './lut-file.js';
import { openProfilesDb } from './profiles-db.js';
import { updateToSchemaVersion0010 } from './migrations/0010-initial.js';
import { updateToSchemaVersion0020 } from './migrations/0020-sample-conditions.js';
import { updateToSchemaVersion0030 } from './migrations/0030-models.js';
import { updateToSchemaVersion0040 } from './migrations/0040-unit-power.js';
import { updateToSchemaVersion0050 } from './migrations/0050-search-runs.js';
import { updateToSchemaVersion0060 } from './migrations/0060-in-network.js';
import { updateToSchemaVersion0070 } from './migrations/0070-sample-canary.js';
import { updateToSchemaVersion0080 } from './migrations/0080-network-power.js';
import { cpuFingerprint, statsOf, tempDir, unit } from './test-fixtures/helpers.js';

const V1_EXAMPLE = readFileSync(new URL('./test-fixtures/lut-version1-example.json', import.meta.url), 'utf8');
const LEGACY_PIXEL_BUILD = 'google/sailfish/sailfish:10/QP1A.191005.007.A3/5972272:user/release-keys';

/** The version 1 example with its device replaced, sealed again. */
function v1With(device: Record<string, unknown>): string {
  const doc = JSON.parse(V1_EXAMPLE) as Record<string, unknown>;
  doc.device = device;
  doc.checksum = lutChecksum(doc as unknown as LutFile);
  return JSON.stringify(doc);
}

test('a version 1 file imports: a real device keeps its fingerprint hash, created_at is its earliest row, the old checksum is kept', () => {
  const file = parseLutFile(V1_EXAMPLE, 'v1.json');
  assert.equal(file.version, 2);
  assert.equal(file.device.emulated, false);
  assert.equal(file.device.created_at, '2025-03-01T10:00:04.000Z');
  assert.deepEqual(file.provenance.upgraded_from, { version: 1, checksum: (JSON.parse(V1_EXAMPLE) as { checksum: string }).checksum });
  const db = openProfilesDb(join(tempDir(), 'v1.db'));
  const r = importLut(db, file);
  assert.equal(r.device.fingerprint_hash, file.provenance.fingerprint_hash, 'the identity the exporting DB gave it');
  assert.deepEqual([r.device.emulated, r.device.key, r.notes.length], [false, 'local', 0]);
  assert.deepEqual(db.lutView('local').entries.map((e) => e.measured_at), ['2025-03-01T10:00:04.000Z', '2025-03-01T10:00:06.000Z']);
  db.close();
});

test('a version 1 file of the emulated phone as it was (a real Pixel build on a loopback serial) is marked on import; the same build over USB is not', () => {
  const fp = { kind: 'android', model: 'Pixel', build: LEGACY_PIXEL_BUILD, runtime: 'tflite benchmark_model' };
  const emu = parseLutFile(v1With({ key: '127.0.0.1:40123', label: 'Google Pixel', fingerprint: fp }), 'old-emu.json');
  assert.deepEqual([emu.device.emulated, emu.device.fingerprint.emulated, emu.entries.every((e) => e.emulated)], [true, true, true]);
  const real = parseLutFile(v1With({ key: 'HT7A1A000001', label: 'Google Pixel', fingerprint: fp }), 'pixel.json');
  assert.equal(real.device.emulated, false);
  const db = openProfilesDb(join(tempDir(), 'old.db'));
  const r = importLut(db, emu);
  assert.deepEqual([r.device.key, r.device.label, r.device.emulated], ['emulated:127.0.0.1:40123', 'Google Pixel (emulated)', true]);
  assert.match(r.notes[0]!, /is an emulated device \(the file marks it so\)/);
  assert.equal(db.lutView('127.0.0.1:40123').device.id, r.device.id, 'found by the serial without the prefix');
  assert.notEqual(importLut(db, real).device.id, r.device.id, 'a real Pixel is another device');
  db.close();
});

test('the fingerprint hash leaves out emulated: false only; every way into the DB marks key and label, and the DB refuses an unmarked row', () => {
  const real = cpuFingerprint();
  const { emulated: _e, ...unstated } = real;
  assert.equal(fingerprintHash(real), fingerprintHash({ ...unstated, emulated: false }));
  assert.notEqual(fingerprintHash({ ...real, emulated: true }), fingerprintHash(real));

  const path = join(tempDir(), 'marks.db');
  const db = openProfilesDb(path);
  const emu = { kind: 'android' as const, emulated: true, model: 'Pixel', build: 'google/sdk_labbench_sailfish/sailfish:10/X/1:userdebug/test-keys' };
  const d = db.upsertDevice({ key: '127.0.0.1:5', label: 'Google Pixel', fingerprint: emu, origin: 'measured' });
  assert.deepEqual([d.key, d.label, d.emulated, d.imported_at], ['emulated:127.0.0.1:5', 'Google Pixel (emulated)', true, null]);
  const again = db.upsertDevice({ key: 'emulated:127.0.0.1:5', label: 'Google Pixel (emulated)', fingerprint: emu, origin: 'measured' });
  assert.deepEqual([again.id, again.key, again.label], [d.id, d.key, d.label], 'marking is idempotent');
  const run = db.startRun({ deviceId: d.id, workload: 'w', settings: {} });
  db.recordUnit(run.id, unit(1), [1, 2, 3], statsOf([1, 2, 3]));
  assert.deepEqual(db.lutEntries(d.id).map((e) => e.emulated), [true], 'a measured row carries its device mark');
  db.close();

  const raw = new Database(path);
  const insert = raw.prepare("INSERT INTO devices (key, label, fingerprint, fingerprint_hash, origin, created_at, last_used_at, last_used_seq) VALUES (?, ?, ?, ?, 'measured', 'x', 'x', 9)");
  assert.throws(() => insert.run('127.0.0.1:6', 'Pixel (emulated)', JSON.stringify({ ...emu, model: 'P2' }), '0123456789abcdef'), /needs the key prefix emulated:/);
  assert.throws(() => insert.run('emulated:real', 'CPU', JSON.stringify(real), '0123456789abcdef'), /and a real one neither/);
  assert.throws(() => insert.run('box', 'CPU', JSON.stringify(unstated), '0123456789abcdef'), /emulated fingerprint/, 'a fingerprint must say');
  raw.close();
});

test('migration 0090 marks the emulated phone of older DBs, and gives imported devices their measurement time back', () => {
  const path = join(tempDir(), 'v80.db');
  const raw = new Database(path);
  for (const up of [updateToSchemaVersion0010, updateToSchemaVersion0020, updateToSchemaVersion0030, updateToSchemaVersion0040, updateToSchemaVersion0050, updateToSchemaVersion0060, updateToSchemaVersion0070, updateToSchemaVersion0080]) up(raw);
  raw.pragma('user_version = 80');
  const fps = {
    phone: { kind: 'android', model: 'Pixel', build: LEGACY_PIXEL_BUILD },
    usbPixel: { kind: 'android', model: 'Pixel', build: LEGACY_PIXEL_BUILD, threads: 2 },
    cpu: { kind: 'local-cpu', cpu_model: 'X' },
  };
  const hashes = Object.fromEntries(Object.entries(fps).map(([k, fp]) => [k, fingerprintHash(fp as never)]));
  const dev = raw.prepare('INSERT INTO devices (key, label, fingerprint, fingerprint_hash, origin, created_at, last_used_at, last_used_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  dev.run('127.0.0.1:40123', 'Google Pixel', JSON.stringify(fps.phone), hashes.phone, 'measured', '2024-01-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z', 1);
  dev.run('HT7A1A000001', 'Google Pixel', JSON.stringify(fps.usbPixel), hashes.usbPixel, 'measured', '2024-01-02T00:00:00.000Z', '2024-01-02T00:00:00.000Z', 2);
  dev.run('teammate', 'Their CPU', JSON.stringify(fps.cpu), hashes.cpu, 'imported', '2024-06-01T00:00:00.000Z', '2024-06-01T00:00:00.000Z', 3);
  raw.prepare("INSERT INTO imports (device_id, imported_at, checksum, exported_at, exported_by, provenance) VALUES (3, '2024-06-01T00:00:00.000Z', 'sha256:x', '2024-05-01T00:00:00.000Z', 'labbench', '{}')").run();
  raw
    .prepare("INSERT INTO lut (device_id, key, op, config, n, median_ms, ci_low_ms, ci_high_ms, mad_ms, min_ms, max_ms, measured_at, source, import_id) VALUES (3, ?, 'conv', '{}', 1, 1, 1, 1, 0, 1, 1, ?, 'imported', 1)")
    .run('k', '2024-03-01T00:00:00.000Z');
  raw.close();

  const db = openProfilesDb(path);
  const [phone, usb, theirs] = [1, 2, 3].map((id) => db.getDevice(id)!);
  assert.deepEqual([phone!.key, phone!.label, phone!.emulated, phone!.fingerprint.emulated], ['emulated:127.0.0.1:40123', 'Google Pixel (emulated)', true, true]);
  assert.notEqual(phone!.fingerprint_hash, hashes.phone, 'an emulated device is a new identity');
  assert.deepEqual([usb!.key, usb!.emulated, usb!.fingerprint_hash], ['HT7A1A000001', false, hashes.usbPixel], 'a real Pixel over USB is untouched');
  assert.deepEqual([theirs!.created_at, theirs!.imported_at, theirs!.fingerprint_hash], ['2024-03-01T00:00:00.000Z', '2024-06-01T00:00:00.000Z', hashes.cpu]);
  assert.equal(db.lutView('teammate').entries[0]!.imported_at, '2024-06-01T00:00:00.000Z');
  db.close();
});
