/**
 * `npm run bench`: profiles zoo networks on this CPU into a throw-away DB and prints, per
 * network, (a) how far the sum of per-layer medians lies from the end-to-end median, in %,
 * and (b) the profiling overhead: wall time of building the LUT over the device time
 * measured (kernels of measured runs). Both are ratios measured within the same run, so
 * they compare across machines. `--json` prints one JSON document; `--quick` uses smaller
 * inputs; `--only a,b` picks networks. NeuralPower is then fitted with vgg13 and
 * mobilenetv2 held out, and once per network with only that network held out (leave one
 * out; `--no-loo` skips it): each network's end-to-end time predicted from a fit that never
 * saw its layers.
 *
 * Then the phone: spnas-space profiled on the emulated phone behind the real adb server;
 * the figure is the wall time over the device time the phone reported (the cost of
 * pushes, shells, waits and parsing). The phone runs at time scale 1, so its sleeps are
 * real. Skipped with `--no-phone` or where `adb` is missing.
 *
 * `train` (scripts/bench-train.ts): training images/s of our engine on a MobileNetV2-style
 * proxy net over Debian's PyTorch on the same net, batch and threads, as a ratio. Skipped
 * with `--no-train`.
 *
 * `mnist-table` (scripts/bench-mnist-table.ts): the seed's LightNN MNIST test-error table, all
 * seven rows over three seeds, ours beside the seed's, with each network's accuracy-energy
 * Pareto front and BinaryNet with the activation regularizer on and off (hours at full budget:
 * docs/decisions/0003; `--mnist-3hidden` adds the 36.8M-parameter net on a subset). Skipped
 * with `--no-mnist-table`.
 * `flightnn` (scripts/bench-flightnn.ts): FLightNN at several penalties against LightNN-1, LightNN-2
 * and conventional on Fashion-MNIST over seeds: test error, energy, the Pareto front over the means,
 * Welch and paired verdicts, whether the seed's claim holds (docs/decisions/0022). Skipped with `--no-flightnn`.
 * `--keep` keeps the profiling DB and prints its path.
 *
 * `unseen` and `unseen-phone` (scripts/bench-unseen.ts): kernel models fitted from an empty
 * DB with the defaults, then every network of the evaluation set (scripts/eval-set/, made by
 * PyTorch) predicted, then profiled for the truth: the share within 10% and the median error,
 * for the kernel models and the analytic baseline, the truth's own spread, the fit's wall
 * time and rows/min; on the emulated phone also network energy against an emulated UM34C.
 * `--eval-dir=DIR` (default ~/.labbench/eval-set); `--no-unseen` skips both.
 */
import { benchNas, benchNasOnDevice, formatNasBench, formatNasOnDeviceBench } from './bench-nas.js';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { compileSpnasTable, spnasLatency } from '../app/predict/spnas-lut.js';
import { readLutText } from '../profiles-db/importers/read-lut-text.js';
import { pixel1LutPath } from '../test/cli-helpers.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalLabService } from '../app/lab-service.js';
import { formatAccuracy, table } from '../app/cli/format.js';
import { describeLocalCpu } from '../app/devices/local-host.js';
import { ortVersion } from '../native-runners/onnxruntime/runner.js';
import { benchLegr, formatLegrBench } from './bench-legr.js';
import { benchFlightnn, formatFlightnnBench } from './bench-flightnn.js';
import { benchTrain, formatTrainBench } from './bench-train.js';
import { benchMnistTable, formatMnistTable } from './bench-mnist-table.js';
import { benchUnseen, benchUnseenPhone, formatUnseen } from './bench-unseen.js';
import { homedir } from 'node:os';

interface Case {
  readonly workload: string;
  readonly resolution?: number;
  readonly quickResolution?: number;
}

const CASES: readonly Case[] = [
  { workload: 'cifar10-6conv' },
  { workload: 'resnet56' },
  { workload: 'vgg13' },
  { workload: 'mobilenetv2', quickResolution: 96 },
  { workload: 'alexnet', quickResolution: 128 },
  { workload: 'nin', quickResolution: 96 },
  { workload: 'overfeat', resolution: 231, quickResolution: 135 },
  { workload: 'vgg16', resolution: 112, quickResolution: 64 },
  { workload: 'spnas-space', resolution: 128, quickResolution: 64 },
];

const args = process.argv.slice(2);
const json = args.includes('--json');
const quick = args.includes('--quick');
const onlyArg = args.find((a) => a.startsWith('--only='))?.slice('--only='.length) ?? (args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined);
const only = onlyArg?.split(',');

const dir = mkdtempSync(join(tmpdir(), 'labbench-bench-'));
const service = new LocalLabService(join(dir, 'bench.db'));
const results = [];
/** Held out of the NeuralPower fit, so their prediction error says how the models generalize. */
const HOLDOUT = ['vgg13', 'mobilenetv2'];
let accuracy: Awaited<ReturnType<LocalLabService['reportAccuracy']>> | undefined;
/** Leave one network out: each profiled network predicted by a fit that never saw its layers. */
const leaveOneOut: { network: string; actual_ms: number; neuralpower_pct: number; analytic_pct: number }[] = [];
try {
  for (const c of CASES) {
    if (only && !only.includes(c.workload)) continue;
    const resolution = quick ? c.quickResolution ?? c.resolution : c.resolution;
    if (!json) process.stderr.write(`profiling ${c.workload}${resolution ? ` at ${resolution}px` : ''}...\n`);
    const r = await service.profile({ device: 'local', workload: c.workload, ...(resolution ? { resolution } : {}), runs: 10, maxSecondsPerUnit: 1.5, fresh: true });
    results.push({
      workload: c.workload,
      resolution: resolution ?? null,
      units_measured: r.measured_units,
      layers: r.layers.length,
      end_to_end_median_ms: r.end_to_end?.median_ms ?? NaN,
      sum_of_layers_ms: r.sum_of_layers_ms,
      sum_gap_pct: r.sum_gap_pct ?? NaN,
      wall_s: r.wall_s,
      device_s: r.device_s,
      overhead_ratio: r.wall_s / r.device_s,
    });
  }
  // NeuralPower on what was just measured: two networks held out of the fit, all scored model-only.
  const profiled = results.map((r) => r.workload);
  const holdout = HOLDOUT.filter((w) => profiled.includes(w));
  if (!args.includes('--no-predict') && profiled.length >= 3 && holdout.length) {
    if (!json) process.stderr.write(`fitting NeuralPower (holding out ${holdout.join(', ')})...\n`);
    const sample = quick ? 80 : 200;
    await service.fit({ device: 'local', holdout, sample });
    accuracy = await service.reportAccuracy('local');
    if (!args.includes('--no-loo')) {
      if (!json) process.stderr.write(`leave-one-network-out: ${profiled.length} fits...
`);
      for (const w of profiled) {
        await service.fit({ device: 'local', holdout: [w], sample });
        const row = (await service.reportAccuracy('local')).networks.rows.find((r) => r.network.split('@')[0] === w);
        if (row) leaveOneOut.push({ network: row.network, actual_ms: row.actual, neuralpower_pct: row.error_pct.neuralpower ?? NaN, analytic_pct: row.error_pct.analytic ?? NaN });
      }
    }
  }
} finally {
  service.close();
  // `--keep` leaves the DB for a look at the rows behind the figures.
  if (args.includes('--keep')) process.stderr.write(`kept ${join(dir, 'bench.db')}\n`);
  else rmSync(dir, { recursive: true, force: true });
}

const predictionThroughput = benchPrediction();
const meters = args.includes('--no-meters') || (only && !only.includes('meters')) ? undefined : await benchMeters();
const phone = args.includes('--no-phone') || (only && !only.includes('phone')) ? undefined : await benchPhone(quick);
const legr = args.includes('--no-legr') || (only && !only.includes('legr')) ? undefined : await benchLegr(quick, args, (l) => void (json || process.stderr.write(`${l}\n`)));
const nas = args.includes('--no-nas') || (only && !only.includes('nas')) ? undefined : await benchNas(quick, args, (l) => void (json || process.stderr.write(`${l}\n`)));
const nasLocal = args.includes('--no-nas') || args.includes('--no-nas-local') || (only && !only.includes('nas')) ? undefined : await benchNasOnDevice(quick);
const train = args.includes('--no-train') || (only && !only.includes('train')) ? undefined : await benchTrain(quick, (l) => void (json || process.stderr.write(`${l}\n`)));
// Networks never profiled before (scripts/eval-set/): kernel models from an empty DB, on this CPU and on the emulated phone.
const unseenDir = args.find((a) => a.startsWith('--eval-dir='))?.slice('--eval-dir='.length) ?? join(homedir(), '.labbench', 'eval-set');
const logLine = (l: string): void => void (json || process.stderr.write(`${l}\n`));
const unseen = args.includes('--no-unseen') || (only && !only.includes('unseen')) ? undefined : await benchUnseen({ device: 'local', set: 'eval', dir: unseenDir, repeats: 2, log: logLine });
const unseenPhone = args.includes('--no-unseen') || args.includes('--no-phone') || (only && !only.includes('unseen-phone')) ? undefined : await benchUnseenPhone({ set: 'eval', dir: unseenDir, repeats: 1, timeScale: 1, log: logLine });
const mnistTable = args.includes('--no-mnist-table') || (only && !only.includes('mnist-table')) ? undefined : await benchMnistTable(quick, args.includes('--mnist-3hidden'), (l) => void (json || process.stderr.write(`${l}\n`)));
const flightnn = args.includes('--no-flightnn') || (only && !only.includes('flightnn')) ? undefined : await benchFlightnn(quick, args, logLine);

const cpu = describeLocalCpu();
const doc = { machine: { cpu: cpu.cpu_model, cores: cpu.cores, os: cpu.os, onnxruntime: ortVersion(), threads: 1, graph_optimization: 'disabled' }, quick, results, accuracy, leave_one_out: leaveOneOut, legr, prediction: predictionThroughput, meters, phone, nas, train, mnist_table: mnistTable, flightnn, unseen, unseen_phone: unseenPhone };
if (json) {
  process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
} else {
  const rows = [['WORKLOAD', 'PX', 'UNITS', 'E2E ms', 'SUM ms', 'GAP %', 'WALL s', 'DEVICE s', 'OVERHEAD x']];
  for (const r of results) {
    rows.push([r.workload, String(r.resolution ?? 'native'), String(r.units_measured), r.end_to_end_median_ms.toFixed(3), r.sum_of_layers_ms.toFixed(3), r.sum_gap_pct.toFixed(1), r.wall_s.toFixed(1), r.device_s.toFixed(2), r.overhead_ratio.toFixed(1)]);
  }
  process.stdout.write(`${doc.machine.cpu}, ${doc.machine.cores} cores, onnxruntime ${doc.machine.onnxruntime}, 1 thread, graph optimization disabled\n${table(rows)}\n`);
  if (accuracy) process.stdout.write(`\n${formatAccuracy(accuracy)}\n`);
  if (leaveOneOut.length) {
    const within = leaveOneOut.filter((r) => Math.abs(r.neuralpower_pct) <= 10).length;
    const lrows = [['NETWORK (fit without it)', 'MEASURED ms', 'NEURALPOWER %', 'ANALYTIC %'], ...leaveOneOut.map((r) => [r.network, r.actual_ms.toFixed(2), r.neuralpower_pct.toFixed(1), r.analytic_pct.toFixed(1)])];
    process.stdout.write(`\nleave one network out (model only, learned gap applied): ${within}/${leaveOneOut.length} within 10 %\n${table(lrows)}\n`);
  }
  process.stdout.write(
    `\nspnas-space latency prediction from the Pixel 1 LUT: ${(predictionThroughput.networks_per_s / 1e6).toFixed(1)} M networks/s (${predictionThroughput.networks} random architectures)\n`,
  );
  if (meters) {
    const mrows = [['METER', 'READINGS/s', 'LOOP s', 'REL SEM %']];
    for (const m of meters) mrows.push([m.kind, m.rate_hz.toFixed(1), m.loop_s.toFixed(2), (m.rel_sem * 100).toFixed(2)]);
    process.stdout.write(`\nmeters (emulated, over socat ptys, 2.0 W load; loop length for 2 % at cv 0.05):\n${table(mrows)}\n`);
  }
  if (legr) process.stdout.write(`${formatLegrBench(legr)}\n`);
  if (nas) process.stdout.write(`${formatNasBench(nas)}\n`);
  if (nasLocal) process.stdout.write(`${formatNasOnDeviceBench(nasLocal)}\n`);
  if (train) process.stdout.write(`${formatTrainBench(train)}\n`);
  if (mnistTable) process.stdout.write(`${formatMnistTable(mnistTable)}\n`);
  if (flightnn) process.stdout.write(`${formatFlightnnBench(flightnn)}\n`);
  if (unseen) process.stdout.write(`${formatUnseen(unseen)}\n`);
  if (unseenPhone) process.stdout.write(`${formatUnseen(unseenPhone)}\n`);
  if (phone) {
    process.stdout.write(
      `\nemulated phone, spnas-space (${phone.units} units): wall ${phone.wall_s.toFixed(1)} s for ${phone.device_s.toFixed(1)} s of phone-reported device time: overhead x${phone.overhead_ratio.toFixed(2)}\n`,
    );
  }
}

async function benchPhone(small: boolean): Promise<{ units: number; wall_s: number; device_s: number; overhead_ratio: number } | undefined> {
  const { startAdbServer } = await import('../test/adb-server.js');
  const { EmulatedPhone } = await import('../test/peers/adb-phone/index.js');
  let server;
  try {
    server = await startAdbServer();
  } catch (e) {
    process.stderr.write(`phone bench skipped: ${(e as Error).message}\n`);
    return undefined;
  }
  const phone = new EmulatedPhone({ seed: 3, timeScale: 1, screenOn: false, charging: false });
  const dir2 = mkdtempSync(join(tmpdir(), 'labbench-bench-phone-'));
  const saved = process.env.ANDROID_ADB_SERVER_PORT;
  process.env.ANDROID_ADB_SERVER_PORT = String(server.port);
  const svc = new LocalLabService(join(dir2, 'phone.db'));
  try {
    const port = await phone.start();
    const serial = `127.0.0.1:${port}`;
    await svc.connectPhone(serial);
    if (!json) process.stderr.write(`profiling spnas-space on the emulated phone ${serial}...\n`);
    const r = await svc.profile({ device: serial, workload: 'spnas-space', ...(small ? { resolution: 128 } : {}), runs: 3, maxRuns: 5, innerRuns: 5, warmup: 2, canaryEvery: 0 });
    return { units: r.measured_units, wall_s: r.wall_s, device_s: r.device_s, overhead_ratio: r.wall_s / r.device_s };
  } finally {
    svc.close();
    if (saved === undefined) delete process.env.ANDROID_ADB_SERVER_PORT;
    else process.env.ANDROID_ADB_SERVER_PORT = saved;
    await phone.stop();
    await server.stop();
    rmSync(dir2, { recursive: true, force: true });
  }
}

/** Architectures of the Single-Path NAS space scored per second from a compiled LUT. */
function benchPrediction(): { networks: number; networks_per_s: number } {
  const text = readFileSync(pixel1LutPath(), 'utf8');
  const table = compileSpnasTable(readLutText(text, 'pixel1-single-path-nas-lut.json').entries);
  const n = 2_000_000;
  const choices = new Uint8Array(22 * 1024);
  for (let i = 0; i < choices.length; i++) choices[i] = Math.floor(Math.random() * 4);
  let sink = 0;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) sink += spnasLatency(table, choices.subarray((i & 1023) * 22, (i & 1023) * 22 + 22));
  const s = (performance.now() - t0) / 1000;
  if (sink === 0) throw new Error('unreachable');
  return { networks: n, networks_per_s: n / s };
}

/** Readings per second each emulated meter sustains over a pty, and the relative standard error at the default loop length. */
async function benchMeters(): Promise<{ kind: string; rate_hz: number; loop_s: number; rel_sem: number }[]> {
  const { MeterEmulator } = await import('../test/peers/meters/meter-emulator.js');
  const { readMeter } = await import('../app/meters/read.js');
  const { loopLengthFor } = await import('../app/meters/align.js');
  const out = [];
  for (const kind of ['um34c', 'um25c', 'ppk2', 'line'] as const) {
    const emu = new MeterEmulator({ type: kind, seed: 1, load: () => 2.0 });
    try {
      const { hostPath } = await emu.start();
      const r = await readMeter(`${hostPath}:${kind}`, 3, { keepSamples: false });
      const loop = loopLengthFor(r.rate_hz, 0.02, 0.05);
      const n = Math.max(2, Math.floor(loop.seconds * r.rate_hz));
      out.push({ kind, rate_hz: r.rate_hz, loop_s: loop.seconds, rel_sem: r.sd_w / Math.sqrt(n) / r.mean_w });
    } catch (e) {
      process.stderr.write(`meter bench ${kind} skipped: ${(e as Error).message}\n`);
    } finally {
      await emu.stop();
    }
  }
  return out;
}
