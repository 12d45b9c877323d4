import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RESERVED_KINDS, SEARCH_METHODS, searchMethod } from './search-methods.js';
import { searchFields, searchMethodInfo, uiSchema } from './api/search-method.js';
import { LabbenchError } from './api/errors.js';

const here = dirname(fileURLToPath(import.meta.url));

test('every app folder with a method.ts is listed once in app/search-methods.ts', async () => {
  const folders = readdirSync(here, { withFileTypes: true }).filter((d) => d.isDirectory() && existsSync(join(here, d.name, 'method.ts')));
  assert.ok(folders.length >= 3);
  for (const f of folders) {
    const mod = (await import(join(here, f.name, 'method.ts'))) as Record<string, unknown>;
    const descriptors = Object.values(mod).filter((v) => typeof v === 'object' && v !== null && 'request' in v && 'run' in v);
    assert.equal(descriptors.length, 1, `${f.name}/method.ts exports one descriptor`);
    assert.equal(SEARCH_METHODS.filter((d) => d === descriptors[0]).length, 1, `${f.name}'s descriptor is listed once in app/search-methods.ts`);
    assert.equal((descriptors[0] as (typeof SEARCH_METHODS)[number]).request.kind, f.name, `${f.name}/method.ts describes kind '${f.name}'`);
  }
  assert.equal(SEARCH_METHODS.length, folders.length, 'nothing listed that has no folder');
  for (const m of SEARCH_METHODS) assert.ok(!RESERVED_KINDS.includes(m.request.kind), `'${m.request.kind}' is a job of the server's own (profile, fit)`);
});

test('each method: every schema field has a presentation, flags are unique, a UI names no host path', () => {
  for (const m of SEARCH_METHODS) {
    const fields = searchFields(m.request);
    assert.deepEqual(fields.map((f) => f.key), Object.keys(m.request.schema.shape), m.request.kind);
    assert.equal(new Set(fields.map((f) => f.flag)).size, fields.length, `${m.request.kind}: unique flags`);
    const info = searchMethodInfo(m.request);
    assert.deepEqual(JSON.parse(JSON.stringify(info)), info, 'plain JSON');
    const ui = Object.keys(uiSchema(m.request).shape);
    assert.deepEqual(ui, info.fields.map((f) => f.key));
    for (const f of fields) if (f.ui === 'never') assert.ok(!ui.includes(f.key), `${m.request.kind}.${f.key} is not a UI's to set`);
    for (const f of info.fields) if (f.initial !== undefined && f.type !== 'numbers') assert.ok(uiSchema(m.request).shape[f.key]!.safeParse(f.initial).success, `${m.request.kind}.${f.key}'s initial value passes its own schema`);
  }
  assert.throws(() => searchMethod('bogus' as 'nas'), (e: unknown) => e instanceof LabbenchError && e.code === 'BAD_INPUT');
});

test('the UI schema refuses a file where the CLI takes one, and names the field', () => {
  const nas = uiSchema(searchMethod('nas').request);
  assert.equal(nas.safeParse({ targetMs: 80, data: 'mnist' }).error?.issues[0]?.path[0], 'device', 'a UI must name a device');
  assert.equal(nas.safeParse({ device: 'pixel1', targetMs: 80, data: 'mnist', lutFile: '/etc/passwd' }).success, false);
  const prune = uiSchema(searchMethod('prune').request);
  assert.equal(prune.safeParse({ model: '../x.json', budgets: [0.5], metric: 'flops', data: 'mnist' }).error?.issues[0]?.path[0], 'model');
  assert.equal(prune.safeParse({ model: 'mnist-1hidden', budgets: [0.5], metric: 'flops', data: 'mnist' }).success, true);
});
