/**
 * The pure parts of profiling several devices at once: the device list, what cannot run
 * together, the exit status and the lines that name the devices that failed. The jobs
 * themselves run against emulated phones in test/rack.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exitStatus, failureLines, multiDeviceProblem, parseDeviceList, progressLines, type DeviceOutcome } from './profile-devices.js';
import { LabbenchError } from '../api/errors.js';
import type { ProfileResult } from '../api/profile.js';

test('a device list: trimmed, blanks dropped; none, or one named twice, is bad input', () => {
  assert.deepEqual(parseDeviceList(' a , 127.0.0.1:5555,,b'), ['a', '127.0.0.1:5555', 'b']);
  assert.deepEqual(parseDeviceList('local'), ['local']);
  assert.throws(() => parseDeviceList(' , '), (e: unknown) => e instanceof LabbenchError && e.code === 'BAD_INPUT');
  assert.throws(() => parseDeviceList('a,b,a'), (e: unknown) => e instanceof LabbenchError && /names a twice/.test(e.message));
});

test('one meter for several devices, or two devices of this host, cannot run at once', () => {
  assert.equal(multiDeviceProblem(['a', 'b'], { workload: 'w' }), undefined);
  assert.equal(multiDeviceProblem(['local'], { workload: 'w', meter: '/dev/ttyUSB0:um34c' }), undefined, 'one device keeps its meter');
  assert.match(multiDeviceProblem(['a', 'b'], { workload: 'w', meter: '/dev/ttyUSB0:um34c' })!, /--meter measures one device/);
  assert.match(multiDeviceProblem(['local', 'gpu0', 'a'], { workload: 'w' })!, /local and gpu0 are both this machine/);
  assert.equal(multiDeviceProblem(['local', 'a'], { workload: 'w' }), undefined, 'a phone beside this CPU');
});

const done = (device: string): DeviceOutcome => ({ device, status: 'done', result: { device } as unknown as ProfileResult });
const failed = (device: string, exit: number, message = 'boom'): DeviceOutcome => ({ device, status: exit === 130 ? 'canceled' : 'failed', error: { name: 'LabbenchError', code: 'RUNNER_FAILED', message }, exit });

test('exit status: 0 all done; the failures’ own status when they agree; 1 when they differ', () => {
  assert.equal(exitStatus([done('a'), done('b')]), 0);
  assert.equal(exitStatus([done('a'), failed('b', 1)]), 1);
  assert.equal(exitStatus([failed('a', 130), failed('b', 130)]), 130);
  assert.equal(exitStatus([done('a'), failed('b', 2)]), 2);
  assert.equal(exitStatus([failed('a', 2), failed('b', 130)]), 1);
});

test('the failure lines name each device that did not finish, and those that did', () => {
  assert.deepEqual(failureLines([done('a'), done('b')]), []);
  assert.deepEqual(failureLines([done('a'), failed('b', 1, 'b has no benchmark_model')]), ['labbench: b: failed: b has no benchmark_model', 'labbench: profiled a; b failed']);
});

test('progress of several jobs: a line per device when its phase or count changes', () => {
  const lines: string[] = [];
  const on = progressLines((l) => lines.push(l));
  on('a', { phase: 'units', done: 1, total: 4 });
  on('b', { phase: 'units', done: 1, total: 4 });
  on('a', { phase: 'units', done: 1, total: 4, current: 'same count' });
  on('a', { phase: 'paused', done: 1, total: 4 });
  on('a', { phase: 'done', done: 4, total: 4 });
  assert.equal(lines.length, 4);
  assert.match(lines[0]!, /^\[a\] \[#+-+\] 1\/4/);
  assert.match(lines[1]!, /^\[b\] /);
  assert.match(lines[2]!, /^\[a\] paused: /);
});
