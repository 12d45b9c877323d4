/**
 * The CLI end to end, through the real binary: onnxruntime-node on this CPU, SQLite files
 * on disk. Profiling settings are small; the assertions are on what the contract promises.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { labbench, labbenchHere, pixel1LutPath, tempDir, QUICK } from './cli-helpers.js';

interface ProfileJson {
  device: string;
  workload: string;
  layers: { name: string; op: string; key: string; median_ms: number; ci_ms: [number, number]; n: number }[];
  end_to_end: { median_ms: number; ci_ms: [number, number]; n: number };
  measured_units: number;
  resumed_units: number;
}
interface LutJson {
  device: { key: string; fingerprint_hash: string; label: string; fingerprint: Record<string, unknown>; origin: string };
  entries: { key: string; op: string; median_ms: number; n: number; config: Record<string, unknown>; measured_at: string }[];
}

test('devices --json lists this CPU as local with its model and cores', () => {
  const r = labbench(['devices', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as { devices: { id: string; kind: string; cpu_model?: string; cores?: number }[]; notes: string[] };
  const local = doc.devices.find((d) => d.id === 'local');
  assert.ok(local, 'local is listed');
  assert.equal(local.kind, 'local-cpu');
  assert.ok(typeof local.cpu_model === 'string' && local.cpu_model.length > 0);
  assert.ok(typeof local.cores === 'number' && local.cores >= 1);
  // No GPU here: the list says why rather than staying silently empty.
  if (!doc.devices.some((d) => d.kind === 'local-gpu')) assert.ok(doc.notes.some((n) => /nvidia-smi/.test(n)));
});

test('profile cifar10-6conv: per-layer and end-to-end medians, kept in the LUT; export/import round trip', (t) => {
  const dir = tempDir(t);
  const db = join(dir, 't.db');
  const r = labbench(['profile', '--device', 'local', '--workload', 'cifar10-6conv', '--db', db, '--json', '--per-layer', ...QUICK]);
  assert.equal(r.status, 0, r.stderr);
  const p = JSON.parse(r.stdout) as ProfileJson;
  assert.equal(p.workload, 'cifar10-6conv');
  assert.ok(p.layers.length >= 10, 'every layer is reported');
  for (const l of p.layers) {
    assert.ok(l.median_ms > 0, `${l.name} has a positive median`);
    assert.ok(l.ci_ms[0] <= l.median_ms && l.median_ms <= l.ci_ms[1], `${l.name} median lies in its interval`);
    assert.ok(l.n >= 5);
  }
  assert.ok(p.end_to_end.median_ms > 0 && p.end_to_end.n >= 5);
  // Progress went to stderr, with a time estimate.
  assert.match(r.stderr, /\[[#-]+\] \d+\/\d+/);
  assert.match(r.stderr, /eta \d/);
  // Physics, not numbers: the cheapest conv (conv1, 3.5 MMACs) outlasts the ReLU after it
  // (131k elements), and the biggest conv outlasts every ReLU.
  const med = (name: string): number => p.layers.find((l) => l.name === name)!.median_ms;
  assert.ok(med('conv1') > med('relu1'));
  const maxRelu = Math.max(...p.layers.filter((l) => l.op === 'relu').map((l) => l.median_ms));
  assert.ok(Math.max(...p.layers.filter((l) => l.op === 'conv').map((l) => l.median_ms)) > 10 * maxRelu);

  const show = labbench(['lut', 'show', '--device', 'local', '--db', db, '--json']);
  assert.equal(show.status, 0, show.stderr);
  const lut = JSON.parse(show.stdout) as LutJson;
  const byKey = new Map(lut.entries.map((e) => [e.key, e]));
  for (const l of p.layers) assert.equal(byKey.get(l.key)?.median_ms, l.median_ms, `LUT holds ${l.name}`);
  assert.equal(lut.device.fingerprint.runtime, 'onnxruntime-node');
  assert.equal(lut.device.fingerprint.threads, 1);

  const out = join(dir, 'local.lut.json');
  assert.equal(labbench(['lut', 'export', '--device', 'local', '--out', out, '--db', db]).status, 0);
  const db2 = join(dir, 'other.db');
  const imp = labbench(['lut', 'import', out, '--db', db2, '--json']);
  assert.equal(imp.status, 0, imp.stderr);
  assert.equal((JSON.parse(imp.stdout) as { inserted: number }).inserted, lut.entries.length);
  const show2 = JSON.parse(labbench(['lut', 'show', '--device', 'local', '--db', db2, '--json']).stdout) as LutJson;
  const importedAt = (show2.device as { imported_at?: string }).imported_at;
  assert.ok(importedAt, 'the imported device says when it was imported');
  assert.deepEqual(show2.entries, lut.entries.map((e) => ({ ...e, imported_at: importedAt })), 'rows keep measured_at, and add when they were imported');
  for (const f of ['key', 'label', 'fingerprint', 'fingerprint_hash'] as const) assert.deepEqual(show2.device[f], lut.device[f]);
  assert.equal(show2.device.origin, 'imported');

  // Bad files: each exits 2 with one line on stderr and leaves the DB as it was.
  const before = readFileSync(db2);
  const lines = readFileSync(out, 'utf8');
  const tampered = lines.replace(/"median_ms": ([0-9.e-]+)/, (_m, v: string) => `"median_ms": ${Number(v) * 1.5}`);
  assert.notEqual(tampered, lines);
  const cases: [string, string, RegExp][] = [
    ['tampered.json', tampered, /checksum/],
    ['truncated.json', lines.slice(0, Math.floor(lines.length / 2)), /not valid JSON/],
    ['garbage.json', '{"format": "labbench-lut", "version": 1, oops', /not valid JSON/],
  ];
  for (const [name, text, why] of cases) {
    const f = join(dir, name);
    writeFileSync(f, text);
    const bad = labbench(['lut', 'import', f, '--db', db2]);
    assert.equal(bad.status, 2, `${name}: exit 2`);
    assert.match(bad.stderr, why);
    assert.equal(bad.stderr.trim().split('\n').length, 1, `${name}: one line`);
    assert.equal(bad.stdout, '');
  }
  assert.ok(before.equals(readFileSync(db2)), 'the DB file is unchanged');
  const after = JSON.parse(labbench(['lut', 'show', '--device', 'local', '--db', db2, '--json']).stdout) as LutJson;
  assert.deepEqual(after.entries, show2.entries);

  // CSV export for spreadsheets.
  const csv = join(dir, 'local.csv');
  assert.equal(labbench(['lut', 'export', '--device', 'local', '--out', csv, '--format', 'csv', '--db', db]).status, 0);
  const rows = readFileSync(csv, 'utf8').trim().split('\n');
  assert.match(rows[0]!, /^key,op,n,median_ms/);
  assert.equal(rows.length, lut.entries.length + 1);
});

test('the public Pixel 1 LUT imports as 22 layers x 4 options, next to local rows', (t) => {
  const dir = tempDir(t);
  const db = join(dir, 'p.db');
  const src = join(dir, 'pixel1-single-path-nas-lut.json');
  copyFileSync(pixel1LutPath(), src);
  const imp = labbench(['lut', 'import', src, '--db', db, '--json']);
  assert.equal(imp.status, 0, imp.stderr);
  assert.equal((JSON.parse(imp.stdout) as { device: { key: string } }).device.key, 'pixel1');
  const lut = JSON.parse(labbench(['lut', 'show', '--device', 'pixel1', '--db', db, '--json']).stdout) as LutJson;
  const blocks = lut.entries.filter((e) => e.op === 'mbconv');
  assert.equal(blocks.length, 88);
  assert.equal(new Set(blocks.map((e) => e.config.layer)).size, 22);
  assert.equal(new Set(blocks.map((e) => e.config.option)).size, 4);
  // Spot check against the published file: layer 1, option 3 (5x5, expansion 6) = 11.5892 ms.
  const l1o3 = blocks.find((e) => e.config.layer === 1 && e.config.option === 3)!;
  assert.equal(l1o3.median_ms, 11.5892);
  assert.equal(l1o3.config.kernel, 5);
  assert.equal(l1o3.config.expansion, 6);
  const human = labbench(['lut', 'show', '--device', 'pixel1', '--db', db]);
  assert.match(human.stdout, /22 searchable layers x 4 options/);

  // Its keys are those of the blocks this bench measures for spnas-space, so they line up.
  const plan = labbench(['profile', '--device', 'local', '--workload', 'spnas-space', '--resolution', '64', '--db', join(dir, 'x.db'), '--json', '--runs', '1', '--max-runs', '1', '--warmup', '0', '--max-seconds', '0.01'], {});
  assert.equal(plan.status, 0, plan.stderr);
  // Different resolution, so different keys; the shapes must still follow the same pattern.
  const measured = (JSON.parse(plan.stdout) as ProfileJson).layers.filter((l) => l.op === 'mbconv');
  assert.equal(measured.length, 22);
  assert.match(measured[0]!.key, /^mbconv L0 k3 e6 s1 o16 in=32x32x32$/);
  assert.ok(blocks.some((b) => b.key === 'mbconv L0 k3 e6 s1 o16 in=32x112x112'));
});

test('bad input exits 2 with a one-line reason', async (t) => {
  const dir = tempDir(t);
  const db = join(dir, 'b.db');
  const unknown = labbench(['profile', '--device', 'local', '--workload', 'lenet', '--db', db]);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /lenet/);
  assert.match(unknown.stderr, /vgg16/);
  // The rest in this process (runCli, whose status is the exit status): a child takes seconds to load and refuse.
  assert.equal((await labbenchHere(['profile', '--device', 'local', '--db', db])).status, 2, 'missing --workload');
  assert.equal((await labbenchHere(['profile', '--device', 'phone9', '--workload', 'vgg13', '--db', db])).status, 2);
  assert.equal((await labbenchHere(['lut', 'show', '--device', 'nowhere', '--db', db])).status, 2);
  assert.equal((await labbenchHere(['lut', 'import', join(dir, 'missing.json'), '--db', db])).status, 2);
  assert.equal((await labbenchHere(['profile', '--device', 'local', '--workload', 'vgg13', '--runs', 'many', '--db', db])).status, 2);
  // Several devices at once: refused before any job starts where they cannot run together.
  const twice = await labbenchHere(['profile', '--device', 'local,local', '--workload', 'vgg13', '--db', db]);
  assert.equal(twice.status, 2);
  assert.match(twice.stderr, /names local twice/);
  const oneMeter = await labbenchHere(['profile', '--device', 'local,127.0.0.1:5555', '--workload', 'vgg13', '--meter', '/dev/ttyUSB0:um34c', '--db', db]);
  assert.equal(oneMeter.status, 2);
  assert.match(oneMeter.stderr, /--meter measures one device/);
  const badPort = await labbenchHere(['devices', '-P', '0', '--db', db]);
  assert.equal(badPort.status, 2);
  assert.match(badPort.stderr, /-P must be a port between 1 and 65535, got '0'/);
  const json = labbench(['lut', 'show', '--device', 'nowhere', '--db', db, '--json']);
  assert.equal((JSON.parse(json.stdout) as { error: { code: string } }).error.code, 'DEVICE_NOT_FOUND');
  assert.ok(!existsSync(join(dir, 'missing.json')));
});

test('profile an ONNX model written by another tool (PyTorch); an unsupported operator exits 2 naming it', (t) => {
  const dir = tempDir(t);
  const db = join(dir, 'o.db');
  const model = join('app', 'workloads', 'fixtures', 'torch-cnn-op13.onnx');
  const r = labbench(['profile', '--device', 'local', '--workload', model, '--db', db, '--json', ...QUICK]);
  assert.equal(r.status, 0, r.stderr);
  const p = JSON.parse(r.stdout) as ProfileJson;
  assert.equal(p.workload, 'torch-cnn-op13.onnx');
  assert.ok(p.layers.some((l) => l.op === 'dwconv') && p.layers.some((l) => l.op === 'fc'));
  assert.ok(p.end_to_end.median_ms > 0);
  const bad = labbench(['profile', '--device', 'local', '--workload', join('app', 'workloads', 'fixtures', 'torch-gelu-op13.onnx'), '--db', db]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unsupported ONNX operator 'Erf'/);
});
