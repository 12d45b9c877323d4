import assert from 'node:assert/strict';
import { test } from 'node:test';
import { initialSamples, runKernelFit, type KernelFitDeps } from './kernel-fit-job.js';
import type { KernelDeviceModel } from './kernel-fit.js';

test('the fit profiles its initial samples plus one large and one tiny network per ten, skipping those already profiled', async () => {
  const names = initialSamples({ initial: 30, seed: 2 });
  assert.equal(names.length, 36);
  assert.deepEqual(names.slice(28), ['kernel-sample:2:28', 'kernel-sample:2:29', 'kernel-sample:2:0:large', 'kernel-sample:2:1:large', 'kernel-sample:2:2:large', 'kernel-sample:2:0:tiny', 'kernel-sample:2:1:tiny', 'kernel-sample:2:2:tiny']);
  // A test-sized fit gets none.
  assert.deepEqual(initialSamples({ initial: 6, seed: 1 }), Array.from({ length: 6 }, (_, i) => `kernel-sample:1:${i}`));
  const done = new Set(['kernel-sample:1:3', 'kernel-sample:1:0:large']);
  const profiled: string[] = [];
  const model = { model: { kinds: {} } } as unknown as KernelDeviceModel;
  const deps: KernelFitDeps = {
    profile: (w) => {
      profiled.push(w);
      return Promise.resolve({ units: 1, wall_s: 0 });
    },
    profiled: (w) => done.has(w),
    fit: () => model,
    timeShare: () => ({}),
  };
  const run = await runKernelFit(deps, { initial: 20, rounds: 1, perRound: 4, targetPct: 10, seed: 1 });
  assert.equal(profiled.length, 22);
  assert.ok(profiled.includes('kernel-sample:1:1:large') && !profiled.includes('kernel-sample:1:0:large') && !profiled.includes('kernel-sample:1:3'));
  assert.ok(profiled.includes('kernel-sample:1:0:tiny') && profiled.includes('kernel-sample:1:1:tiny'));
  // Nothing above the target: no adaptive round.
  assert.deepEqual(run.rounds, []);
});
