/**
 * `npm run demo -- --quick` end to end, and the README's screenshots from its DB: the demo
 * runs the whole chain on the emulated phone and meter into a temp DB and serves the UI on
 * it (the phone and meter stay up, as when a user runs it); every page is opened in
 * Chromium and must show the demo's data; Ctrl-C then stops the demo and all it started.
 * Screenshots go to test/ui/artifacts/demo-*.png. With LABBENCH_UPDATE_SCREENSHOTS=1
 * (`npm run screenshots`) the demo runs at its full size instead (minutes: more sample
 * networks, power in the fit, the phone's own NAS LUT, baselines) and the screenshots are also
 * copied into docs/screenshots/, which the README shows.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ROOT } from '../cli-helpers.js';
import { accepts } from '../adb-server.js';
import { chromiumMissing, launchChromium } from './browser.js';
import { openUrlOf } from './open-url.js';
import { buildRenderer } from '../../app/server/renderer-build.js';

const ARTIFACTS = join(ROOT, 'test', 'ui', 'artifacts');
const DOCS = join(ROOT, 'docs', 'screenshots');
const missing = chromiumMissing();
const UPDATE = process.env.LABBENCH_UPDATE_SCREENSHOTS === '1';

interface Demo {
  child: ChildProcess;
  dir: string;
  stderr: () => string;
  openUrl: string;
  base: string;
  serial: string;
  meter: string;
  adbPort: number;
  browser: Browser;
  page: Page;
  problems: string[];
}

let demo: Demo | undefined;

before(async () => {
  if (missing) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  await buildRenderer();
  const dir = mkdtempSync(join(tmpdir(), 'labbench-demo-'));
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'demo.ts'), ...(UPDATE ? [] : ['--quick']), '--db', join(dir, 'demo.db')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const stderr = (): string => err;
  const openUrl = await openUrlOf(child, { what: 'the demo', limitS: UPDATE ? 1800 : 150, stderr });
  const rig = /demo: .* on (127\.0\.0\.1:\d+) \(adb server on port (\d+)\), emulated UM34C on (\S+:um34c)/.exec(err);
  assert.ok(rig, err.slice(0, 2000));
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('response', (r) => {
    if (r.status() >= 500) problems.push(`HTTP ${r.status()} ${r.url()}`);
  });
  demo = { child, dir, stderr, openUrl, base: `${new URL(openUrl).origin}/`, serial: rig[1]!, adbPort: Number(rig[2]), meter: rig[3]!, browser, page, problems };
});

after(async () => {
  if (!demo) return;
  await demo.browser.close();
  if (demo.child.exitCode === null) {
    demo.child.kill('SIGKILL');
    await new Promise((r) => demo!.child.once('exit', r));
  }
  rmSync(demo.dir, { recursive: true, force: true });
});

async function shot(page: Page, name: string): Promise<void> {
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(ARTIFACTS, `demo-${name}.png`) });
  if (UPDATE) {
    mkdirSync(DOCS, { recursive: true });
    copyFileSync(join(ARTIFACTS, `demo-${name}.png`), join(DOCS, `${name}.png`));
  }
}

test('the demo runs the whole chain on emulated devices, and says so', { skip: missing }, () => {
  const err = demo!.stderr();
  for (const step of ['. profile mobilenetv2', '. the LUT it made', '. fit kernel models', '. predict networks the phone never ran', '. Single-Path NAS', '. LeGR pruning', '. quantization', 'demo DB ready']) assert.ok(err.includes(step), `${step} in:\n${err}`);
  assert.match(err, /\(emulated\): \d+ rows, device key emulated:127\.0\.0\.1:\d+, emulated: true/);
  assert.match(err, /mobilenetv2: \d+ kernels, [\d.]+ ms end to end, [\d.]+ W above idle, [\d.]+ mJ per inference/, 'the meter measured the phone');
});

test('Devices: the emulated phone, badged, and the meter tracing its power', { skip: missing }, async () => {
  const { page, openUrl, serial, meter } = demo!;
  await page.goto(openUrl);
  const row = page.locator(`tr[data-phone="${serial}"]`);
  await row.waitFor({ timeout: 15_000 });
  assert.equal(await row.getByTestId('emulated-badge').innerText(), 'EMULATED');
  await page.getByLabel('meter').fill(meter);
  await page.getByRole('button', { name: 'Start trace' }).click();
  await page.getByTestId('meter-trace').getByText(/^[1-9]\d* readings in the last minute/).waitFor({ timeout: 15_000 });
  // A longer trace for the README's screenshot only: the check above is the readings arriving.
  if (UPDATE) await page.waitForTimeout(1500);
  await shot(page, 'devices');
});

test('Profile: the runs the demo made are listed and reopen', { skip: missing }, async () => {
  const { page, base } = demo!;
  await page.goto(`${base}#/profile`);
  const runs = page.getByTestId('profile-runs').locator('li');
  await runs.first().waitFor({ timeout: 10_000 });
  const text = await page.getByTestId('profile-runs').innerText();
  for (const w of ['mobilenetv2', 'resnet56', 'mnist-2conv', 'kernel-sample']) assert.ok(text.includes(w), `${w} in ${text}`);
  // Run 1 is the demo's first profile, mobilenetv2 with the meter.
  await page.getByTestId('profile-runs').locator('li[data-run="1"]').getByRole('button').click();
  // The run shown until then (the newest) has rows too: wait for run 1's own.
  const shown = page.locator('[data-testid=profile-run][data-run="1"]');
  await shown.waitFor({ timeout: 10_000 });
  const rows = shown.getByTestId('profile-run-rows').locator('tbody tr');
  await rows.first().waitFor({ timeout: 10_000 });
  assert.ok((await rows.count()) >= 20, 'the kernels of mobilenetv2');
  // The list is long: show the opened run (beside the list's top), below the fixed header.
  await page.evaluate("document.querySelector('[data-testid=profile-run]').scrollIntoView({ block: 'start' }); window.scrollBy(0, -60)");
  await shot(page, 'profile');
});

test('LUTs: the phone LUT marked emulated, the public Pixel 1 table as a heatmap', { skip: missing }, async () => {
  const { page, base, serial } = demo!;
  await page.goto(`${base}#/luts`);
  const select = page.getByTestId('lut-device');
  // At full size the phone has two records (its NAS space runs unfused, on the CPU delegate): the first is the deployed one.
  const phone = select.locator('option', { hasText: serial }).first();
  await phone.waitFor({ state: 'attached', timeout: 10_000 });
  await select.selectOption((await phone.getAttribute('value'))!);
  const rows = page.getByTestId('lut-table').locator('tbody tr');
  await rows.first().waitFor();
  assert.ok((await rows.count()) >= 20);
  assert.equal(await page.getByTestId('emulated-badge').count(), 1);
  const pixel1 = select.locator('option[value^="proxylessnas-pixel1"]');
  await select.selectOption((await pixel1.getAttribute('value'))!);
  await page.getByTestId('heatmap').waitFor({ timeout: 10_000 });
  assert.ok((await page.getByTestId('heatmap').locator('tbody tr').count()) >= 20, 'a row per searchable layer');
  await shot(page, 'luts');
});

test('Models: the kernel models predict the networks the phone never ran better than the analytic baseline', { skip: missing }, async () => {
  const { page, base } = demo!;
  await page.goto(`${base}#/models`);
  const table = page.getByTestId('accuracy-table');
  await table.waitFor({ timeout: 15_000 });
  assert.ok((await table.locator('tbody tr').count()) >= 3, 'a row per kind of kernel');
  const pills = await page.locator('.pill').allInnerTexts();
  const rmspe = (name: string): number => Number(/([\d.]+) %/.exec(pills.find((p) => p.startsWith(`${name} `)) ?? '')?.[1]);
  assert.ok(rmspe('kernels') < rmspe('analytic'), `networks never run: kernels ${rmspe('kernels')} % against analytic ${rmspe('analytic')} % (${pills.join(', ')})`);
  await page.locator('select[name=predict-workload]').selectOption('mobilenetv2');
  await page.getByRole('button', { name: 'Predict', exact: true }).click();
  await page.getByTestId('prediction-layers').waitFor({ timeout: 15_000 });
  assert.match(await page.getByTestId('prediction-summary').innerText(), /mobilenetv2[\s\S]*ms/);
  await shot(page, 'models');
});

test('Search: the NAS, pruning and quantization runs, then Ctrl-C stops the demo and what it started', { skip: missing }, async () => {
  const { page, base, child, adbPort, problems } = demo!;
  await page.goto(`${base}#/search`);
  const runList = page.getByTestId('search-runs');
  await runList.locator('li').nth(3).waitFor({ timeout: 10_000 });
  const text = await runList.innerText();
  for (const kind of ['nas', 'prune', 'quantize']) assert.ok(text.includes(kind), `${kind} in ${text}`);
  await runList.getByRole('button', { name: /nas/ }).first().click();
  await page.getByTestId('nas-choices').waitFor({ timeout: 10_000 });
  assert.equal(await page.getByTestId('nas-choices').locator('.choice').count(), 22);
  await shot(page, 'search');
  assert.deepEqual(problems, []);

  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  child.kill('SIGINT');
  assert.equal(await exited, 0, demo!.stderr().slice(-2000));
  assert.equal(await accepts(adbPort), false, 'the adb server the demo started is gone');
});
