/**
 * A phone without TFLite's benchmark_model: profile refuses and names the fix; with
 * --benchmark-binary it pushes the build and uses it; later jobs find the pushed build
 * without the flag. The pushed file is a hand-made aarch64 ELF header (the emulated phone runs
 * any arm64 ELF named benchmark_model as its emulated build).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { startPhoneRig } from './phone-rig.js';
import { LocalLabService } from '../app/lab-service.js';
import { EM_AARCH64, elfHeader } from './elf-header.js';

test('no benchmark_model: refused with the fix; --benchmark-binary pushes one, and the next job finds it', async (t) => {
  const { serial, dir } = await startPhoneRig(t, { seed: 51, timeScale: 0.02, screenOn: false, charging: false, benchmarkFlavor: 'modern', benchmarkModelInstalled: false });
  const service = new LocalLabService(join(dir, 'b.db'));
  t.after(() => service.close());
  const req = { device: serial, workload: 'mnist-2conv', runs: 2, maxRuns: 2, innerRuns: 2, warmup: 1 } as const;
  await assert.rejects(service.profile(req), (e: Error & { code?: string }) => e.code === 'RUNNER_FAILED' && /--benchmark-binary PATH/.test(e.message));
  const binary = join(dir, 'benchmark_model');
  writeFileSync(binary, elfHeader(EM_AARCH64));
  const first = await service.profile({ ...req, benchmarkBinary: binary });
  assert.ok(first.layers.length > 0 && first.layers.every((l) => l.median_ms > 0));
  const again = await service.profile({ ...req, fresh: true });
  assert.ok(again.layers.length > 0, 'a later job without the flag runs the build pushed before');
});
