/**
 * Models travel like LUTs, and LUTs, devices and runs compare. A kernel model fitted on this
 * CPU from three sample networks (the smallest fit that runs, shared through test/fitted-db.ts),
 * exported, imported into a fresh DB that never profiled anything: `predict` there gives the
 * source's numbers, `report accuracy` the source's report. A tampered file, a malformed one and a fingerprint that
 * another device holds under the key exit 2 and leave the DB as it was; `--force` imports
 * beside it. `lut diff` reads the public Pixel 1 LUT against a copy this test edits (hand-made
 * rows, marked so in the copy's fingerprint); `report compare` two real profiling runs.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { CompareReport, LutDiff } from '../app/api/compare.js';
import type { AccuracyResult, PredictResult } from '../app/api/predict.js';
import type { DeviceFingerprint } from '../app/api/lut.js';
import { ms } from '../app/api/units.js';
import type { ModelImportResult } from '../app/api/service.js';
import { exitCodeFor, LabbenchError } from '../app/api/errors.js';
import { LocalLabService } from '../app/lab-service.js';
import type { ModelFile } from '../app/predict/model-file.js';
import { sealedChecksum } from '../profiles-db/canonical-json.js';
import { fingerprintHash } from '../profiles-db/devices.js';
import { sealLutFile, type LutFile } from '../profiles-db/lut-file.js';
import { openProfilesDb } from '../profiles-db/profiles-db.js';
import { labbench, labbenchHere, pixel1LutPath } from './cli-helpers.js';
import { copyFittedDb } from './fitted-db.js';

const dir = mkdtempSync(join(tmpdir(), 'labbench-model-'));
const SRC = join(dir, 'src.db');
const FILE = join(dir, 'local.model.json');
let src: LocalLabService;
let file: ModelFile;
let sourcePrediction: PredictResult;

function json<T>(args: readonly string[]): T {
  const r = labbench(args);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as T;
}

/** Everything an import could write: devices, models, LUT rows. */
function dbState(path: string): unknown {
  const db = new Database(path, { readonly: true });
  try {
    return {
      devices: db.prepare('SELECT * FROM devices ORDER BY id').all(),
      models: db.prepare('SELECT id, device_id, kind, created_at, imported_from FROM models ORDER BY id').all(),
      lut: db.prepare('SELECT count(*) AS n FROM lut').get(),
    };
  } finally {
    db.close();
  }
}

/** The value at `path` inside parsed JSON, to edit in place. */
function at(doc: unknown, ...path: (string | number)[]): Record<string, unknown> & unknown[] {
  return path.reduce<unknown>((o, k) => (o as Record<string | number, unknown>)[k], doc) as Record<string, unknown> & unknown[];
}

/** A copy of the exported file, edited and sealed again: a well-formed checksum over a malformed file. */
function resealed(edit: (f: unknown) => void): string {
  const f = JSON.parse(readFileSync(FILE, 'utf8')) as Record<string, unknown>;
  edit(f);
  f.checksum = sealedChecksum(f);
  return JSON.stringify(f);
}

before(async () => {
  await copyFittedDb(SRC);
  src = new LocalLabService(SRC);
  sourcePrediction = JSON.parse(JSON.stringify(await src.predict({ device: 'local', workload: 'cifar10-6conv' }))) as PredictResult;
  const out = json<{ bytes: number }>(['model', 'export', '--device', 'local', '--out', FILE, '--db', SRC, '--json']);
  assert.ok(out.bytes > 1000);
  file = JSON.parse(readFileSync(FILE, 'utf8')) as ModelFile;
});

after(() => {
  src.close();
  rmSync(dir, { recursive: true, force: true });
});

test('the file carries the fingerprint, the model, the rows it was fitted on and its accuracy report', () => {
  assert.equal(file.format, 'labbench-model');
  assert.equal(file.model.kind, 'kernels');
  assert.equal(file.device.fingerprint.kind, 'local-cpu');
  assert.equal(file.device.emulated, false);
  assert.equal(file.training.runs.length, 3, 'the three sample networks');
  assert.ok(file.training.rows.length > 20 && file.training.rows.every((r) => r.run_id !== null && r.op.startsWith('kernel/') && r.median_ms > 0));
  assert.ok(file.accuracy && Array.isArray(file.accuracy.layers));
  assert.equal(file.checksum, sealedChecksum(file));
});

test('imported into a fresh DB, predict gives the source numbers from the model alone', async () => {
  const dst = join(dir, 'dst.db');
  const r = json<ModelImportResult>(['model', 'import', FILE, '--db', dst, '--json']);
  assert.equal(r.created_device, true);
  assert.equal(r.device.key, 'local');
  assert.equal(r.device.fingerprint_hash, file.device.fingerprint_hash);
  assert.equal(r.training_rows, file.training.rows.length);
  const state = dbState(dst) as { lut: { n: number } };
  assert.equal(state.lut.n, 0, 'no LUT rows travel: the model alone predicts');
  const p = json<PredictResult>(['predict', '--device', 'local', '--workload', 'cifar10-6conv', '--db', dst, '--json']);
  assert.deepEqual(p, sourcePrediction);

  const svc = new LocalLabService(dst);
  try {
    const acc: AccuracyResult = await svc.reportAccuracy('local');
    assert.equal(acc.imported?.checksum, file.checksum, "the exporting bench's report, said so");
    assert.deepEqual(
      acc.layers.map((l) => l.group),
      (file.accuracy!.layers as { group: string }[]).map((l) => l.group),
    );
    // Exported again, it carries the same model and training rows.
    const again = JSON.parse(await svc.modelExport('local')) as ModelFile;
    assert.deepEqual(again.model, file.model);
    assert.deepEqual(again.training, file.training);
    assert.equal((again.provenance.imported_from as { checksum: string }).checksum, file.checksum);
  } finally {
    svc.close();
  }
});

test('a tampered or malformed file, or another fingerprint under the key, exits 2 and changes nothing; --force imports beside it', async () => {
  const dst = join(dir, 'teammate.db');
  // Hand-made: a teammate's own `local`, a fingerprint no measurement produced.
  const db = openProfilesDb(dst);
  db.upsertDevice({ key: 'local', label: 'hand-made test device', fingerprint: { kind: 'local-cpu', emulated: false, cpu_model: 'hand-made test fingerprint' }, origin: 'measured' });
  db.close();
  const before = dbState(dst);

  const clash = await labbenchHere(['model', 'import', FILE, '--db', dst]);
  assert.equal(clash.status, 2, clash.stderr);
  assert.match(clash.stderr, /another fingerprint; --as KEY .* --force/);
  assert.deepEqual(dbState(dst), before);

  const svc = new LocalLabService(dst);
  try {
    const refused = async (text: string, pattern: RegExp): Promise<void> => {
      await assert.rejects(svc.modelImport(text, 'edited.json', { force: true }), (e: unknown) => e instanceof LabbenchError && exitCodeFor(e) === 2 && pattern.test(e.message));
      assert.deepEqual(dbState(dst), before);
    };
    const tampered = JSON.parse(readFileSync(FILE, 'utf8')) as unknown;
    const calibration = at(tampered, 'model', 'body', 'model', 'calibration');
    calibration.scale = (calibration.scale as number) * 1.01;
    await refused(JSON.stringify(tampered), /checksum mismatch: the file was changed after export/);
    await refused('{"format": "labbench-model"', /not valid JSON/);
    await refused(resealed((f) => (at(f, 'training', 'rows', 0).median_ms = -1)), /training\.rows\[0\]\.median_ms: must be >= 0/);
    await refused(resealed((f) => at(f, 'model', 'body', 'model', 'kinds', 'conv', 'trees', 'trees', 0, 'value').pop()), /model\.body\.model\.kinds\.conv\.trees\.trees\[0\]/);
    await refused(resealed((f) => (at(f, 'device', 'fingerprint').threads = 4)), /fingerprint hashes to/);
    await refused(resealed((f) => (at(f, 'device', 'fingerprint').emulated = true)), /device\.emulated: is false but device\.fingerprint\.emulated is true/);

    const forced = await svc.modelImport(readFileSync(FILE, 'utf8'), 'local.model.json', { force: true });
    assert.equal(forced.device.key, 'local');
    assert.ok(forced.notes.some((n) => /now names/.test(n)));
    const p = JSON.parse(JSON.stringify(await svc.predict({ device: 'local', workload: 'cifar10-6conv' }))) as PredictResult;
    assert.deepEqual(p, sourcePrediction);
    assert.equal((await svc.listLutDevices()).filter((d) => d.device.key === 'local').length, 2, "the teammate's own device is kept");

    // Emulated provenance survives the trip: a file marked emulated (hand-made from the export) lands marked.
    const emulated = resealed((f) => {
      const device = at(f, 'device');
      const fp = at(f, 'device', 'fingerprint');
      fp.emulated = true;
      device.emulated = true;
      device.fingerprint_hash = fingerprintHash(fp as unknown as DeviceFingerprint);
    });
    const e = await svc.modelImport(emulated, 'emulated.json');
    assert.equal(e.device.key, 'emulated:local');
    assert.equal(e.device.emulated, true);
    assert.match(e.device.label, /\(emulated\)$/);
    assert.ok(e.notes.some((n) => /emulated device/.test(n)));
  } finally {
    svc.close();
  }
});

test('lut diff: the public Pixel 1 LUT against a hand-edited copy, key by key', async () => {
  const db = join(dir, 'diff.db');
  const svc = new LocalLabService(db);
  let copy: LutFile;
  try {
    await svc.lutImport(readFileSync(pixel1LutPath(), 'utf8'), 'pixel1-single-path-nas-lut.json');
    const exported = JSON.parse(await svc.lutExport('pixel1', 'json')) as LutFile;
    // Hand-made rows: five keys 1.5x slower, three dropped, one invented.
    const scale = (e: LutFile['entries'][number]) => ({ ...e, median_ms: ms(e.median_ms * 1.5), ci_low_ms: ms(e.ci_low_ms * 1.5), ci_high_ms: ms(e.ci_high_ms * 1.5), mad_ms: ms(e.mad_ms * 1.5), min_ms: ms(e.min_ms * 1.5), max_ms: ms(e.max_ms * 1.5) });
    const entries = exported.entries.slice(3).map((e, i) => (i < 5 ? scale(e) : e));
    const invented = { ...exported.entries[3]!, key: 'zz hand-made key only in B' };
    const { checksum: _c, ...body } = exported;
    copy = sealLutFile({ ...body, device: { ...body.device, key: 'pixel1-edited', fingerprint: { ...body.device.fingerprint, edit: 'hand-made by test/model-transfer.test.ts' } }, entries: [...entries, invented] });
  } finally {
    svc.close();
  }
  const edited = join(dir, 'pixel1-edited.lut.json');
  writeFileSync(edited, JSON.stringify(copy));
  const d = json<LutDiff>(['lut', 'diff', 'pixel1', edited, '--db', db, '--json']);
  assert.equal(d.a.device?.key, 'pixel1');
  assert.equal(d.b.name, 'pixel1-edited.lut.json');
  assert.equal(d.only_a.length, 3);
  assert.deepEqual(d.only_b, ['zz hand-made key only in B']);
  const scaled = d.rows.filter((r) => Math.abs(r.ratio - 1.5) < 1e-9);
  assert.equal(scaled.length, 5);
  assert.ok(d.rows.every((r) => Math.abs(r.ratio - 1.5) < 1e-9 || Math.abs(r.ratio - 1) < 1e-9));
  assert.ok(d.rows.every((r) => r.ci_low <= r.ratio && r.ratio <= r.ci_high));
  assert.ok(d.summary && Math.abs(d.summary.ratio - Math.exp((5 * Math.log(1.5)) / d.rows.length)) < 1e-9);
  assert.ok(d.summary.ci_low < d.summary.ratio && d.summary.ratio < d.summary.ci_high);
  // The order puts the largest ratios first; the public table states no spread, and the diff says so.
  assert.equal(d.rows[0]!.ratio, 1.5);
  assert.ok(d.rows.every((r) => !r.spread_known));
});

test('report compare: two profiling runs of one device, and one device against itself through its model', async () => {
  const quick = { device: 'local', workload: 'cifar10-6conv', runs: 4, maxRuns: 6, warmup: 1, maxSecondsPerUnit: 0.2, setupRatio: 0 } as const;
  const first = await src.profile(quick);
  const second = await src.profile({ ...quick, fresh: true });
  assert.notEqual(first.run_id, second.run_id);
  const r = json<CompareReport>(['report', 'compare', '--a', `run:${first.run_id}`, '--b', `run:${second.run_id}`, '--db', SRC, '--json']);
  assert.equal(r.only_a.length + r.only_b.length, 0, 'the same network: the same kernels');
  assert.ok(r.rows.length >= 10 && r.rows.every((x) => x.ci_low > 0 && x.ci_low <= x.ratio && x.ratio <= x.ci_high));
  // Microsecond kernels can repeat one timing exactly (no spread); the large ones cannot.
  assert.ok(r.rows.filter((x) => x.spread_known && x.ci_low < x.ratio && x.ratio < x.ci_high).length >= r.rows.length / 2, JSON.stringify(r.rows));
  const net = r.networks.find((n) => n.workload === 'cifar10-6conv');
  assert.ok(net?.measured && net.measured.ci_low < net.measured.ci_high, JSON.stringify(r.networks));
  assert.equal(net.predicted, undefined, 'runs are not devices: no model predicts for them here');

  const self = await src.reportCompare({ a: 'local', b: 'local', workloads: ['cifar10-6conv'] });
  assert.equal(self.summary?.ratio, 1);
  const p = self.networks[0]!.predicted!;
  assert.equal(p.ratio, 1);
  assert.equal(p.interval, 'calibration');
  assert.ok(p.ci_low < 1 && p.ci_high > 1);
});
