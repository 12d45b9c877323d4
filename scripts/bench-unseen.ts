/**
 * `npm run bench -- --only unseen`: latency of networks the bench has never run, predicted
 * and then measured. From an empty DB, `fit --device D` with its defaults; then for every
 * network of the evaluation set (scripts/eval-set/: torchvision families and random CNNs
 * exported by PyTorch, none of them written by the bench's own sampler) `predict`, and only
 * then `profile` it, twice, for the truth and its run-to-run spread. Prints each network's
 * error against the measured end-to-end median in the fit's machine state and as taken,
 * for the kernel models and the analytic baseline, and the fit's wall time and rows/min.
 * Beside each prediction, the fit's network terms on the network's own profiled kernels: the
 * prediction of a kernel model without error, so that a miss shows whether it lies in the
 * kernel models or in the terms that take their sum to the whole network.
 *
 * The set is made by scripts/eval-set/*.py (Debian's python3-torch) into --eval-dir (default
 * ~/.labbench/eval-set); without it and without PyTorch the bench says so and skips.
 * `--set dev` uses the development set instead (16 random CNNs of seed 1000), which design
 * choices may look at; the evaluation set is measured once, for the note. `--keep-db PATH`
 * keeps the bench's DB there (CPU or phone), to re-fit its samples offline after.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalLabService } from '../app/lab-service.js';
import { table } from '../app/cli/format.js';
import type { FitSummary } from '../app/api/predict.js';
import { openProfilesDb, type ProfilesDb } from '../profiles-db/profiles-db.js';
import { onProfiledKernels, type OnProfiledKernels } from '../app/predict/kernel-predict.js';
import { deviceKernelModel } from '../app/predict/spnas-kernels.js';
import type { KernelDeviceModel } from '../app/predict/kernel-fit.js';

export interface EnergyRow {
  readonly network: string;
  readonly predicted_mj: number;
  readonly measured_mj: number;
  readonly error_pct: number;
  readonly constant_power_error_pct: number;
}

export interface UnseenRow {
  readonly network: string;
  readonly family: string;
  readonly macs_m: number;
  readonly predicted_ms: number;
  readonly analytic_ms: number;
  /** Truth in the fit's machine state (median of the repeats), and as taken. */
  readonly measured_ms: number;
  readonly measured_raw_ms: number;
  /** Spread of the repeats: (max - min) / median, percent. */
  readonly spread_pct: number;
  readonly error_pct: number;
  readonly error_raw_pct: number;
  readonly analytic_error_pct: number;
  /**
   * The fit's network terms on this network's own profiled kernels (median over the repeats):
   * the prediction of a kernel model without error (kernel-predict.ts onProfiledKernels).
   */
  readonly on_profiled_kernels_ms?: number;
  readonly on_profiled_kernels_error_pct?: number;
  /** The predicted kernel sum over the profiled one (median over the repeats). */
  readonly kernel_sum_ratio?: number;
}

/** Where the misses lie: the network terms on the profiled kernels, and the predicted kernel sums against the profiled ones. */
export interface ErrorSources {
  /** Networks with kernel rows in their profiles (the phone's and this CPU's kernel mode). */
  readonly networks: number;
  /** Within 10% of the truth with every kernel's time right: what the network terms leave. */
  readonly on_profiled_kernels_within_10_pct: number;
  /** Predicted kernel sums within 10% of the profiled ones: what the kernel models leave. */
  readonly kernel_sums_within_10_pct: number;
}

export interface UnseenBench {
  readonly device: string;
  readonly set: string;
  readonly fit: Pick<FitSummary, 'training_rows' | 'types' | 'calibration' | 'sampling' | 'state'>;
  readonly rows: readonly UnseenRow[];
  /** Networks that could not be predicted or profiled, and why (counted as misses). */
  readonly failed?: readonly { network: string; error: string }[];
  /** With a meter: network energy per inference (above idle), predicted against measured. */
  readonly energy?: readonly EnergyRow[];
  readonly summary: {
    readonly networks: number;
    readonly within_10_pct: number;
    readonly within_10_pct_as_taken: number;
    readonly median_abs_error_pct: number;
    readonly analytic_within_10_pct: number;
    readonly analytic_median_abs_error_pct: number;
    readonly median_spread_pct: number;
    readonly profile_overhead: number;
    /**
     * The same split by the truth's size: on a shared host the repeat spread of networks
     * under SMALL_MS is of the order of the 10% bar itself (docs/decisions/0028).
     */
    readonly by_size: readonly SizeClass[];
    readonly sources?: ErrorSources;
  };
}

export interface SizeClass {
  readonly truth: string;
  readonly networks: number;
  readonly within_10_pct: number;
  readonly median_spread_pct: number;
}

/** Networks faster than this (their truth in ms) are reported apart. */
export const SMALL_MS = 3;

/** How many errors (percent) are within +-10%. */
const within = (xs: readonly number[]): number => xs.filter((x) => Math.abs(x) <= 10).length;

export function sizeClasses(rows: readonly UnseenRow[]): SizeClass[] {
  const cls = (truth: string, of: readonly UnseenRow[]): SizeClass => ({
    truth,
    networks: of.length,
    within_10_pct: within(of.map((r) => r.error_pct)),
    median_spread_pct: of.length ? median(of.map((r) => r.spread_pct)) : NaN,
  });
  return [cls(`under ${SMALL_MS} ms`, rows.filter((r) => r.measured_ms < SMALL_MS)), cls(`${SMALL_MS} ms and over`, rows.filter((r) => r.measured_ms >= SMALL_MS))];
}

export function errorSources(rows: readonly UnseenRow[]): ErrorSources | undefined {
  const of = rows.filter((r) => r.on_profiled_kernels_error_pct !== undefined && r.kernel_sum_ratio !== undefined);
  if (of.length === 0) return undefined;
  return {
    networks: of.length,
    on_profiled_kernels_within_10_pct: within(of.map((r) => r.on_profiled_kernels_error_pct!)),
    kernel_sums_within_10_pct: within(of.map((r) => (r.kernel_sum_ratio! - 1) * 100)),
  };
}

interface ManifestEntry {
  readonly name: string;
  readonly family?: string;
  readonly file: string;
  readonly macs?: number;
}

const PYTHON = '/usr/bin/python3';

/** The set's manifest entries, generating the set first where PyTorch is there to do it. */
export function evalSet(dir: string, set: 'eval' | 'dev', log: (l: string) => void): ManifestEntry[] | undefined {
  const manifest = join(dir, 'manifest.json');
  if (!existsSync(manifest)) {
    if (!existsSync(PYTHON)) return undefined;
    const script = (name: string): string => join(import.meta.dirname, 'eval-set', name);
    try {
      log(`generating the ${set} set into ${dir} (PyTorch)...`);
      if (set === 'eval') {
        execFileSync(PYTHON, [script('torchvision_nets.py'), '--out', dir], { stdio: 'inherit' });
        execFileSync(PYTHON, [script('random_cnns.py'), '--seed', '2', '--count', '12', '--out', dir], { stdio: 'inherit' });
      } else {
        execFileSync(PYTHON, [script('random_cnns.py'), '--seed', '1000', '--count', '16', '--out', dir], { stdio: 'inherit' });
      }
    } catch (e) {
      log(`cannot generate the ${set} set: ${(e as Error).message}`);
      return undefined;
    }
  }
  const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { networks?: ManifestEntry[] } | ManifestEntry[];
  const list = Array.isArray(parsed) ? parsed : (parsed.networks ?? []);
  return list.filter((e) => existsSync(join(dir, e.file)));
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

export async function benchUnseen(o: {
  device: string;
  set: 'eval' | 'dev';
  dir: string;
  sample?: number;
  rounds?: number;
  repeats: number;
  only?: readonly string[];
  /** A meter on the device: the fit meters some sample networks, every evaluation network is metered too. */
  meter?: string;
  /** Keep the bench's DB at this path (for looking at its samples after), instead of a temporary one. */
  keepDb?: string;
  log: (l: string) => void;
}): Promise<UnseenBench | undefined> {
  const entries = evalSet(o.dir, o.set, o.log)?.filter((e) => !o.only || o.only.includes(e.name));
  if (!entries?.length) {
    o.log(`unseen-network bench skipped: no ${o.set} set in ${o.dir} and no PyTorch to make one (${PYTHON})`);
    return undefined;
  }
  const tmp = mkdtempSync(join(tmpdir(), 'labbench-unseen-'));
  const dbPath = o.keepDb ?? join(tmp, 'unseen.db');
  const svc = new LocalLabService(dbPath);
  let db: ProfilesDb | undefined;
  // The fit's model per device record, read once: nothing fits again while the set is profiled.
  const models = new Map<number, KernelDeviceModel | undefined>();
  /** The fit's network terms on a profiled run's own kernels. */
  const onProfiled = (runId: number): OnProfiledKernels | undefined => {
    db ??= openProfilesDb(dbPath);
    const run = db.getRun(runId);
    const device = run && db.getDevice(run.device_id);
    if (!device) return undefined;
    if (!models.has(device.id)) models.set(device.id, deviceKernelModel(db, device)?.model);
    const m = models.get(device.id);
    return m && onProfiledKernels(db, device, m, runId);
  };
  try {
    o.log(`fitting ${o.device} from an empty DB with the defaults${o.sample !== undefined ? ` (--sample ${o.sample})` : ''}...`);
    const fit = await svc.fit({ device: o.device, mode: 'kernels', ...(o.sample !== undefined ? { sample: o.sample } : {}), ...(o.rounds !== undefined ? { rounds: o.rounds } : {}), ...(o.meter ? { meter: o.meter } : {}) });
    const predictions: (Awaited<ReturnType<LocalLabService['predict']>> | undefined)[] = [];
    const failed: { network: string; error: string }[] = [];
    for (const e of entries) {
      try {
        predictions.push(await svc.predict({ device: o.device, workload: join(o.dir, e.file) }));
      } catch (err) {
        predictions.push(undefined);
        failed.push({ network: e.name, error: `predict: ${(err as Error).message}` });
      }
    }
    const rows: UnseenRow[] = [];
    const energy: EnergyRow[] = [];
    let wall = 0;
    let device = 0;
    for (const [i, e] of entries.entries()) {
      const p = predictions[i];
      if (!p) continue;
      const ref: number[] = [];
      const raw: number[] = [];
      const joules: number[] = [];
      const oracle: number[] = [];
      const sumRatio: number[] = [];
      for (let k = 0; k < o.repeats; k++) {
        // The meter on the first repeat only: its idle windows and loop are not profiling time.
        const metered = o.meter && k === 0 ? { meter: o.meter } : {};
        let r;
        try {
          r = await svc.profile({ device: o.device, workload: join(o.dir, e.file), fresh: true, ...metered });
        } catch (err) {
          failed.push({ network: e.name, error: `profile: ${(err as Error).message}` });
          break;
        }
        raw.push(r.end_to_end!.median_ms);
        ref.push(r.end_to_end!.reference_median_ms ?? r.end_to_end!.median_ms);
        if (r.energy_mj !== undefined) joules.push(r.energy_mj);
        const on = onProfiled(r.run_id);
        if (on) {
          oracle.push(on.network_ms);
          sumRatio.push(p.sum_of_layers_ms / on.kernel_sum_ms);
        }
        if (!o.meter || k > 0 || o.repeats === 1) {
          wall += r.wall_s;
          device += r.device_s;
        }
      }
      if (joules.length && p.total.energy_mj !== undefined && fit.power) {
        const measuredMj = joules[0]!;
        const er: EnergyRow = { network: e.name, predicted_mj: p.total.energy_mj, measured_mj: measuredMj, error_pct: (p.total.energy_mj / measuredMj - 1) * 100, constant_power_error_pct: ((fit.power.mean_w * p.total.runtime_ms) / measuredMj - 1) * 100 };
        energy.push(er);
        o.log(`${e.name}: energy predicted ${er.predicted_mj.toFixed(3)} mJ, measured ${er.measured_mj.toFixed(3)}, ${er.error_pct.toFixed(1)}% (constant power ${er.constant_power_error_pct.toFixed(1)}%)`);
      }
      if (ref.length === 0) continue;
      const measured = median(ref);
      const measuredRaw = median(raw);
      const row: UnseenRow = {
        network: e.name,
        family: e.family ?? 'random',
        macs_m: (e.macs ?? NaN) / 1e6,
        predicted_ms: p.total.runtime_ms,
        analytic_ms: p.baseline.runtime_ms,
        measured_ms: measured,
        measured_raw_ms: measuredRaw,
        spread_pct: ((Math.max(...ref) - Math.min(...ref)) / measured) * 100,
        error_pct: ((p.total.runtime_ms - measured) / measured) * 100,
        error_raw_pct: ((p.total.runtime_ms - measuredRaw) / measuredRaw) * 100,
        analytic_error_pct: ((p.baseline.runtime_ms - measured) / measured) * 100,
        ...(oracle.length ? { on_profiled_kernels_ms: median(oracle), on_profiled_kernels_error_pct: (median(oracle) / measured - 1) * 100, kernel_sum_ratio: median(sumRatio) } : {}),
      };
      rows.push(row);
      o.log(`${e.name}: predicted ${row.predicted_ms.toFixed(2)} ms, measured ${measured.toFixed(2)} (as taken ${measuredRaw.toFixed(2)}), ${row.error_pct.toFixed(1)}%`);
    }
    const sources = errorSources(rows);
    return {
      device: o.device,
      set: o.set,
      fit: { training_rows: fit.training_rows, types: fit.types, ...(fit.calibration ? { calibration: fit.calibration } : {}), ...(fit.sampling ? { sampling: fit.sampling } : {}), ...(fit.state ? { state: fit.state } : {}) },
      rows,
      ...(failed.length ? { failed } : {}),
      ...(energy.length ? { energy } : {}),
      summary: {
        networks: rows.length + new Set(failed.map((x) => x.network)).size,
        within_10_pct: within(rows.map((r) => r.error_pct)),
        within_10_pct_as_taken: within(rows.map((r) => r.error_raw_pct)),
        median_abs_error_pct: median(rows.map((r) => Math.abs(r.error_pct))),
        analytic_within_10_pct: within(rows.map((r) => r.analytic_error_pct)),
        analytic_median_abs_error_pct: median(rows.map((r) => Math.abs(r.analytic_error_pct))),
        median_spread_pct: median(rows.map((r) => r.spread_pct)),
        profile_overhead: device > 0 ? wall / device : NaN,
        by_size: sizeClasses(rows),
        ...(sources ? { sources } : {}),
      },
    };
  } finally {
    db?.close();
    svc.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}

export function formatUnseen(b: UnseenBench): string {
  const f = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : '-');
  const rows = [['NETWORK', 'FAMILY', 'MMACs', 'PREDICTED ms', 'MEASURED ms', 'AS TAKEN ms', 'SPREAD %', 'ERROR %', 'AS TAKEN %', 'ANALYTIC %', 'ON PROFILED KERNELS %', 'KERNEL SUM x']];
  for (const r of b.rows) rows.push([r.network, r.family, f(r.macs_m), r.predicted_ms.toFixed(3), r.measured_ms.toFixed(3), r.measured_raw_ms.toFixed(3), f(r.spread_pct), f(r.error_pct), f(r.error_raw_pct), f(r.analytic_error_pct), f(r.on_profiled_kernels_error_pct ?? NaN), r.kernel_sum_ratio?.toFixed(2) ?? '-']);
  const s = b.summary;
  const sm = b.fit.sampling;
  return [
    `\nnetworks never profiled before, ${b.set} set, on ${b.device} (fit from an empty DB with the defaults):`,
    table(rows),
    ...(b.failed ?? []).map((x) => `FAILED ${x.network}: ${x.error}`),
    `kernel models: ${s.within_10_pct}/${s.networks} within 10% in the fit's machine state (${s.within_10_pct_as_taken}/${s.networks} against the medians as taken), median |error| ${f(s.median_abs_error_pct)}%`,
    `analytic baseline: ${s.analytic_within_10_pct}/${s.networks} within 10%, median |error| ${f(s.analytic_median_abs_error_pct)}%`,
    `truth's own spread between repeat profiles: median ${f(s.median_spread_pct)}%; profiling overhead (wall / device time) x${s.profile_overhead.toFixed(2)}`,
    ...(s.sources
      ? [
          `where the misses lie: the network terms on each network's own profiled kernels (every kernel's time right) ${s.sources.on_profiled_kernels_within_10_pct}/${s.sources.networks} within 10%; predicted kernel sums within 10% of the profiled ones ${s.sources.kernel_sums_within_10_pct}/${s.sources.networks}`,
        ]
      : []),
    `by the truth's size: ${s.by_size.map((c) => `${c.truth} ${c.within_10_pct}/${c.networks} within 10% (repeat spread median ${f(c.median_spread_pct)}%)`).join('; ')}`,
    ...(sm ? [`fit: ${sm.networks} sample networks, ${sm.kernel_rows} kernel rows, ${sm.wall_s.toFixed(0)} s wall, ${sm.rows_per_min.toFixed(0)} rows/min of profiling`] : []),
    ...(b.energy?.length
      ? [
          `network energy per inference (above idle), metered whole: ${b.energy.filter((r) => Math.abs(r.error_pct) <= 10).length}/${b.energy.length} within 10% (constant power x predicted time: ${b.energy.filter((r) => Math.abs(r.constant_power_error_pct) <= 10).length}/${b.energy.length})`,
          table([['NETWORK', 'PREDICTED mJ', 'MEASURED mJ', 'ERROR %', 'CONSTANT-POWER %'], ...b.energy.map((r) => [r.network, r.predicted_mj.toFixed(3), r.measured_mj.toFixed(3), f(r.error_pct), f(r.constant_power_error_pct)])]),
        ]
      : []),
    `per kind CV RMSPE: ${b.fit.types.map((t) => `${t.type} ${f(t.cv_rmspe_pct)}%`).join(', ')}`,
  ].join('\n');
}

/**
 * The same on the emulated phone: a Pixel 2 (a performance model no design choice here looked
 * at) behind the real adb server, XNNPACK by default, with an emulated UM34C USB meter reading
 * the phone's own power draw. `timeScale` 1 keeps the meter's windows real.
 */
export async function benchUnseenPhone(o: { set: 'eval' | 'dev'; dir: string; sample?: number; rounds?: number; repeats: number; only?: readonly string[]; timeScale: number; keepDb?: string; log: (l: string) => void }): Promise<UnseenBench | undefined> {
  const { startAdbServer } = await import('../test/adb-server.js');
  const { EmulatedPhone } = await import('../test/peers/adb-phone/index.js');
  const { MeterEmulator } = await import('../test/peers/meters/meter-emulator.js');
  const server = await startAdbServer();
  const phone = new EmulatedPhone({ model: 'Pixel 2', seed: 29, timeScale: o.timeScale, screenOn: false, charging: false, benchmarkFlavor: 'modern' });
  const meter = new MeterEmulator({ type: 'um34c', seed: 29, load: () => phone.physics.powerW() });
  const saved = process.env.ANDROID_ADB_SERVER_PORT;
  process.env.ANDROID_ADB_SERVER_PORT = String(server.port);
  try {
    const serial = `127.0.0.1:${await phone.start()}`;
    const { hostPath } = await meter.start();
    const tmp = mkdtempSync(join(tmpdir(), 'labbench-unseen-join-'));
    const joiner = new LocalLabService(join(tmp, 'join.db'));
    await joiner.connectPhone(serial);
    joiner.close();
    rmSync(tmp, { recursive: true, force: true });
    return await benchUnseen({ ...o, device: serial, meter: `${hostPath}:um34c` });
  } finally {
    if (saved === undefined) delete process.env.ANDROID_ADB_SERVER_PORT;
    else process.env.ANDROID_ADB_SERVER_PORT = saved;
    await meter.stop();
    await phone.stop();
    await server.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const val = (k: string): string | undefined => (args.includes(k) ? args[args.indexOf(k) + 1] : undefined);
  const set = val('--set') === 'dev' ? 'dev' : 'eval';
  const dir = val('--eval-dir') ?? join(homedir(), '.labbench', set === 'dev' ? 'dev-set' : 'eval-set');
  const common = { set, dir, ...(val('--sample') ? { sample: Number(val('--sample')) } : {}), ...(val('--rounds') ? { rounds: Number(val('--rounds')) } : {}), repeats: Number(val('--repeats') ?? 2), ...(val('--only') ? { only: val('--only')!.split(',') } : {}), log: (l: string) => void process.stderr.write(`${l}\n`) } as const;
  const keep = val('--keep-db') ? { keepDb: val('--keep-db')! } : {};
  const r = val('--device') === 'phone' ? await benchUnseenPhone({ ...common, ...keep, timeScale: Number(val('--time-scale') ?? 1) }) : await benchUnseen({ ...common, ...keep, device: val('--device') ?? 'local' });
  if (r) process.stdout.write(args.includes('--json') ? `${JSON.stringify(r, null, 2)}\n` : `${formatUnseen(r)}\n`);
}
