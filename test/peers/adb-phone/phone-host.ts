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

/** adbd's pid: the parent of every adb shell session. */
export const ADBD_PID = 612;

export interface ProcInfo {
  pid: number;
  ppid: number;
  /** Session id: the pid of the session's leader (each adb shell session is one, as adbd's setsid() makes it). */
  sid: number;
  name: string;
  cmdline: string;
  uid: number;
}

export interface ProcessTable {
  /** A new process; `parent` ends it (its session hanging up, the cable pulled); `ppid` 0 starts a new session. */
  spawn(name: string, cmdline: string, uid: number, parent: AbortSignal, ppid: number): Proc;
  /** execve: the process keeps its pid and takes the new program's name and command line. */
  exec(pid: number, name: string, cmdline: string): void;
  list(): ProcInfo[];
  /** Sends a signal; false when no such process. */
  kill(pid: number, signal: number): boolean;
}

/** Faults a test switches on by setting fields of `phone.faults`; each is off by default. */
export interface PhoneFaults {
  /**
   * How many of the next benchmark_model invocations hang (Infinity: all): after model loading
   * and the first "Running benchmark" line they make no progress and print nothing (a delegate
   * deadlock) until a signal ends them.
   */
  benchmarkHangs: number;
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
  readonly faults: PhoneFaults;
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
