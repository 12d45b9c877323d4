/**
 * The one service API of the bench. The CLI calls it in process; `labbench serve` (HTTP and
 * WebSocket) and Electron IPC expose the same methods, so every front door behaves alike.
 * Values in and out are plain JSON (see the DTO modules beside this one).
 */
import type { DeviceList, PhoneDeviceInfo } from './devices.js';
import type { DoctorReport, DoctorRequest } from './doctor.js';
import type { LutDeviceSummary, LutView } from './lut.js';
import type { CompareReport, CompareRequest, LutDiff, LutRef } from './compare.js';
import type { ProfileProgress, ProfileRequest, ProfileResult, ProfileRunDetail, ProfileRunSummary } from './profile.js';
import type { NasProgress, NasRequest, NasResult, SearchCallHooks, SearchKind, SearchMethodTypes, SearchRunSummary } from './search.js';
import type { AccuracyResult, FitRequest, FitSummary, PredictRequest, PredictResult } from './predict.js';
import type { PruneRequest, PruneResult, QuantizeRequest, QuantizeResult, QuantizeSweepRequest, QuantizeSweepResult, SearchProgressEvent } from './search.js';
import { z } from 'zod';
import { name } from './parse.js';

export interface LutImportResult {
  /** `emulated`: the LUT was measured on an emulated device (its key and label say so too). */
  readonly device: { readonly key: string; readonly fingerprint_hash: string; readonly label: string; readonly emulated: boolean };
  readonly inserted: number;
  readonly replaced: number;
  /** Rows this bench measured itself, which an import never overwrites. */
  readonly kept_local: number;
  /** What a user must be told (the device is emulated, and how that is known), one sentence each. */
  readonly notes: readonly string[];
}

/** `labbench model import`'s options. */
export const ModelImportOptionsSchema = z.strictObject({
  /** Import over another fingerprint under the file's key. */
  force: z.boolean().optional(),
  /** The device key to import the model under (`--as`). */
  deviceKey: name().optional(),
});
export type ModelImportOptions = Readonly<z.infer<typeof ModelImportOptionsSchema>>;

export interface ModelImportResult {
  /** The device the model predicts for: created from the file's fingerprint where this DB did not know it. */
  readonly device: { readonly key: string; readonly fingerprint_hash: string; readonly label: string; readonly emulated: boolean };
  readonly model_id: number;
  readonly kind: 'kernels' | 'neuralpower';
  /** Rows the model was fitted on, as the file lists them (kept with the model for audit and re-export). */
  readonly training_rows: number;
  readonly created_device: boolean;
  readonly notes: readonly string[];
}

export interface LabService {
  /** This host's CPU and GPUs, and the phones the adb server sees. */
  listDevices(): Promise<DeviceList>;
  /** `adb connect HOST:PORT` (phone farms expose phones so); resolves once the phone is usable. */
  connectPhone(hostPort: string): Promise<PhoneDeviceInfo>;
  /** Checks the rig (adb, phones, benchmark_model, serial ports, meters, runtimes); each problem with its fix. Changes nothing. */
  doctor(req?: DoctorRequest, hooks?: { signal?: AbortSignal }): Promise<DoctorReport>;
  /** Profiles a workload on a device into the DB; resumes an interrupted run with the same settings. */
  profile(req: ProfileRequest, hooks?: { onProgress?: (p: ProfileProgress) => void; onWarning?: (message: string) => void; signal?: AbortSignal }): Promise<ProfileResult>;
  /** Fits NeuralPower (and the analytic baseline) for a device, profiling a layer sample first when its LUT is thin. */
  fit(req: FitRequest, hooks?: { onProgress?: (p: ProfileProgress) => void; onWarning?: (message: string) => void; signal?: AbortSignal }): Promise<FitSummary>;
  /** Per-layer and total runtime (power, energy where modelled) of a workload on a device; LUT rows where present, the model elsewhere. */
  predict(req: PredictRequest): Promise<PredictResult>;
  /** RMSPE and RMSE per layer type and per network, NeuralPower beside the analytic baseline. */
  reportAccuracy(device: string): Promise<AccuracyResult>;
  /** Every device the DB keeps a LUT for (measured or imported), with its row count. */
  listLutDevices(): Promise<LutDeviceSummary[]>;
  /** The LUT of a device (`local`, `pixel1`, `key@hash`). */
  lutShow(device: string): Promise<LutView>;
  /** A LUT file's text: versioned JSON with a checksum, or CSV for spreadsheets. */
  lutExport(device: string, format: 'json' | 'csv'): Promise<string>;
  /** Validates and imports a LUT file's text; nothing changes if any of it is invalid. */
  lutImport(text: string, sourceName: string): Promise<LutImportResult>;
  /** Two LUTs (devices, or LUT files' text) key by key: ratio B/A of the medians with 95 % intervals, keys on one side only, geometric-mean summary. */
  lutDiff(a: LutRef, b: LutRef): Promise<LutDiff>;
  /** Two devices (or two runs, `run:ID`): the per-key diff, and per network the measured and the predicted ratio. */
  reportCompare(req: CompareRequest): Promise<CompareReport>;
  /** A model file's text: the model predict uses for the device, its fingerprint, training rows and accuracy report, checksummed. */
  modelExport(device: string): Promise<string>;
  /** Validates and imports a model file (one transaction); refuses another fingerprint under the file's key unless `force`. */
  modelImport(text: string, sourceName: string, opts?: ModelImportOptions): Promise<ModelImportResult>;
  /** Single-Path NAS against a device's kernel model or LUT (or a LUT file): search, train the found network, train baselines at the same latency. */
  nas(req: NasRequest, hooks?: { onProgress?: (p: NasProgress) => void; onWarning?: (message: string) => void; signal?: AbortSignal }): Promise<NasResult>;
  /** LeGR: learn one global filter ranking, cut it at every budget (FLOPs or predicted latency), baselines at the same budgets. */
  prune(req: PruneRequest, hooks?: { onProgress?: (p: SearchProgressEvent) => void; signal?: AbortSignal }): Promise<PruneResult>;
  /** LightNN / FLightNN / BinaryConnect quantization-aware training: test error and energy per inference. */
  quantize(req: QuantizeRequest, hooks?: { onProgress?: (p: SearchProgressEvent) => void; signal?: AbortSignal }): Promise<QuantizeResult>;
  /**
   * Any registered search method's run (app/search-methods.ts), by kind: the request checked
   * against its schema (BAD_INPUT naming the field), then run; BAD_INPUT listing the kinds
   * for a kind that is not registered. The built-in kinds are typed exactly, any other as its
   * stored points and a JSON result.
   */
  runSearch<K extends SearchKind>(kind: K, request: SearchMethodTypes[K]['request'], hooks?: SearchCallHooks<SearchMethodTypes[K]['progress']>): Promise<SearchMethodTypes[K]['result']>;
  runSearch<K extends string>(kind: K extends SearchKind ? never : K, request: Readonly<Record<string, unknown>>, hooks?: SearchCallHooks<SearchProgressEvent>): Promise<object>;
  /** Several schemes on one network, one run each, and the accuracy-energy Pareto front of those runs. */
  quantizeSweep(req: QuantizeSweepRequest, hooks?: { onProgress?: (p: SearchProgressEvent) => void; signal?: AbortSignal }): Promise<QuantizeSweepResult>;
  /** NAS, pruning and quantization runs, newest first, with their progress and results. */
  listSearchRuns(): Promise<SearchRunSummary[]>;
  /** Profiling runs the DB keeps, newest first (complete, and incomplete ones a job can resume). */
  listProfileRuns(): Promise<ProfileRunSummary[]>;
  /** One profiling run reopened: its summary and every unit (LUT row) it recorded. */
  profileRun(runId: number): Promise<ProfileRunDetail>;
}
