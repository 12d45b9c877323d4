/**
 * The lab behind the UI, whatever carries it (Electron IPC or `labbench serve`): one
 * LocalLabService, the jobs and meter traces around it, and the phone watcher, with one
 * `call(method, params)` and one event stream. Every method is a LabService call or the
 * bookkeeping of one; nothing here measures, fits or parses on its own.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { LabbenchError, serializeError } from '../api/errors.js';
import type { LocalLabService } from '../lab-service.js';
import { createAdbClient } from '../devices/adb/adb-shell.js';
import { watchPhones } from '../devices/adb/phone-watcher.js';
import { ZOO, ZOO_NAMES } from '../workloads/zoo/index.js';
import type { CallOutcome, LabEvent, MethodName, ParamsOf, ResultOf } from '../ipc/protocol.js';
import { JobManager } from './jobs.js';
import { MeterStreams } from './meter-streams.js';
import { checkParams } from './params.js';
import { searchMethodInfo } from '../api/search-method.js';

type Handlers = { readonly [M in MethodName]: (p: ParamsOf<M>) => Promise<ResultOf<M>> | ResultOf<M> };

export class LabBackend {
  readonly #listeners = new Set<(e: LabEvent) => void>();
  readonly #jobs: JobManager;
  readonly #meters: MeterStreams;
  readonly #stopWatch: () => void;
  readonly #handlers: Handlers;

  constructor(readonly service: LocalLabService, opts: { watchPhones?: boolean } = {}) {
    this.#jobs = new JobManager(service, (job) => this.#emit({ type: 'job', job }));
    this.#meters = new MeterStreams(service, {
      points: (id, points) => this.#emit({ type: 'meter', id, points }),
      state: (stream) => this.#emit({ type: 'meter-state', stream }),
    });
    this.#stopWatch = opts.watchPhones === false ? () => undefined : watchPhones(createAdbClient(), (c) => this.#emit({ type: 'phone', change: c.type, id: c.id, state: c.state }));
    this.#handlers = {
      'devices.list': () => service.listDevices(),
      'devices.connect': (p) => service.connectPhone(p.hostPort),
      'devices.doctor': (p) => service.doctor(p),
      'workloads.list': () => ZOO_NAMES.map((name) => ({ name, description: ZOO[name].description, default_resolution: ZOO[name].defaultResolution })),
      'jobs.list': () => this.#jobs.list(),
      'jobs.start': (p) => this.#jobs.start(p),
      'jobs.cancel': (p) => this.#jobs.cancel(p.id),
      'lut.devices': () => service.listLutDevices(),
      'lut.show': (p) => service.lutShow(p.device),
      'lut.export': async (p) => ({ text: await service.lutExport(p.device, p.format), filename: `${p.device.replace(/[^\w.@-]+/g, '_')}-lut.${p.format}` }),
      'lut.import': (p) => service.lutImport(p.text, basename(p.sourceName)),
      'lut.diff': (p) => service.lutDiff(p.a, p.b),
      'report.compare': (p) => service.reportCompare(p),
      predict: (p) => service.predict(p),
      'predict.onnx': (p) => this.#predictOnnx(p),
      accuracy: (p) => service.reportAccuracy(p.device),
      'meters.list': () => this.#meters.list(),
      'meters.start': (p) => this.#meters.start(p.spec),
      'meters.stop': (p) => this.#meters.stop(p.id),
      'search.list': () => service.listSearchRuns(),
      'search.methods': () => service.methods.map((m) => searchMethodInfo(m.request)),
      'profile.runs': () => service.listProfileRuns(),
      'profile.run': (p) => service.profileRun(p.id),
    };
  }

  /** Runs a method; errors come back as values, coded as the API codes them. */
  async call(method: string, params: unknown): Promise<CallOutcome<unknown>> {
    try {
      if (!Object.hasOwn(this.#handlers, method)) throw new LabbenchError('BAD_INPUT', `no method '${method}'`);
      const m = method as MethodName;
      const handler = this.#handlers[m] as (p: unknown) => unknown;
      return { ok: true, value: await handler(checkParams(m, params, this.service.methods)) };
    } catch (e) {
      return { ok: false, error: serializeError(e) };
    }
  }

  onEvent(listener: (e: LabEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.#stopWatch();
    this.#meters.stopAll();
    await this.#jobs.stopAll();
    this.service.close();
  }

  #emit(e: LabEvent): void {
    for (const l of this.#listeners) {
      try {
        l(e);
      } catch {
        // A UI that went away mid-send must not stop the others from hearing it.
      }
    }
  }

  /** The service predicts from an ONNX path: the dropped file lands in a private temp folder for the call. */
  async #predictOnnx(p: ParamsOf<'predict.onnx'>): Promise<ResultOf<'predict'>> {
    const name = basename(p.fileName).replace(/[^\w.-]+/g, '_');
    if (!name.toLowerCase().endsWith('.onnx')) throw new LabbenchError('BAD_INPUT', `${p.fileName}: not an .onnx file`);
    const dir = mkdtempSync(join(tmpdir(), 'labbench-onnx-'));
    try {
      const path = join(dir, name);
      writeFileSync(path, Buffer.from(p.base64, 'base64'));
      const r = await this.service.predict({ device: p.device, workload: path, ...(p.modelOnly !== undefined ? { modelOnly: p.modelOnly } : {}) });
      return { ...r, workload: p.fileName };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}
