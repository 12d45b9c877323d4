/**
 * Past profiling runs through the service (the Profile page's list and a run reopened): what
 * the runs table holds, newest first, with their device, units and end-to-end figures; an
 * unknown run is bad input; the HTTP door takes the id as query text.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { LabbenchError } from '../app/api/errors.js';
import { LocalLabService } from '../app/lab-service.js';
import { checkParams } from '../app/server/params.js';
import { openProfilesDb } from '../profiles-db/profiles-db.js';
import { cpuFingerprint, SETTINGS, statsOf, unit } from '../profiles-db/test-fixtures/helpers.js';
import { tempDir } from './cli-helpers.js';

test('listProfileRuns lists every run newest first; profileRun reopens one with its rows', async (t) => {
  const path = join(tempDir(t), 'runs.db');
  const db = openProfilesDb(path);
  const device = db.upsertDevice({ key: 'local', label: 'Test CPU', fingerprint: cpuFingerprint(), origin: 'measured' });
  const done = db.startRun({ deviceId: device.id, workload: 'cifar10-6conv', settings: { ...SETTINGS, mode: 'kernels' } });
  db.recordUnit(done.id, unit(1), [3, 1, 2], statsOf([3, 1, 2]));
  db.recordUnit(done.id, { ...unit(2), layers: ['conv2', 'conv3'] }, [5, 4, 6, 5], statsOf([5, 4, 6, 5]));
  db.recordEndToEnd(done.id, [9, 10, 11], statsOf([9, 10, 11]), undefined, { conv1: 2, conv2: 4 });
  db.completeRun(done.id);
  const stopped = db.startRun({ deviceId: device.id, workload: 'vgg16', settings: SETTINGS });
  db.recordUnit(stopped.id, unit(3), [7], statsOf([7]));
  db.failRun(stopped.id, 'canceled');
  db.close();

  const svc = new LocalLabService(path);
  t.after(() => svc.close());
  const runs = await svc.listProfileRuns();
  assert.deepEqual(runs.map((r) => [r.run_id, r.workload, r.status, r.mode, r.units]), [
    [stopped.id, 'vgg16', 'incomplete', 'layers', 1],
    [done.id, 'cifar10-6conv', 'complete', 'kernels', 2],
  ]);
  assert.equal(runs[0]!.error, 'canceled');
  assert.equal(runs[0]!.end_to_end, undefined);
  assert.deepEqual(runs[1]!.end_to_end, { median_ms: 10, ci_ms: [statsOf([9, 10, 11]).ci_low_ms, statsOf([9, 10, 11]).ci_high_ms], n: 3 });
  assert.equal(runs[1]!.device, 'local');
  assert.equal(runs[1]!.device_ref, `local@${device.fingerprint_hash}`);
  assert.equal(runs[1]!.device_label, 'Test CPU');
  assert.equal(runs[1]!.emulated, false);

  const reopened = await svc.profileRun(done.id);
  assert.deepEqual(reopened.rows.map((r) => [r.key, r.layers, r.median_ms, r.n]), [
    [unit(1).key, unit(1).layers, 2, 3],
    [unit(2).key, ['conv2', 'conv3'], 5, 4],
  ]);
  // A unit counts once per layer it stands for (unit(1) stands for two).
  assert.equal(reopened.sum_of_layers_ms, 2 * 2 + 2 * 5);
  assert.deepEqual(reopened.in_network, { conv1: 2, conv2: 4 });
  assert.deepEqual({ ...reopened, rows: undefined, sum_of_layers_ms: undefined, in_network: undefined }, { ...runs[1], rows: undefined, sum_of_layers_ms: undefined, in_network: undefined });

  for (const bad of [999, 0, 1.5]) await assert.rejects(svc.profileRun(bad), (e: unknown) => e instanceof LabbenchError && e.code === 'BAD_INPUT', String(bad));
  // GET /api/profile-run?id=N: the query's text becomes the number; anything else is refused at the door.
  assert.deepEqual(checkParams('profile.run', { id: String(done.id) }), { id: done.id });
  assert.throws(() => checkParams('profile.run', { id: 'x' }), (e: unknown) => e instanceof LabbenchError && e.code === 'BAD_INPUT');
  assert.deepEqual(checkParams('profile.runs', {}), {});
});
