/**
 * The Devices page's checks: the lab server (in this process, as `labbench serve` runs it)
 * against a real adb server that lists an emulated phone as `unauthorized` (it never accepts
 * the RSA key); Run checks shows that phone's check as failed and needed, with the fix.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { ROOT } from '../cli-helpers.js';
import { chromiumMissing, launchChromium } from './browser.js';
import { buildRenderer } from '../../app/server/renderer-build.js';
import { LabBackend } from '../../app/server/backend.js';
import { startLabServer } from '../../app/server/http-server.js';
import { RENDERER_DIST } from '../../app/server/serve.js';
import { LocalLabService } from '../../app/lab-service.js';
import { EmulatedPhone } from '../peers/adb-phone/index.js';
import { startAdbServer, type AdbServer } from '../adb-server.js';
import { createAdbClient, listPhones } from '../../app/devices/adb/adb-shell.js';

const ARTIFACTS = join(ROOT, 'test', 'ui', 'artifacts');
const missing = chromiumMissing();
let server: AdbServer | undefined;
let phone: EmulatedPhone | undefined;
let lab: { close: () => Promise<void> } | undefined;
let saved: string | undefined;
let browser: Browser | undefined;
let dir: string | undefined;

before(async () => {
  if (missing) return;
  dir = mkdtempSync(join(tmpdir(), 'labbench-checks-'));
  server = await startAdbServer();
  phone = new EmulatedPhone({ seed: 21, unauthorized: true, timeScale: 0.05 });
  await phone.start();
});

after(async () => {
  await browser?.close();
  await lab?.close();
  if (saved === undefined) delete process.env.ANDROID_ADB_SERVER_PORT;
  else process.env.ANDROID_ADB_SERVER_PORT = saved;
  await phone?.stop();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('Run checks on the Devices page lists an unauthorized phone with the fix for the RSA prompt', { skip: missing }, async () => {
  const client = createAdbClient(server!.port);
  // adb's connect waits ~10 s for a phone that never authorizes; the listing says so at once.
  void client.connect('127.0.0.1', phone!.port).catch(() => undefined);
  saved = process.env.ANDROID_ADB_SERVER_PORT;
  process.env.ANDROID_ADB_SERVER_PORT = String(server!.port);
  await buildRenderer();
  const backend = new LabBackend(new LocalLabService(join(dir!, 'ui.db')), { watchPhones: false });
  const http = await startLabServer({ backend, staticDir: RENDERER_DIST });
  lab = { close: async () => (await http.close(), await backend.close()) };
  const openUrl = http.openUrl;
  for (let i = 0; (await listPhones(client)).find((d) => d.id === phone!.serial)?.type !== 'unauthorized'; i++) {
    assert.ok(i < 100, 'adb lists the phone as unauthorized');
    await new Promise((r) => setTimeout(r, 100));
  }
  browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(openUrl);
  const checks = page.getByTestId('checks');
  await checks.getByRole('button', { name: 'Run checks' }).click();
  const row = checks.locator(`tr[data-check="phone.state"][data-status="fail"]`, { hasText: phone!.serial });
  await row.waitFor({ timeout: 20_000 });
  const text = await row.innerText();
  assert.match(text, /needed/);
  assert.match(text, /unauthorized/);
  assert.match(text, /Fix:.*Always allow from this computer/s);
  assert.match(text, /adb kill-server/);
  assert.ok(await checks.locator('tr[data-check="adb.server"][data-status="ok"]').count(), 'the adb server check passes');
  assert.deepEqual(problems, []);
  mkdirSync(ARTIFACTS, { recursive: true });
  await checks.screenshot({ path: join(ARTIFACTS, 'devices-checks.png') });
});
