/**
 * `nas` on the public YAML tables (profiles-db/importers/fixtures): the ProxylessNAS Pixel 1
 * table loads as the Single-Path NAS space; the OFA Note10 table, whose MobileNetV3 blocks
 * are another space, is refused with what the table is rather than "profile it first".
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LabbenchError } from '../api/errors.js';
import { SKIP } from '../predict/spnas-lut.js';
import { SPNAS_LAYERS } from '../workloads/zoo/spnas-space.js';
import { openProfilesDb } from '../../profiles-db/profiles-db.js';
import { importLut } from '../../profiles-db/lut-file.js';
import { readLutText } from '../../profiles-db/importers/read-lut-text.js';
import { ROOT } from '../../test/cli-helpers.js';
import { loadSpnasLut } from './nas-job.js';

const FIXTURES = join(ROOT, 'profiles-db', 'importers', 'fixtures');
const PROXYLESS = join(FIXTURES, 'proxylessnas-pixel1_mobile_trim.yaml');
const OFA = join(FIXTURES, 'ofa-note10_224_lookup_table.yaml');

test('the ProxylessNAS table loads for nas the same from the file and from the imported device', () => {
  const fromFile = loadSpnasLut(undefined, { lutFile: PROXYLESS });
  const db = openProfilesDb(':memory:');
  try {
    importLut(db, readLutText(readFileSync(PROXYLESS, 'utf8'), 'mobile_trim.yaml'));
    const fromDb = loadSpnasLut(db, { device: 'proxylessnas-pixel1' });
    assert.deepEqual(fromDb.table, fromFile.table);
    assert.match(fromDb.label, /Pixel 1/);
  } finally {
    db.close();
  }
  const t = fromFile.table;
  // Every option of every layer is priced; skip only where the layer has a residual, at 0 ms.
  for (const l of SPNAS_LAYERS) {
    for (let c = 0; c < SKIP; c++) assert.ok(t.cells[l.index * (SKIP + 1) + c]! > 0, `layer ${l.index} choice ${c}`);
    const skip = t.cells[l.index * (SKIP + 1) + SKIP]!;
    assert.ok(l.residual ? skip === 0 : Number.isNaN(skip), `layer ${l.index} skip ${skip}`);
  }
});

test('nas refuses the OFA table, saying which space it searches and what the table is', () => {
  const refused = (e: unknown): boolean =>
    e instanceof LabbenchError &&
    e.code === 'LUT_NOT_FOUND' &&
    /nas searches the Single-Path NAS space, which this table does not cover \(ofa-note10: .*MobileNetV3 blocks/.test(e.message) &&
    !/profile it first/.test(e.message);
  assert.throws(() => loadSpnasLut(undefined, { lutFile: OFA }), refused);
  const db = openProfilesDb(':memory:');
  try {
    importLut(db, readLutText(readFileSync(OFA, 'utf8'), 'ofa.yaml'));
    assert.throws(() => loadSpnasLut(db, { device: 'ofa-note10' }), (e: unknown) => e instanceof LabbenchError && e.code === 'LUT_NOT_FOUND' && /does not cover \(an imported LUT\)/.test(e.message));
  } finally {
    db.close();
  }
});
