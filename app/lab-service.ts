/**
 * The in-process implementation of LabService: capabilities (devices, profiling, the
 * profiles DB) wired together. The CLI builds one per command; the server keeps one.
 * The DB opens lazily, so `labbench devices` works even where the DB path is unwritable.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { DeviceConnectRequestSchema, type DeviceList } from './api/devices.js';
import { DoctorRequestSchema, type DoctorReport, type DoctorRequest } from './api/doctor.js';
import { DeviceRefSchema, parseRequest } from './api/parse.js';
import { LutExportRequestSchema, LutImportRequestSchema } from './api/lut.js';
import { runDoctor } from './doctor/index.js';
import type { LutDeviceSummary, LutView } from './api/lut.js';
import { ProfileRequestSchema, ProfileRunRefSchema, type ProfileProgress, type ProfileRequest, type ProfileResult, type ProfileRunDetail, type ProfileRunSummary } from './api/profile.js';
import { listProfileRuns, profileRunDetail } from './profiling/past-runs.js';
import { ModelImportOptionsSchema, type LabService, type LutImportResult, type ModelImportOptions, type ModelImportResult } from './api/service.js';
import { CompareRequestSchema, LutDiffRequestSchema, type CompareReport, type CompareRequest, type LutDiff, type LutRef } from './api/compare.js';
import { compareReport, lutDiff } from './compare/report-compare.js';
import { exportModel, importedAccuracy, importModel, parseModelFile, serializeModelFile } from './predict/model-file.js';
import { openProfilesDb, type ProfilesDb } from '../profiles-db/profiles-db.js';
import { exportLut, importLut, lutToCsv, serializeLutFile } from '../profiles-db/lut-file.js';
import { readLutText } from '../profiles-db/importers/read-lut-text.js';
import { importSummary } from '../profiles-db/importers/latency-yaml-lut.js';
import type { WorkloadPlan } from './workloads/units.js';
import { describeLocalCpu, detectNvidiaGpus } from './devices/local-host.js';
import type { PhoneDeviceInfo } from './api/devices.js';
import { connectPhone, createAdbClient, listPhones } from './devices/adb/adb-shell.js';
import { describePhone } from './devices/adb/phone-info.js';
import { adbServerAddress, formatAdbServer, isLocalAdbServer, type AdbServerAddress } from './devices/adb/adb-server-address.js';
import { listSerialPortsDetailed } from './meters/list-ports.js';
import { readMeter } from './meters/read.js';
import { METER_KINDS } from './meters/spec.js';
import type { PowerSample } from './meters/meter.js';
import type { MeterReading } from './api/meters.js';
import { runProfileJob } from './profiling/profile-job.js';
import { FitRequestSchema, PredictRequestSchema, type AccuracyResult, type FitRequest, type FitSummary, type PredictRequest, type PredictResult } from './api/predict.js';
import { SAMPLER_PREFIX, samplerPlan } from './workloads/samples/sampler.js';
import { accuracyReport, fitDeviceModel, loadDeviceModel, MODEL_KIND, predictWorkload, trainingRows } from './predict/fit-device.js';
import { MICROBENCH, microbenchPlan } from './workloads/samples/microbench.js';
import { defaultCanaryEvery, isLocalDevice, openTarget } from '../native-runners/index.js';
import { LabbenchError } from './api/errors.js';
import type { PruneRequest, PruneResult, QuantizeRequest, QuantizeResult, QuantizeSweepRequest, QuantizeSweepResult, SearchProgressEvent } from './api/search.js';
import { modelCacheDir } from './train/model-cache.js';
import type { NasProgress, NasRequest, NasResult, SearchKind, SearchMethodTypes, SearchRunSummary } from './api/search.js';
import { quantizeSweepSchema } from './api/search-requests.js';
import { SEARCH_METHODS, searchMethod } from './search-methods.js';
import type { SearchHooks, SearchMethodDescriptor } from './search-run.js';
import { planWorkload } from './workloads/plan.js';
import { runKernelJob } from './profiling/kernel-job.js';
import type { DeviceRecord } from './api/lut.js';
import { keyAnswersTo } from './api/emulation.js';
import type { KernelKind } from './workloads/kernels.js';
import { fitKernelDevice, isKernelRun, KERNEL_MODEL_KIND, kernelModelState, kernelTrainingData, type KernelDeviceModel } from './predict/kernel-fit.js';
import { DEFAULT_KERNEL_FIT, runKernelFit } from './predict/kernel-fit-job.js';
import { kernelAccuracyReport, latestKernelModel, predictKernelNetwork } from './predict/kernel-predict.js';
import { calibrationSummary, gapSummary, powerSummary, predictionParts, profiledSummary } from './predict/summary-units.js';
import { ms, seconds as toSeconds, watts } from './api/units.js';

/** `--db`, else `LABBENCH_DB`, else `~/.labbench/profiles.db` (DESIGN.md's contract). */
export function defaultDbPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.LABBENCH_DB || join(homedir(), '.labbench', 'profiles.db');
}

export class LocalLabService implements LabService {
  private db: ProfilesDb | undefined;

  constructor(
    readonly dbPath: string,
    /** The search methods `runSearch` takes: the registered ones, unless a test lends others. */
    readonly methods: readonly SearchMethodDescriptor[] = SEARCH_METHODS,
  ) {}

  private openDb(): ProfilesDb {
    this.db ??= openProfilesDb(this.dbPath);
    return this.db;
  }

  close(): void {
    this.db?.close();
    this.db = undefined;
  }

  async listDevices(): Promise<DeviceList> {
    const { gpus, note } = await detectNvidiaGpus();
    const notes = note ? [note] : [];
    const phones: PhoneDeviceInfo[] = [];
    const server = adbServerAddress();
    const via = viaServer(server);
    const client = createAdbClient(server);
    try {
      for (const p of await listPhones(client)) {
        // An unplugged TCP phone stays in adb's list as `offline`: it is not a device to use.
        if (p.type === 'device') phones.push({ ...(await describePhone(client, p.id, p.type)), ...via });
        else notes.push(`${p.id} is ${p.type}${via.remote_adb ? ` (adb server ${via.adb_server})` : ''}`);
      }
    } catch (e) {
      notes.push(`no phones: ${(e as Error).message}`);
    }
    const serial = await listSerialPortsDetailed();
    if (serial.note) notes.push(serial.note);
    const serial_ports = serial.ports.map((p) => ({
      path: p.path,
      ...(p.manufacturer ? { manufacturer: p.manufacturer } : {}),
      ...(p.vendorId ? { vendorId: p.vendorId } : {}),
      ...(p.productId ? { productId: p.productId } : {}),
      ...(p.serialNumber ? { serialNumber: p.serialNumber } : {}),
    }));
    return { devices: [describeLocalCpu(), ...gpus, ...phones], serial_ports, serial_meter_kinds: METER_KINDS, notes };
  }

  /** Streams a meter's readings for `seconds` (`labbench meter read`). */
  async readMeter(spec: string, seconds: number, hooks: { onSample?: (s: PowerSample) => void; signal?: AbortSignal } = {}): Promise<MeterReading> {
    const r = await readMeter(spec, seconds, { ...hooks, keepSamples: false });
    return { meter: r.spec, kind: r.kind, path: r.path, seconds: toSeconds(r.seconds), n: r.n, mean_w: watts(r.mean_w), sd_w: watts(r.sd_w), rate_hz: r.rate_hz, dropped: r.stats.dropped, drop_reasons: r.stats.dropReasons, errors: r.errors.map((e) => e.message) };
  }

  /** `labbench doctor` and the Devices page's checks: nothing here needs the DB. */
  async doctor(req: DoctorRequest = {}, hooks: { signal?: AbortSignal } = {}): Promise<DoctorReport> {
    return runDoctor(parseRequest(DoctorRequestSchema, req, 'doctor'), hooks);
  }

  async connectPhone(hostPort: string): Promise<PhoneDeviceInfo> {
    parseRequest(DeviceConnectRequestSchema, { hostPort }, 'devices connect');
    const server = adbServerAddress();
    const client = createAdbClient(server);
    const serial = await connectPhone(client, hostPort);
    // adb answers "connected to" before the phone is listed as a device: give it a moment.
    for (let i = 0; i < 20; i++) {
      const p = (await listPhones(client)).find((d) => d.id === serial || d.id === hostPort);
      if (p?.type === 'device') return { ...(await describePhone(client, p.id, p.type)), ...viaServer(server) };
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new LabbenchError('DEVICE_UNAVAILABLE', `${hostPort}: adb connected but the phone never became ready`);
  }

  async profile(req: ProfileRequest, hooks: { onProgress?: (p: ProfileProgress) => void; onWarning?: (m: string) => void; signal?: AbortSignal } = {}): Promise<ProfileResult> {
    req = parseRequest(ProfileRequestSchema, req, 'profile');
    const plan = planWorkload(req.workload, { resolution: req.resolution, batch: req.batch });
    // Layer samples and the NAS space's blocks are per-layer by nature; a network runs as deployed unless asked.
    const mode = req.mode ?? (plan.endToEnd && req.workload !== 'spnas-space' ? 'kernels' : 'layers');
    if (mode === 'kernels' && !plan.endToEnd) throw new LabbenchError('BAD_INPUT', `${req.workload} is not a network: profile it with --per-layer`);
    const target = await openTarget(req, mode);
    const db = this.openDb();
    if (mode === 'kernels') {
      const source = /\.onnx$/i.test(req.workload) ? resolve(req.workload) : undefined;
      const r = await runKernelJob(db, target, req, plan.endToEnd!, { workload: plan.workload, ...(source ? { source } : {}), resolution: req.resolution ?? null, batch: req.batch ?? 1, meter: req.meter }, hooks);
      return withReferenceState(db, r);
    }
    const job = {
      resolution: req.resolution ?? null,
      batch: req.batch ?? 1,
      canaryEvery: req.canaryEvery ?? defaultCanaryEvery(req.device),
      canaryDrift: req.canaryDrift ?? 0.05,
      meter: req.meter,
    };
    return { ...(await runProfileJob(db, target, req, job, hooks)), mode: 'layers' };
  }

  async fit(req: FitRequest, hooks: { onProgress?: (p: ProfileProgress) => void; onWarning?: (m: string) => void; signal?: AbortSignal } = {}): Promise<FitSummary> {
    req = parseRequest(FitRequestSchema, req, 'fit');
    const db0 = this.openDb();
    if ((req.mode ?? defaultFitMode(db0, req.device)) === 'kernels') return this.fitKernels(req, hooks);
    const holdout = req.holdout ?? [];
    const profiled: { workload: string; units: number; wall_s: number }[] = [];
    const profileFirst = async (workload: string): Promise<void> => {
      const r = await this.profile({ device: req.device, workload, runs: 10, maxSecondsPerUnit: 1 }, hooks);
      profiled.push({ workload, units: r.measured_units, wall_s: r.wall_s });
    };
    const db = this.openDb();
    const known = db.listDevices().some((d) => keyAnswersTo(d.key, req.device));
    const sample = req.sample ?? 150;
    // Coverage data even when network runs already fill the LUT: zoo layers alone cluster
    // where the zoo is, and a fit on them alone missed held-out networks several times worse
    // (docs/decisions/0021-layer-sampler-coverage.md). Profiled once; later fits find its rows.
    const sampled = known && hasAllUnits(db, db.resolveDevice(req.device).id, samplerPlan({ count: sample, seed: 1 }));
    const wanted = req.minRows === undefined || (known ? trainingRows(db, db.resolveDevice(req.device), holdout).rows.length : 0) < req.minRows;
    if (sample > 0 && !sampled && wanted) await profileFirst(`${SAMPLER_PREFIX}:${sample}`);
    const device = db.resolveDevice(req.device);
    // Every peak unit must be there: one of them can share its key with a zoo layer.
    if (!hasAllUnits(db, device.id, microbenchPlan())) await profileFirst(MICROBENCH);
    const model = fitDeviceModel(db, device, holdout);
    const stored = db.saveModel(device.id, MODEL_KIND, model as unknown as Record<string, unknown>);
    return {
      device: device.key,
      model_id: stored.id,
      training_rows: model.training.rows,
      holdout,
      types: Object.entries(model.neuralpower.types).map(([type, t]) => ({
        type,
        n: t!.n_runtime,
        family: t!.runtime?.family ?? 'none',
        degree: t!.runtime?.degree ?? 0,
        terms: t!.runtime?.terms.length ?? 0,
        cv_rmspe_pct: t!.runtime?.cv.rmspe_pct ?? NaN,
      })),
      analytic: { peak_gflops: model.analytic.peak_flops / 1e9, bandwidth_gbps: model.analytic.bandwidth / 1e9, overhead_ms: ms(model.analytic.overhead_ms) },
      gap_factor: model.gap_factor,
      gap_runs: model.gap_runs,
      ...(model.gap ? { gap_in_network: gapSummary(model.gap) } : {}),
      ...(model.state ? { state: model.state } : {}),
      profiled: profiledSummary(profiled),
    };
  }

  /**
   * Kernel-mode fit: the fit's own sample networks profiled (skipping those already in the
   * DB), the model fitted, more samples where its error stays high (kernel-fit-job.ts).
   */
  private async fitKernels(req: FitRequest, hooks: { onProgress?: (p: ProfileProgress) => void; onWarning?: (m: string) => void; signal?: AbortSignal }): Promise<FitSummary> {
    const db = this.openDb();
    const holdout = req.holdout ?? [];
    const started = performance.now();
    const plan = { ...DEFAULT_KERNEL_FIT, ...(req.sample !== undefined ? { initial: req.sample } : {}), ...(req.rounds !== undefined ? { rounds: req.rounds } : {}), ...(req.perRound !== undefined ? { perRound: req.perRound } : {}) };
    let device: DeviceRecord | undefined = kernelDevice(db, req.device);
    let metered = 0;
    const run = await runKernelFit(
      {
        profile: async (workload) => {
          const meter = req.meter && metered++ < (req.meterNetworks ?? 20) ? { meter: req.meter } : {};
          // A phone's invocations are steady and each costs a model load: fewer of them per sample
          // network, each running for 8 times that load (a profile's default is 12).
          const runs = isLocalDevice(req.device) ? { runs: 10, maxRuns: 30, setupRatio: 0 } : { runs: 3, maxRuns: 5, setupRatio: 8 };
          const r = await this.profile({ device: req.device, workload, mode: 'kernels', ...runs, warmup: 3, maxSecondsPerUnit: 2, ...meter }, { ...(hooks.onWarning ? { onWarning: hooks.onWarning } : {}), ...(hooks.signal ? { signal: hooks.signal } : {}) });
          device ??= kernelDevice(db, req.device);
          return { units: r.measured_units, wall_s: r.wall_s };
        },
        profiled: (workload) => device !== undefined && db.listRuns(device.id).some((r) => r.workload === workload && r.status === 'complete' && isKernelRun(r)),
        fit: () => {
          if (!device) throw new LabbenchError('BAD_INPUT', `${req.device}: nothing profiled in kernel mode`);
          return fitKernelDevice(db, device, holdout);
        },
        timeShare: (m) => kernelTimeShare(db, device!, m),
        ...(hooks.signal ? { signal: hooks.signal } : {}),
        onNetwork: (done, total, workload) => hooks.onProgress?.({ phase: 'units', done, total, current: workload }),
      },
      plan,
    );
    const stored = db.saveModel(device!.id, KERNEL_MODEL_KIND, run.model as unknown as Record<string, unknown>);
    const wall = (performance.now() - started) / 1000;
    const rows = run.profiled.reduce((s, p) => s + p.units, 0);
    const profilingS = run.profiled.reduce((s, p) => s + p.wall_s, 0);
    const m = run.model.model;
    return {
      device: device!.key,
      model_id: stored.id,
      mode: 'kernels',
      training_rows: run.model.training.rows,
      holdout,
      types: Object.entries(m.kinds).map(([type, k]) => ({ type, n: k.n, family: 'trees', degree: 0, terms: k.trees.trees.length, cv_rmspe_pct: k.cv.rmspe_pct, cv_median_ape_pct: k.cv.median_ape_pct })),
      analytic: { peak_gflops: m.roofline.ms_per_flop > 0 ? 1e-6 / m.roofline.ms_per_flop : Infinity, bandwidth_gbps: m.roofline.ms_per_byte > 0 ? 1e-6 / m.roofline.ms_per_byte : Infinity, overhead_ms: ms(m.roofline.overhead_ms) },
      gap_factor: m.calibration.scale,
      gap_runs: m.calibration.networks,
      calibration: calibrationSummary(m.calibration),
      sampling: { networks: run.profiled.length, kernel_rows: rows, wall_s: toSeconds(wall), profiling_s: toSeconds(profilingS), rows_per_min: profilingS > 0 ? (rows / profilingS) * 60 : 0, rounds: run.rounds },
      ...(run.model.state ? { state: run.model.state } : {}),
      ...(run.model.power ? { power: powerSummary(run.model.power) } : {}),
      profiled: profiledSummary(run.profiled),
    };
  }

  async predict(req: PredictRequest): Promise<PredictResult> {
    req = parseRequest(PredictRequestSchema, req, 'predict');
    const db = this.openDb();
    const device = db.resolveDevice(req.device);
    const kernelModel = latestKernelModel(db, device);
    if (kernelModel) {
      const network = planWorkload(req.workload, { resolution: req.resolution, batch: req.batch }).endToEnd;
      if (!network) throw new LabbenchError('BAD_INPUT', `${req.workload} is not a network to predict`);
      const p = await predictKernelNetwork(device, kernelModel, network);
      return { device: device.key, workload: req.workload, mode: 'kernels', ...predictionParts(p), ...(kernelModel.state ? { state: kernelModel.state } : {}) };
    }
    const p = predictWorkload(db, device, loadDeviceModel(db, device), req.workload, req);
    return { device: device.key, workload: req.workload, ...predictionParts(p) };
  }

  async reportAccuracy(deviceRef: string): Promise<AccuracyResult> {
    parseRequest(DeviceRefSchema, { device: deviceRef }, 'report accuracy');
    const db = this.openDb();
    const device = db.resolveDevice(deviceRef);
    // An imported model's runs are on the bench that exported it: its file's report stands.
    const imported = importedAccuracy(db, device);
    if (imported) return imported;
    const kernelModel = latestKernelModel(db, device);
    if (kernelModel) return { device: device.key, ...(await kernelAccuracyReport(db, device, kernelModel)) };
    const r = accuracyReport(db, device, loadDeviceModel(db, device));
    return { device: device.key, ...r };
  }

  async nas(req: NasRequest, hooks: { onProgress?: (p: NasProgress) => void; onWarning?: (m: string) => void; signal?: AbortSignal } = {}): Promise<NasResult> {
    return this.runSearch('nas', req, hooks);
  }

  async prune(req: PruneRequest, hooks: { onProgress?: (p: SearchProgressEvent) => void; signal?: AbortSignal } = {}): Promise<PruneResult> {
    return this.runSearch('prune', req, hooks);
  }

  async quantize(req: QuantizeRequest, hooks: { onProgress?: (p: SearchProgressEvent) => void; signal?: AbortSignal } = {}): Promise<QuantizeResult> {
    return this.runSearch('quantize', req, hooks);
  }

  runSearch<K extends SearchKind>(kind: K, request: SearchMethodTypes[K]['request'], hooks?: SearchHooks<SearchMethodTypes[K]['progress']>): Promise<SearchMethodTypes[K]['result']>;
  runSearch<K extends string>(kind: K extends SearchKind ? never : K, request: Readonly<Record<string, unknown>>, hooks?: SearchHooks<SearchProgressEvent>): Promise<object>;
  async runSearch(kind: string, request: unknown, hooks: SearchHooks<SearchProgressEvent> = {}): Promise<unknown> {
    const method = searchMethod(kind, this.methods);
    const req = parseRequest(method.request.schema, request, kind) as Readonly<Record<string, unknown>>;
    // Each method's hooks are typed where it is written; here, by kind, they are its own.
    return method.run({ db: this.openDb(), cacheDir: modelCacheDir(this.dbPath), profile: (r, h) => this.profile(r, h) }, req, hooks as SearchHooks<unknown>);
  }

  async quantizeSweep(req: QuantizeSweepRequest, hooks: { onProgress?: (p: SearchProgressEvent) => void; signal?: AbortSignal } = {}): Promise<QuantizeSweepResult> {
    const request = parseRequest(quantizeSweepSchema, req, 'quantize');
    // The training code (tfjs) loads when a sweep runs, not with the service.
    const { runQuantizeSweep } = await import('./quantize/lightnn.js');
    return runQuantizeSweep(request, { db: this.openDb(), cacheDir: modelCacheDir(this.dbPath), ...hooks });
  }

  async listSearchRuns(): Promise<SearchRunSummary[]> {
    return this.openDb()
      .listSearchRuns()
      .map(({ checkpoint: _checkpoint, ...run }) => run);
  }

  async listProfileRuns(): Promise<ProfileRunSummary[]> {
    return listProfileRuns(this.openDb());
  }

  async profileRun(runId: number): Promise<ProfileRunDetail> {
    const { id } = parseRequest(ProfileRunRefSchema, { id: runId }, 'profile run');
    return profileRunDetail(this.openDb(), id);
  }

  async listLutDevices(): Promise<LutDeviceSummary[]> {
    const db = this.openDb();
    return db.listDevices().map((device) => ({ device, entries: db.lutEntries(device.id).length }));
  }

  async lutShow(device: string): Promise<LutView> {
    parseRequest(DeviceRefSchema, { device }, 'lut show');
    return this.openDb().lutView(device);
  }

  async lutExport(device: string, format: 'json' | 'csv'): Promise<string> {
    parseRequest(LutExportRequestSchema, { device, format }, 'lut export');
    const file = exportLut(this.openDb(), device);
    return format === 'csv' ? lutToCsv(file) : serializeLutFile(file);
  }

  async lutDiff(a: LutRef, b: LutRef): Promise<LutDiff> {
    parseRequest(LutDiffRequestSchema, { a, b }, 'lut diff');
    return lutDiff(this.openDb(), a, b);
  }

  async reportCompare(req: CompareRequest): Promise<CompareReport> {
    req = parseRequest(CompareRequestSchema, req, 'report compare');
    return compareReport(this.openDb(), req, (r) => this.predict(r));
  }

  async modelExport(device: string): Promise<string> {
    parseRequest(DeviceRefSchema, { device }, 'model export');
    return serializeModelFile(exportModel(this.openDb(), device, await this.reportAccuracy(device)));
  }

  async modelImport(text: string, sourceName: string, opts: ModelImportOptions = {}): Promise<ModelImportResult> {
    opts = parseRequest(ModelImportOptionsSchema, opts, 'model import');
    const file = parseModelFile(text, sourceName);
    return importModel(this.openDb(), file, { sourceName, ...(opts.force ? { force: true } : {}), ...(opts.deviceKey ? { as: opts.deviceKey } : {}) });
  }

  async lutImport(text: string, sourceName: string, opts: { deviceKey?: string } = {}): Promise<LutImportResult> {
    parseRequest(LutImportRequestSchema, { text, sourceName, ...opts }, 'lut import');
    const file = readLutText(text, sourceName, opts);
    const r = importLut(this.openDb(), file);
    // A converted table (e.g. an OFA YAML) says what of it was mapped where.
    const summary = importSummary(file);
    return {
      device: { key: r.device.key, fingerprint_hash: r.device.fingerprint_hash, label: r.device.label, emulated: r.device.emulated },
      inserted: r.inserted,
      replaced: r.replaced,
      kept_local: r.kept_local,
      notes: [...(summary ? [summary] : []), ...r.notes],
    };
  }
}

/** Which adb server a phone is reached through, and whether it is another host's. */
function viaServer(a: AdbServerAddress): { adb_server: string; remote_adb: boolean } {
  return { adb_server: formatAdbServer(a), remote_adb: !isLocalAdbServer(a) };
}

/** The most recently used device under `key` whose runs are kernel-mode (fingerprint `profiling: kernels`). */
function kernelDevice(db: ProfilesDb, key: string): DeviceRecord | undefined {
  return db.listDevices().find((d) => keyAnswersTo(d.key, key) && d.fingerprint.profiling === 'kernels');
}

/** `layers` for a device that has only per-layer profiles (NeuralPower), `kernels` otherwise (a new device included). */
function defaultFitMode(db: ProfilesDb, key: string): 'kernels' | 'layers' {
  if (kernelDevice(db, key)) return 'kernels';
  return db.listDevices().some((d) => keyAnswersTo(d.key, key)) ? 'layers' : 'kernels';
}

/** Share of the kernel rows' measured time per kind: what an error in that kind costs a network. */
function kernelTimeShare(db: ProfilesDb, device: DeviceRecord, m: KernelDeviceModel): Partial<Record<KernelKind, number>> {
  const data = kernelTrainingData(db, device, m.training.holdout, kernelModelState(db, device, m));
  const total = data.rows.reduce((s, r) => s + r.ms, 0) || 1;
  const share: Partial<Record<KernelKind, number>> = {};
  for (const r of data.rows) share[r.config.kind] = (share[r.config.kind] ?? 0) + r.ms / total;
  return share;
}

/** A kernel-mode profile's end-to-end median in the state of the device's kernel model, where it has one. */
function withReferenceState(db: ProfilesDb, r: ProfileResult): ProfileResult {
  const device = db.listDevices().find((d) => d.fingerprint_hash === r.device_fingerprint);
  const m = device && latestKernelModel(db, device);
  if (!device || !m?.state || !r.end_to_end) return { ...r, mode: 'kernels' };
  const ref = kernelModelState(db, device, m).endToEndMs(r.run_id, r.end_to_end.median_ms);
  // Given even where it equals the median (a run without canary readings): the truth a prediction is judged against is named.
  return { ...r, mode: 'kernels', end_to_end: { ...r.end_to_end, reference_median_ms: ms(ref) } };
}

/** Whether the device's LUT holds a row for every unit of `plan` (a run may have measured them, or an import, or another workload sharing a layer). */
function hasAllUnits(db: ProfilesDb, deviceId: number, plan: WorkloadPlan): boolean {
  const keys = new Set(db.lutEntries(deviceId).map((e) => e.key));
  return plan.units.every((u) => keys.has(u.key));
}
