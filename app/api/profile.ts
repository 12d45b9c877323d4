/** Profiling requests, progress and results as they cross the API (CLI `--json`, HTTP, IPC). */
import { z } from 'zod';
import { deviceId, name, positive, whole } from './parse.js';
import type { Millijoules, Ms, Seconds, Watts } from './units.js';

/** The request's own checks; the service checks its meaning (a device that exists, a workload it knows). */
const profileFields = z.strictObject({
  /** `local` (this CPU) or `gpu0`... (needs ORT's CUDA provider). */
  device: deviceId,
  /** A zoo name (`cifar10-6conv`, `spnas-space`, ...). */
  workload: name(),
  /**
   * `kernels` (default for a network): run it whole as deployed (ORT at its default graph
   * optimization, TFLite with XNNPACK) and time every kernel in place. `layers`: every layer
   * alone, unfused (research mode; the default for layer samples and the NAS space's blocks).
   */
  mode: z.enum(['kernels', 'layers']).optional(),
  /**
   * Kernel mode: measure for this many times the overhead, so that it stays a small part of
   * the wall time. On this host, the whole measurement against the setup (artifact, session,
   * profile; default 9, the fit's own sample networks use 0); on a phone, each
   * benchmark_model invocation against what the last one cost besides its runs (default 12,
   * the fit's sample networks use 8).
   */
  setupRatio: z.number().min(0).optional(),
  /** Input height = width; default the network's own. */
  resolution: whole(1).optional(),
  batch: whole(1).optional(),
  /** Minimum measured runs per unit (default 20). */
  runs: whole(1).optional(),
  /** Cap on measured runs per unit (default 500). */
  maxRuns: whole(1).optional(),
  /** Warm-up runs per unit, not measured (default 5). */
  warmup: whole(0).optional(),
  /** Intra-op threads (default 1: the steadiest timings on a shared machine). */
  threads: whole(1).optional(),
  graphOptimization: z.enum(['disabled', 'basic', 'extended', 'all']).optional(),
  /** Target half-width of the median's 95 % interval, relative (default 0.02). */
  targetRelCi: positive().optional(),
  /** Cap on measuring seconds per unit (default 3). */
  maxSecondsPerUnit: positive().optional(),
  /** Start afresh instead of resuming an incomplete run with the same settings. */
  fresh: z.boolean().optional(),
  /** Measure a canary layer every N units and re-measure units when it drifts (0: off; default 8 on phones, 0 here). */
  canaryEvery: whole(0).optional(),
  /** Relative canary drift that flags units (default 0.05). */
  canaryDrift: positive().optional(),
  /** Phones: TFLite delegate (default cpu: XNNPACK off, one row per op). */
  delegate: z.enum(['cpu', 'xnnpack', 'gpu', 'nnapi']).optional(),
  /** Phones: `taskset` core mask in hex (e.g. `f0` for big cores of a 4+4 SoC). */
  coreMask: z.string().regex(/^[0-9a-fA-F]{1,16}$/, 'must be a hex core mask like f0').optional(),
  /** Phones: wait before each unit until the hottest thermal zone is below this (default 45 C). */
  coolBelowC: positive().optional(),
  /** Phones: benchmark_model runs per invocation; each invocation is one sample (default 10). */
  innerRuns: whole(1).optional(),
  /** Phones: host path of a benchmark_model binary to push when the phone has none. */
  benchmarkBinary: name(4096).optional(),
  /** Phones: how long to wait for an unplugged phone before giving up (default 600 s). */
  unplugTimeoutS: positive().optional(),
  /**
   * Phones: a benchmark_model run that gives no result this long (plus 4x its expected run time
   * once known) is taken as hung, killed on the phone and tried again, twice at most (default 120 s).
   */
  hangTimeoutS: positive().optional(),
  /** A power meter, `PORT:TYPE[,options]` (e.g. `/dev/ttyUSB0:um34c`): power and energy per unit. */
  meter: name(500).optional(),
});

/** The cap on runs is not below the minimum (a refinement: applied after any `.omit`, which refinements forbid). */
function runsInOrder<S extends z.ZodType<{ runs?: number | undefined; maxRuns?: number | undefined }>>(schema: S) {
  return schema.refine((r) => r.maxRuns === undefined || r.runs === undefined || r.maxRuns >= r.runs, { path: ['maxRuns'], error: 'is below runs' });
}

export const ProfileRequestSchema = runsInOrder(profileFields);
export type ProfileRequest = Readonly<z.infer<typeof ProfileRequestSchema>>;
/** What a UI may ask for: it names no file on the lab machine (no benchmarkBinary). */
export const UiProfileRequestSchema = runsInOrder(profileFields.omit({ benchmarkBinary: true }));

/** A past profiling run by its id (GET: the id may arrive as query text). */
export const ProfileRunRefSchema = z.strictObject({ id: z.coerce.number().int().positive() });
export type ProfileRunRef = Readonly<z.infer<typeof ProfileRunRefSchema>>;

export interface ProfileProgress {
  readonly phase: 'units' | 'canary' | 'paused' | 'end_to_end' | 'done';
  /** Units finished (kept from a resumed run included) out of `total`. */
  readonly done: number;
  readonly total: number;
  /** The unit being measured next. */
  readonly current?: string;
  /** Estimated seconds left, from the time measured units took; absent until one finished. */
  readonly eta_s?: number;
}

export interface ProfiledLayer {
  readonly name: string;
  readonly op: string;
  /** LUT key of the unit measured for this layer (shared by identical layers). */
  readonly key: string;
  readonly median_ms: Ms;
  /** 95 % interval of the median, [low, high]. */
  readonly ci_ms: readonly [Ms, Ms];
  readonly n: number;
  /** Where the device profiles per operator: the layer's median inside the end-to-end run, beside the isolated `median_ms`. */
  readonly in_network_ms?: Ms;
  /** With a meter: average power above idle while the layer ran, and energy per inference. */
  readonly power_w?: Watts;
  readonly energy_mj?: Millijoules;
  /** With a meter: why this layer has no power (the meter went silent or away). */
  readonly power_missing?: string;
}

export interface ProfileResult {
  readonly device: string;
  readonly device_fingerprint: string;
  readonly workload: string;
  readonly run_id: number;
  /** Units kept from an earlier, interrupted run rather than measured now. */
  readonly resumed_units: number;
  readonly measured_units: number;
  /** Units measured again because the canary drifted while they ran (throttling). */
  readonly remeasured_units: readonly string[];
  /** Conditions worth knowing (battery low, screen on, charging, hot device). */
  readonly warnings: readonly string[];
  readonly settings: Readonly<Record<string, unknown>>;
  readonly layers: readonly ProfiledLayer[];
  /** Absent for a layer sample (`layer-sample:N`), which has no network to run whole. */
  readonly end_to_end?: {
    readonly median_ms: Ms;
    readonly ci_ms: readonly [Ms, Ms];
    readonly n: number;
    /** `session.run()` as seen from the calling process, bindings included. */
    readonly wall_median_ms: Ms;
    /** Where the device has a fitted kernel model with a machine state: the median brought to that state (what its predictions are in). */
    readonly reference_median_ms?: Ms;
  };
  /** `kernels` or `layers` (ProfileRequest.mode). */
  readonly mode?: 'kernels' | 'layers';
  /** Sum of per-layer medians, and its gap to the end-to-end median in % of the latter. */
  readonly sum_of_layers_ms: Ms;
  readonly sum_gap_pct?: number;
  /** With a meter and power for every layer: E = sum P_n T_n (mJ) and P_avg = E / T (W). */
  readonly energy_mj?: Millijoules;
  readonly power_w?: Watts;
  /** With a meter: what it delivered (readings, dropped frames by reason, idle power). */
  readonly meter?: MeterSummary;
  /** Wall time of the whole job and the device time it measured (kernels, measured runs only). */
  readonly wall_s: Seconds;
  readonly device_s: Seconds;
}

/** What a meter delivered during a profiling job. */
export interface MeterSummary {
  readonly meter: string;
  readonly kind: string;
  readonly samples: number;
  /** Frames or lines dropped as bad, never averaged in; by reason. */
  readonly dropped: number;
  readonly drop_reasons: Readonly<Record<string, number>>;
  readonly idle_w: Watts | null;
  /** Idle after minus idle before, W: a large drift says the baseline moved during the job. */
  readonly idle_drift_w: Watts | null;
  /** Units whose power is missing (the meter went silent or away). */
  readonly missing_units: number;
}

/** A profiling run the DB keeps: one workload on one device with one set of settings (`listProfileRuns`). */
export interface ProfileRunSummary {
  readonly run_id: number;
  /** The device's key (`local`, a serial, `pixel1`), and `key@fingerprint_hash`, which names it exactly. */
  readonly device: string;
  readonly device_ref: string;
  readonly device_label: string;
  readonly emulated: boolean;
  readonly workload: string;
  /** `incomplete` until its last unit and end-to-end pass are in; a later job with its settings resumes it. */
  readonly status: 'incomplete' | 'complete';
  /** `kernels`: the network run whole, each kernel timed in place; `layers`: each layer alone. */
  readonly mode: 'kernels' | 'layers';
  readonly started_at: string;
  readonly finished_at: string | null;
  /** The last failure, while the run is incomplete. */
  readonly error: string | null;
  readonly settings: Readonly<Record<string, unknown>>;
  /** Units (LUT rows) recorded so far. */
  readonly units: number;
  readonly end_to_end?: { readonly median_ms: Ms; readonly ci_ms: readonly [Ms, Ms]; readonly n: number };
}

/** One recorded unit of a run: a LUT row as that run measured it. */
export interface ProfileRunUnit {
  readonly key: string;
  readonly op: string;
  /** The workload's layers (or kernels) this unit stands for. */
  readonly layers: readonly string[];
  readonly median_ms: Ms;
  readonly ci_ms: readonly [Ms, Ms];
  readonly n: number;
  readonly recorded_at: string;
  readonly power_w?: Watts;
  readonly energy_mj?: Millijoules;
  readonly power_missing?: string;
}

/** A past run reopened (`profileRun`): its summary and every unit it recorded, in recording order. */
export interface ProfileRunDetail extends ProfileRunSummary {
  readonly rows: readonly ProfileRunUnit[];
  /** Sum of the units' medians, each counted once per layer it stands for. */
  readonly sum_of_layers_ms: Ms;
  /** Per part, its median inside the end-to-end run, where the device gave per-operator times. */
  readonly in_network?: Readonly<Record<string, Ms>>;
}
