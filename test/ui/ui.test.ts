/**
 * The UI end to end in a real browser: Debian's Chromium (playwright-core) against
 * `labbench serve` in a child process, with the emulated phone behind the real adb server and
 * an emulated UM34C meter on a socat pty. The phone lives in this process, so nothing here
 * blocks the event loop (no synchronous child processes). Each page is saved as a screenshot
 * under test/ui/artifacts/.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { EmulatedPhone } from '../peers/adb-phone/index.js';
import { MeterEmulator } from '../peers/meters/meter-emulator.js';
import { startAdbServer, type AdbServer } from '../adb-server.js';
import { BIN, ROOT, pixel1LutPath } from '../cli-helpers.js';
import { LocalLabService } from '../../app/lab-service.js';
import { chromiumMissing, launchChromium } from './browser.js';
import { buildRenderer } from '../../app/server/renderer-build.js';

const ARTIFACTS = join(ROOT, 'test', 'ui', 'artifacts');
const missing = chromiumMissing();

interface Rig {
  adb: AdbServer;
  phone: EmulatedPhone;
  serial: string;
  meter: MeterEmulator;
  meterPath: string;
  dir: string;
  serve: ChildProcess;
  openUrl: string;
  base: string;
  token: string;
  browser: Browser;
  page: Page;
  /** Console errors, page errors and CSP reports seen on any page. */
  problems: string[];
}

let rig: Rig | undefined;
let savedPort: string | undefined;

function watch(page: Page, problems: string[]): void {
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    // API calls refused on purpose (a malformed import, no model yet) answer 4xx, which Chromium logs; those are checked where they happen.
    if (m.type() === 'error' && !/^Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 500) problems.push(`HTTP ${r.status()} ${r.url()}`);
  });
}

/** The first line of stdout that is a URL: `labbench serve` prints the URL to open on a line of its own. */
function urlLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`labbench serve printed no URL in 30 s: ${out} ${err}`)), 30_000);
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => /^http:\/\/\S+#token=\S+$/.test(l));
      if (line) {
        clearTimeout(timer);
        resolve(line);
      }
    });
    child.once('exit', (code) => reject(new Error(`labbench serve exited ${code}: ${err}`)));
  });
}

before(async () => {
  if (missing) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  await buildRenderer();
  const adb = await startAdbServer();
  const phone = new EmulatedPhone({ seed: 21, timeScale: 0.02, screenOn: false, charging: false });
  const serial = `127.0.0.1:${await phone.start()}`;
  const meter = new MeterEmulator({ type: 'um34c', seed: 3, load: () => phone.physics.powerW() });
  const { hostPath } = await meter.start();
  const dir = mkdtempSync(join(tmpdir(), 'labbench-ui-'));
  // The service in this process (joining the phone) finds the adb server as adb does.
  savedPort = process.env.ANDROID_ADB_SERVER_PORT;
  process.env.ANDROID_ADB_SERVER_PORT = String(adb.port);
  const serve = spawn(process.execPath, [BIN, 'serve', '--db', join(dir, 'ui.db')], { cwd: ROOT, env: { ...process.env, ANDROID_ADB_SERVER_PORT: String(adb.port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  const openUrl = await urlLine(serve);
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  const problems: string[] = [];
  watch(page, problems);
  const u = new URL(openUrl);
  rig = { adb, phone, serial, meter, meterPath: hostPath, dir, serve, openUrl, base: `${u.origin}/`, token: u.hash.replace('#token=', ''), browser, page, problems };
});

after(async () => {
  if (!rig) return;
  if (savedPort === undefined) delete process.env.ANDROID_ADB_SERVER_PORT;
  else process.env.ANDROID_ADB_SERVER_PORT = savedPort;
  await rig.browser.close();
  rig.serve.kill('SIGINT');
  await new Promise((r) => (rig!.serve.exitCode !== null ? r(null) : rig!.serve.once('exit', r)));
  await rig.meter.stop();
  await rig.phone.stop();
  await rig.adb.stop();
  rmSync(rig.dir, { recursive: true, force: true });
});

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

test('a request without the token is refused; with it, the API answers', { skip: missing }, async () => {
  const r = rig!;
  assert.match(r.openUrl, /^http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]+$/, 'bound to 127.0.0.1, the URL carries the token');
  assert.equal((await fetch(`${r.base}api/devices`)).status, 401);
  assert.equal((await fetch(`${r.base}api/devices`, { headers: { Authorization: 'Bearer wrong' } })).status, 401);
  assert.equal((await fetch(`${r.base}api/devices`, { headers: { Authorization: `Bearer ${r.token}` } })).status, 200);
  // A page opened without the token gets no data and says why.
  const bare = await r.browser.newPage({ viewport: { width: 1280, height: 800 } });
  await bare.goto(r.base);
  await bare.getByText('This page has no token').waitFor({ timeout: 10_000 });
  await bare.close();
});

test('the phone appears on the Devices page when it joins, and the meter draws a live trace', { skip: missing }, async () => {
  const { page, serial, meterPath, openUrl } = rig!;
  await page.goto(openUrl);
  await page.getByRole('heading', { name: 'This machine' }).waitFor();
  await page.locator('.link-state.open').waitFor({ timeout: 10_000 });
  assert.equal(await page.locator(`tr[data-phone="${serial}"]`).count(), 0, 'no phone before it joins');
  // Joined through the service, as `labbench devices connect` does; the page is not reloaded.
  const joiner = new LocalLabService(join(rig!.dir, 'join.db'));
  await joiner.connectPhone(serial);
  joiner.close();
  const row = page.locator(`tr[data-phone="${serial}"]`);
  await row.waitFor({ timeout: 15_000 });
  const text = await row.innerText();
  assert.match(text, /Pixel/);
  assert.match(text, /msm8996/);
  assert.match(text, /\d+ %/, 'battery level');
  assert.match(text, /°C/, 'battery temperature');

  await page.getByLabel('meter').fill(`${meterPath}:um34c`);
  await page.getByRole('button', { name: 'Start trace' }).click();
  const trace = page.getByTestId('meter-trace');
  await trace.getByText(/^[1-9]\d* readings in the last minute/).waitFor({ timeout: 15_000 });
  await page.waitForTimeout(1500);
  await shot(page, 'devices');
});

test('a profile job started from the UI shows progress, and its LUT appears', { skip: missing }, async () => {
  const { page, serial, base } = rig!;
  await page.goto(`${base}#/profile`);
  const device = page.locator('select[name=device]');
  await device.locator(`option[value="${serial}"]`).waitFor({ state: 'attached', timeout: 10_000 });
  await device.selectOption(serial);
  await page.locator('select[name=workload]').selectOption('cifar10-6conv');
  await page.locator('input[name=resolution]').fill('16');
  await page.locator('input[name=runs]').fill('2');
  await page.locator('input[name=inner-runs]').fill('3');
  await page.getByRole('button', { name: 'Start profiling' }).click();
  const bar = page.getByTestId('job-progress');
  // Progress shows while it runs: the bar moves before the job is done.
  let seenMidway = false;
  const deadline = Date.now() + 120_000;
  for (;;) {
    const status = await page.getByTestId('job-status').innerText();
    const now = Number(await bar.getAttribute('aria-valuenow'));
    if (status === 'RUNNING' || status.toLowerCase() === 'running') {
      if (now > 0 && now < 100) {
        if (!seenMidway) await shot(page, 'profile-running');
        seenMidway = true;
      }
    } else break;
    if (Date.now() > deadline) throw new Error('the job did not end in 120 s');
    await page.waitForTimeout(150);
  }
  assert.equal((await page.getByTestId('job-status').innerText()).toLowerCase(), 'done', await page.locator('.job').innerText());
  assert.ok(seenMidway, 'the progress bar moved while the job ran');
  await page.getByTestId('job-result').waitFor();
  await shot(page, 'profile');

  await page.goto(`${base}#/luts`);
  const select = page.getByTestId('lut-device');
  await select.locator('option', { hasText: serial }).waitFor({ state: 'attached', timeout: 10_000 });
  const value = await select.locator('option', { hasText: serial }).getAttribute('value');
  await select.selectOption(value!);
  const rows = page.getByTestId('lut-table').locator('tbody tr');
  await rows.first().waitFor();
  assert.ok((await rows.count()) >= 5, 'the phone LUT lists the measured layers');
  assert.match(await page.getByTestId('lut-table').innerText(), /conv/);
});

test('importing a malformed LUT shows the error and changes nothing; a good one shows its heatmap', { skip: missing }, async () => {
  const { page, base, token } = rig!;
  const api = async (path: string): Promise<unknown> => (await fetch(`${base}${path}`, { headers: { Authorization: `Bearer ${token}` } })).json();
  await page.goto(`${base}#/luts`);
  await page.getByTestId('lut-table').waitFor();
  const before = JSON.stringify(await api('api/luts'));
  const bad = { format: 'labbench-lut', version: 1, device: { key: 'broken' }, entries: [{ key: 'conv k3', median_ms: 'fast' }] };
  await page.getByTestId('lut-import').setInputFiles({ name: 'broken-lut.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(bad)) });
  const error = page.getByTestId('import-error');
  await error.waitFor({ timeout: 10_000 });
  assert.match(await error.innerText(), /nothing changed/i);
  assert.ok((await error.innerText()).length > 40, 'the validation error is shown, not just a failure');
  assert.equal(JSON.stringify(await api('api/luts')), before, 'the DB is unchanged');
  await shot(page, 'luts-import-error');

  await page.getByTestId('lut-import').setInputFiles({ name: 'pixel1.json', mimeType: 'application/json', buffer: readFileSync(pixel1LutPath()) });
  await page.getByTestId('import-ok').waitFor({ timeout: 20_000 });
  await page.getByTestId('heatmap').waitFor();
  assert.ok((await page.getByTestId('heatmap').locator('tbody tr').count()) >= 20, 'a row per searchable layer');
  await shot(page, 'luts');
});

test('the Models and Search pages render', { skip: missing }, async () => {
  const { page, base } = rig!;
  await page.goto(`${base}#/models`);
  await page.getByRole('heading', { name: 'Predict' }).waitFor();
  await page.waitForTimeout(500);
  await shot(page, 'models');
  await page.goto(`${base}#/search`);
  await page.getByRole('heading', { name: 'Search' }).waitFor();
  await page.waitForTimeout(500);
  await shot(page, 'search');
});

test('an unplugged phone leaves the Devices page live; no page error or CSP violation all along', { skip: missing }, async () => {
  const { page, base, phone, serial, problems } = rig!;
  await page.goto(`${base}#/devices`);
  const row = page.locator(`tr[data-phone="${serial}"]`);
  await row.waitFor({ timeout: 10_000 });
  phone.unplug();
  await row.waitFor({ state: 'detached', timeout: 10_000 });
  assert.deepEqual(problems, []);
});
