// What the shell, the applets and the emulated benchmark may ask of the phone they run on.
// EmulatedPhone implements it; keeping it an interface keeps those modules free of the
// class (and of each other).

import type { PhoneFs } from './fs.js';
import type { PhoneSpec } from './phone-model.js';
import type { Rng } from './rng.js';
import type { Io, ShellState } from './sh-exec.js';
import type { PhonePhysics } from './thermal.js';

/** The builds of TFLite's benchmark_model the phone can carry (see benchmark-model.ts). */
export type BenchmarkFlavor = 'classic' | 'modern';

export interface Proc {
  pid: number;
  /** Aborted by kill, by the parent's signal, or by unplug. */
  signal: AbortSignal;
  exit(): void;
}

export interface ProcInfo {
  pid: number;
  name: string;
  cmdline: string;
  uid: number;
}

export interface ProcessTable {
  readonly shellPid: number;
  spawn(name: string, cmdline: string, uid: number, parent: AbortSignal): Proc;
  list(): ProcInfo[];
  /** Sends a signal; false when no such process. */
  kill(pid: number, signal: number): boolean;
}

export interface PhoneHost {
  readonly fs: PhoneFs;
  readonly spec: PhoneSpec;
  readonly physics: PhonePhysics;
  readonly rng: Rng;
  readonly rooted: boolean;
  readonly timeScale: number;
  readonly benchmarkFlavor: BenchmarkFlavor;
  readonly procs: ProcessTable;
  /** Aborted when the cable is pulled (everything running dies). */
  readonly lifeSignal: AbortSignal;
  /** Simulated seconds since boot. */
  uptimeS(): number;
  /** The phone's wall clock, seconds since the epoch. */
  epochS(): number;
  /** Sleeps `seconds` of simulated time; false if aborted first. */
  sleepSim(seconds: number, signal: AbortSignal): Promise<boolean>;
  props(): Map<string, string>;
  setProp(name: string, value: string): boolean;
  setScreen(on: boolean): void;
  /** Output of `dumpsys <service> [args]`, or null for an unknown service. */
  dumpsys(service: string, args?: readonly string[]): string | null;
  /** Output of `lshal debug <instance>`, or null when no such HAL instance runs. */
  lshalDebug(instance: string): string | null;
  /** Runs the benchmark binary with argv (argv[0] = how it was invoked). */
  runBenchmark(argv: string[], ctx: { state: ShellState; io: Io; signal: AbortSignal }): Promise<number>;
}
