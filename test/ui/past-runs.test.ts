/**
 * Past runs on the Profile page: `labbench serve` on a DB that already holds a profiled
 * network (a CLI profile on this CPU, tiny settings) lists that run with no job started in
 * the UI, and reopens it with its rows and end-to-end time.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { BIN, ROOT, QUICK, labbenchAsyncRun } from '../cli-helpers.js';
import { chromiumMissing, launchChromium } from './browser.js';
import { openUrlOf } from './open-url.js';
import { buildRenderer } from '../../app/server/renderer-build.js';
import type { ProfileResult } from '../../app/api/profile.js';

const ARTIFACTS = join(ROOT, 'test', 'ui', 'artifacts');
const missing = chromiumMissing();
let dir: string | undefined;
let serve: ChildProcess | undefined;
let browser: Browser | undefined;

before(async () => {
  if (missing) return;
  dir = mkdtempSync(join(tmpdir(), 'labbench-past-runs-'));
});

after(async () => {
  await browser?.close();
  if (serve && serve.exitCode === null) {
    serve.kill('SIGINT');
    await new Promise((r) => serve!.once('exit', r));
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the Profile page lists a run profiled before it opened, and reopens it with its rows', { skip: missing }, async () => {
  const db = join(dir!, 'past.db');
  const [profiled] = await Promise.all([
    labbenchAsyncRun(['profile', '--device', 'local', '--workload', 'cifar10-6conv', '--resolution', '16', ...QUICK, '--runs', '2', '--db', db, '--json']),
    buildRenderer(),
  ]);
  assert.equal(profiled.status, 0, profiled.stderr);
  const result = JSON.parse(profiled.stdout) as ProfileResult;
  serve = spawn(process.execPath, [BIN, 'serve', '--db', db], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const openUrl = await openUrlOf(serve, { what: 'labbench serve', limitS: 30 });
  browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(openUrl);
  await page.goto(`${new URL(openUrl).origin}/#/profile`);

  const item = page.getByTestId('profile-runs').locator(`li[data-run="${result.run_id}"]`);
  await item.waitFor({ timeout: 15_000 });
  assert.equal(await item.getAttribute('data-status'), 'complete');
  assert.match(await item.innerText(), /cifar10-6conv/);
  assert.match(await page.locator('.job').innerText(), /earlier runs are listed below/, 'no job here, and the page says where the runs are');
  await item.getByRole('button').click();
  const run = page.locator(`[data-testid=profile-run][data-run="${result.run_id}"]`);
  await run.waitFor({ timeout: 10_000 });
  const rows = run.getByTestId('profile-run-rows').locator('tbody tr');
  assert.equal(await rows.count(), result.measured_units, 'one row per unit the run recorded');
  assert.match(await run.innerText(), new RegExp(`${result.end_to_end!.median_ms >= 100 ? result.end_to_end!.median_ms.toFixed(1) : result.end_to_end!.median_ms.toPrecision(3)} ms`), 'the end-to-end median the CLI printed');
  assert.deepEqual(problems, []);
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, 'profile-past-runs.png'), fullPage: true });
});
