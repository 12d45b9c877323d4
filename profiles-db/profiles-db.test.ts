import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { LabbenchError } from '../app/api/errors.js';
import { LATEST_SCHEMA_VERSION, openProfilesDb } from './profiles-db.js';
import { fingerprintHash } from './devices.js';
import { cpuFingerprint, SETTINGS, statsOf, tempDir, unit } from './test-fixtures/helpers.js';
import { updateToSchemaVersion0010 } from './migrations/0010-initial.js';
import { updateToSchemaVersion0020 } from './migrations/0020-sample-conditions.js';
import { updateToSchemaVersion0030 } from './migrations/0030-models.js';
import { updateToSchemaVersion0040 } from './migrations/0040-unit-power.js';
import { updateToSchemaVersion0050 } from './migrations/0050-search-runs.js';
import { updateToSchemaVersion0060 } from './migrations/0060-in-network.js';
import { updateToSchemaVersion0070 } from './migrations/0070-sample-canary.js';
import { updateToSchemaVersion0080 } from './migrations/0080-network-power.js';
import { updateToSchemaVersion0090 } from './migrations/0090-provenance.js';
import { updateToSchemaVersion0100 } from './migrations/0100-run-owner.js';
import { updateToSchemaVersion0110 } from './migrations/0110-model-provenance.js';

function isCoded(code: string, re?: RegExp) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof LabbenchError, `expected a LabbenchError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.doesNotMatch(err.message, /\n/, 'one line');
    if (re) assert.match(err.message, re);
    return true;
  };
}

test('a fresh file (in a folder that does not exist yet) is migrated to the latest version; reopening keeps it', () => {
  const path = join(tempDir(), 'nested', 'deeper', 'profiles.db');
  const db = openProfilesDb(path);
  assert.equal(db.path, path);
  assert.equal(db.schemaVersion(), LATEST_SCHEMA_VERSION);
  assert.equal(LATEST_SCHEMA_VERSION, 120);
  const d = db.upsertDevice({ key: 'local', label: 'CPU', fingerprint: cpuFingerprint(), origin: 'measured' });
  db.close();

  const raw = new Database(path, { readonly: true });
  const tables = raw.prepare<[], { name: string; strict: number }>("SELECT name, strict FROM pragma_table_list WHERE schema = 'main' AND name NOT LIKE 'sqlite_%' ORDER BY name").all();
  raw.close();
  assert.deepEqual(tables.map((t) => t.name), ['devices', 'imports', 'lut', 'models', 'run_end_to_end', 'run_units', 'runs', 'samples', 'search_runs']);
  assert.ok(tables.every((t) => t.strict === 1), 'every table is STRICT');

  const again = openProfilesDb(path);
  assert.equal(again.schemaVersion(), LATEST_SCHEMA_VERSION);
  assert.deepEqual(again.listDevices(), [d]);
  again.close();
});

test('the DB runs in WAL mode; writes about missing runs or devices are refused', () => {
  const path = join(tempDir(), 'wal.db');
  const db = openProfilesDb(path);
  db.upsertDevice({ key: 'local', label: 'CPU', fingerprint: cpuFingerprint(), origin: 'measured' });
  assert.ok(existsSync(`${path}-wal`), 'a -wal file beside the DB while it is open');
  const raw = new Database(path, { readonly: true });
  assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
  raw.close();
  // A unit of a run that does not exist is refused (as a bug) rather than stored.
  assert.throws(() => db.recordUnit(999, unit(1), [1], statsOf([1])), /no run 999/);
  assert.throws(() => db.startRun({ deviceId: 42, workload: 'w', settings: {} }), isCoded('DEVICE_NOT_FOUND'));
  db.close();
});

test('a file that is not a SQLite DB gives DB_FAILED naming the path', () => {
  const path = join(tempDir(), 'notes.db');
  writeFileSync(path, 'these are my notes, not a database\n'.repeat(100));
  assert.throws(() => openProfilesDb(path), isCoded('DB_FAILED', /notes\.db: not a SQLite database$/));
});

test('a SQLite file of another program gives DB_FAILED and is left alone', () => {
  const path = join(tempDir(), 'other.db');
  const raw = new Database(path);
  raw.exec('CREATE TABLE photos (id INTEGER PRIMARY KEY)');
  raw.close();
  assert.throws(() => openProfilesDb(path), isCoded('DB_FAILED', /other\.db: a SQLite file of another program/));
  const check = new Database(path, { readonly: true });
  assert.equal(check.pragma('user_version', { simple: true }), 0);
  check.close();
});

test('a DB newer than the code gives DB_MIGRATION', () => {
  const path = join(tempDir(), 'future.db');
  openProfilesDb(path).close();
  const raw = new Database(path);
  raw.pragma('user_version = 990');
  raw.close();
  assert.throws(() => openProfilesDb(path), isCoded('DB_MIGRATION', /schema version 990 is newer than this labbench knows \(120\)/));
});

test('a folder where the file should be gives DB_FAILED', () => {
  const dir = tempDir();
  assert.throws(() => openProfilesDb(dir), isCoded('DB_FAILED', /cannot open the profiles DB/));
});

test('device identity is the fingerprint hash: same hash updates key and label, another hash is another device', () => {
  const db = openProfilesDb(join(tempDir(), 'devices.db'));
  const fp = cpuFingerprint({ note: undefined });
  const a = db.upsertDevice({ key: 'local', label: 'CPU one', fingerprint: fp, origin: 'measured' });
  assert.equal(a.fingerprint_hash, fingerprintHash(cpuFingerprint()));
  assert.match(a.fingerprint_hash, /^[0-9a-f]{16}$/);
  assert.deepEqual(a.fingerprint, cpuFingerprint(), 'stored canonically, undefined dropped');
  assert.equal(a.origin, 'measured');

  // Same fields in another order: the same device, renamed.
  const reordered = Object.fromEntries(Object.entries(cpuFingerprint()).reverse()) as typeof fp;
  const b = db.upsertDevice({ key: 'mybox', label: 'CPU renamed', fingerprint: reordered, origin: 'measured' });
  assert.equal(b.id, a.id);
  assert.equal(b.key, 'mybox');
  assert.equal(b.label, 'CPU renamed');
  assert.equal(b.created_at, a.created_at);

  // An import of the same fingerprint does not rename a device measured here, nor change its origin.
  const c = db.upsertDevice({ key: 'alice-box', label: "Alice's", fingerprint: fp, origin: 'imported' });
  assert.equal(c.id, a.id);
  assert.equal(c.key, 'mybox');
  assert.equal(c.origin, 'measured');

  const other = db.upsertDevice({ key: 'mybox', label: 'CPU, 4 threads', fingerprint: cpuFingerprint({ threads: 4 }), origin: 'measured' });
  assert.notEqual(other.id, a.id);
  assert.notEqual(other.fingerprint_hash, a.fingerprint_hash);
  assert.equal(db.listDevices().length, 2);
  assert.deepEqual(db.getDevice(a.id), c);
  assert.equal(db.getDevice(12345), undefined);
  db.close();
});

test('resolveDevice: a shared key picks the device with the latest run; key@hashprefix picks one; unknown lists keys', () => {
  // A frozen clock: the order of use must not rely on timestamps.
  const db = openProfilesDb(join(tempDir(), 'resolve.db'), { now: () => new Date('2025-01-01T00:00:00Z') });
  const one = db.upsertDevice({ key: 'pixel1', label: 'Pixel (Android 9)', fingerprint: { kind: 'android', emulated: false, model: 'Pixel', os: '9' }, origin: 'measured' });
  const two = db.upsertDevice({ key: 'pixel1', label: 'Pixel (Android 10)', fingerprint: { kind: 'android', emulated: false, model: 'Pixel', os: '10' }, origin: 'measured' });
  db.upsertDevice({ key: 'local', label: 'CPU', fingerprint: cpuFingerprint(), origin: 'measured' });
  assert.equal(db.resolveDevice('pixel1').id, two.id, 'the newer row until a run says otherwise');
  db.startRun({ deviceId: one.id, workload: 'vgg16', settings: { ...SETTINGS } });
  assert.equal(db.resolveDevice('pixel1').id, one.id, 'the device with the most recent run');
  db.startRun({ deviceId: two.id, workload: 'vgg16', settings: { ...SETTINGS } });
  assert.equal(db.resolveDevice('pixel1').id, two.id);

  assert.equal(db.resolveDevice(`pixel1@${one.fingerprint_hash.slice(0, 6)}`).id, one.id);
  assert.equal(db.resolveDevice(`pixel1@${one.fingerprint_hash.toUpperCase()}`).id, one.id);
  assert.throws(() => db.resolveDevice('pixel1@'), isCoded('DEVICE_NOT_FOUND'));
  assert.throws(() => db.resolveDevice(`local@${one.fingerprint_hash}`), isCoded('DEVICE_NOT_FOUND'));
  assert.throws(() => db.resolveDevice('pixel2'), isCoded('DEVICE_NOT_FOUND', /no device "pixel2" in .*resolve\.db; known devices: local, pixel1 \(a key shared/));
  db.close();

  const empty = openProfilesDb(join(tempDir(), 'empty.db'));
  assert.throws(() => empty.resolveDevice('local'), isCoded('DEVICE_NOT_FOUND', /has no devices yet/));
  assert.throws(() => empty.lutView('local'), isCoded('DEVICE_NOT_FOUND'));
  empty.close();
});

test('migration 0120 keeps every search run of a DB at 0110, and then takes any kind of search method', () => {
  const path = join(tempDir(), 'v110.db');
  const raw = new Database(path);
  for (const up of [updateToSchemaVersion0010, updateToSchemaVersion0020, updateToSchemaVersion0030, updateToSchemaVersion0040, updateToSchemaVersion0050, updateToSchemaVersion0060, updateToSchemaVersion0070, updateToSchemaVersion0080, updateToSchemaVersion0090, updateToSchemaVersion0100, updateToSchemaVersion0110]) up(raw);
  raw.pragma('user_version = 110');
  const insert = raw.prepare('INSERT INTO search_runs (id, kind, status, created_at, updated_at, params, progress, result, error, checkpoint) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
  insert.run(3, 'nas', 'canceled', '2026-01-01T00:00:00.000Z', '2026-01-01T01:00:00.000Z', '{"targetMs":80}', '[{"phase":"search","epoch":1,"epochs":4}]', null, 'canceled', '/runs/nas-3/supernet.ckpt');
  insert.run(7, 'prune', 'done', '2026-01-02T00:00:00.000Z', '2026-01-02T01:00:00.000Z', '{"model":"mnist-vgg"}', '[]', '{"run_id":7}', null, null);
  insert.run(9, 'quantize', 'failed', '2026-01-03T00:00:00.000Z', '2026-01-03T01:00:00.000Z', '{"scheme":"lightnn-1"}', '[]', null, 'out of memory', null);
  assert.throws(() => insert.run(10, 'tally', 'done', 'x', 'x', '{}', '[]', null, null, null), /CHECK constraint failed/, 'at 0110 the kinds are listed');
  const rows = (db: Database.Database): unknown[] => db.prepare('SELECT * FROM search_runs ORDER BY id').all();
  const before = rows(raw);
  raw.close();

  const db = openProfilesDb(path);
  assert.equal(db.schemaVersion(), 120);
  assert.deepEqual(db.listSearchRuns().map((r) => [r.id, r.kind, r.status, r.checkpoint ?? null]), [[9, 'quantize', 'failed', null], [7, 'prune', 'done', null], [3, 'nas', 'canceled', '/runs/nas-3/supernet.ckpt']]);
  const id = db.startSearchRun('tally', { count: 2 });
  assert.equal(id, 10, 'ids go on after the copied rows');
  db.appendSearchProgress(id, { phase: 'count', epoch: 1, epochs: 1 });
  db.finishSearchRun(id, 'done', { result: { total: 4 } });
  assert.deepEqual(db.listSearchRuns('tally').map((r) => [r.kind, r.status, r.progress.length, r.result]), [['tally', 'done', 1, { total: 4 }]]);
  assert.throws(() => db.startSearchRun('', {}), isCoded('DB_FAILED', /CHECK constraint failed/), 'a kind is not empty');
  db.close();

  const check = new Database(path, { readonly: true });
  assert.deepEqual(rows(check).slice(0, 3), before, 'every row copied as it was');
  assert.equal(check.prepare<[], { n: number }>("SELECT count(*) AS n FROM sqlite_schema WHERE name = 'search_runs_by_kind'").get()!.n, 1, 'its index rebuilt');
  assert.deepEqual(check.pragma('foreign_key_check'), []);
  check.close();
});
