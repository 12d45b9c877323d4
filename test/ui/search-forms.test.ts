/**
 * The Search page's start forms (renderer/src/lib/search-forms.ts) on the methods the lab
 * describes: a form's values become a request the method's own UI schema accepts, and a
 * job's progress reads alike whichever method reports it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formRequest, initialValues, jobProgress, primaryFields, secondaryFields } from '../../renderer/src/lib/search-forms.js';
import { searchMethodInfo, uiSchema } from '../../app/api/search-method.js';
import { SEARCH_METHODS } from '../../app/search-methods.js';
import type { SearchJobInfo } from '../../app/ipc/protocol.js';

test("every method's form, as it starts (a device chosen), is a request its UI schema accepts", () => {
  for (const m of SEARCH_METHODS) {
    const info = searchMethodInfo(m.request);
    assert.equal(primaryFields(info).length + secondaryFields(info).length, info.fields.length);
    const values = initialValues(info);
    for (const f of info.fields) if (f.device && f.uiRequired) values[f.key] = 'pixel1@abc';
    const req = formRequest(info, values);
    const r = uiSchema(m.request).safeParse(req);
    assert.ok(r.success, `${info.kind}: ${JSON.stringify(req)} ${r.error?.message ?? ''}`);
    for (const [k, v] of Object.entries(req)) assert.notEqual(v, '', `${info.kind}.${k}: an empty field is left out`);
  }
});

test('lists split at commas, numbers typed, an unchecked flag and an empty field left out', () => {
  const prune = searchMethodInfo(SEARCH_METHODS.find((m) => m.request.kind === 'prune')!.request);
  const req = formRequest(prune, { ...initialValues(prune), budgets: '0.3, 0.5,0.7', population: '4', seed: '', noBaselines: false });
  assert.deepEqual(req.budgets, [0.3, 0.5, 0.7]);
  assert.equal(req.population, 4);
  assert.ok(!('seed' in req) && !('noBaselines' in req));
});

test("a job's progress: NAS over the whole run, the others over the phase; a partial point is not stored", () => {
  const base = { id: 'j', status: 'running', started_at: '', warnings: [] } as const;
  const nas = jobProgress({ ...base, kind: 'nas', request: { targetMs: 80, data: 'mnist' }, progress: { run_id: 3, phase: 'search', done: 1.5, total: 6 } } as SearchJobInfo);
  assert.deepEqual([nas.pct, nas.run_id, nas.stored, nas.text], [25, 3, false, '1.5 / 6 epochs']);
  const prune = jobProgress({ ...base, kind: 'prune', request: { model: 'm', budgets: [0.5], metric: 'flops', data: 'mnist' }, progress: { run_id: 4, point: { phase: 'evolve', epoch: 2, epochs: 8 } } } as SearchJobInfo);
  assert.deepEqual([prune.pct, prune.phase, prune.stored], [25, 'evolve', true]);
  const tick = jobProgress({ ...base, kind: 'quantize', request: { model: 'm', scheme: 'lightnn-1', data: 'mnist' }, progress: { run_id: 5, point: { phase: 'train', epoch: 0.5, epochs: 1 }, partial: true } } as SearchJobInfo);
  assert.deepEqual([tick.pct, tick.stored], [50, false]);
  assert.equal(jobProgress({ ...base, kind: 'nas', request: { targetMs: 80, data: 'mnist' } } as SearchJobInfo).text, 'loading data…');
});
