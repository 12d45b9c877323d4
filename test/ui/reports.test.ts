/**
 * `labbench report accuracy|lut|search --html`: each report from real data (a quick kernel
 * fit on this CPU, shared through test/fitted-db.ts, and a network profiled after it; the
 * public Pixel 1 LUT, and the same rows re-exported as an emulated device whose label is
 * hostile HTML; a tiny NAS and a two-scheme quantization sweep), opened in Debian's Chromium
 * with every request other than file: refused and recorded. Each plot must be drawn with a
 * mark per data point, its axes labelled, no console error, no request leaving the file, and
 * an emulated device marked.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { ROOT, labbenchAsyncRun, labbenchHere, pixel1LutPath, type CliRun } from '../cli-helpers.js';
import { chromiumMissing, launchChromium } from './browser.js';
import { copyFittedDb } from '../fitted-db.js';
import { LocalLabService } from '../../app/lab-service.js';
import { esc } from '../../app/reports/html.js';
import { searchReportHtml } from '../../app/reports/search-report.js';
import { lutChecksum, type LutFile } from '../../profiles-db/lut-file.js';
import type { QuantizeResult, SearchRunSummary } from '../../app/api/search.js';

const ARTIFACTS = join(ROOT, 'test', 'ui', 'artifacts');
const missing = chromiumMissing();
/** A label as a phone could report it: markup that would run or fetch if it were not escaped. */
const HOSTILE = `<img src=x onerror="fetch('http://evil.example/')">Pixel "1" & <b>co</b>`;

interface Written {
  readonly html: string;
  readonly bytes: number;
  readonly emulated?: boolean;
}

interface Data {
  readonly dir: string;
  readonly acc: string;
  readonly lut: string;
  readonly search: string;
  /** The reports, written side by side as soon as their data are there; each test awaits its own. */
  readonly written: Readonly<Record<'accuracy' | 'lut' | 'emulated' | 'search', Promise<Written>>>;
}
let data: Data | undefined;
let browser: Browser | undefined;

function ok(r: CliRun, what: string): CliRun {
  assert.equal(r.status, 0, `${what}: ${r.stderr.slice(-2000)}`);
  return r;
}

const cli = async (args: readonly string[], db: string): Promise<CliRun> => ok(await labbenchAsyncRun([...args, '--db', db]), args.slice(0, 2).join(' '));

async function report(args: readonly string[], db: string, out: string): Promise<Written> {
  const r = await cli(['report', ...args, '--html', out, '--json'], db);
  const j = JSON.parse(r.stdout) as Written;
  assert.equal(j.html, out, 'the JSON says where the file went');
  assert.equal(readFileSync(out).length, j.bytes);
  return j;
}

/** Handled now (a test that fails early never awaits it), still rejecting for whoever awaits it. */
function handled<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}

before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'labbench-reports-'));
  const d = { dir, acc: join(dir, 'acc.db'), lut: join(dir, 'lut.db'), search: join(dir, 'search.db') };
  // The LUTs in process; the fit and the searches as the CLI runs them, side by side.
  const svc = new LocalLabService(d.lut);
  await svc.lutImport(readFileSync(pixel1LutPath(), 'utf8'), 'pixel1-single-path-nas-lut.json');
  const file = JSON.parse(await svc.lutExport('pixel1', 'json')) as LutFile;
  const { checksum: _c, ...body } = file;
  const hostile = {
    ...body,
    device: { ...body.device, key: 'hostile-phone', label: HOSTILE, fingerprint: { ...body.device.fingerprint, emulated: true, model: HOSTILE }, emulated: true },
    entries: body.entries.map((e) => ({ ...e, emulated: true })),
  };
  const imported = await svc.lutImport(JSON.stringify({ ...hostile, checksum: lutChecksum(hostile) }), 'hostile.json');
  assert.equal(imported.device.key, 'emulated:hostile-phone');
  svc.close();
  const lut = handled(report(['lut', '--device', 'pixel1'], d.lut, join(dir, 'lut.html')));
  const emulated = handled(report(['lut', '--device', 'hostile-phone'], d.lut, join(dir, 'lut-emulated.html')));
  const accuracy = handled(
    (async () => {
      await copyFittedDb(d.acc);
      await cli(['profile', '--device', 'local', '--workload', 'mnist-2conv', '--runs', '3', '--max-seconds', '0.3', '--json'], d.acc);
      return report(['accuracy', '--device', 'local'], d.acc, join(dir, 'accuracy.html'));
    })(),
  );
  const search = handled(
    Promise.all([
      cli(['quantize', '--model', 'mnist-1hidden', '--scheme', 'lightnn-1,conventional', '--data', 'mnist', '--limit', '300', '--epochs', '1', '--json'], d.search),
      cli(['nas', '--lut', pixel1LutPath(), '--target-ms', '80', '--data', 'mnist', '--limit', '96', '--resolution', '16', '--width', '0.125', '--batch-size', '32', '--epochs', '2', '--train-epochs', '1', '--no-baselines', '--json'], d.search),
    ]).then(() => report(['search'], d.search, join(dir, 'search.html'))),
  );
  data = { ...d, written: { accuracy, lut, emulated, search } };
  if (!missing) browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  // Skipped tests never awaited their report: its commands finish before their folder goes.
  if (data) await Promise.allSettled(Object.values(data.written));
  if (data) rmSync(data.dir, { recursive: true, force: true });
});

interface Opened {
  readonly page: Page;
  readonly problems: string[];
  readonly external: string[];
}

/** Opens a report file with every request that is not file: refused and recorded. */
async function open(path: string): Promise<Opened> {
  const page = await browser!.newPage({ viewport: { width: 1200, height: 900 } });
  const problems: string[] = [];
  const external: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  await page.route('**', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:')) return route.continue();
    external.push(url);
    return route.abort();
  });
  await page.goto(pathToFileURL(path).href);
  await page.waitForLoadState('load');
  return { page, problems, external };
}

async function finish(o: Opened, shot: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await o.page.screenshot({ path: join(ARTIFACTS, `${shot}.png`), fullPage: true });
  assert.deepEqual(o.problems, [], 'no console error');
  assert.deepEqual(o.external, [], 'no request leaves the file');
  await o.page.close();
}

/** What a chart drew: marks per series, lines, cells, axis labels, tick labels, its size on screen. */
async function chart(page: Page, id: string) {
  const fig = page.locator(`figure[data-chart="${id}"]`);
  assert.equal(await fig.count(), 1, `chart ${id} is on the page`);
  return fig.evaluate((f) => {
    const svg = f.querySelector('svg')!;
    const box = svg.getBoundingClientRect();
    const series: Record<string, number> = {};
    for (const g of f.querySelectorAll('g.series')) series[g.getAttribute('data-series')!] = g.querySelectorAll('circle.mark').length;
    return {
      width: box.width,
      height: box.height,
      marks: f.querySelectorAll('circle.mark').length,
      series,
      lines: f.querySelectorAll('path.line').length,
      cells: f.querySelectorAll('rect.cell').length,
      diagonal: f.querySelectorAll('path.diagonal').length,
      xLabel: f.querySelector('text.axis-label.x')?.textContent ?? '',
      yLabel: f.querySelector('text.axis-label.y')?.textContent ?? '',
      ticks: [...f.querySelectorAll('g.tick text')].map((t) => t.textContent ?? '').filter(Boolean).length,
    };
  });
}


test('report accuracy --html: predicted against measured, a point per network and predictor, on labelled axes', { skip: missing }, async () => {
  const d = data!;
  const out = (await d.written.accuracy).html;
  const svc = new LocalLabService(d.acc);
  const acc = await svc.reportAccuracy('local');
  svc.close();
  const points = acc.networks.rows.flatMap((n) => Object.values(n.predicted).filter((v) => Number.isFinite(v) && v > 0)).length;
  assert.ok(acc.networks.rows.some((n) => n.network === 'mnist-2conv') && points >= 2, 'the network profiled after the fit is scored by both predictors');
  const o = await open(out);
  const c = await chart(o.page, 'accuracy-latency');
  assert.equal(c.marks, points, 'a mark per network and predictor');
  assert.equal(c.diagonal, 1, 'the y = x line');
  assert.match(c.xLabel, /^measured ms/);
  assert.match(c.yLabel, /^predicted ms/);
  assert.ok(c.ticks >= 4 && c.width > 300 && c.height > 200, JSON.stringify(c));
  assert.equal(await o.page.locator('.emulated').count(), 0, 'this CPU is real hardware');
  await finish(o, 'report-accuracy');
});

test('report lut --html: the Pixel 1 LUT as a heatmap, a cell per layer and choice, and every row on the rank chart', { skip: missing }, async () => {
  const d = data!;
  const out = (await d.written.lut).html;
  const svc = new LocalLabService(d.lut);
  const view = await svc.lutShow('pixel1');
  svc.close();
  const gridRows = view.entries.filter((e) => /^(mbconv|spnas-skip) L\d+ /.test(e.key));
  assert.ok(gridRows.length >= 80, `${gridRows.length} rows of the searchable layers`);
  const o = await open(out);
  const h = await chart(o.page, 'lut-heatmap');
  assert.equal(h.cells, gridRows.length, 'a cell per searchable layer and choice');
  assert.equal(h.xLabel, 'choice (kernel x expansion)');
  assert.equal(h.yLabel, 'layer');
  const layers = new Set(gridRows.map((e) => /L(\d+)/.exec(e.key)![1]));
  const choices = new Set(gridRows.map((e) => (e.op === 'mbconv' ? e.key.split(' ').slice(2, 4).join('') : 'skip')));
  assert.equal(h.ticks, layers.size + choices.size, 'a tick label per layer and per choice');
  const r = await chart(o.page, 'lut-ranks');
  assert.equal(r.marks, view.entries.length, 'every row on the rank chart');
  const ops = [...new Set(view.entries.map((e) => e.op))];
  assert.equal(r.lines, ops.filter((op) => view.entries.filter((e) => e.op === op).length > 1).length, 'a curve per op with more than one row');
  assert.match(r.yLabel, /median latency \(ms\)/);
  assert.equal(await o.page.locator('.emulated').count(), 0, 'the Pixel 1 is real hardware');
  await finish(o, 'report-lut');
});

test('report lut --html on an emulated device with a hostile label: marked EMULATED, the label shown as text', { skip: missing }, async () => {
  const d = data!;
  const j = await d.written.emulated;
  const out = j.html;
  assert.equal(j.emulated, true);
  const html = readFileSync(out, 'utf8');
  assert.ok(!html.includes(HOSTILE) && html.includes(esc(HOSTILE)), 'the label is escaped');
  const o = await open(out);
  const banner = o.page.locator('.emulated');
  assert.ok(await banner.isVisible(), 'the EMULATED banner is visible');
  assert.match((await banner.textContent()) ?? '', /^EMULATED — /);
  assert.match(await o.page.title(), /^EMULATED · /);
  assert.equal(await o.page.locator('h1').textContent(), `LUT: ${HOSTILE} (emulated)`);
  assert.equal(await o.page.locator('img, b').count(), 0, 'no element came from the label');
  assert.ok((await chart(o.page, 'lut-heatmap')).cells >= 80);
  await finish(o, 'report-lut-emulated');
});

test('report search --html: NAS curves per phase, the found network, the quantization runs and their Pareto front', { skip: missing }, async () => {
  const d = data!;
  const out = (await d.written.search).html;
  const svc = new LocalLabService(d.search);
  const runs: SearchRunSummary[] = await svc.listSearchRuns();
  svc.close();
  const nas = runs.find((r) => r.kind === 'nas')!;
  const quant = runs.filter((r) => r.kind === 'quantize' && r.status === 'done');
  assert.ok(nas && quant.length === 2, runs.map((r) => `${r.id} ${r.kind} ${r.status}`).join(', '));
  const o = await open(out);
  for (const metric of ['loss', 'accuracy'] as const) {
    const pts = nas.progress.filter((p) => Number.isFinite(p[metric]));
    const phases = new Set(pts.map((p) => p.phase));
    const c = await chart(o.page, `run-${nas.id}-${metric}`);
    assert.equal(c.marks, pts.length, `${metric}: a mark per epoch`);
    assert.equal(c.lines, [...phases].filter((ph) => pts.filter((p) => p.phase === ph).length > 1).length, `${metric}: a curve per phase of more than one epoch`);
    assert.ok(c.lines >= 1, 'the search phase is a curve');
    assert.equal(c.xLabel, 'epoch (whole run)');
  }
  const cand = await chart(o.page, `run-${nas.id}-candidates`);
  assert.equal(cand.marks, 1, 'the found network (no baselines were trained)');
  assert.equal(cand.xLabel, 'predicted latency (ms)');

  // The Pareto front, from the runs themselves: cheapest first, each more accurate than every cheaper one.
  const q = quant.map((r) => r.result as unknown as QuantizeResult).sort((a, b) => a.energy_uj - b.energy_uj || a.test_error - b.test_error);
  let best = -Infinity;
  const front = q.filter((x) => (1 - x.test_error > best ? ((best = 1 - x.test_error), true) : false));
  const p = await chart(o.page, 'quantize-mnist-1hidden-mnist');
  assert.equal(p.series['this bench'], q.length, 'a mark per quantization run');
  assert.equal(p.series['Pareto front'] ?? 0, front.length > 1 ? front.length : 0);
  assert.equal(p.series['seed figure'] ?? 0, q.filter((x) => x.seed_test_error !== undefined).length);
  assert.equal(p.lines, front.length > 1 ? 1 : 0, 'the front is a line');
  assert.equal(p.xLabel, 'energy (µJ per inference)');
  assert.equal(p.yLabel, 'test accuracy');
  await finish(o, 'report-search');
});

test('report search --run N: one run; an unknown run exits 2 and writes nothing', async () => {
  const d = data!;
  await d.written.search;
  const svc = new LocalLabService(d.search);
  const runs = await svc.listSearchRuns();
  svc.close();
  const out = join(d.dir, 'one.html');
  await report(['search', '--run', String(runs[0]!.id)], d.search, out);
  const html = readFileSync(out, 'utf8');
  assert.equal(html.match(/<h2 id="run-/g)?.length, 1);
  const bad = await labbenchHere(['report', 'search', '--run', '999', '--html', join(d.dir, 'none.html'), '--db', d.search]);
  assert.equal(bad.status, 2, bad.stderr);
  assert.match(bad.stderr, /--run 999: no such search run/);
  assert.throws(() => readFileSync(join(d.dir, 'none.html')));
});

test('report search marks a run on an emulated device, by the device its request named or the label its LUT carries', async () => {
  const d = data!;
  await d.written.search;
  const svc = new LocalLabService(d.search);
  const nas = (await svc.listSearchRuns()).find((r) => r.kind === 'nas')!;
  svc.close();
  const marks = (html: string): number => html.match(/data-emulated="true"/g)?.length ?? 0;
  assert.equal(marks(searchReportHtml([nas])), 0, 'a run on the public Pixel 1 LUT file is not marked');
  const onPhone = { ...nas, params: { ...nas.params, lutFile: undefined, device: '127.0.0.1:5555' } };
  const phone = { key: 'emulated:127.0.0.1:5555', label: 'labbench emulated phone (emulated)', emulated: true };
  assert.equal(marks(searchReportHtml([onPhone], { devices: new Map([['127.0.0.1:5555', phone]]) })), 2, 'at the top and on the run');
  const byLabel = { ...onPhone, result: { ...nas.result, lut: phone.label } };
  assert.equal(marks(searchReportHtml([byLabel])), 2);
});
