/**
 * Provenance that cannot lie, end to end through the CLI: the emulated phone behind the real
 * adb server is listed as emulated, what it measures is stored, shown, exported and imported
 * into a fresh DB as emulated, and a file whose mark was taken out (resealed, so the
 * checksum passes) is refused, or, for a version 1 file that never had the mark, marked
 * again on import. The DB itself refuses a device row whose key drops the mark.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { labbenchAsyncRun, labbenchHere } from './cli-helpers.js';
import { startPhoneRig } from './phone-rig.js';
import { lutChecksum, type LutFile } from '../profiles-db/lut-file.js';

const PHONE_QUICK = ['--runs', '2', '--max-runs', '3', '--inner-runs', '3', '--warmup', '1'];

interface ShownLut {
  device: { key: string; label: string; emulated: boolean; created_at: string; imported_at: string | null; fingerprint: Record<string, unknown> };
  entries: { key: string; measured_at: string; emulated: boolean; imported_at?: string }[];
}

type Doc = Record<string, unknown> & { device: Record<string, unknown> & { fingerprint: Record<string, unknown> }; entries: Record<string, unknown>[] };

/** The exported file with `edit` applied and the checksum recomputed: what a careful forger would send. */
function forged(file: LutFile, edit: (doc: Doc) => void): string {
  const doc = JSON.parse(JSON.stringify(file)) as Doc;
  edit(doc);
  doc.checksum = lutChecksum(doc as unknown as LutFile);
  return JSON.stringify(doc);
}

test('the emulated phone is emulated in devices, the DB, lut show, the export and a fresh DB that imports it; unmarked copies are refused or marked again', async (t) => {
  const { serial, dir, env } = await startPhoneRig(t, { seed: 41, timeScale: 0.02, screenOn: false, charging: false }, { prefix: 'labbench-provenance-' });
  const db = join(dir, 'mine.db');
  const fresh = join(dir, 'theirs.db');

  const listed = await labbenchAsyncRun(['devices', '--json'], env);
  assert.equal(listed.status, 0, listed.stderr);
  const phone = (JSON.parse(listed.stdout) as { devices: Record<string, unknown>[] }).devices.find((d) => d.id === serial)!;
  assert.equal(phone.emulated, true, 'devices --json says the phone is emulated');
  assert.match(String(phone.label), / \(emulated\)$/);
  assert.match(String(phone.emulation), /ro\.labbench\.emulated=1/);
  const local = (JSON.parse(listed.stdout) as { devices: Record<string, unknown>[] }).devices.find((d) => d.id === 'local')!;
  assert.equal(local.emulated, false, "this host's CPU is not emulated");

  const prof = await labbenchAsyncRun(['profile', '--device', serial, '--workload', 'cifar10-6conv', '--per-layer', '--db', db, '--json', '--canary-every', '0', ...PHONE_QUICK], env);
  assert.equal(prof.status, 0, prof.stderr);

  // Shown under the serial the user typed, stored under the marked key.
  const shown = await labbenchAsyncRun(['lut', 'show', '--device', serial, '--db', db, '--json']);
  assert.equal(shown.status, 0, shown.stderr);
  const mine = JSON.parse(shown.stdout) as ShownLut;
  assert.equal(mine.device.key, `emulated:${serial}`);
  assert.match(mine.device.label, /^Google Pixel \(emulated\)$/);
  assert.equal(mine.device.emulated, true);
  assert.equal(mine.device.fingerprint.emulated, true);
  assert.match(String(mine.device.fingerprint.build), /\/sdk_labbench_sailfish\/.*:userdebug\/test-keys$/, 'the build itself says emulator');
  assert.ok(mine.entries.length >= 6);
  assert.ok(mine.entries.every((e) => e.emulated && e.imported_at === undefined), 'every row is marked; none imported');
  const human = await labbenchAsyncRun(['lut', 'show', '--device', serial, '--db', db]);
  assert.match(human.stdout, /\(emulated\)/, 'the table view says so too');

  const out = join(dir, 'phone.lut.json');
  const exp = await labbenchAsyncRun(['lut', 'export', '--device', serial, '--out', out, '--db', db]);
  assert.equal(exp.status, 0, exp.stderr);
  const file = JSON.parse(readFileSync(out, 'utf8')) as LutFile;
  assert.equal(file.version, 2);
  assert.equal(file.device.emulated, true);
  assert.equal(file.device.fingerprint.emulated, true);
  assert.equal(file.device.key, `emulated:${serial}`);
  assert.ok(file.entries.every((e) => e.emulated === true), 'every exported row is marked');
  const csv = join(dir, 'phone.csv');
  assert.equal((await labbenchAsyncRun(['lut', 'export', '--device', serial, '--out', csv, '--format', 'csv', '--db', db])).status, 0);
  const csvLines = readFileSync(csv, 'utf8').trim().split('\r\n');
  assert.match(csvLines[0]!, /,emulated,/);
  assert.ok(csvLines.slice(1).every((l) => /,true,/.test(l)), 'every CSV row is marked');

  // A fresh DB: the import says the device is emulated, and everything it shows does.
  const imp = await labbenchAsyncRun(['lut', 'import', out, '--db', fresh]);
  assert.equal(imp.status, 0, imp.stderr);
  assert.match(imp.stdout, /note: emulated:127\.0\.0\.1:\d+ is an emulated device \(its build .*sdk_labbench_sailfish.* is an emulator image/);
  const theirs = JSON.parse((await labbenchAsyncRun(['lut', 'show', '--device', serial, '--db', fresh, '--json'])).stdout) as ShownLut;
  assert.equal(theirs.device.key, mine.device.key);
  assert.equal(theirs.device.label, mine.device.label);
  assert.equal(theirs.device.emulated, true);
  assert.equal(theirs.device.created_at, mine.device.created_at, 'when it was first measured survives the import');
  assert.ok(theirs.device.imported_at && theirs.device.imported_at >= theirs.device.created_at, 'and when it was imported is added');
  assert.deepEqual(
    theirs.entries.map((e) => [e.key, e.measured_at, e.emulated]),
    mine.entries.map((e) => [e.key, e.measured_at, true]),
    'rows keep their measurement time and mark',
  );
  assert.ok(theirs.entries.every((e) => e.imported_at === theirs.device.imported_at));

  // Taking the mark out, checksum resealed: refused, nothing imported.
  const other = join(dir, 'other.db');
  const attempts: [string, (d: Doc) => void, RegExp][] = [
    [
      'marked real over an emulator build',
      (d) => {
        d.device.key = serial;
        d.device.label = 'Google Pixel';
        d.device.emulated = false;
        d.device.fingerprint.emulated = false;
        for (const e of d.entries) e.emulated = false;
      },
      /device\.fingerprint: its build .*sdk_labbench_sailfish.* is an emulator image.*marks the device real/,
    ],
    [
      'the mark deleted',
      (d) => {
        delete d.device.emulated;
        delete d.device.fingerprint.emulated;
        for (const e of d.entries) delete e.emulated;
      },
      /device\.fingerprint\.emulated: missing/,
    ],
    ['one row unmarked', (d) => (d.entries[0]!.emulated = false), /entries\[0\]\.emulated: is false but the device's is true/],
  ];
  for (const [what, edit, message] of attempts) {
    const path = join(dir, 'forged.json');
    writeFileSync(path, forged(file, edit));
    const r = await labbenchHere(['lut', 'import', path, '--db', other]);
    assert.equal(r.status, 2, `${what}: refused (${r.stdout})`);
    assert.match(r.stderr, message, what);
  }
  assert.equal((await labbenchHere(['lut', 'show', '--device', serial, '--db', other])).status, 2, 'nothing was imported');

  // As a version 1 file, which had no mark to remove: imported, and marked from its build.
  const v1 = join(dir, 'v1.json');
  writeFileSync(
    v1,
    forged(file, (d) => {
      d.version = 1;
      d.device.key = serial;
      d.device.label = 'Google Pixel';
      delete d.device.emulated;
      delete d.device.created_at;
      delete d.device.fingerprint.emulated;
      for (const e of d.entries) delete e.emulated;
    }),
  );
  const old = await labbenchAsyncRun(['lut', 'import', v1, '--db', other, '--json']);
  assert.equal(old.status, 0, old.stderr);
  const oldDoc = JSON.parse(old.stdout) as { device: { key: string; label: string; emulated: boolean }; notes: string[] };
  assert.deepEqual([oldDoc.device.key, oldDoc.device.label, oldDoc.device.emulated], [`emulated:${serial}`, 'Google Pixel (emulated)', true]);
  assert.match(oldDoc.notes.join(' '), /is an emulated device/);
  const oldShown = JSON.parse((await labbenchAsyncRun(['lut', 'show', '--device', serial, '--db', other, '--json'])).stdout) as ShownLut;
  assert.ok(oldShown.entries.every((e) => e.emulated));
  assert.equal(oldShown.device.created_at, mine.entries.map((e) => e.measured_at).sort()[0], 'a version 1 file: first measured = its earliest row');

  // Below every code path, the DB refuses a device row that drops the mark.
  const raw = new Database(fresh);
  t.after(() => raw.close());
  assert.throws(() => raw.prepare('UPDATE devices SET key = ?').run(serial), /an emulated fingerprint needs the key prefix emulated:/);
  assert.throws(() => raw.prepare("UPDATE devices SET label = 'Google Pixel'").run(), /an emulated fingerprint needs/);
  assert.throws(() => raw.prepare("UPDATE devices SET fingerprint = json_remove(fingerprint, '$.emulated')").run(), /an emulated fingerprint needs/);
  assert.throws(() => raw.prepare('UPDATE devices SET emulated = 0').run(), /generated column/);
});
