/**
 * What a profiling job needs from a device: its identity, and measurements of units and of
 * whole networks. The job owns the loop, the DB, resume, canaries and pauses; a target owns
 * how one thing is run on its device (ORT in process, benchmark_model over ADB, ...).
 */
import type { ProfileRequest } from '../app/api/profile.js';
import type { DeviceFingerprint } from '../app/api/lut.js';
import type { Network } from '../app/workloads/ir.js';
import type { ProfileUnit } from '../app/workloads/units.js';
import type { Kernel } from '../app/workloads/kernels.js';

/** The unit key a target knows the whole network's artifact by (kernel mode, end-to-end runs, meter loops). */
export const NETWORK_ARTIFACT = '__network__';

/** Conditions on the device when a sample was taken: how throttling shows afterwards. */
export interface SampleConditions {
  /** Hottest thermal zone, in degrees C. */
  readonly temperature_c?: number;
  /** Current frequency of each core in kHz, in core order. */
  readonly cpu_khz?: readonly number[];
  /** The canary layer's time beside this sample (canary.ts), ms: the host's speed at that moment. */
  readonly canary_ms?: number;
}

export interface Measured {
  /** One latency per measured run (or per repetition, where the device reports averages). */
  readonly samplesMs: readonly number[];
  /** Device time these samples took, in ms (for the overhead figure). */
  readonly deviceMs: number;
  readonly conditions?: readonly SampleConditions[];
  /** End to end only: the run seen from the bench, bindings or shell included. */
  readonly wallMedianMs?: number;
  /**
   * End to end only, where the device profiles per operator: each graph node's median kernel
   * time over the measured runs (ms). Node names are layer names, or `layer/part` for the
   * nodes a layer or block emits (artifact.ts).
   */
  readonly nodesMs?: Readonly<Record<string, number>>;
}

/** A network run whole as deployed, with the time of every kernel the runtime ran (kernel-job.ts). */
export interface KernelMeasured {
  /** The network's kernels as the runtime runs them, in run order. */
  readonly kernels: readonly Kernel[];
  /** Per kernel, its time in each profiled run (ms); empty for a kernel the runtime eliminated. */
  readonly samplesMs: readonly (readonly number[])[];
  /** Per profiled run, the device's conditions (the same for every kernel of that run). */
  readonly conditions?: readonly SampleConditions[];
  /** The network end to end as deployed (no profiler in the way). */
  readonly endToEnd: Measured;
  /** Device time of the profiled runs and the end-to-end runs, ms. */
  readonly deviceMs: number;
}

export interface TargetHooks {
  readonly signal?: AbortSignal;
  /** Things a user should know (a hot phone, a low battery); not errors. */
  readonly onWarning?: (message: string) => void;
  readonly onStatus?: (message: string) => void;
  /** Runs measured so far out of those planned (at least): progress inside one long measurement. */
  readonly onRuns?: (done: number, planned: number) => void;
}

export interface ProfilingTarget {
  /** The key a user types (`local`, an adb serial). */
  readonly deviceKey: string;
  readonly label: string;
  /** Settings that change what is measured, merged into the run's settings. */
  readonly settings: Readonly<Record<string, unknown>>;
  fingerprint(): Promise<DeviceFingerprint>;
  /** Once before measuring: e.g. push every artifact in one batch. */
  prepare?(units: readonly ProfileUnit[], endToEnd: Network | undefined, hooks: TargetHooks): Promise<void>;
  /** Before each unit: e.g. wait for a phone to cool down. */
  beforeUnit?(hooks: TargetHooks): Promise<void>;
  measureUnit(unit: ProfileUnit, hooks: TargetHooks): Promise<Measured>;
  measureNetwork(network: Network, hooks: TargetHooks): Promise<Measured>;
  /** Runs the network whole at the deployed settings and times each kernel in place (kernel mode). */
  measureKernels?(network: Network, hooks: TargetHooks): Promise<KernelMeasured>;
  /**
   * In how many slices the end-to-end runs are taken, spread over the unit queue (default 1:
   * once, after the units). Why: a shared host runs in phases seconds long, and one window of
   * end-to-end runs lands in one phase while the units' medians span them all.
   */
  readonly endToEndSlices?: number;
  /**
   * Runs a unit over and over for about `seconds` (for a power meter to average over) and
   * returns the steady part of that loop on the host clock (`performance.timeOrigin + now`).
   */
  runLoop?(unit: ProfileUnit, seconds: number, hooks: TargetHooks): Promise<{ fromMs: number; toMs: number }>;
  /** Resolves once the device is back after a DEVICE_UNAVAILABLE error; rejects on timeout or abort. */
  waitForDevice?(hooks: TargetHooks): Promise<void>;
  close?(): Promise<void>;
}

/**
 * A runner as the bench knows it: one folder in native-runners/ exporting one descriptor,
 * listed once in native-runners/index.ts. The first listed runner that accepts a device id
 * profiles it.
 */
export interface RunnerDescriptor {
  readonly name: string;
  /** One line for help texts. */
  readonly summary: string;
  accepts(device: string): boolean;
  /** Units between canary layers when the request names none (0: no canary). */
  readonly canaryEvery: number;
  /** `mode` decides defaults: deployed settings for kernels, unfused single layers otherwise. */
  open(req: ProfileRequest, mode: 'kernels' | 'layers'): Promise<ProfilingTarget>;
}
