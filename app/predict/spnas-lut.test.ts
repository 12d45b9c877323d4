import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { pixel1LutPath } from '../../test/cli-helpers.js';
import { readLutText } from '../../profiles-db/importers/read-lut-text.js';
import { compileSpnasTable, SKIP, spnasLatency } from './spnas-lut.js';
import { SPNAS_LAYERS } from '../workloads/zoo/spnas-space.js';

function pixel1(): ReturnType<typeof readLutText> {
  return readLutText(readFileSync(pixel1LutPath(), 'utf8'), 'pixel1-single-path-nas-lut.json');
}

test('the Pixel 1 table predicts an architecture as the authors\' runtime model does', () => {
  const t = compileSpnasTable(pixel1().entries);
  assert.equal(t.fixed_ms, 19.6);
  assert.equal(t.resolution, 224);
  // All layers at option 0 (3x3, expansion 3): 19.6 + the sum of the file's "0" column.
  const doc = JSON.parse(readFileSync(pixel1LutPath(), 'utf8')) as Record<string, Record<string, number>>;
  const col0 = Object.values(doc).reduce((s, row) => s + row['0']!, 0);
  assert.ok(Math.abs(spnasLatency(t, new Array(22).fill(0)) - (19.6 + col0)) < 1e-9);
  // Skipping a residual layer costs the authors' 0.7 ms instead of its block.
  const choices = new Array(22).fill(3);
  const residual = SPNAS_LAYERS.find((l) => l.residual)!.index;
  const full = spnasLatency(t, choices);
  choices[residual] = SKIP;
  assert.ok(Math.abs(full - spnasLatency(t, choices) - (doc[String(residual)]!['3']! - 0.7)) < 1e-9);
  // Skip on a stride-2 layer is not an architecture of the space.
  choices[1] = SKIP;
  assert.ok(Number.isNaN(spnasLatency(t, choices)));
});
