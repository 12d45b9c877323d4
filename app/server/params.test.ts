/**
 * One schema per request (app/api): each refuses a wrong field naming it, and the server's
 * door (checkParams), the service in process and the CLI refuse the same bad value alike.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import { LabbenchError } from '../api/errors.js';
import { parseRequest } from '../api/parse.js';
import { ProfileRequestSchema, ProfileRunRefSchema } from '../api/profile.js';
import { FitRequestSchema, PredictOnnxRequestSchema, PredictRequestSchema } from '../api/predict.js';
import { DoctorRequestSchema } from '../api/doctor.js';
import { CompareRequestSchema, LutDiffRequestSchema } from '../api/compare.js';
import { LutExportRequestSchema, LutImportRequestSchema } from '../api/lut.js';
import { DeviceConnectRequestSchema } from '../api/devices.js';
import { MeterStartRequestSchema } from '../api/meters.js';
import { ModelImportOptionsSchema } from '../api/service.js';
import { LocalLabService } from '../lab-service.js';
import { checkParams } from './params.js';
import { labbench, tempDir } from '../../test/cli-helpers.js';

/** The BAD_INPUT message a call throws (or rejects with). */
async function badInput(call: () => unknown): Promise<string> {
  try {
    await call();
  } catch (e) {
    assert.ok(e instanceof LabbenchError, String(e));
    assert.equal(e.code, 'BAD_INPUT');
    return e.message;
  }
  assert.fail('expected BAD_INPUT');
}

test('each request schema refuses a wrong field, naming it', async () => {
  const cases: [z.ZodType, unknown, string][] = [
    [ProfileRequestSchema, { device: 'local', workload: 'vgg16', runs: 0 }, 'runs: must be a whole number >= 1, got 0'],
    [ProfileRequestSchema, { device: 'local', workload: 'vgg16', warmup: 1.5 }, 'warmup: must be a whole number >= 0, got 1.5'],
    [ProfileRequestSchema, { device: 'local', workload: 'vgg16', runs: 20, maxRuns: 10 }, 'maxRuns: is below runs'],
    [ProfileRequestSchema, { device: 'local', workload: 'vgg16', coreMask: 'big' }, 'coreMask: must be a hex core mask'],
    [ProfileRequestSchema, { device: 'local', workload: 'vgg16', delegate: 'tpu' }, 'delegate: '],
    [ProfileRequestSchema, { device: '', workload: 'vgg16' }, 'device: '],
    [ProfileRequestSchema, { device: 'local', workload: 'vgg16', runz: 3 }, 'parameters: Unrecognized key: "runz"'],
    [FitRequestSchema, { device: 'local', perRound: 0 }, 'perRound: must be a whole number >= 1, got 0'],
    [FitRequestSchema, { device: 'local', holdout: ['vgg16', ''] }, 'holdout.1: '],
    [PredictRequestSchema, { device: 'local', workload: 'vgg16', batch: -1 }, 'batch: must be a whole number >= 1, got -1'],
    [PredictOnnxRequestSchema, { device: 'local', fileName: 'm.onnx', base64: '' }, 'base64: '],
    [DoctorRequestSchema, { meterSeconds: 31 }, 'meterSeconds: '],
    [DoctorRequestSchema, { coolBelowC: -5 }, 'coolBelowC: must be a positive number, got -5'],
    [CompareRequestSchema, { a: 'local', b: 'pixel1', workloads: 'vgg16' }, 'workloads: '],
    [LutDiffRequestSchema, { a: 'local', b: { name: 'x.json' } }, 'b'],
    [LutExportRequestSchema, { device: 'local', format: 'xml' }, 'format: '],
    [LutImportRequestSchema, { text: '{}', sourceName: '' }, 'sourceName: '],
    [DeviceConnectRequestSchema, { hostPort: 'phone' }, 'hostPort: must be HOST:PORT'],
    [MeterStartRequestSchema, { spec: 'x' }, 'spec: '],
    [ModelImportOptionsSchema, { force: 'yes' }, 'force: '],
    [ProfileRunRefSchema, { id: '0' }, 'id: '],
  ];
  for (const [schema, req, field] of cases) {
    const message = await badInput(() => parseRequest(schema, req, 'm'));
    assert.ok(message.startsWith(`m: ${field}`), `${JSON.stringify(req)}: ${message}`);
  }
  // What passes comes back as the request, the GET id as a number.
  assert.deepEqual(parseRequest(ProfileRunRefSchema, { id: '7' }, 'm'), { id: 7 });
  assert.deepEqual(parseRequest(ProfileRequestSchema, { device: 'local', workload: 'vgg16', runs: 5, maxRuns: 5 }, 'm'), { device: 'local', workload: 'vgg16', runs: 5, maxRuns: 5 });
});

test('the UI variants refuse files on the lab machine', async () => {
  assert.match(await badInput(() => checkParams('devices.doctor', { benchmarkBinary: '/tmp/bm' })), /^devices\.doctor: parameters: Unrecognized key: "benchmarkBinary"/);
  assert.match(await badInput(() => checkParams('jobs.start', { kind: 'profile', request: { device: 'x', workload: 'vgg16', benchmarkBinary: '/tmp/bm' } })), /benchmarkBinary/);
  assert.match(await badInput(() => checkParams('lut.diff', { a: 'local', b: { name: 'x.json', text: '{}' } })), /^lut\.diff: b: /);
  // The service takes them in process (the CLI's --benchmark-binary and LUT files).
  assert.equal(DoctorRequestSchema.safeParse({ benchmarkBinary: '/tmp/bm' }).success, true);
  assert.equal(LutDiffRequestSchema.safeParse({ a: 'local', b: { name: 'x.json', text: '{}' } }).success, true);
});

test('the CLI, the server and the service in process refuse the same bad value alike, and change nothing', async (t) => {
  const dir = tempDir(t);
  const db = join(dir, 'p.db');
  const cli = labbench(['profile', '--device', 'local', '--workload', 'cifar10-6conv', '--runs', '0', '--db', db]);
  assert.equal(cli.status, 2, cli.stderr);
  assert.match(cli.stderr, /^labbench: profile: runs: must be a whole number >= 1, got 0$/m);
  const server = await badInput(() => checkParams('jobs.start', { kind: 'profile', request: { device: 'local', workload: 'cifar10-6conv', runs: 0 } }));
  assert.equal(server, 'jobs.start: request.runs: must be a whole number >= 1, got 0');
  const svc = new LocalLabService(db);
  t.after(() => svc.close());
  const inProcess = await badInput(() => svc.profile({ device: 'local', workload: 'cifar10-6conv', runs: 0 }));
  assert.equal(inProcess, 'profile: runs: must be a whole number >= 1, got 0');
  assert.match(await badInput(() => svc.profile({ device: 'local', workload: 'cifar10-6conv', runs: 20, maxRuns: 10 })), /^profile: maxRuns: is below runs/);
  assert.match(await badInput(() => svc.fit({ device: 'local', rounds: -1 })), /^fit: rounds: /);
  assert.match(await badInput(() => svc.predict({ device: 'local', workload: 'vgg16', resolution: 0 })), /^predict: resolution: /);
  assert.match(await badInput(() => svc.doctor({ meterSeconds: 60 })), /^doctor: meterSeconds: /);
  assert.match(await badInput(() => svc.connectPhone('no-port')), /^devices connect: hostPort: must be HOST:PORT/);
  assert.match(await badInput(() => svc.profileRun(0)), /^profile run: id: /);
  assert.match(await badInput(() => svc.lutExport('local', 'xml' as 'csv')), /^lut export: format: /);
  assert.match(await badInput(() => svc.modelImport('{}', 'm.json', { deviceKey: '' })), /^model import: deviceKey: /);
  // Refused at the door: the DB was never opened, let alone created.
  assert.equal(existsSync(db), false);
});
