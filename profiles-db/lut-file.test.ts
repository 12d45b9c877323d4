import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LabbenchError } from '../app/api/errors.js';
import type { LutRecord } from '../app/api/lut.js';
import { ms, type Ms } from '../app/api/units.js';
import { EXPORTED_BY, exportLut, importLut, lutChecksum, lutToCsv, parseLutFile, sealLutFile, serializeLutFile, type LutFile } from './lut-file.js';
import { openProfilesDb, type ProfilesDb } from './profiles-db.js';
import { cpuFingerprint, dumpDb, SETTINGS, statsOf, tempDir, unit } from './test-fixtures/helpers.js';

const EXPORT_TIME = new Date('2025-03-01T12:00:00.000Z');

/** A DB with device `local` measured over two runs (3 units), and its path. */
function measuredDb(name: string, fingerprint = cpuFingerprint()): { db: ProfilesDb; path: string } {
  const path = join(tempDir(), name);
  const db = openProfilesDb(path);
  const device = db.upsertDevice({ key: 'local', label: 'Test CPU', fingerprint, origin: 'measured' });
  const r1 = db.startRun({ deviceId: device.id, workload: 'net-a', settings: SETTINGS });
  db.recordUnit(r1.id, unit(1), [1.25, 1.5, 1.75], statsOf([1.25, 1.5, 1.75]));
  db.recordUnit(r1.id, unit(2), [0.1, 0.2, 0.30000000000000004], statsOf([0.1, 0.2, 0.30000000000000004]));
  db.completeRun(r1.id);
  const r2 = db.startRun({ deviceId: device.id, workload: 'net-b', settings: { ...SETTINGS, threads: 2 } });
  db.recordUnit(r2.id, { ...unit(3), config: { ...unit(3).config, note: 'quote " comma , newline \n é' } }, [9], statsOf([9]));
  return { db, path };
}

function lutInvalid(re: RegExp) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof LabbenchError, String(err));
    assert.equal(err.code, 'LUT_INVALID');
    assert.doesNotMatch(err.message, /\n/);
    assert.match(err.message, re);
    return true;
  };
}

/** The exported text of a file edited by `edit` (keeping its old checksum unless resealed). */
function edited(file: LutFile, edit: (doc: Record<string, unknown> & { entries: Record<string, unknown>[] }) => void, reseal = false): string {
  const doc = JSON.parse(serializeLutFile(file)) as Record<string, unknown> & { entries: Record<string, unknown>[] };
  edit(doc);
  if (reseal) doc.checksum = lutChecksum(doc as unknown as LutFile);
  return JSON.stringify(doc, null, 2);
}

test('export -> serialize -> parse -> import into a fresh DB gives the same LUT view', () => {
  const { db } = measuredDb('a.db');
  const file = exportLut(db, 'local', { now: EXPORT_TIME });
  assert.equal(file.format, 'labbench-lut');
  assert.equal(file.version, 2);
  assert.equal(file.exported_at, '2025-03-01T12:00:00.000Z');
  assert.equal(file.exported_by, EXPORTED_BY);
  assert.match(file.exported_by, /^labbench \d+\.\d+\.\d+/);
  assert.match(file.checksum, /^sha256:[0-9a-f]{64}$/);
  assert.deepEqual(
    (file.provenance.runs as { workload: string; entries: number }[]).map((r) => [r.workload, r.entries]),
    [
      ['net-a', 2],
      ['net-b', 1],
    ],
  );

  const text = serializeLutFile(file);
  assert.ok(text.endsWith('}\n'));
  const parsed = parseLutFile(text, 'a.json');
  assert.deepEqual(parsed, file);

  const fresh = openProfilesDb(join(tempDir(), 'b.db'));
  const result = importLut(fresh, parsed);
  assert.deepEqual([result.inserted, result.replaced, result.kept_local], [3, 0, 0]);

  const mine = db.lutView('local');
  const theirs = fresh.lutView('local');
  const importedAt = theirs.device.imported_at!;
  assert.ok(importedAt, 'the device says when it was imported');
  assert.equal(theirs.device.created_at, mine.device.created_at, 'and keeps when it was first measured');
  const asImported = mine.entries.map((e) => ({ ...e, imported_at: importedAt }));
  assert.equal(JSON.stringify(theirs.entries), JSON.stringify(asImported), 'entries identical, byte for byte as JSON, measured_at included, plus when they were imported');
  const pick = (d: typeof mine.device) => ({ key: d.key, label: d.label, fingerprint: d.fingerprint, fingerprint_hash: d.fingerprint_hash });
  assert.equal(JSON.stringify(pick(theirs.device)), JSON.stringify(pick(mine.device)));
  assert.equal(theirs.device.origin, 'imported', 'what differs: origin, imported_at and the local id');
  assert.deepEqual(result.device, theirs.device);

  // The imported LUT exports again with the same entries, and its provenance names the import.
  const again = exportLut(fresh, 'local', { now: EXPORT_TIME });
  assert.deepEqual(again.entries, file.entries.map((e) => ({ ...e, imported_at: importedAt })));
  assert.deepEqual(
    (again.provenance.imports as { checksum: string }[]).map((i) => i.checksum),
    [file.checksum],
  );

  // Importing the same file again replaces what it imported before.
  const twice = importLut(fresh, parseLutFile(text, 'a.json'));
  assert.deepEqual([twice.inserted, twice.replaced, twice.kept_local], [0, 3, 0]);
  const second = fresh.lutView('local');
  assert.equal(second.device.imported_at, importedAt, 'the device keeps its first import time');
  assert.equal(JSON.stringify(second.entries), JSON.stringify(mine.entries.map((e) => ({ ...e, imported_at: second.entries[0]!.imported_at }))));
  assert.ok(second.entries[0]!.imported_at! >= importedAt, 'rows say when they were last imported');
  db.close();
  fresh.close();
});

test('a tampered entry fails the checksum and the DB is unchanged', () => {
  const { db: src } = measuredDb('src.db');
  const file = exportLut(src, 'local');
  src.close();
  const { db, path } = measuredDb('dst.db', cpuFingerprint({ host: 'other' }));
  const before = dumpDb(path);
  const tampered = edited(file, (doc) => {
    doc.entries[1]!.median_ms = 0.15;
  });
  assert.throws(() => importLut(db, parseLutFile(tampered, 't.json')), lutInvalid(/^t\.json: checksum mismatch: the file was changed after export$/));
  // An edit that also breaks the schema (a median outside its interval) is still reported as an edit.
  const wild = edited(file, (doc) => {
    doc.entries[0]!.median_ms = 1000;
  });
  assert.throws(() => importLut(db, parseLutFile(wild, 't.json')), lutInvalid(/^t\.json: checksum mismatch/));
  assert.equal(dumpDb(path), before);
  db.close();
});

test('an import that fails inside its transaction changes nothing', () => {
  const { db: src } = measuredDb('src.db', cpuFingerprint({ host: 'b' }));
  const file = exportLut(src, 'local');
  src.close();
  const { db, path } = measuredDb('dst.db');
  const before = dumpDb(path);
  // The DB layer, below importLut's validation: the last entry breaks a CHECK after the device,
  // the imports row and two entries went in.
  const entries = [...file.entries.slice(0, 2), { ...file.entries[2]!, ci_low_ms: ms(1e9) }];
  assert.throws(
    () => db.importLutEntries({ ...file, entries }),
    (err: unknown) => err instanceof LabbenchError && err.code === 'DB_FAILED' && /importLut failed: CHECK constraint failed/.test(err.message),
  );
  assert.equal(dumpDb(path), before);
  db.close();
});

test('importLut validates a file built in code: duplicate keys, bad values, a stale checksum', () => {
  const { db: src } = measuredDb('src.db', cpuFingerprint({ host: 'b' }));
  const file = exportLut(src, 'local');
  src.close();
  const { db, path } = measuredDb('dst.db');
  const before = dumpDb(path);
  const dup = sealLutFile({ ...file, entries: [...file.entries, { ...file.entries[0]!, median_ms: ms(1.3) }] });
  assert.throws(() => importLut(db, dup), lutInvalid(/^LUT file for local: entries\[3\]\.key: duplicate key ".*" \(also entries\[0\]\)$/));
  // (sealLutFile itself refuses a NaN: canonical JSON has no form for it.)
  assert.throws(() => sealLutFile({ ...file, entries: [{ ...file.entries[0]!, mad_ms: Number.NaN as Ms }] }), TypeError);
  const negative = sealLutFile({ ...file, entries: [{ ...file.entries[0]!, mad_ms: -1 as Ms }] });
  assert.throws(() => importLut(db, negative, 'conv.json'), lutInvalid(/^conv\.json: entries\[0\]\.mad_ms: must be >= 0, got -1$/));
  const stale: LutFile = { ...file, entries: file.entries.slice(1) };
  assert.throws(() => importLut(db, stale, 'x'), lutInvalid(/^x: checksum mismatch/));
  assert.equal(dumpDb(path), before);
  db.close();
});

test('truncated files, invalid JSON and files of another kind are LUT_INVALID, in one line naming the file', () => {
  const { db } = measuredDb('a.db');
  const file = exportLut(db, 'local');
  db.close();
  const text = serializeLutFile(file);
  assert.throws(() => parseLutFile(text.slice(0, Math.floor(text.length / 2)), 't.json'), lutInvalid(/^t\.json: not valid JSON \(.+\)$/));
  assert.throws(() => parseLutFile('', 't.json'), lutInvalid(/^t\.json: not valid JSON \(Unexpected end of JSON input\)$/));
  assert.throws(() => parseLutFile('{\n"format": nope\n}', 't.json'), lutInvalid(/^t\.json: not valid JSON \(Unexpected token/));
  assert.throws(() => parseLutFile('[1, 2]', 't.json'), lutInvalid(/^t\.json: not a labbench LUT file \(expected a JSON object\)$/));
  assert.throws(() => parseLutFile('{"a": 1}', 't.json'), lutInvalid(/format is missing, expected "labbench-lut"/));
  assert.throws(() => parseLutFile(edited(file, (d) => (d.version = 3)), 't.json'), lutInvalid(/^t\.json: format version 3 is newer than this labbench reads \(up to 2\); upgrade labbench$/));
  assert.throws(() => parseLutFile(edited(file, (d) => (d.version = 0), true), 't.json'), lutInvalid(/^t\.json: version: expected 2, got 0$/));
  // A BOM (Windows editors) is fine.
  assert.deepEqual(parseLutFile(`\uFEFF${text}`, 't.json'), file);
});

test('schema violations name the field: type, sign, n, interval order, unique keys, unknown fields', () => {
  const { db } = measuredDb('a.db');
  const file = exportLut(db, 'local');
  db.close();
  const cases: [(d: Record<string, unknown> & { entries: Record<string, unknown>[] }) => void, RegExp][] = [
    [(d) => (d.entries[2]!.median_ms = '9'), /^t\.json: entries\[2\]\.median_ms: expected a number, got the string "9"$/],
    [(d) => delete d.entries[0]!.median_ms, /^t\.json: entries\[0\]\.median_ms: missing \(expected a number\)$/],
    [(d) => (d.entries[1]!.mad_ms = -1), /^t\.json: entries\[1\]\.mad_ms: must be >= 0, got -1$/],
    [(d) => (d.entries[1]!.n = 0), /^t\.json: entries\[1\]\.n: must be >= 1, got 0$/],
    [(d) => (d.entries[1]!.n = 1.5), /^t\.json: entries\[1\]\.n: expected an integer, got 1\.5$/],
    [(d) => (d.entries[0]!.ci_high_ms = 1.3), /^t\.json: entries\[0\]: the interval \[1\.25, 1\.3\] must contain median_ms 1\.5$/],
    [(d) => (d.entries[2]!.key = d.entries[0]!.key), /^t\.json: entries\[2\]\.key: duplicate key ".*" \(also entries\[0\]\)$/],
    [(d) => (d.entries[0]!.measured_at = 'yesterday'), /^t\.json: entries\[0\]\.measured_at: expected an ISO-8601 date-time/],
    [(d) => (d.entries[0]!.latency = 3), /^t\.json: entries\[0\]: unknown field "latency" \(not in this version of the format\)$/],
    [(d) => ((d.device as { fingerprint: Record<string, unknown> }).fingerprint.cpu = { a: 1 }), /^t\.json: device\.fingerprint\.cpu: expected a string, number, boolean or null$/],
    [(d) => ((d as Record<string, unknown>).entries = 'none'), /^t\.json: entries: expected an array, got the string "none"$/],
  ];
  for (const [edit, re] of cases) {
    assert.throws(() => parseLutFile(edited(file, edit, true), 't.json'), lutInvalid(re), re.source);
  }
  assert.throws(() => parseLutFile(edited(file, (d) => delete d.checksum), 't.json'), lutInvalid(/^t\.json: checksum: missing \(expected a string\)$/));
  assert.throws(() => parseLutFile(edited(file, (d) => (d.checksum = 'md5:abc')), 't.json'), lutInvalid(/^t\.json: checksum: expected "sha256:" and 64 lowercase hex digits$/));
  // A number too large for a double parses as Infinity: refused too.
  const huge = edited(file, () => undefined).replace(/"max_ms": 9/, '"max_ms": 1e999');
  assert.throws(() => parseLutFile(huge, 't.json'), lutInvalid(/^t\.json: entries\[2\]\.max_ms: expected a number/));
});

test("importing device B's LUT leaves device A's rows byte-identical; local measurements are kept on conflict", () => {
  const { db, path } = measuredDb('mine.db');
  const { db: other } = measuredDb('theirs.db', cpuFingerprint({ host: 'alice' }));
  const theirs = exportLut(other, 'local');
  other.close();

  const aRows = [
    { table: 'lut', sql: 'device_id = 1' },
    { table: 'devices', sql: 'id = 1' },
    { table: 'runs', sql: 'device_id = 1' },
    { table: 'run_units', sql: 'run_id IN (SELECT id FROM runs WHERE device_id = 1)' },
    { table: 'samples', sql: 'run_id IN (SELECT id FROM runs WHERE device_id = 1)' },
  ];
  const before = dumpDb(path, aRows);
  const r = importLut(db, parseLutFile(serializeLutFile(theirs), 'alice.json'));
  assert.deepEqual([r.inserted, r.replaced, r.kept_local], [3, 0, 0]);
  assert.notEqual(r.device.id, 1);
  assert.equal(r.device.key, 'local', 'a shared key: now two fingerprints answer to "local"');
  assert.equal(db.resolveDevice('local').id, r.device.id, 'the latest import is the most recently used');
  assert.equal(dumpDb(path, aRows), before);

  // A file for device A itself: keys measured here are kept, new keys come in.
  const mineFp = db.getDevice(1)!;
  const entry = theirs.entries[0]!;
  const forA = sealLutFile({
    ...theirs,
    device: { ...theirs.device, key: 'renamed-by-import', label: 'x', fingerprint: mineFp.fingerprint },
    entries: [{ ...entry, key: unit(1).key, median_ms: ms(99), ci_high_ms: ms(99), max_ms: ms(99) }, { ...entry, key: 'new key' }],
  });
  const local = db.lutEntries(1).find((e) => e.key === unit(1).key);
  const r2 = importLut(db, parseLutFile(serializeLutFile(forA), 'a.json'));
  assert.deepEqual([r2.inserted, r2.replaced, r2.kept_local], [1, 0, 1]);
  assert.equal(r2.device.id, 1);
  assert.equal(r2.device.key, 'local', 'an import never renames a device measured here');
  assert.equal(r2.device.origin, 'measured');
  assert.deepEqual(db.lutEntries(1).find((e) => e.key === unit(1).key), local);
  assert.deepEqual(db.lutEntries(1).map((e) => e.key), ['new key', unit(1).key, unit(2).key, unit(3).key].sort());

  // A local measurement later overwrites an imported row.
  const run = db.startRun({ deviceId: 1, workload: 'w', settings: {} });
  db.recordUnit(run.id, { key: 'new key', op: 'conv', config: {}, layers: ['x'] }, [4], statsOf([4]));
  const r3 = importLut(db, parseLutFile(serializeLutFile(forA), 'a.json'));
  assert.deepEqual([r3.inserted, r3.replaced, r3.kept_local], [0, 0, 2]);
  assert.equal(db.lutEntries(1).find((e) => e.key === 'new key')?.median_ms, 4);
  db.close();
});

test('export of a device without entries is LUT_NOT_FOUND; of an unknown device, DEVICE_NOT_FOUND', () => {
  const db = openProfilesDb(join(tempDir(), 'empty.db'));
  db.upsertDevice({ key: 'local', label: 'CPU', fingerprint: cpuFingerprint(), origin: 'measured' });
  assert.throws(() => exportLut(db, 'local'), (e: unknown) => e instanceof LabbenchError && e.code === 'LUT_NOT_FOUND');
  assert.throws(() => exportLut(db, 'pixel9'), (e: unknown) => e instanceof LabbenchError && e.code === 'DEVICE_NOT_FOUND');
  assert.deepEqual(db.lutView('local').entries, []);
  db.close();
});

/** RFC 4180 reader, to check that what lutToCsv writes reads back. */
function readCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  assert.equal(field, '', 'ends with CRLF');
  return rows;
}

test('CSV: header, one row per entry, fields with commas, quotes and line breaks quoted', () => {
  const { db } = measuredDb('csv.db');
  const file = exportLut(db, 'local');
  db.close();
  const odd: LutRecord = { ...file.entries[0]!, key: 'pool "max", k2\ns2', op: ' relu' };
  const csv = lutToCsv({ entries: [...file.entries, odd] });
  const rows = readCsv(csv);
  assert.deepEqual(rows[0], ['key', 'op', 'n', 'median_ms', 'ci_low_ms', 'ci_high_ms', 'mad_ms', 'min_ms', 'max_ms', 'measured_at', 'emulated', 'imported_at', 'config']);
  assert.equal(rows.length, file.entries.length + 2);
  const last = rows[rows.length - 1]!;
  assert.equal(last[0], 'pool "max", k2\ns2');
  assert.equal(last[1], ' relu');
  assert.deepEqual(JSON.parse(last[12]!), odd.config);
  assert.deepEqual(last.slice(10, 12), ['false', ''], 'not emulated, not imported');
  assert.ok(csv.includes('"pool ""max"", k2\ns2"," relu"'));
  const withNote = rows.find((r) => r[0] === unit(3).key)!;
  assert.equal(JSON.parse(withNote[12]!).note, 'quote " comma , newline \n é');
  assert.deepEqual(rows[1]!.slice(2, 9), ['3', '1.5', '1.25', '1.75', '0.25', '1.25', '1.75']);
});

test('the example in LUT-FORMAT.md is a valid file', () => {
  const doc = readFileSync(new URL('./LUT-FORMAT.md', import.meta.url), 'utf8');
  const example = /```json\n([\s\S]*?)```/.exec(doc)?.[1];
  assert.ok(example);
  const file = parseLutFile(example, 'LUT-FORMAT.md');
  assert.equal(file.entries.length, 2);
  const db = openProfilesDb(join(tempDir(), 'doc.db'));
  assert.deepEqual(importLut(db, file).inserted, 2);
  assert.equal(db.lutView('local').device.fingerprint_hash, file.provenance.fingerprint_hash);
  db.close();
});
