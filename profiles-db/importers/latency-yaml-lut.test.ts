/**
 * The published OFA (Note10) and ProxylessNAS (Pixel 1) YAML tables as LUT files: every row
 * mapped to its IR block with the table's figures, the ProxylessNAS table folded into the
 * Single-Path NAS space, and the import into a DB. Fixtures: fixtures/README.md.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LabbenchError } from '../../app/api/errors.js';
import type { LutRecord } from '../../app/api/lut.js';
import { compileSpnasTable, SKIP, spnasLatency } from '../../app/predict/spnas-lut.js';
import { SPNAS_LAYERS } from '../../app/workloads/zoo/spnas-space.js';
import { importLut, validateLutDocument, type LutFile } from '../lut-file.js';
import { openProfilesDb } from '../profiles-db.js';
import { importSummary } from './latency-yaml-lut.js';
import { readLutText } from './read-lut-text.js';

const FIXTURES = join(fileURLToPath(import.meta.url), '..', 'fixtures');
const load = (name: string, deviceKey?: string): LutFile => readLutText(readFileSync(join(FIXTURES, name), 'utf8'), name, deviceKey ? { deviceKey } : {});
const OFA_224 = 'ofa-note10_224_lookup_table.yaml';
const OFA_160 = 'ofa-note10_160_lookup_table.yaml';
const PROXYLESS = 'proxylessnas-pixel1_mobile_trim.yaml';

function entry(file: LutFile, key: string): LutRecord {
  const e = file.entries.find((x) => x.key === key);
  assert.ok(e, `${key} in ${file.entries.map((x) => x.key).join(' | ')}`);
  return e;
}

/** The table's mean with its 95 % interval from std and count. */
function assertStats(e: LutRecord, mean: number, std: number, count: number): void {
  assert.equal(e.median_ms, mean);
  assert.equal(e.n, count);
  const half = (1.96 * std) / Math.sqrt(count);
  assert.ok(Math.abs(e.ci_low_ms - (mean - half)) < 1e-12 && Math.abs(e.ci_high_ms - (mean + half)) < 1e-12, `${e.ci_low_ms}..${e.ci_high_ms}`);
  assert.equal(e.emulated, false);
}

test('the OFA Note10 table imports as a real Note10: every row an IR block with its mean, std and count', () => {
  const file = load(OFA_224);
  assert.equal(file.device.key, 'ofa-note10');
  assert.match(file.device.label, /Note10/);
  assert.equal(file.device.emulated, false);
  assert.equal(file.device.fingerprint.kind, 'android');
  assert.equal(file.entries.length, 96);
  assert.ok(file.entries.every((e) => e.op !== 'unmapped'));
  assert.equal(file.provenance.resolution, 224);
  // The stem: Conv-input:224x224x3-output:112x112x24 (count 500, mean 0.994418, std 0.01726798413249215).
  const stem = entry(file, 'stem k3 s2 o24 in=3x224x224');
  assertStats(stem, 0.994418, 0.01726798413249215, 500);
  assert.equal(stem.config.source_key, 'Conv-input:224x224x3-output:112x112x24');
  assert.deepEqual(stem.config.table, { mean_ms: 0.994418, std_ms: 0.01726798413249215, count: 500 });
  // An MBConv with SE and hardswish; `expand` is the expanded channel count (816 = 6 x 136).
  const mb = entry(file, 'mbconv k7 e6 s2 o192 se hs in=136x14x14');
  assertStats(mb, 2.5210625, 0.06115755140413983, 64);
  assert.deepEqual(
    { cin: mb.config.cin, cout: mb.config.cout, kernel: mb.config.kernel, stride: mb.config.stride, mid: mb.config.mid, expansion: mb.config.expansion, se: mb.config.se, act: mb.config.act, residual: mb.config.residual },
    { cin: 136, cout: 192, kernel: 7, stride: 2, mid: 816, expansion: 6, se: true, act: 'hardswish', residual: false },
  );
  // The first block (expand:24 on 24 channels) has no expand conv; a residual stage without SE is ReLU.
  assert.equal(entry(file, 'mbconv k3 e1 s1 o24 res in=24x112x112').config.act, 'relu');
  assert.equal(entry(file, 'gap in=1152x7x7').op, 'gap');
  assert.deepEqual(entry(file, 'classifier o1000 in=1536x1x1').config.layers, ['fc']);
  assert.equal(entry(file, 'pwconv o1536 in=1152x1x1').config.part, '1x1 conv after the pool');
  // Its MobileNetV3 blocks are not the Single-Path NAS space, and the import says so.
  assert.ok(!file.entries.some((e) => e.key.startsWith('spnas-')));
  assert.match(importSummary(file)!, /96 table rows .*not the Single-Path NAS space \(MobileNetV3 blocks .*nas cannot search against it; 0 unmapped$/);
  assert.throws(() => compileSpnasTable(file.entries), (e: unknown) => e instanceof LabbenchError && e.code === 'LUT_NOT_FOUND');
  // The file passes the LUT file checks an import runs again.
  validateLutDocument(JSON.parse(JSON.stringify(file)), OFA_224);
});

test('two OFA resolutions are one device: the 160 px table adds its own shapes', () => {
  const a = load(OFA_224);
  const b = load(OFA_160);
  assert.deepEqual(b.device, a.device);
  assert.equal(b.provenance.resolution, 160);
  assertStats(entry(b, 'stem k3 s2 o24 in=3x160x160'), 0.495562248995984, 0.010239557348882489, 498);
  assert.equal(entry(b, 'pwconv o1152 in=192x5x5').median_ms, 0.4456807228915663);
  const db = openProfilesDb(':memory:');
  try {
    const first = importLut(db, a);
    assert.equal(first.inserted, 96);
    const second = importLut(db, b);
    assert.equal(second.device.id, first.device.id);
    // Conv_2 and Logits act on 1x1 maps at every resolution: the same blocks, measured again.
    assert.deepEqual([second.inserted, second.replaced], [94, 2]);
    assert.equal(db.lutView('ofa-note10').entries.length, 190);
  } finally {
    db.close();
  }
});

test('the ProxylessNAS Pixel 1 table covers the Single-Path NAS space and prices every architecture of it', () => {
  const file = load(PROXYLESS);
  assert.equal(file.device.key, 'proxylessnas-pixel1');
  assert.equal(file.device.fingerprint.model, 'Pixel');
  assert.equal(file.device.emulated, false);
  const spnas = file.entries.filter((e) => e.op === 'mbconv' && typeof e.config.layer === 'number');
  assert.equal(spnas.length, 88);
  // 112x112x16 -> 56x56x24, expand 6, kernel 5 (count 161, mean 18.941260869565216, var 0.3943272992116978).
  const l1 = entry(file, 'mbconv L1 k5 e6 s2 o24 in=16x112x112');
  assertStats(l1, 18.941260869565216, Math.sqrt(0.3943272992116978), 161);
  assert.equal(l1.config.option, 3);
  // One measured block prices every layer of its configuration (layers 2-4: 24 -> 24 at 56 px).
  for (const layer of [2, 3, 4]) assert.equal(entry(file, `mbconv L${layer} k3 e3 s1 o24 res in=24x56x56`).median_ms, 6.273091549295775);
  // Layer 0: only the fixed MBConv1 3x3 was measured; it prices all four options, and says so.
  const l0 = spnas.filter((e) => e.config.layer === 0);
  assert.equal(l0.length, 4);
  assert.ok(l0.every((e) => e.median_ms === 3.8821352201257864 && e.config.source_key === 'expanded_conv-input:112x112x32-output:112x112x16-expand:1-kernel:3-stride:1-idskip:0' && typeof e.config.priced_by === 'string'));
  // The stem is the table's Conv; the head its Conv_1 and Logits together.
  assertStats(entry(file, 'spnas-stem in=3x224x224'), 4.083755600814664, Math.sqrt(0.2502372872758427), 982);
  assert.equal(entry(file, 'spnas-head in=320x7x7').median_ms, 3.088623217922607 + 0.3096415478615071);
  assert.equal(entry(file, 'spnas-skip').median_ms, 0);
  // Blocks outside the space stay as IR rows: kernel 7, and layer 0's other kernels.
  assert.equal(entry(file, 'mbconv k7 e6 s2 o24 in=16x112x112').median_ms, 22.104676829268296);
  assert.equal(entry(file, 'mbconv k5 e1 s1 o16 in=32x112x112').config.act, 'relu6');
  assert.equal(file.entries.filter((e) => e.op === 'mbconv' && e.config.layer === undefined).length, 24);
  assert.equal(file.entries.length, 88 + 3 + 24);
  // The fork's placeholder fields are kept, not used.
  assert.deepEqual((entry(file, 'spnas-stem in=3x224x224').config.table as Record<string, unknown>).extra, { big: 0.2, small: 0.4 });
  assert.match(importSummary(file)!, /72 table rows \(ProxylessNAS format\); 45 MBConv blocks and the stem, Conv_1 and Logits price the Single-Path NAS space as 91 rows .*; 24 other MBConv blocks .*; 0 unmapped; 8 rows carry other fields \(big, small\)/);

  const t = compileSpnasTable(file.entries);
  assert.equal(t.resolution, 224);
  assert.equal(t.fixed_ms, 4.083755600814664 + 3.088623217922607 + 0.3096415478615071);
  // All k3e3: layer 0 at the fixed block plus the table's k3e3 row of every other layer.
  const k3e3 = spnas.filter((e) => e.config.option === 0).reduce((s, e) => s + e.median_ms, 0);
  assert.ok(Math.abs(spnasLatency(t, SPNAS_LAYERS.map(() => 0)) - (t.fixed_ms + k3e3)) < 1e-9);
  // A skipped residual layer costs nothing.
  const skipped = SPNAS_LAYERS.map((l) => (l.index === 3 ? SKIP : 0));
  assert.ok(Math.abs(spnasLatency(t, skipped) - (spnasLatency(t, SPNAS_LAYERS.map(() => 0)) - 6.273091549295775)) < 1e-9);
});

test('--as renames the device; a row of a type with no IR block is kept as unmapped and counted', () => {
  assert.equal(load(PROXYLESS, 'pixel1-proxyless').device.key, 'pixel1-proxyless');
  // Hand-written rows in the tables' format (not a capture): a row type OFA never wrote.
  const text = 'Conv-input:32x32x3-output:16x16x8:\n  count: 10\n  mean: 0.5\n  std: 0.1\nSoftmax-input:1x1x10-output:10:\n  mean: 0.01\n';
  const file = readLutText(text, 'handwritten.yaml');
  const odd = entry(file, 'yaml Softmax-input:1x1x10-output:10');
  assert.equal(odd.op, 'unmapped');
  assert.equal(odd.n, 1);
  assert.match(importSummary(file)!, /1 unmapped \(line 5\)$/);
});

test('malformed tables are LUT_INVALID errors naming the file and the line; the DB is untouched', () => {
  const cases: [string, RegExp][] = [
    ['Conv-input:32x32x3-output:16x16x8:\n  count: 10\n  mean: slow\n', /^bad\.yaml: line 3: mean of Conv-input:32x32x3-output:16x16x8 is not a number: "slow"$/],
    ['Conv-input:32x32x3-output:16x16x8:\n  count: 2.5\n  mean: 1\n', /^bad\.yaml: line 1: Conv-input:32x32x3-output:16x16x8: count must be an integer >= 1, got 2\.5$/],
    ['Conv-input:32x32x3-output:16x16x8:\n  std: 0.1\n', /line 1: .*: no mean \(ms\)/],
    ['expanded_conv-input:8x8x16-output:4x4x16-expand:3-kernel:3-stride:2-idskip:1:\n  mean: 1\n', /line 1: .*idskip:1 needs stride 1/],
    ['expanded_conv-input:8x8x16-output:8x8x16-expand:3-stride:1-idskip:1:\n  mean: 1\n', /line 1: .*expanded_conv needs kernel:<n>/],
  ];
  const db = openProfilesDb(':memory:');
  try {
    for (const [text, re] of cases) {
      assert.throws(
        () => importLut(db, readLutText(text, 'bad.yaml')),
        (e: unknown) => e instanceof LabbenchError && e.code === 'LUT_INVALID' && re.test(e.message),
        re.source,
      );
    }
    assert.equal(db.listDevices().length, 0);
  } finally {
    db.close();
  }
});
