import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openProfilesDb } from './profiles-db.js';

test('a search run keeps its progress and result, newest first, and rejects an empty kind', () => {
  const db = openProfilesDb(':memory:');
  const first = db.startSearchRun('nas', { target_ms: 80, data: 'fashion-mnist' }, '/tmp/ckpt');
  db.appendSearchProgress(first, { phase: 'search', epoch: 1, epochs: 2, loss: 1.5, accuracy: 0.4, latency_ms: 91, choices: ['k3e3', 'skip'] });
  db.appendSearchProgress(first, { phase: 'search', epoch: 2, epochs: 2, loss: 1.1, accuracy: 0.6, latency_ms: 79.5 });
  db.finishSearchRun(first, 'done', { result: { predicted_latency_ms: 79.5 } });
  const second = db.startSearchRun('prune', { budget: [0.5] });
  db.finishSearchRun(second, 'failed', { error: 'no data' });

  const runs = db.listSearchRuns();
  assert.deepEqual(runs.map((r) => r.id), [second, first]);
  const nas = db.getSearchRun(first)!;
  assert.equal(nas.status, 'done');
  assert.equal(nas.checkpoint, '/tmp/ckpt');
  assert.deepEqual(nas.progress.map((p) => p.latency_ms), [91, 79.5]);
  assert.deepEqual(nas.progress[0]!.choices, ['k3e3', 'skip']);
  assert.deepEqual(nas.result, { predicted_latency_ms: 79.5 });
  assert.equal(db.getSearchRun(second)!.error, 'no data');
  assert.deepEqual(db.listSearchRuns('prune').map((r) => r.id), [second]);

  db.reopenSearchRun(second);
  assert.equal(db.getSearchRun(second)!.status, 'running');
  assert.equal(db.getSearchRun(second)!.error, undefined);
  // Any registered method's kind is stored (migration 0120); an empty one is not.
  assert.throws(() => db.startSearchRun('' as 'nas', {}), /DB_FAILED|CHECK constraint/);
  db.close();
});
