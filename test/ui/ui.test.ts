/**
 * The UI end to end in a real browser: Debian's Chromium (playwright-core) against
 * `labbench serve` in a child process, with the emulated phone behind the real adb server and
 * an emulated UM34C meter on a socat pty. The phone lives in this process, so nothing here
 * blocks the event loop (no synchronous child processes). Each page is saved as a screenshot
 * under test/ui/artifacts/. The Search page is checked on real runs: a tiny NAS, pruning and two
 * quantization runs made through the CLI in the background while the first tests run, and the
 * Models page predicts a dropped ONNX file with a model fitted (CLI, this CPU) meanwhile.
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
import { BIN, ROOT, pixel1LutPath, type CliRun } from '../cli-helpers.js';
import { LocalLabService } from '../../app/lab-service.js';
import { chromiumMissing, launchChromium } from './browser.js';
import { openUrlOf } from './open-url.js';
import { buildRenderer } from '../../app/server/renderer-build.js';
import type { NasResult, PruneResult, QuantizeResult } from '../../app/api/search.js';
import type { SearchMethodInfo } from '../../app/api/search-method.js';
import { SEARCH_METHODS } from '../../app/search-methods.js';
import type { FitSummary } from '../../app/api/predict.js';
import { plannedKernelsSync } from '../../app/predict/kernel-plan.js';
import { zooNetwork } from '../../app/workloads/zoo/index.js';

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
  /** The search runs made in the background for the Search page. */
  searches: Promise<Searches>;
  /** A model fitted on this CPU for the Models page (started once the LUT tests are done). */
  fitLocal?: Promise<FitSummary>;
}

interface Searches {
  nas: NasResult;
  prune: PruneResult;
  quantize: QuantizeResult[];
}

/** CLI commands running in the background, stopped by after() if a test gave up on them. */
const backgroundRuns = new Set<ChildProcess>();

/** `labbench ... --json` against the UI's DB, without blocking this process (it hosts the phone). */
function cliJson<T>(args: readonly string[], db: string): Promise<T> {
  const run = new Promise<CliRun>((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args, '--db', db, '--json'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    backgroundRuns.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status, signal) => {
      backgroundRuns.delete(child);
      resolve({ status, stdout, stderr: signal ? `${stderr}\n(killed by ${signal})` : stderr });
    });
  });
  return run.then((r) => {
    if (r.status !== 0) throw new Error(`labbench ${args.join(' ')} exited ${r.status}: ${r.stderr.slice(-2000)}`);
    return JSON.parse(r.stdout) as T;
  });
}

/** The smallest real runs of each kind (one after another: two cores, shared with the rest of the rig). */
async function runSearches(db: string): Promise<Searches> {
  const nas = await cliJson<NasResult>(['nas', '--lut', pixel1LutPath(), '--target-ms', '80', '--data', 'mnist', '--limit', '128', '--resolution', '16', '--width', '0.125', '--batch-size', '32', '--epochs', '1', '--train-epochs', '1', '--random-baselines', '1'], db);
  const prune = await cliJson<PruneResult>(['prune', '--model', 'mnist-1hidden', '--budget', '0.4,0.7', '--data', 'mnist', '--limit', '300', '--epochs', '1', '--population', '2', '--generations', '1', '--fitness-images', '128', '--fitness-validation', '100'], db);
  const quantize: QuantizeResult[] = [];
  for (const scheme of ['lightnn-1', 'conventional']) quantize.push(await cliJson<QuantizeResult>(['quantize', '--model', 'mnist-1hidden', '--scheme', scheme, '--data', 'mnist', '--limit', '600', '--epochs', '1'], db));
  return { nas, prune, quantize };
}

/** Handled now (a test that fails early never awaits it), still rejecting for whoever awaits it. */
function handled<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
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

before(async () => {
  if (missing) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  await buildRenderer();
  const adb = await startAdbServer();
  // A current benchmark_model (TF 2.16): XNNPACK times its nodes one by one, which kernel mode needs.
  const phone = new EmulatedPhone({ seed: 21, timeScale: 0.02, screenOn: false, charging: false, benchmarkFlavor: 'modern' });
  const serial = `127.0.0.1:${await phone.start()}`;
  const meter = new MeterEmulator({ type: 'um34c', seed: 3, load: () => phone.physics.powerW() });
  const { hostPath } = await meter.start();
  const dir = mkdtempSync(join(tmpdir(), 'labbench-ui-'));
  // The service in this process (joining the phone) finds the adb server as adb does.
  savedPort = process.env.ANDROID_ADB_SERVER_PORT;
  process.env.ANDROID_ADB_SERVER_PORT = String(adb.port);
  const serve = spawn(process.execPath, [BIN, 'serve', '--db', join(dir, 'ui.db')], { cwd: ROOT, env: { ...process.env, ANDROID_ADB_SERVER_PORT: String(adb.port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  const openUrl = await openUrlOf(serve, { what: 'labbench serve', limitS: 30 });
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  const problems: string[] = [];
  watch(page, problems);
  const u = new URL(openUrl);
  const searches = handled(runSearches(join(dir, 'ui.db')));
  rig = { adb, phone, serial, meter, meterPath: hostPath, dir, serve, openUrl, base: `${u.origin}/`, token: u.hash.replace('#token=', ''), browser, page, problems, searches };
});

after(async () => {
  for (const child of backgroundRuns) child.kill('SIGINT');
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
  assert.equal(await row.getByTestId('emulated-badge').innerText(), 'EMULATED', 'the emulated phone wears its badge');
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
  // Every state the page renders is recorded in the page itself: a short job can run between two polls from here.
  await page.evaluate(`(() => {
    const seen = (window.progressSeen = []);
    new MutationObserver(() => {
      const bar = document.querySelector('[data-testid=job-progress]');
      const status = document.querySelector('[data-testid=job-status]');
      if (bar && status) seen.push([status.textContent.trim().toLowerCase(), Number(bar.getAttribute('aria-valuenow'))]);
    }).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
  })()`);
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
  const rendered = (await page.evaluate('window.progressSeen')) as [string, number][];
  seenMidway ||= rendered.some(([status, now]) => status === 'running' && now > 0 && now < 100);
  assert.ok(seenMidway, `the progress bar moved while the job ran: ${JSON.stringify(rendered.slice(0, 40))}`);
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
  assert.equal(await page.getByTestId('emulated-badge').count(), 1, 'and says it was measured on an emulated device');
  assert.match(value!, /^emulated:127\.0\.0\.1:\d+@/);
  assert.match(await page.getByTestId('lut-table').innerText(), /conv/);
});

test('two phones profiled at once from the Profile page: a job each, progress apart, each LUT complete', { skip: missing }, async (t) => {
  const { page, serial, base, token } = rig!;
  // A second phone joins the rack for this test only.
  const phone2 = new EmulatedPhone({ seed: 22, timeScale: 0.02, screenOn: false, charging: false, benchmarkFlavor: 'modern' });
  const serial2 = `127.0.0.1:${await phone2.start()}`;
  t.after(() => phone2.stop());
  const joiner = new LocalLabService(join(rig!.dir, 'join.db'));
  await joiner.connectPhone(serial2);
  joiner.close();
  await page.goto(`${base}#/profile`);
  // The page lists devices when it loads: load it anew, whichever page an earlier test left open.
  await page.reload();
  const device = page.locator('select[name=device]');
  await device.locator(`option[value="${serial2}"]`).waitFor({ state: 'attached', timeout: 10_000 });
  await device.selectOption([serial, serial2]);
  await page.locator('select[name=workload]').selectOption('cifar10-6conv');
  // A resolution of its own, so the LUT rows checked below are this test's.
  await page.locator('input[name=resolution]').fill('24');
  await page.locator('input[name=runs]').fill('2');
  await page.locator('input[name=inner-runs]').fill('3');
  await page.getByRole('button', { name: 'Start profiling' }).click();
  const row = (s: string) => page.getByTestId('job-list').locator(`li[data-device="${s}"]`).first();
  await row(serial2).waitFor({ timeout: 10_000 });
  let together = false;
  const deadline = Date.now() + 120_000;
  for (;;) {
    const [s1, s2] = [await row(serial).getAttribute('data-status'), await row(serial2).getAttribute('data-status')];
    if (s1 === 'running' && s2 === 'running') {
      if (!together) await shot(page, 'profile-two-phones');
      together = true;
    }
    if (s1 !== 'running' && s2 !== 'running') break;
    if (Date.now() > deadline) throw new Error('the two jobs did not end in 120 s');
    await page.waitForTimeout(150);
  }
  assert.ok(together, 'both jobs ran at the same time, each with its own row');
  for (const s of [serial, serial2]) assert.equal(await row(s).getAttribute('data-status'), 'done', await page.getByTestId('job-list').innerText());
  for (const s of [serial, serial2]) assert.equal(await row(s).getByRole('progressbar').getAttribute('aria-valuenow'), '100');

  const get = async <T,>(path: string): Promise<T> => (await (await fetch(`${base}${path}`, { headers: { Authorization: `Bearer ${token}` } })).json()) as T;
  const jobs = await get<{ request: { device: string; resolution?: number }; status: string; started_at: string; result?: { layers: { key: string }[] } }[]>('api/jobs');
  const planned = [...new Set(plannedKernelsSync({ kind: 'android', emulated: true }, zooNetwork('cifar10-6conv', { resolution: 24 }))!.kernels.map((k) => k.key))].sort();
  for (const s of [serial, serial2]) {
    const job = jobs.find((j) => j.request.device === s && j.request.resolution === 24)!;
    assert.deepEqual(job.result!.layers.map((l) => l.key).sort(), planned, `${s}: every planned kernel timed`);
    const lut = await get<{ device: { key: string }; entries: { key: string; measured_at: string }[] }>(`api/lut?device=${encodeURIComponent(s)}`);
    assert.equal(lut.device.key, `emulated:${s}`, 'each phone its own LUT');
    const fresh = lut.entries.filter((e) => e.measured_at >= job.started_at).map((e) => e.key).sort();
    assert.deepEqual(fresh, planned, `${s}: its LUT has a row for every kernel`);
  }
  await shot(page, 'profile-two-phones-done');
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
  // The LUT checks are done: a model for this CPU may now add its rows (for the Models test; the
  // smallest fit that runs plans every kernel of the dropped file).
  rig!.fitLocal = handled(cliJson<FitSummary>(['fit', '--device', 'local', '--sample', '3', '--rounds', '0'], join(rig!.dir, 'ui.db')));
});

test('the Search page shows real runs: NAS epochs, choice per layer and baselines; pruning and quantization trade-offs', { skip: missing }, async () => {
  const { page, base } = rig!;
  const { nas, prune, quantize } = await rig!.searches;
  await page.goto(`${base}#/search`);
  const runList = page.getByTestId('search-runs');
  await runList.locator('li').nth(3).waitFor({ timeout: 10_000 });
  assert.equal(await runList.locator('li').count(), 4, 'one NAS, one pruning and two quantization runs');

  await runList.getByRole('button', { name: `#${nas.run_id} nas` }).click();
  const shown = page.locator('[data-testid=search-run][data-kind=nas]');
  await shown.waitFor();
  const legend = await page.getByTestId('phase-legend').innerText();
  for (const phase of ['search', 'train', 'baseline:uniform-k3e3', 'baseline:uniform-k5e6', 'baseline:random-1', 'target 80.0 ms']) assert.ok(legend.includes(phase), `${phase} in the legend: ${legend}`);
  const plots = page.getByTestId('progress-plots').locator('.uplot');
  assert.equal(await plots.count(), 3, 'loss, accuracy and latency over the epochs');
  assert.deepEqual(await plots.locator('.u-title').allInnerTexts(), ['loss', 'validation accuracy', 'predicted latency (ms)']);
  const cells = page.getByTestId('nas-choices').locator('.choice');
  assert.equal(await cells.count(), 22);
  const cellText = await cells.allInnerTexts();
  nas.architecture.forEach((a, i) => assert.match(cellText[i]!, new RegExp(`^${a.layer}\\s+${a.choice}\\b`), `layer ${i}`));
  assert.match(await page.getByTestId('nas-summary').innerText(), new RegExp(`${(nas.accuracy * 100).toFixed(1)} % accuracy at`));
  const candidates = page.getByTestId('nas-candidates').locator('tbody tr');
  assert.equal(await candidates.count(), 1 + nas.baselines.length);
  assert.equal(nas.baselines.length, 5, 'four uniform baselines and one random');
  const rows = await candidates.allInnerTexts();
  assert.match(rows[0]!, /^found/);
  nas.baselines.forEach((b, i) => assert.match(rows[i + 1]!, new RegExp(`^${b.name}\\s+[\\d.]+\\s+${(b.accuracy * 100).toFixed(1)} %`)));
  await shot(page, 'search');

  await runList.getByRole('button', { name: `#${prune.run_id} prune` }).click();
  const flops = page.getByTestId('tradeoff-flops');
  await flops.waitFor();
  const pruneLegend = await flops.locator('.u-legend').innerText();
  for (const label of ['legr', 'global-norm', 'uniform', 'unpruned']) assert.ok(pruneLegend.includes(label), `${label} in ${pruneLegend}`);
  assert.equal(await page.getByTestId('prune-table').locator('tbody tr').count(), 1 + prune.results.length);
  await shot(page, 'search-prune');

  await runList.getByRole('button', { name: `#${quantize[0]!.run_id} quantize` }).click();
  const energy = page.getByTestId('tradeoff-energy');
  await energy.waitFor();
  assert.equal(await energy.locator('.uplot').count(), 1);
  const qRows = await page.getByTestId('quantize-table').locator('tbody tr').allInnerTexts();
  assert.equal(qRows.length, 2, 'both quantization runs of mnist-1hidden, one curve');
  const byScheme = (scheme: string): string => qRows.find((r) => r.includes(scheme)) ?? '';
  for (const q of quantize) assert.match(byScheme(q.scheme), new RegExp(`${((1 - q.test_error) * 100).toFixed(1)} %`), q.scheme);
  assert.match(byScheme('lightnn-1'), /97\.9 %/, "the seed's LightNN-1 figure beside ours");
  await shot(page, 'search-quantize');
});

test('a NAS run started from the Search page reports its progress live and can be canceled', { skip: missing }, async () => {
  const { page, base, token } = rig!;
  await page.goto(`${base}#/search`);
  await page.getByTestId('search-runs').locator('li').first().waitFor({ timeout: 10_000 });
  await page.getByText('New NAS run').click();
  const form = page.getByTestId('nas-form');
  const pixel1 = form.locator('select[name=nas-device] option[value^="pixel1@"]');
  await pixel1.waitFor({ state: 'attached', timeout: 10_000 });
  await form.locator('select[name=nas-device]').selectOption((await pixel1.getAttribute('value'))!);
  const fields: [string, string][] = [['target-ms', '80'], ['epochs', '1'], ['train-epochs', '1'], ['limit', '128'], ['batch-size', '32'], ['resolution', '16'], ['width', '0.125']];
  for (const [name, value] of fields) await form.locator(`input[name=${name}]`).fill(value);
  await form.locator('input[name=no-baselines]').check();
  await form.getByRole('button', { name: 'Start NAS' }).click();
  const status = page.getByTestId('nas-job-status');
  await status.waitFor({ timeout: 10_000 });
  const bar = page.getByTestId('nas-job-progress');
  const deadline = Date.now() + 60_000;
  while (!(Number(await bar.getAttribute('aria-valuenow')) > 0)) {
    assert.equal(await status.textContent(), 'running', await page.getByTestId('nas-job').innerText());
    if (Date.now() > deadline) throw new Error('no NAS progress in 60 s');
    await page.waitForTimeout(200);
  }
  // The job's run is shown while it runs.
  const shown = page.locator('[data-testid=search-run][data-kind=nas]');
  await shown.locator('.badge.running').waitFor({ timeout: 10_000 });
  const runId = Number(await shown.getAttribute('data-run'));
  await page.evaluate('window.scrollTo(0, 0)');
  await shot(page, 'search-nas-job');
  await page.getByTestId('nas-job').getByRole('button', { name: 'Cancel' }).click();
  const cancelDeadline = Date.now() + 30_000;
  // One read per round: reading the badge twice let it turn 'canceled' between the reads.
  for (let now = await status.textContent(); now !== 'canceled'; now = await status.textContent()) {
    assert.equal(now, 'running', await page.getByTestId('nas-job').innerText());
    if (Date.now() > cancelDeadline) throw new Error('the NAS job did not stop in 30 s');
    await page.waitForTimeout(200);
  }
  const runs = (await (await fetch(`${base}api/search-runs`, { headers: { Authorization: `Bearer ${token}` } })).json()) as { id: number; status: string; params: Record<string, unknown> }[];
  const stored = runs.find((r) => r.id === runId);
  assert.equal(stored?.status, 'canceled');
  assert.equal(stored?.params.targetMs, 80);
  assert.match(String(stored?.params.device), /^pixel1@/);
});

test('the Search page has a start form per search method the lab describes, pruning and quantization included, each field named by its CLI flag', { skip: missing }, async () => {
  const { page, base, token } = rig!;
  const methods = (await (await fetch(`${base}api/search-methods`, { headers: { Authorization: `Bearer ${token}` } })).json()) as SearchMethodInfo[];
  assert.deepEqual(methods.map((m) => m.kind), SEARCH_METHODS.map((m) => m.request.kind));
  await page.goto(`${base}#/search`);
  for (const kind of ['prune', 'quantize']) {
    const m = methods.find((x) => x.kind === kind)!;
    await page.getByText(`New ${m.title} run`).click();
    const form = page.getByTestId(`${kind}-form`);
    await form.waitFor({ timeout: 10_000 });
    await form.getByText('More options').click();
    for (const f of m.fields) assert.equal(await form.locator(`[name="${f.device ? `${kind}-device` : f.flag}"]`).count(), 1, `${kind}: --${f.flag}`);
    assert.equal(await form.locator('[name=out]').count(), 0, 'no output folder on the lab machine');
    assert.ok(await form.getByRole('button', { name: `Start ${m.title}` }).isEnabled());
  }
  const schemes = await page.getByTestId('quantize-form').locator('select[name=scheme] option').allTextContents();
  assert.ok(schemes.includes('lightnn-1') && schemes.includes('binarynet'), schemes.join(','));
  assert.equal(await page.getByTestId('prune-form').locator('input[name=budget]').inputValue(), '0.5');
});

test('the Models page predicts a dropped ONNX file kernel by kernel, as the service does for that file', { skip: missing }, async () => {
  const { page, base, dir } = rig!;
  await rig!.fitLocal;
  const onnx = join(ROOT, 'app', 'workloads', 'fixtures', 'torch-cnn-op13.onnx');
  const svc = new LocalLabService(join(dir, 'ui.db'));
  const expected = await svc.predict({ device: 'local', workload: onnx }).finally(() => svc.close());
  await page.goto(`${base}#/models`);
  const device = page.locator('select[name=model-device]');
  await device.locator('option[value="local"]').waitFor({ state: 'attached', timeout: 10_000 });
  await device.selectOption('local');
  // A real drop: a DataTransfer holding the file, dispatched on the drop zone.
  const transfer = await page.evaluateHandle((b64) => {
    const bin = atob(b64);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    // The page's DataTransfer (this file is typed without the DOM library).
    const PageDataTransfer = (globalThis as unknown as { DataTransfer: new () => { items: { add(f: File): void } } }).DataTransfer;
    const dt = new PageDataTransfer();
    dt.items.add(new File([bytes], 'torch-cnn-op13.onnx', { type: 'application/octet-stream' }));
    return dt;
  }, readFileSync(onnx).toString('base64'));
  await page.locator('label.drop').dispatchEvent('drop', { dataTransfer: transfer });
  const table = page.getByTestId('prediction-layers');
  await table.waitFor({ timeout: 15_000 });
  assert.match(await page.getByTestId('prediction-summary').innerText(), /^torch-cnn-op13\.onnx/);
  const names = await table.locator('tbody tr td:first-child').allInnerTexts();
  assert.deepEqual(names, expected.layers.map((l) => l.name), 'a row per kernel of the file, in order');
  assert.ok(expected.layers.length >= 10);
  await page.waitForTimeout(300);
  await shot(page, 'models');
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
