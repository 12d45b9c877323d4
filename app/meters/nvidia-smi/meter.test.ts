/**
 * The nvidia-smi meter's process handling, on a machine without an NVIDIA GPU: the real
 * "not found" path, and a stand-in script in nvidia-smi's place that checks its command line
 * and replays lines in nvidia-smi's csv,noheader,nounits format. Not exercised on a GPU.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LabbenchError } from '../../api/errors.js';
import type { PowerSample } from '../meter.js';
import { NvidiaSmiMeter, parseNvidiaSmiSpec } from './meter.js';

function standIn(t: { after: (fn: () => void) => void }, body: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'labbench-nvsmi-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'nvidia-smi');
  writeFileSync(path, `#!/bin/sh\n[ "$*" = "--query-gpu=power.draw --format=csv,noheader,nounits -lms 50 -i 1" ] || { echo "bad args: $*" >&2; exit 6; }\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

test('spec: GPU index, gpuN, UUID or bus id, and the interval', () => {
  assert.deepEqual(parseNvidiaSmiSpec('gpu1:nvidia-smi,ms=50'), { gpu: '1', intervalMs: 50 });
  assert.deepEqual(parseNvidiaSmiSpec('00000000:3B:00.0:nvidia-smi'), { gpu: '00000000:3B:00.0', intervalMs: 100 });
  assert.equal(parseNvidiaSmiSpec('GPU-5d7c8a1e-0b2f-4c3d-9e8f-1a2b3c4d5e6f:nvidia-smi').gpu, 'GPU-5d7c8a1e-0b2f-4c3d-9e8f-1a2b3c4d5e6f');
  for (const bad of [':nvidia-smi', '0:nvidia-smi,ms=1', '0:nvidia-smi,hz=5', '0;rm:nvidia-smi']) {
    assert.throws(() => parseNvidiaSmiSpec(bad), (e: unknown) => e instanceof LabbenchError && e.code === 'BAD_INPUT', bad);
  }
});

test('without nvidia-smi: a clear DEVICE_UNAVAILABLE, not a hang', async () => {
  const m = new NvidiaSmiMeter({ gpu: '0', intervalMs: 100, command: 'nvidia-smi-not-installed-here' });
  await assert.rejects(m.start(), (e: unknown) => e instanceof LabbenchError && e.code === 'DEVICE_UNAVAILABLE' && /not found on PATH: this machine has no NVIDIA driver/.test(e.message));
  assert.equal(m.stats().state, 'closed');
});

test('streams readings; [N/A] and garbage are dropped and counted; close ends nvidia-smi', async (t) => {
  const cmd = standIn(t, 'echo "[N/A]"; i=0; while true; do echo "7$((i % 3)).50"; [ $i -eq 2 ] && echo "oops W"; i=$((i+1)); sleep 0.05; done');
  const m = new NvidiaSmiMeter({ gpu: '1', intervalMs: 50, command: cmd });
  const got: PowerSample[] = [];
  m.onSample((s) => got.push(s));
  await m.start();
  await new Promise((r) => setTimeout(r, 400));
  await m.close();
  const n = got.length;
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(got.length, n, 'no readings after close: the process is gone');
  assert.ok(n >= 4, `${n} readings`);
  assert.deepEqual(got.slice(0, 3).map((s) => s.watts), [70.5, 71.5, 72.5]);
  assert.deepEqual(m.stats().dropReasons, { 'n/a': 1, garbled: 1 });
});

test('a GPU without power readings, and nvidia-smi failing, are reported', async (t) => {
  const unsupported = new NvidiaSmiMeter({ gpu: '1', intervalMs: 50, command: standIn(t, 'while true; do echo "[Not Supported]"; sleep 0.05; done') });
  await assert.rejects(unsupported.start(), /does not report power\.draw/);
  const failing = new NvidiaSmiMeter({ gpu: '1', intervalMs: 50, command: standIn(t, 'echo "No devices were found" >&2; exit 6') });
  await assert.rejects(failing.start(), (e: unknown) => e instanceof LabbenchError && e.code === 'DEVICE_UNAVAILABLE' && /nvidia-smi stopped \(No devices were found\)/.test(e.message));
  const wrongArgs = new NvidiaSmiMeter({ gpu: '2', intervalMs: 50, command: standIn(t, 'echo 1.0') });
  await assert.rejects(wrongArgs.start(), /bad args/);
});
