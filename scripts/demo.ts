/**
 * `npm run demo`: the whole chain on emulated hardware, into a demo DB, then the UI on it.
 * Starts Debian's adb server on a private port, the emulated phone (a Pixel 2 with a current
 * benchmark_model) behind it and an emulated UM34C USB meter on a socat pty that reads the
 * phone's power draw; then, through the service API: profiles a zoo network with the meter,
 * shows the LUT and imports ProxylessNAS's public Pixel 1 table, profiles the Single-Path NAS
 * space (full size only), fits kernel models (with power, full size only), predicts networks
 * the phone never ran and only then profiles them, runs a short NAS (against the phone's LUT,
 * or with --quick the public one), prunes (LeGR) and quantizes (LightNN); and serves the UI on
 * the DB. Everything measured is marked emulated by the provenance code, as on any emulated
 * device.
 *
 *   npm run demo -- [--db PATH] [--quick] [--no-serve] [--open] [--port N] [--time-scale X]
 *
 * The default DB, ~/.labbench/demo/demo.db, is the demo's own and is replaced on every run; a
 * `--db` file that exists is refused (exit 2) rather than overwritten. The URL to open is
 * printed on a line of its own on stdout (with --no-serve, the DB path is); progress goes
 * to stderr. Ctrl-C stops the step running, the server, the meter, the phone and the adb
 * server, and exits 130 (0 while serving, where Ctrl-C is how the demo ends).
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, delimiter, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { LocalLabService } from '../app/lab-service.js';
import { exitCodeFor, LabbenchError } from '../app/api/errors.js';
import { formatDuration, renderBar } from '../app/cli/progress-bar.js';
import type { ProfileProgress, ProfileResult } from '../app/api/profile.js';
import type { QuantizeRequest } from '../app/api/search.js';
import { compileSpnasTable, spnasLatency } from '../app/predict/spnas-lut.js';
import { startAdbServer, type AdbServer } from '../test/adb-server.js';
import { EmulatedPhone } from '../test/peers/adb-phone/index.js';
import { MeterEmulator } from '../test/peers/meters/meter-emulator.js';

/** ProxylessNAS's public latency table of a Google Pixel 1 (in the repository; see its README). */
const PROXYLESS_PIXEL1 = join(import.meta.dirname, '..', 'profiles-db', 'importers', 'fixtures', 'proxylessnas-pixel1_mobile_trim.yaml');

/** How big each step is. `quick` keeps the whole chain to well under a minute on two cores. */
interface Sizes {
  /** The zoo network profiled first, with the meter, and its input size. */
  readonly first: { readonly workload: string; readonly resolution: number };
  /** Networks predicted before they are ever run, then profiled to compare. */
  readonly unseen: readonly { readonly workload: string; readonly resolution?: number }[];
  readonly profile: { readonly runs: number; readonly maxRuns: number; readonly innerRuns: number; readonly warmup: number };
  readonly fit: { readonly sample: number; readonly rounds: number; readonly meterNetworks: number };
  /** The LUT the NAS searches against: the phone's own (its NAS space profiled first, ~100 units) or the public Pixel 1 table. */
  readonly nasLut: 'phone' | 'proxylessnas-pixel1';
  readonly nas: { readonly noBaselines?: boolean; readonly limit: number; readonly epochs: number; readonly trainEpochs: number; readonly resolution: number; readonly width: number; readonly batchSize: number; readonly randomBaselines: number };
  readonly prune: { readonly model: string; readonly budgets: readonly number[]; readonly limit: number; readonly epochs: number; readonly population: number; readonly generations: number; readonly fitnessImages: number; readonly fitnessValidation: number };
  readonly quantize: { readonly model: string; readonly schemes: readonly QuantizeRequest['scheme'][]; readonly limit: number; readonly epochs: number };
}

const QUICK: Sizes = {
  first: { workload: 'mobilenetv2', resolution: 64 },
  unseen: [{ workload: 'resnet56' }, { workload: 'mnist-2conv' }],
  profile: { runs: 3, maxRuns: 3, innerRuns: 3, warmup: 1 },
  fit: { sample: 3, rounds: 0, meterNetworks: 0 },
  nasLut: 'proxylessnas-pixel1',
  nas: { noBaselines: true, limit: 128, epochs: 1, trainEpochs: 1, resolution: 16, width: 0.125, batchSize: 32, randomBaselines: 0 },
  prune: { model: 'mnist-1hidden', budgets: [0.4, 0.7], limit: 300, epochs: 1, population: 2, generations: 1, fitnessImages: 128, fitnessValidation: 100 },
  quantize: { model: 'mnist-1hidden', schemes: ['lightnn-1', 'conventional'], limit: 600, epochs: 1 },
};

const FULL: Sizes = {
  first: { workload: 'mobilenetv2', resolution: 128 },
  unseen: [{ workload: 'resnet56' }, { workload: 'mnist-2conv' }, { workload: 'mobilenetv2', resolution: 96 }],
  profile: { runs: 5, maxRuns: 10, innerRuns: 5, warmup: 1 },
  // Sample networks 0-13 of the fit's seed: the next one is far too big an artifact to push in a demo.
  fit: { sample: 14, rounds: 0, meterNetworks: 4 },
  nasLut: 'phone',
  nas: { limit: 2000, epochs: 2, trainEpochs: 2, resolution: 16, width: 0.125, batchSize: 32, randomBaselines: 1 },
  prune: { model: 'mnist-vgg', budgets: [0.4, 0.7], limit: 1000, epochs: 1, population: 4, generations: 2, fitnessImages: 256, fitnessValidation: 200 },
  quantize: { model: 'mnist-1hidden', schemes: ['lightnn-1', 'lightnn-2', 'flightnn', 'binaryconnect', 'conventional'], limit: 2000, epochs: 1 },
};

function fail(message: string): never {
  process.stderr.write(`demo: ${message}\n`);
  process.exit(2);
}

const log = (line: string): void => void process.stderr.write(`${line}\n`);

function parse(): { db: string; own: boolean; quick: boolean; serve: boolean; open: boolean; port: number; timeScale: number } {
  let values;
  try {
    values = parseArgs({
      options: {
        db: { type: 'string' },
        quick: { type: 'boolean' },
        'no-serve': { type: 'boolean' },
        open: { type: 'boolean' },
        port: { type: 'string' },
        'time-scale': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values;
  } catch (e) {
    fail((e as Error).message);
  }
  if (values.help) {
    process.stdout.write('npm run demo -- [--db PATH] [--quick] [--no-serve] [--open] [--port N] [--time-scale X]\n');
    process.exit(0);
  }
  const num = (v: string | undefined, name: string, fallback: number, ok: (n: number) => boolean): number => {
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!ok(n)) fail(`--${name} ${v} is not valid`);
    return n;
  };
  // A folder of its own: NAS checkpoints and trained models go beside the DB, by run id.
  const db = values.db ? resolve(values.db) : join(homedir(), '.labbench', 'demo', 'demo.db');
  if (values.db && existsSync(db)) fail(`${db} exists; the demo writes a new DB (remove it, or pick another --db)`);
  return {
    db,
    own: !values.db,
    quick: values.quick ?? false,
    serve: !values['no-serve'],
    open: values.open ?? false,
    port: num(values.port, 'port', 0, (n) => Number.isInteger(n) && n >= 0 && n < 65536),
    // Real seconds per emulated second. Below 1 the phone runs faster, but a metered loop then
    // lasts too little real time for the meter's readings, and power goes missing.
    timeScale: num(values['time-scale'], 'time-scale', 1, (n) => n > 0 && n <= 1),
  };
}

/** One progress line per call where stderr is not a terminal, a redrawn line where it is. */
function progressPrinter(prefix: string): (p: ProfileProgress) => void {
  let last = 0;
  return (p) => {
    const line = `  ${prefix} ${renderBar(p, 20)}`;
    if (process.stderr.isTTY) {
      process.stderr.write(`\r${line.slice(0, (process.stderr.columns || 100) - 1).padEnd(Math.min(100, (process.stderr.columns || 100) - 1))}${p.phase === 'done' ? '\n' : ''}`);
    } else if (p.phase === 'done' || Date.now() - last > 2000) {
      last = Date.now();
      log(line);
    }
  };
}

function describeProfile(r: ProfileResult): string {
  const e2e = r.end_to_end ? `${r.end_to_end.median_ms.toFixed(2)} ms end to end` : `${r.sum_of_layers_ms.toFixed(2)} ms summed`;
  const power = r.energy_mj !== undefined ? `, ${r.power_w!.toFixed(2)} W above idle, ${r.energy_mj.toFixed(2)} mJ per inference` : '';
  return `${r.workload}: ${r.layers.length} ${r.mode === 'layers' ? 'layers' : 'kernels'}, ${e2e}${power} (run ${r.run_id}, ${r.wall_s.toFixed(1)} s)`;
}

/** Whether a program is on PATH (the emulated rig needs Debian's adb and socat). */
function onPath(program: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, program), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

async function main(): Promise<void> {
  const o = parse();
  const lacking = ['adb', 'socat'].filter((p) => !onPath(p));
  if (lacking.length) {
    log(`demo: ${lacking.join(' and ')} not found: the emulated phone needs Debian's adb server and the emulated meter socat (apt-get install ${lacking.join(' ')})`);
    process.exit(1);
  }
  const sizes = o.quick ? QUICK : FULL;
  const controller = new AbortController();
  const { signal } = controller;
  let interrupted = false;
  process.on('SIGINT', () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    log('\ndemo: stopping (Ctrl-C again to quit at once)');
    controller.abort();
  });
  process.on('SIGTERM', () => controller.abort());

  if (o.own) {
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${o.db}${suffix}`, { force: true });
    rmSync(join(dirname(o.db), 'search-runs'), { recursive: true, force: true });
  }
  mkdirSync(dirname(o.db), { recursive: true });
  const t0 = Date.now();
  const since = (): string => `${((Date.now() - t0) / 1000).toFixed(1)} s`;

  let adb: AdbServer | undefined;
  let phone: EmulatedPhone | undefined;
  let meter: MeterEmulator | undefined;
  const svc = new LocalLabService(o.db);
  let status = 0;
  let serving = false;
  try {
    adb = await startAdbServer();
    // This process's service (and the server below) find the private adb server as adb does.
    process.env.ANDROID_ADB_SERVER_PORT = String(adb.port);
    // Not charging: the full battery the README asks for, so the meter sees the phone's work alone.
    phone = new EmulatedPhone({ model: 'Pixel 2', seed: 7, timeScale: o.timeScale, screenOn: false, charging: false, benchmarkFlavor: 'modern' });
    const serial = `127.0.0.1:${await phone.start()}`;
    const p = phone;
    meter = new MeterEmulator({ type: 'um34c', seed: 7, load: () => p.physics.powerW() });
    const meterSpec = `${(await meter.start()).hostPath}:um34c`;
    const info = await svc.connectPhone(serial);
    log(`demo: ${info.label} on ${serial} (adb server on port ${adb.port}), emulated UM34C on ${meterSpec}, DB ${o.db}${o.quick ? ' (--quick)' : ''}`);

    let steps = 0;
    const step = (title: string): void => {
      if (signal.aborted) throw new LabbenchError('CANCELED', 'demo stopped');
      log(`\n[${since()}] ${++steps}. ${title}`);
    };
    const prof = { ...sizes.profile };

    step(`profile ${sizes.first.workload} at ${sizes.first.resolution} px on the phone, with the meter`);
    const first = await svc.profile({ device: serial, workload: sizes.first.workload, resolution: sizes.first.resolution, meter: meterSpec, ...prof }, { onProgress: progressPrinter(sizes.first.workload), onWarning: (m) => log(`  warning: ${m}`), signal });
    log(`  ${describeProfile(first)}`);

    step('the LUT it made, and a public one beside it');
    const lut = await svc.lutShow(serial);
    log(`  ${lut.device.label}: ${lut.entries.length} rows, device key ${lut.device.key}, emulated: ${lut.device.emulated}`);
    if (!lut.device.emulated) throw new Error('the emulated phone was not marked emulated');
    const publicLut = await svc.lutImport(readFileSync(PROXYLESS_PIXEL1, 'utf8'), basename(PROXYLESS_PIXEL1));
    log(`  imported ProxylessNAS's public Pixel 1 table as ${publicLut.device.key}: ${publicLut.inserted} rows`);

    let nasDevice = publicLut.device.key;
    if (sizes.nasLut === 'phone') {
      step('profile the Single-Path NAS space on the phone (every layer and choice: the LUT the search uses)');
      const space = await svc.profile({ device: serial, workload: 'spnas-space', ...prof }, { onProgress: progressPrinter('spnas-space'), signal });
      log(`  ${describeProfile(space)}`);
      // The space's blocks run unfused (research mode, CPU delegate): a device record of its own.
      // First, so that the phone's serial names the deployed (XNNPACK) record, the one with the latest run.
      nasDevice = `${serial}@${space.device_fingerprint}`;
    }
    step(`fit kernel models from ${sizes.fit.sample} random sample networks${sizes.fit.meterNetworks ? ` (${sizes.fit.meterNetworks} metered)` : ''}`);
    const metered = sizes.fit.meterNetworks > 0 ? { meter: meterSpec, meterNetworks: sizes.fit.meterNetworks } : {};
    const fit = await svc.fit({ device: serial, mode: 'kernels', sample: sizes.fit.sample, rounds: sizes.fit.rounds, ...metered }, { onProgress: progressPrinter('fit'), signal });
    log(`  ${fit.training_rows} kernel rows; CV RMSPE per kind: ${fit.types.map((t) => `${t.type} ${t.cv_rmspe_pct.toFixed(1)}%`).join(', ')}`);

    step('predict networks the phone never ran, then run them');
    for (const u of sizes.unseen) {
      const res = u.resolution ? { resolution: u.resolution } : {};
      const pr = await svc.predict({ device: serial, workload: u.workload, ...res });
      const energy = pr.total.energy_mj !== undefined ? `, ${pr.total.energy_mj.toFixed(2)} mJ` : '';
      const measured = await svc.profile({ device: serial, workload: u.workload, ...res, ...prof }, { signal });
      const truth = measured.end_to_end?.reference_median_ms ?? measured.end_to_end?.median_ms ?? NaN;
      const err = (x: number): string => `${(((x - truth) / truth) * 100).toFixed(1)}%`;
      log(`  ${u.workload}: predicted ${pr.total.runtime_ms.toFixed(2)} ms${energy} (analytic ${pr.baseline.runtime_ms.toFixed(2)} ms), measured ${truth.toFixed(2)} ms: kernels ${err(pr.total.runtime_ms)}, analytic ${err(pr.baseline.runtime_ms)}`);
    }
    const acc = await svc.reportAccuracy(serial);
    log(`  networks RMSPE: ${Object.entries(acc.networks.rmspe_pct).map(([k, v]) => `${k} ${v.toFixed(1)}%`).join(', ')}`);

    // A target halfway between the space's fastest and slowest uniform networks on that LUT.
    const table = compileSpnasTable((await svc.lutShow(nasDevice)).entries);
    const uniform = (option: number): number => spnasLatency(table, new Array<number>(22).fill(option));
    const targetMs = Number(((uniform(0) + uniform(3)) / 2).toFixed(1));
    step(`Single-Path NAS against ${sizes.nasLut === 'phone' ? "the phone's LUT" : "the public Pixel 1 LUT"}, target ${targetMs} ms (MNIST proxy, ${sizes.nas.limit} images)`);
    let lastPhase = '';
    // The LUT's table, whose uniform networks set the target (the phone's kernel model would be the default).
    const nas = await svc.nas({ device: nasDevice, latency: 'lut', targetMs, data: 'mnist', ...sizes.nas }, {
      onProgress: (q) => {
        if (q.phase !== lastPhase || q.point) log(`  ${q.phase} ${q.done.toFixed(1)}/${q.total}${q.eta_s !== undefined ? ` eta ${formatDuration(q.eta_s)}` : ''}${q.point?.accuracy !== undefined ? ` accuracy ${(q.point.accuracy * 100).toFixed(1)}%` : ''}`);
        lastPhase = q.phase;
      },
      onWarning: (m) => log(`  ${m}`),
      signal,
    });
    const baselines = nas.baselines.length ? ` (baselines: ${nas.baselines.map((b) => `${b.name} ${(b.accuracy * 100).toFixed(1)}%`).join(', ')})` : '';
    log(`  found ${nas.workload.slice(0, 48)}...: ${nas.predicted_latency_ms.toFixed(2)} ms, ${(nas.accuracy * 100).toFixed(1)}%${baselines}`);

    // FLOPs budgets: a latency budget (prune --metric latency) predicts with per-layer models, not kernel models.
    step(`LeGR pruning of ${sizes.prune.model} at ${sizes.prune.budgets.join(', ')} of its FLOPs`);
    const { model, ...pruneRest } = sizes.prune;
    const pruned = await svc.prune({ model, metric: 'flops', data: 'mnist', ...pruneRest }, { onProgress: (q) => log(`  ${q.point.phase} ${q.point.epoch}/${q.point.epochs}${q.point.accuracy !== undefined ? ` accuracy ${(q.point.accuracy * 100).toFixed(1)}%` : ''}`), signal });
    log(`  ${pruned.results.filter((r) => r.method === 'legr').map((r) => `${r.budget}: ${(r.accuracy * 100).toFixed(1)}%`).join(', ')} (unpruned ${(pruned.base.accuracy * 100).toFixed(1)}%)`);

    step(`quantization of ${sizes.quantize.model}: ${sizes.quantize.schemes.join(', ')}`);
    const { schemes, model: qModel, ...qRest } = sizes.quantize;
    const q = await svc.quantizeSweep({ model: qModel, schemes, data: 'mnist', ...qRest }, { signal });
    log(`  ${q.runs.map((r) => `${r.scheme} ${((1 - r.test_error) * 100).toFixed(1)}% at ${r.energy_uj.toFixed(2)} uJ`).join(', ')}; Pareto: ${q.pareto.join(', ')}`);

    log(`\n[${since()}] demo DB ready: ${o.db}`);
    if (!o.serve) {
      process.stdout.write(`${o.db}\n`);
      return;
    }
    const { buildRenderer } = await import('../app/server/renderer-build.js');
    await buildRenderer();
    const { serve } = await import('../app/server/serve.js');
    serving = true;
    log('serving the UI on the demo DB (the phone and the meter stay up for the Devices page); Ctrl-C stops');
    await serve(svc, { port: o.port }, {
      stdout: (s) => {
        process.stdout.write(s);
        if (o.open && /^http/.test(s)) openBrowser(s.trim());
      },
      stderr: (s) => void process.stderr.write(s),
    }, signal);
  } catch (e) {
    status = signal.aborted ? 130 : exitCodeFor(e);
    if (status !== 130) log(`demo: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    svc.close();
    await meter?.stop().catch(() => undefined);
    await phone?.stop().catch(() => undefined);
    await adb?.stop().catch(() => undefined);
  }
  // Ctrl-C is how a served demo ends: 0 then; during the chain it is an interruption.
  if (signal.aborted) status = serving ? 0 : 130;
  process.exit(status);
}

/** `--open`: the desktop's browser where there is one (xdg-open, macOS open); else says so. */
function openBrowser(url: string): void {
  const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  const child = spawn(cmd, [url], { stdio: 'ignore', detached: true });
  child.once('error', () => log(`demo: no ${cmd} to open a browser; open the URL above yourself`));
  child.unref();
}

main().catch((e: unknown) => {
  log(`demo: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
