/**
 * The model exchange file (`labbench model export|import`), the fitted model's twin of the LUT
 * file (profiles-db/lut-file.ts): versioned JSON sealed by the same checksum, carrying the
 * device's fingerprint (and its emulated mark), the model `predict` uses for it as the
 * `models` table stores it, the rows and runs it was fitted on (keys, configurations and
 * their statistics: enough to audit it or fit it again), and its accuracy report. Import
 * validates all of it, then creates or reuses the device by fingerprint and stores the model
 * in one transaction, so a teammate predicts for a device they do not own from the file alone.
 */
import { emulatorBuild, markedKey } from '../api/emulation.js';
import { LabbenchError } from '../api/errors.js';
import type { AccuracyResult } from '../api/predict.js';
import type { DeviceRecord, LatencyStats } from '../api/lut.js';
import type { ModelImportResult } from '../api/service.js';
import { sealedChecksum } from '../../profiles-db/canonical-json.js';
import { fingerprintHash } from '../../profiles-db/devices.js';
import { EXPORTED_BY } from '../../profiles-db/lut-file.js';
import { describeIssue, formatPath } from '../../profiles-db/lut-file-schema.js';
import type { ProfilesDb, StoredModel } from '../../profiles-db/profiles-db.js';
import { pickStats } from '../../profiles-db/stats-columns.js';
import { KERNEL_OP_PREFIX } from '../profiling/kernel-job.js';
import { isKernelRun, KERNEL_MODEL_KIND, type KernelDeviceModel } from './kernel-fit.js';
import { loadKernelModel } from './kernel-predict.js';
import { MODEL_KIND, trainingRows, type DeviceModel } from './fit-device.js';
import { parseNeuralPowerModel } from './neuralpower.js';
import { MODEL_FILE_FORMAT, MODEL_FILE_VERSION, modelFileSchema } from './model-file-schema.js';

export interface ModelTraining {
  readonly runs: readonly { id: number; workload: string; settings: Readonly<Record<string, unknown>>; started_at: string; finished_at: string | null; end_to_end: LatencyStats | null }[];
  /** `run_id` null: a LUT row (NeuralPower trains on the LUT, whichever run measured it last). */
  readonly rows: readonly ({ run_id: number | null; key: string; op: string; config: Readonly<Record<string, unknown>> } & LatencyStats)[];
}

export interface ModelFile {
  readonly format: typeof MODEL_FILE_FORMAT;
  readonly version: typeof MODEL_FILE_VERSION;
  readonly exported_at: string;
  readonly exported_by: string;
  readonly device: { readonly key: string; readonly label: string; readonly fingerprint: DeviceRecord['fingerprint']; readonly fingerprint_hash: string; readonly emulated: boolean; readonly created_at: string };
  /** `kernels` (KernelDeviceModel) or `neuralpower` (DeviceModel), as the models table keeps it. */
  readonly model: { readonly kind: 'kernels' | 'neuralpower'; readonly created_at: string; readonly body: Readonly<Record<string, unknown>> };
  readonly training: ModelTraining;
  /** `report accuracy` on the exporting bench when it exported (null: none could be made). */
  readonly accuracy: Readonly<Record<string, unknown>> | null;
  readonly provenance: Readonly<Record<string, unknown>>;
  readonly checksum: string;
}

/** The model `predict` uses for the device: its newest kernel model, unless a NeuralPower model is newer (kernel-predict.ts latestKernelModel). */
export function activeModel(db: ProfilesDb, device: DeviceRecord): StoredModel | undefined {
  const k = db.latestModel(device.id, KERNEL_MODEL_KIND);
  const n = db.latestModel(device.id, MODEL_KIND);
  return k && (!n || k.id > n.id) ? k : n;
}

/** The runs and rows the model was fitted on, read from the device's runs and LUT as the fit read them. */
function trainingOf(db: ProfilesDb, device: DeviceRecord, stored: StoredModel): ModelTraining {
  const byId = (a: { id: number }, b: { id: number }): number => a.id - b.id;
  const runOf = (r: ReturnType<ProfilesDb['listRuns']>[number]): ModelTraining['runs'][number] => ({ id: r.id, workload: r.workload, settings: r.settings, started_at: r.started_at, finished_at: r.finished_at, end_to_end: r.end_to_end && pickStats(r.end_to_end) });
  const complete = db.listRuns(device.id).filter((r) => r.status === 'complete');
  if (stored.kind === KERNEL_MODEL_KIND) {
    const m = stored.model as unknown as KernelDeviceModel;
    const last = m.training.last_run_id ?? Infinity;
    const runs = complete.filter((r) => isKernelRun(r) && !m.training.holdout.includes(r.workload) && r.id <= last).sort(byId);
    const rows = runs.flatMap((r) => db.runUnits(r.id).filter((u) => u.op.startsWith(KERNEL_OP_PREFIX)).map((u) => ({ run_id: r.id, key: u.key, op: u.op, config: u.config, ...pickStats(u.stats) })));
    return { runs: runs.map(runOf), rows };
  }
  const m = stored.model as unknown as DeviceModel;
  const runs = complete.filter((r) => !m.training.holdout.includes(r.workload)).sort(byId);
  const rows = trainingRows(db, device, m.training.holdout).rows.map((e) => ({ run_id: null, key: e.key, op: e.op, config: e.config, ...pickStats(e) }));
  return { runs: runs.map(runOf), rows };
}

/**
 * The file for the device `deviceRef` names: its active model, what it was fitted on and
 * `accuracy`. A model imported here travels on with the training and accuracy its file had.
 */
export function exportModel(db: ProfilesDb, deviceRef: string, accuracy: AccuracyResult | null, options: { now?: Date } = {}): ModelFile {
  const device = db.resolveDevice(deviceRef);
  const stored = activeModel(db, device);
  if (!stored) throw new LabbenchError('BAD_INPUT', `${device.key}: no fitted model in ${db.path}; run labbench fit --device ${device.key}`);
  const from = stored.imported_from as { training?: ModelTraining; checksum?: string; exported_by?: string; exported_at?: string; source?: string; model_created_at?: string } | null;
  // NaN (no error measurable) becomes null, as JSON writes it; the checksum hashes finite numbers only.
  const report = accuracy && (JSON.parse(JSON.stringify({ ...accuracy, device: undefined, imported: undefined })) as Record<string, unknown>);
  const body: Omit<ModelFile, 'checksum'> = {
    format: MODEL_FILE_FORMAT,
    version: MODEL_FILE_VERSION,
    exported_at: (options.now ?? new Date()).toISOString(),
    exported_by: EXPORTED_BY,
    device: { key: device.key, label: device.label, fingerprint: device.fingerprint, fingerprint_hash: device.fingerprint_hash, emulated: device.emulated, created_at: device.created_at },
    model: { kind: stored.kind === KERNEL_MODEL_KIND ? 'kernels' : 'neuralpower', created_at: from?.model_created_at ?? stored.created_at, body: JSON.parse(JSON.stringify(stored.model)) as Record<string, unknown> },
    training: from?.training ?? trainingOf(db, device, stored),
    accuracy: report,
    provenance: { model_id: stored.id, device_origin: device.origin, ...(from ? { imported_from: { source: from.source, checksum: from.checksum, exported_by: from.exported_by, exported_at: from.exported_at } } : {}) },
  };
  return { ...body, checksum: sealedChecksum(body) };
}

export function serializeModelFile(file: ModelFile): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}

function invalid(sourceName: string, what: string): LabbenchError {
  return new LabbenchError('BAD_INPUT', `${sourceName}: ${what}`.replace(/\s+/g, ' ').trim());
}

/**
 * Validates a model file's text: JSON, format and version, the checksum (before the schema,
 * so an edit says so), the schema, the fingerprint against its hash, the emulated mark
 * against the build, and the model as predict will load it. Each failure is BAD_INPUT (exit 2).
 */
export function parseModelFile(text: string, sourceName: string): ModelFile {
  let doc: unknown;
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw invalid(sourceName, `not valid JSON (${(err as Error).message.slice(0, 120)})`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw invalid(sourceName, 'not a labbench model file (expected a JSON object)');
  const { format, version, checksum } = doc as { format?: unknown; version?: unknown; checksum?: unknown };
  if (format !== MODEL_FILE_FORMAT) throw invalid(sourceName, `not a labbench model file (format is ${format === undefined ? 'missing' : JSON.stringify(format)}, expected "${MODEL_FILE_FORMAT}")`);
  if (typeof version === 'number' && version > MODEL_FILE_VERSION) throw invalid(sourceName, `model file version ${version} is newer than this labbench reads (up to ${MODEL_FILE_VERSION}); upgrade labbench`);
  if (typeof checksum === 'string') {
    let actual: string | undefined;
    try {
      actual = sealedChecksum(doc);
    } catch {
      actual = undefined; // a number JSON cannot hash: the schema names it
    }
    if (actual !== undefined && actual !== checksum) throw invalid(sourceName, 'checksum mismatch: the file was changed after export');
  }
  const parsed = modelFileSchema.safeParse(doc, { reportInput: true });
  if (!parsed.success) {
    const [first, ...rest] = parsed.error.issues;
    const where = first ? formatPath(first.path) : '';
    throw invalid(sourceName, `${where ? `${where}: ` : ''}${first ? describeIssue(first) : 'invalid'}${rest.length ? ` (and ${rest.length} more problem${rest.length > 1 ? 's' : ''})` : ''}`);
  }
  const file = parsed.data as ModelFile;
  const hash = fingerprintHash(file.device.fingerprint);
  if (hash !== file.device.fingerprint_hash) throw invalid(sourceName, `device.fingerprint_hash is ${file.device.fingerprint_hash} but the fingerprint hashes to ${hash}`);
  const build = file.device.fingerprint.build;
  const emulator = typeof build === 'string' ? emulatorBuild(build) : undefined;
  if (emulator && !file.device.emulated) throw invalid(sourceName, `device.fingerprint: ${emulator}, but the file marks the device real (emulated: false); a model fitted on an emulator is not imported as real hardware`);
  try {
    if (file.model.kind === 'kernels') loadKernelModel(file.model.body);
    else parseNeuralPowerModel((file.model.body as unknown as DeviceModel).neuralpower);
  } catch (err) {
    throw invalid(sourceName, `model.body: ${(err as Error).message}`);
  }
  return file;
}

/**
 * Imports a parsed file in one transaction: the device by fingerprint (created, as a LUT
 * import creates it, when this DB does not know it), then the model, which becomes the
 * device's newest. A different fingerprint under the same key is refused unless `force`
 * (then the file's device becomes the key's most recently used) or `as` names another key.
 */
export function importModel(db: ProfilesDb, file: ModelFile, opts: { sourceName: string; force?: boolean; as?: string }): ModelImportResult {
  const { device: d } = file;
  const key = markedKey(opts.as ?? d.key, d.emulated);
  return db.inTransaction(() => {
    const known = db.listDevices();
    const same = known.find((x) => x.fingerprint_hash === d.fingerprint_hash);
    const others = known.filter((x) => x.key === key && x.fingerprint_hash !== d.fingerprint_hash);
    if (!same && others.length > 0 && !opts.force) {
      throw invalid(
        opts.sourceName,
        `the model was fitted on ${key}@${d.fingerprint_hash}, but ${key} in ${db.path} is ${others.map((o) => `${o.key}@${o.fingerprint_hash}`).join(', ')}, another fingerprint; --as KEY imports it under another key, --force under ${key} beside it`,
      );
    }
    const device = db.upsertDevice({ key, label: d.label, fingerprint: d.fingerprint, origin: 'imported', created_at: new Date(d.created_at).toISOString() });
    db.touchDevice(device.id);
    const stored = db.saveModel(device.id, file.model.kind === 'kernels' ? KERNEL_MODEL_KIND : MODEL_KIND, file.model.body, {
      source: opts.sourceName,
      checksum: file.checksum,
      exported_at: file.exported_at,
      exported_by: file.exported_by,
      model_created_at: file.model.created_at,
      provenance: file.provenance,
      training: file.training,
      accuracy: file.accuracy,
    });
    const notes: string[] = [];
    if (device.emulated) notes.push(`${device.key} is an emulated device: this model predicts an emulator, not real hardware`);
    if (same?.origin === 'measured') notes.push(`${device.key} was measured here too; the imported model is now its newest, so predict uses it (fit again to use one of this bench's)`);
    if (!same && others.length > 0) notes.push(`${key} now names ${device.key}@${device.fingerprint_hash}; ${others.map((o) => `${o.key}@${o.fingerprint_hash}`).join(', ')} stays reachable by key@hash`);
    return {
      device: { key: device.key, fingerprint_hash: device.fingerprint_hash, label: device.label, emulated: device.emulated },
      model_id: stored.id,
      kind: file.model.kind,
      training_rows: file.training.rows.length,
      created_device: !same,
      notes,
    };
  });
}

/** The accuracy report an imported model's file carried, when the device's active model is one (its runs are on the exporting bench). */
export function importedAccuracy(db: ProfilesDb, device: DeviceRecord): AccuracyResult | undefined {
  const from = activeModel(db, device)?.imported_from as { accuracy?: Record<string, unknown> | null; source?: string; checksum?: string; exported_by?: string; exported_at?: string } | null | undefined;
  if (!from?.accuracy) return undefined;
  return { ...(from.accuracy as unknown as AccuracyResult), device: device.key, imported: { source: from.source ?? '', checksum: from.checksum ?? '', exported_by: from.exported_by ?? '', exported_at: from.exported_at ?? '' } };
}
