/**
 * What a profiling job needs from a device: its identity, and measurements of units and of
 * whole networks. The job owns the loop, the DB, resume, canaries and pauses; a target owns
 * how one thing is run on its device (ORT in process, benchmark_model over ADB, ...).
 */
import type { DeviceFingerprint } from '../api/lut.js';
import type { Network } from '../workloads/ir.js';
import type { ProfileUnit } from '../workloads/units.js';

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

export interface TargetHooks {
  readonly signal?: AbortSignal;
  /** Things a user should know (a hot phone, a low battery); not errors. */
  readonly onWarning?: (message: string) => void;
  readonly onStatus?: (message: string) => void;
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
