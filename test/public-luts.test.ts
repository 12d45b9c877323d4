/**
 * Public LUTs of real phones through the real binary: the ProxylessNAS Pixel 1 and OFA Note10
 * YAML tables import and show, `nas` searches against the imported Pixel 1 table (its blocks
 * are the Single-Path NAS space's) with a tiny proxy, and a malformed table exits 2 naming
 * its line. (The refusal of the Note10 table by `nas` is in latency-yaml-lut.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { labbench, labbenchHere, ROOT, tempDir } from './cli-helpers.js';
import type { NasResult } from '../app/api/search.js';

const FIXTURES = join(ROOT, 'profiles-db', 'importers', 'fixtures');
const PROXYLESS = join(FIXTURES, 'proxylessnas-pixel1_mobile_trim.yaml');
const OFA = join(FIXTURES, 'ofa-note10_224_lookup_table.yaml');
const TINY = ['--data', 'mnist', '--limit', '64', '--resolution', '16', '--width', '0.125', '--batch-size', '32', '--epochs', '1', '--train-epochs', '1', '--no-baselines'];

interface LutJson {
  device: { key: string; label: string; origin: string; emulated: boolean };
  entries: { key: string; op: string; median_ms: number; n: number; emulated: boolean }[];
}

test('the ProxylessNAS and OFA YAML tables import and show; nas searches the imported Pixel 1 table', { timeout: 300_000 }, async (t) => {
  const dir = tempDir(t);
  const db = join(dir, 'public.db');

  const imp = labbench(['lut', 'import', PROXYLESS, '--db', db]);
  assert.equal(imp.status, 0, imp.stderr);
  assert.match(imp.stdout, /^imported 115 entries for proxylessnas-pixel1@[0-9a-f]{16} \(115 new, 0 replaced, 0 local kept\)\nnote: proxylessnas-pixel1: 72 table rows \(ProxylessNAS format\); 45 MBConv blocks /);
  const shown = labbench(['lut', 'show', '--device', 'proxylessnas-pixel1', '--db', db]);
  assert.equal(shown.status, 0, shown.stderr);
  assert.match(shown.stdout, /Google Pixel 1 \(ProxylessNAS latency table\) \(imported, imported .*\), 115 entries\n/);
  assert.match(shown.stdout, /22 searchable layers x 4 options/);
  assert.match(shown.stdout, /spnas-stem in=3x224x224 +4\.084 /);
  // Blocks outside the space are listed as rows below the grid.
  assert.match(shown.stdout, /mbconv k7 e6 s2 o24 in=16x112x112 +22\.10/);
  assert.doesNotMatch(shown.stdout, /EMULATED/);

  const ofa = JSON.parse(labbench(['lut', 'import', OFA, '--db', db, '--json']).stdout) as { device: { key: string }; inserted: number; notes: string[] };
  assert.equal(ofa.device.key, 'ofa-note10');
  assert.equal(ofa.inserted, 96);
  assert.match(ofa.notes[0]!, /not the Single-Path NAS space/);
  const note10 = JSON.parse(labbench(['lut', 'show', '--device', 'ofa-note10', '--db', db, '--json']).stdout) as LutJson;
  assert.equal(note10.device.origin, 'imported');
  assert.equal(note10.device.emulated, false);
  assert.equal(note10.entries.length, 96);
  assert.ok(note10.entries.every((e) => !e.emulated));
  const mb = note10.entries.find((e) => e.key === 'mbconv k7 e6 s2 o192 se hs in=136x14x14')!;
  assert.deepEqual([mb.median_ms, mb.n], [2.5210625, 64]);

  // NAS against the imported table: a network in [95, 100] ms on that Pixel 1.
  const nas = labbench(['nas', '--device', 'proxylessnas-pixel1', '--target-ms', '100', ...TINY, '--db', db, '--json']);
  assert.equal(nas.status, 0, nas.stderr);
  const r = JSON.parse(nas.stdout) as NasResult;
  assert.ok(r.predicted_latency_ms <= 100 && r.predicted_latency_ms >= 95, `${r.predicted_latency_ms} ms`);
  assert.equal(r.architecture.length, 22);
  assert.equal(r.resolution, 224);

  const bad = join(dir, 'broken.yaml');
  writeFileSync(bad, 'Conv-input:224x224x3-output:112x112x32:\n  count: 982\n  mean: 4.08 ms\n');
  const broken = await labbenchHere(['lut', 'import', bad, '--db', db]);
  assert.equal(broken.status, 2);
  assert.match(broken.stderr, /broken\.yaml: line 3: mean of Conv-input:224x224x3-output:112x112x32 is not a number: "4\.08 ms"/);
});
