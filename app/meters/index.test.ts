import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERIAL_METERS, SOURCE_METERS } from './index.js';
import { METER_KINDS, SOURCE_METER_KINDS, formatMeterSpec, parseMeterSpec } from './spec.js';

const here = dirname(fileURLToPath(import.meta.url));

test('every meter folder with a kind.ts is listed once in app/meters/index.ts', async () => {
  const folders = readdirSync(here, { withFileTypes: true }).filter((d) => d.isDirectory() && existsSync(join(here, d.name, 'kind.ts')));
  assert.ok(folders.length >= 6);
  const listed: readonly unknown[] = [...SERIAL_METERS, ...SOURCE_METERS];
  for (const f of folders) {
    const mod = (await import(join(here, f.name, 'kind.ts'))) as Record<string, unknown>;
    const descriptors = Object.values(mod).filter((v) => typeof v === 'object' && v !== null && 'transport' in v);
    assert.equal(descriptors.length, 1, `${f.name}/kind.ts exports one descriptor`);
    assert.equal(listed.filter((d) => d === descriptors[0]).length, 1, `${f.name}'s descriptor is listed once in index.ts`);
  }
  assert.equal(listed.length, folders.length, 'nothing listed that has no folder');
});

test('kind names are unique, and every serial kind parses and prints its own spec back', () => {
  const all = [...METER_KINDS, ...SOURCE_METER_KINDS];
  assert.equal(new Set(all).size, all.length);
  for (const kind of METER_KINDS) {
    const spec = parseMeterSpec(`/dev/ttyUSB0:${kind},baud=57600`);
    assert.equal(spec.kind, kind);
    assert.equal(formatMeterSpec(spec), `/dev/ttyUSB0:${kind},baud=57600`);
  }
});
