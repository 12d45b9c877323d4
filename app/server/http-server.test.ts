/**
 * `labbench serve`'s door: the token on every API call and on the WebSocket, the Host check,
 * the page's security headers, and calls reaching the real service (a temp DB, this CPU).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { LocalLabService } from '../lab-service.js';
import { LabBackend } from './backend.js';
import { startLabServer, type LabServer } from './http-server.js';
import { WS_PROTOCOL, WS_TOKEN_PREFIX, type JobInfo, type LabEvent } from '../ipc/protocol.js';
import type { DeviceList } from '../api/devices.js';
import type { LutDeviceSummary } from '../api/lut.js';
import type { LutImportResult } from '../api/service.js';
import type { SearchMethodInfo } from '../api/search-method.js';
import { SEARCH_METHODS } from '../search-methods.js';
import { pixel1LutPath } from '../../test/cli-helpers.js';

async function rig(t: { after: (fn: () => Promise<void> | void) => void }): Promise<LabServer> {
  const dir = mkdtempSync(join(tmpdir(), 'labbench-serve-'));
  const ui = join(dir, 'ui');
  mkdirSync(ui);
  writeFileSync(join(ui, 'index.html'), '<!doctype html><title>lab</title>');
  writeFileSync(join(dir, 'secret.txt'), 'outside the UI folder');
  const backend = new LabBackend(new LocalLabService(join(dir, 'p.db')), { watchPhones: false });
  const server = await startLabServer({ backend, staticDir: ui });
  t.after(async () => {
    await server.close();
    await backend.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return server;
}

/** A raw request, so the Host header and the path go out exactly as written. */
function raw(port: number, path: string, headers: Record<string, string> = {}, method = 'GET', body?: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers: { Host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The job as the server reports it once it is no longer running (10 s at most). */
async function settled(port: number, auth: Record<string, string>, job: JobInfo): Promise<JobInfo> {
  const deadline = Date.now() + 10_000;
  let now = job;
  while (now.status === 'running' && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    now = (JSON.parse((await raw(port, '/api/jobs', auth)).body) as JobInfo[]).find((j) => j.id === job.id)!;
  }
  return now;
}

test('the API needs the token: none or a wrong one gets 401, the right one the device list', async (t) => {
  const s = await rig(t);
  assert.match(s.openUrl, /^http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]{32}$/);
  assert.equal((await raw(s.port, '/api/devices')).status, 401);
  assert.equal((await raw(s.port, '/api/devices', { Authorization: `Bearer ${s.token}x` })).status, 401);
  assert.equal((await raw(s.port, `/api/devices?token=${s.token}`)).status, 401, 'a token in the query is not accepted');
  const ok = await raw(s.port, '/api/devices', { Authorization: `Bearer ${s.token}` });
  assert.equal(ok.status, 200);
  const list = JSON.parse(ok.body) as DeviceList;
  assert.ok(list.devices.some((d) => d.id === 'local' && d.kind === 'local-cpu'));
});

test('requests naming another host are refused (DNS rebinding); IP literals and localhost pass', async (t) => {
  const s = await rig(t);
  const auth = { Authorization: `Bearer ${s.token}` };
  assert.equal((await raw(s.port, '/api/workloads', { ...auth, Host: `rebind.example.com:${s.port}` })).status, 421);
  assert.equal((await raw(s.port, '/', { Host: `rebind.example.com:${s.port}` })).status, 421);
  assert.equal((await raw(s.port, '/api/workloads', { ...auth, Host: `127.0.0.1:${s.port + 1}` })).status, 421, 'wrong port');
  assert.equal((await raw(s.port, '/api/workloads', { ...auth, Host: `localhost:${s.port}` })).status, 200);
});

test('the page comes with a strict CSP; paths cannot leave the UI folder', async (t) => {
  const s = await rig(t);
  const page = await raw(s.port, '/');
  assert.equal(page.status, 200);
  const csp = String(page.headers['content-security-policy']);
  assert.match(csp, /default-src 'self'/);
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  assert.equal(page.headers['x-frame-options'], 'DENY');
  assert.equal((await raw(s.port, '/%2e%2e/secret.txt')).status, 404);
  assert.equal((await raw(s.port, '/..%2fsecret.txt')).status, 404);
});

test('bad parameters get 400 naming the field; a service error keeps its code', async (t) => {
  const s = await rig(t);
  const auth = { Authorization: `Bearer ${s.token}`, 'Content-Type': 'application/json' };
  const bad = await raw(s.port, '/api/jobs', auth, 'POST', JSON.stringify({ kind: 'profile', request: { device: 'local', workload: 'vgg16', runs: 'many' } }));
  assert.equal(bad.status, 400);
  assert.match(bad.body, /request\.runs/);
  const lut = await raw(s.port, '/api/lut/import', auth, 'POST', JSON.stringify({ text: '{"format":"nope"', sourceName: 'x.json' }));
  assert.equal(lut.status, 400);
  assert.equal((JSON.parse(lut.body) as { error: { code: string } }).error.code, 'LUT_INVALID');
  const notJson = await raw(s.port, '/api/lut/import', auth, 'POST', '{');
  assert.equal(notJson.status, 400);
});

test('the WebSocket needs the token too, and carries job events', async (t) => {
  const s = await rig(t);
  const url = `ws://127.0.0.1:${s.port}/api/events`;
  const refused = await new Promise<string>((resolve) => {
    const ws = new WebSocket(url, [WS_PROTOCOL]);
    ws.on('open', () => resolve('open'));
    ws.on('unexpected-response', (_req, res) => resolve(String(res.statusCode)));
    ws.on('error', () => resolve('error'));
  });
  assert.equal(refused, '401');
  const ws = new WebSocket(url, [WS_PROTOCOL, `${WS_TOKEN_PREFIX}${s.token}`]);
  t.after(() => ws.close());
  await new Promise((r, j) => {
    ws.once('open', r);
    ws.once('error', j);
  });
  assert.equal(ws.protocol, WS_PROTOCOL);
  const events: LabEvent[] = [];
  ws.on('message', (d: Buffer) => events.push(JSON.parse(d.toString()) as LabEvent));
  // A job on a device that does not exist fails at once: its start and its end are announced.
  const start = await raw(s.port, '/api/jobs', { Authorization: `Bearer ${s.token}`, 'Content-Type': 'application/json' }, 'POST', JSON.stringify({ kind: 'profile', request: { device: 'no-such-phone', workload: 'cifar10-6conv' } }));
  assert.equal(start.status, 200, start.body);
  const id = (JSON.parse(start.body) as { id: string }).id;
  const deadline = Date.now() + 5000;
  while (!events.some((e) => e.type === 'job' && e.job.id === id && e.job.status === 'failed') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const end = events.find((e) => e.type === 'job' && e.job.id === id && e.job.status === 'failed');
  assert.ok(end && end.type === 'job', `job events: ${JSON.stringify(events)}`);
  assert.equal(end.job.error?.code, 'DEVICE_NOT_FOUND');
});

test('the LUT device list comes from the service: empty at first, an imported LUT with its row count', async (t) => {
  const s = await rig(t);
  const auth = { Authorization: `Bearer ${s.token}`, 'Content-Type': 'application/json' };
  const list = async (): Promise<LutDeviceSummary[]> => JSON.parse((await raw(s.port, '/api/luts', auth)).body) as LutDeviceSummary[];
  assert.deepEqual(await list(), []);
  const imported = await raw(s.port, '/api/lut/import', auth, 'POST', JSON.stringify({ text: readFileSync(pixel1LutPath(), 'utf8'), sourceName: 'pixel1.json' }));
  assert.equal(imported.status, 200, imported.body);
  const { device, inserted } = JSON.parse(imported.body) as LutImportResult;
  const [only, ...rest] = await list();
  assert.equal(rest.length, 0);
  assert.equal(only?.device.key, device.key);
  assert.equal(only?.device.fingerprint_hash, device.fingerprint_hash);
  assert.equal(only?.device.origin, 'imported');
  assert.ok(inserted > 0);
  assert.equal(only?.entries, inserted);
});

test('NAS runs as a job: a LUT file path is refused at the door, a device without a LUT fails with its code', async (t) => {
  const s = await rig(t);
  const auth = { Authorization: `Bearer ${s.token}`, 'Content-Type': 'application/json' };
  const nas = { targetMs: 80, data: 'mnist', epochs: 1 };
  const file = await raw(s.port, '/api/jobs', auth, 'POST', JSON.stringify({ kind: 'nas', request: { ...nas, device: 'pixel1', lutFile: '/etc/passwd' } }));
  assert.equal(file.status, 400);
  assert.match(file.body, /lutFile/);
  const start = await raw(s.port, '/api/jobs', auth, 'POST', JSON.stringify({ kind: 'nas', request: { ...nas, device: 'no-such-phone' } }));
  assert.equal(start.status, 200, start.body);
  const job = JSON.parse(start.body) as JobInfo;
  assert.equal(job.kind, 'nas');
  const now = await settled(s.port, auth, job);
  assert.equal(now.status, 'failed');
  assert.equal(now.error?.code, 'DEVICE_NOT_FOUND');
});

test('the search methods come from the registry: each one described, each one a job, host paths refused at the door', async (t) => {
  const s = await rig(t);
  const auth = { Authorization: `Bearer ${s.token}`, 'Content-Type': 'application/json' };
  const methods = JSON.parse((await raw(s.port, '/api/search-methods', auth)).body) as SearchMethodInfo[];
  assert.deepEqual(methods.map((m) => m.kind), SEARCH_METHODS.map((m) => m.request.kind));
  const keys = (kind: string): string[] => methods.find((m) => m.kind === kind)!.fields.map((f) => f.key);
  assert.ok(!keys('nas').includes('lutFile') && !keys('nas').includes('outDir') && !keys('prune').includes('outDir'), 'no host path in a form');
  assert.ok(keys('quantize').includes('scheme') && keys('prune').includes('budgets'));
  const start = (body: object) => raw(s.port, '/api/jobs', auth, 'POST', JSON.stringify(body));
  const model = await start({ kind: 'prune', request: { model: '/tmp/net.json', budgets: [0.5], metric: 'flops', data: 'mnist' } });
  assert.equal(model.status, 400);
  assert.match(model.body, /request\.model/);
  const scheme = await start({ kind: 'quantize', request: { model: 'mnist-1hidden', scheme: 'lightnn-3', data: 'mnist' } });
  assert.equal(scheme.status, 400);
  assert.match(scheme.body, /request\.scheme/);
  // Pruning for latency on a device this DB does not know: the job starts and fails with the service's code.
  const job = JSON.parse((await start({ kind: 'prune', request: { model: 'mnist-1hidden', budgets: [0.5], metric: 'latency', device: 'no-such-phone', data: 'mnist' } })).body) as JobInfo;
  assert.equal(job.kind, 'prune');
  const now = await settled(s.port, auth, job);
  assert.equal(now.status, 'failed');
  assert.equal(now.error?.code, 'DEVICE_NOT_FOUND');
});
