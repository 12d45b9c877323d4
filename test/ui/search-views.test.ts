/**
 * The Search page's views of stored runs (renderer/src/lib/search-views.ts), on runs shaped as
 * the DB stores them; the browser test (ui.test.ts) then checks them drawn from real runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alignSeries, nasChoices, progressSeries, pruneCurves, quantizeCurves, quantizeRows, runLabel } from '../../renderer/src/lib/search-views.js';
import type { PruneResult, SearchRunSummary } from '../../app/api/search.js';

function run(id: number, kind: SearchRunSummary['kind'], extra: Partial<SearchRunSummary> = {}): SearchRunSummary {
  return { id, kind, status: 'done', created_at: '2025-01-01T00:00:00Z', updated_at: '2025-01-01T00:00:00Z', params: {}, progress: [], ...extra };
}

test('series with their own x values share one sorted x axis, null where a series has no point', () => {
  const data = alignSeries([
    { label: 'a', points: [{ x: 3, y: 30 }, { x: 1, y: 10 }] },
    { label: 'b', points: [{ x: 2, y: 0.2 }] },
  ]);
  assert.deepEqual(data, [[1, 2, 3], [10, null, 30], [null, 0.2, null]]);
});

test('progress: a series per phase on the run-wide epoch count, points without the metric left out', () => {
  const points = [
    { phase: 'search', epoch: 1, epochs: 2, loss: 3, latency_ms: 140 },
    { phase: 'search', epoch: 2, epochs: 2, loss: 2.5, latency_ms: 90 },
    { phase: 'train', epoch: 1, epochs: 1, loss: 2, latency_ms: 79 },
    { phase: 'evolve', epoch: 1, epochs: 1, accuracy: 0.4 },
  ];
  assert.deepEqual(progressSeries(points, 'loss'), [
    { label: 'search', points: [{ x: 1, y: 3 }, { x: 2, y: 2.5 }] },
    { label: 'train', points: [{ x: 3, y: 2 }] },
  ]);
  assert.deepEqual(progressSeries(points, 'accuracy'), [{ label: 'evolve', points: [{ x: 4, y: 0.4 }] }]);
});

test('NAS choices: the result architecture once done, the latest epoch choices while it runs', () => {
  const going = run(1, 'nas', { status: 'running', progress: [{ phase: 'search', epoch: 1, epochs: 4, choices: ['k3e3', 'skip'] }, { phase: 'search', epoch: 2, epochs: 4, choices: ['k5e6', 'skip'] }] });
  assert.deepEqual(nasChoices(going), [{ layer: 0, choice: 'k5e6' }, { layer: 1, choice: 'skip' }]);
  const done = { ...going, status: 'done' as const, result: { architecture: [{ layer: 0, choice: 'k3e6', latency_ms: 2 }], baselines: [], accuracy: 0.5, predicted_latency_ms: 2, target_ms: 3 } };
  assert.deepEqual(nasChoices(done), [{ layer: 0, choice: 'k3e6', latency_ms: 2 }]);
});

test('pruning: a curve per method sorted by cost (LeGR drawn last), the unpruned net as its own point, none for a cost the run lacks', () => {
  const row = (method: 'legr' | 'uniform', budget: number, flops: number, accuracy: number) => ({ method, budget, flops, params: 1, accuracy, onnx_bytes: 1, tflite_bytes: 1, cut_seconds: 0 });
  const r = { base: { flops: 100, params: 10, accuracy: 0.9, onnx_bytes: 1, tflite_bytes: 1 }, results: [row('legr', 0.7, 70, 0.85), row('legr', 0.4, 40, 0.8), row('uniform', 0.4, 40, 0.7)] } as unknown as PruneResult;
  assert.deepEqual(pruneCurves(r, 'flops'), [
    { label: 'uniform', points: [{ x: 40, y: 0.7 }] },
    { label: 'legr', points: [{ x: 40, y: 0.8 }, { x: 70, y: 0.85 }] },
    { label: 'unpruned', points: [{ x: 100, y: 0.9 }] },
  ]);
  assert.deepEqual(pruneCurves(r, 'latency_ms'), []);
});

test('quantization: the finished runs of the same network and data, cheapest first, accuracy as 1 - test error', () => {
  const q = (id: number, scheme: string, model: string, energy: number, err: number, status: SearchRunSummary['status'] = 'done') =>
    run(id, 'quantize', { status, params: { model, scheme, data: 'mnist' }, result: { run_id: id, model, data: 'mnist', scheme, test_error: err, energy_uj: energy, ops: { mults: 0, adds: 1, shifts: 1 }, ...(scheme === 'lightnn-1' ? { seed_test_error: 0.02 } : {}) } });
  const runs = [q(4, 'conventional', 'mlp', 0.5, 0.1), q(3, 'lightnn-1', 'mlp', 0.1, 0.25), q(2, 'lightnn-2', 'other', 0.2, 0.2), q(1, 'flightnn', 'mlp', 0.3, 0.2, 'failed')];
  const rows = quantizeRows(runs, runs[0]);
  assert.deepEqual(rows.map((r) => [r.run_id, r.scheme, r.accuracy, r.seed_accuracy]), [[3, 'lightnn-1', 0.75, 0.98], [4, 'conventional', 0.9, undefined]]);
  assert.deepEqual(quantizeRows(runs, run(9, 'nas')), []);
  // lightnn-1 is cheaper but less accurate than conventional: both on the front; a cheaper, better run pushes one off.
  assert.deepEqual(rows.map((r) => r.pareto), [true, true]);
  const more = [...runs, q(5, 'binaryconnect', 'mlp', 0.05, 0.1)];
  assert.deepEqual(quantizeRows(more, more[0]).map((r) => [r.scheme, r.pareto]), [['binaryconnect', true], ['lightnn-1', false], ['conventional', false]]);
  assert.deepEqual(quantizeCurves(rows).map((c) => c.label), ['this bench', 'Pareto front', 'seed figure']);
  assert.equal(runLabel(runs[1]!), 'mlp · lightnn-1 · mnist');
});
