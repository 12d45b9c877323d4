/**
 * The wire protocol between the UI and the lab: one method table, carried by Electron IPC and
 * by `labbench serve` (HTTP for calls, WebSocket for events). Every method ends in a
 * LabService call (app/api/service.ts) or in the job, meter and phone-watch bookkeeping
 * around it. Pure types and data only: the renderer imports this file too.
 */
import type { DeviceConnectRequest, DeviceList, PhoneDeviceInfo } from '../api/devices.js';
import type { DoctorReport, DoctorRequest } from '../api/doctor.js';
import type { SerializedError } from '../api/errors.js';
import type { LutDeviceSummary, LutExportRequest, LutImportRequest, LutView } from '../api/lut.js';
import type { CompareReport, CompareRequest, DeviceLutDiffRequest, LutDiff } from '../api/compare.js';
import type { ProfileProgress, ProfileRequest, ProfileResult, ProfileRunDetail, ProfileRunRef, ProfileRunSummary } from '../api/profile.js';
import type { AccuracyResult, FitRequest, FitSummary, PredictOnnxRequest, PredictRequest, PredictResult } from '../api/predict.js';
import type { DeviceRef, IdRef } from '../api/parse.js';
import type { MeterStartRequest } from '../api/meters.js';
import type { LutImportResult } from '../api/service.js';
import type { SearchKind, SearchMethodTypes, SearchProgressEvent, SearchRunSummary } from '../api/search.js';
import type { SearchMethodInfo } from '../api/search-method.js';

export type { LutDeviceSummary } from '../api/lut.js';

export type JobStatus = 'running' | 'done' | 'failed' | 'canceled';

interface JobBase {
  readonly id: string;
  readonly status: JobStatus;
  readonly started_at: string;
  readonly ended_at?: string;
  readonly warnings: readonly string[];
  readonly error?: SerializedError;
}

/**
 * A job of a registered search method (app/search-methods.ts): a built-in kind typed exactly;
 * any other kind (checked at run time against the registry) with its request as its schema
 * took it, the stored points of its run as progress and its result as a JSON object.
 */
export type SearchJobInfo =
  | { [K in SearchKind]: JobBase & { readonly kind: K; readonly request: SearchMethodTypes[K]['request']; readonly progress?: SearchMethodTypes[K]['progress']; readonly result?: SearchMethodTypes[K]['result'] } }[SearchKind]
  | (JobBase & { readonly kind: string; readonly request: Readonly<Record<string, unknown>>; readonly progress?: SearchProgressEvent; readonly result?: Readonly<Record<string, unknown>> });

/** A long call (profile, fit, a search) running in the lab, reported through `job` events. */
export type JobInfo =
  | (JobBase & { readonly kind: 'profile'; readonly request: ProfileRequest; readonly progress?: ProfileProgress; readonly result?: ProfileResult })
  | (JobBase & { readonly kind: 'fit'; readonly request: FitRequest; readonly progress?: ProfileProgress; readonly result?: FitSummary })
  | SearchJobInfo;

export type JobStart =
  | { readonly kind: 'profile'; readonly request: ProfileRequest }
  | { readonly kind: 'fit'; readonly request: FitRequest }
  /** Any registered search method, with the fields a UI may set (no host path: a LUT file, an output folder). */
  | { [K in SearchKind]: { readonly kind: K; readonly request: SearchMethodTypes[K]['request'] } }[SearchKind]
  | { readonly kind: string; readonly request: Readonly<Record<string, unknown>> };

export interface MeterStreamInfo {
  readonly id: string;
  readonly spec: string;
  readonly state: 'streaming' | 'ended' | 'failed';
  readonly error?: string;
  /** The latest readings (host ms since the epoch, W), oldest first. */
  readonly recent: readonly MeterPoint[];
}

export interface MeterPoint {
  readonly t_ms: number;
  readonly watts: number;
}

export interface WorkloadInfo {
  readonly name: string;
  readonly description: string;
  readonly default_resolution: number;
}

/** Every method: its parameters and its result. */
export interface ApiMethods {
  'devices.list': { params: Record<string, never>; result: DeviceList };
  'devices.connect': { params: DeviceConnectRequest; result: PhoneDeviceInfo };
  /** LabService.doctor: the rig's checks, each with its fix (a UI names no host file: no benchmarkBinary). */
  'devices.doctor': { params: Omit<DoctorRequest, 'benchmarkBinary'>; result: DoctorReport };
  'workloads.list': { params: Record<string, never>; result: readonly WorkloadInfo[] };
  'jobs.list': { params: Record<string, never>; result: readonly JobInfo[] };
  'jobs.start': { params: JobStart; result: JobInfo };
  'jobs.cancel': { params: IdRef; result: JobInfo };
  /** LabService.listLutDevices. */
  'lut.devices': { params: Record<string, never>; result: readonly LutDeviceSummary[] };
  'lut.show': { params: DeviceRef; result: LutView };
  'lut.export': { params: LutExportRequest; result: { text: string; filename: string } };
  /** A UI's import: the file's text and name (no `--as`). */
  'lut.import': { params: Omit<LutImportRequest, 'deviceKey'>; result: LutImportResult };
  /** LabService.lutDiff of two devices' LUTs: ratio B/A per key with its interval, keys on one side only, the summary. */
  'lut.diff': { params: DeviceLutDiffRequest; result: LutDiff };
  /** LabService.reportCompare: two devices or two runs (`run:ID`), per key and per network. */
  'report.compare': { params: CompareRequest; result: CompareReport };
  predict: { params: PredictRequest; result: PredictResult };
  /** An ONNX file the user dropped, base64 in JSON (files stay small: layer shapes, not weights, matter). */
  'predict.onnx': { params: PredictOnnxRequest; result: PredictResult };
  accuracy: { params: DeviceRef; result: AccuracyResult };
  'meters.list': { params: Record<string, never>; result: readonly MeterStreamInfo[] };
  'meters.start': { params: MeterStartRequest; result: MeterStreamInfo };
  'meters.stop': { params: IdRef; result: MeterStreamInfo };
  /** NAS, pruning and quantization runs the DB keeps, with their progress per epoch. */
  'search.list': { params: Record<string, never>; result: readonly SearchRunSummary[] };
  /** The registered search methods' pure data (kind, title, the fields a UI may set): the Search page's forms. */
  'search.methods': { params: Record<string, never>; result: readonly SearchMethodInfo[] };
  /** LabService.listProfileRuns and profileRun: past profiling runs, and one reopened with its rows. */
  'profile.runs': { params: Record<string, never>; result: readonly ProfileRunSummary[] };
  'profile.run': { params: ProfileRunRef; result: ProfileRunDetail };
}

export type MethodName = keyof ApiMethods;
export type ParamsOf<M extends MethodName> = ApiMethods[M]['params'];
export type ResultOf<M extends MethodName> = ApiMethods[M]['result'];

/** HTTP routes of `labbench serve`, all under /api/. GET methods take their parameters in the query. */
export const ROUTES: { readonly [M in MethodName]: { readonly verb: 'GET' | 'POST'; readonly path: string } } = {
  'devices.list': { verb: 'GET', path: '/api/devices' },
  'devices.connect': { verb: 'POST', path: '/api/devices/connect' },
  'devices.doctor': { verb: 'POST', path: '/api/devices/doctor' },
  'workloads.list': { verb: 'GET', path: '/api/workloads' },
  'jobs.list': { verb: 'GET', path: '/api/jobs' },
  'jobs.start': { verb: 'POST', path: '/api/jobs' },
  'jobs.cancel': { verb: 'POST', path: '/api/jobs/cancel' },
  'lut.devices': { verb: 'GET', path: '/api/luts' },
  'lut.show': { verb: 'GET', path: '/api/lut' },
  'lut.export': { verb: 'GET', path: '/api/lut/export' },
  'lut.import': { verb: 'POST', path: '/api/lut/import' },
  'lut.diff': { verb: 'GET', path: '/api/lut/diff' },
  'report.compare': { verb: 'POST', path: '/api/report/compare' },
  predict: { verb: 'POST', path: '/api/predict' },
  'predict.onnx': { verb: 'POST', path: '/api/predict/onnx' },
  accuracy: { verb: 'GET', path: '/api/accuracy' },
  'meters.list': { verb: 'GET', path: '/api/meters' },
  'meters.start': { verb: 'POST', path: '/api/meters' },
  'meters.stop': { verb: 'POST', path: '/api/meters/stop' },
  'search.list': { verb: 'GET', path: '/api/search-runs' },
  'search.methods': { verb: 'GET', path: '/api/search-methods' },
  'profile.runs': { verb: 'GET', path: '/api/profile-runs' },
  'profile.run': { verb: 'GET', path: '/api/profile-run' },
};

/** Pushed to every open UI: phones coming and going, job progress, meter readings. */
export type LabEvent =
  | { readonly type: 'phone'; readonly change: 'added' | 'removed'; readonly id: string; readonly state: string }
  | { readonly type: 'job'; readonly job: JobInfo }
  | { readonly type: 'meter'; readonly id: string; readonly points: readonly MeterPoint[] }
  | { readonly type: 'meter-state'; readonly stream: MeterStreamInfo };

/** What a call answers on every transport: a value, or the error as the API serializes it. */
export type CallOutcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: SerializedError };

/** Electron IPC channel names (preload and main agree on them). */
export const IPC_CALL = 'labbench:call';
export const IPC_EVENT = 'labbench:event';

/** The WebSocket subprotocols: browsers cannot set headers on a WebSocket, so the token rides here. */
export const WS_PROTOCOL = 'labbench.v1';
export const WS_TOKEN_PREFIX = 'labbench.token.';
