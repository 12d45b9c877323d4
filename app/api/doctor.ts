/** `labbench doctor` and the Devices page's checks: what the rig is missing, and the fix for each. */
import { z } from 'zod';
import { name, positive } from './parse.js';

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface DoctorCheck {
  /** The kind of check: `adb.server`, `phone.state`, `phone.benchmark_model`, `serial.access`, ... */
  readonly id: string;
  /** What was checked: a phone's serial (marked `emulated` where it is), a port's path, a package. */
  readonly subject: string;
  readonly status: CheckStatus;
  /** Whether what it checks is needed for what the user asked for: a needed check that fails makes the exit status 1. */
  readonly needed: boolean;
  readonly detail: string;
  /** What to do about a warning or a failure, with the exact commands. */
  readonly fix?: string;
}

export const DoctorRequestSchema = z.strictObject({
  /** Meters to check: `PORT:TYPE[,...]` reads that kind; a bare `PORT` probes which kind's frames parse. */
  meters: z.array(name(500)).max(16).readonly().optional(),
  /** A benchmark_model on this host that `profile --benchmark-binary` would push: its ABI is checked too. */
  benchmarkBinary: name(4096).optional(),
  /** The temperature profiling waits for before each unit (`profile --cool-below`, default 45 C). */
  coolBelowC: positive().optional(),
  /** How long a meter is read, per kind tried (default 1.2 s, at most 30 s). */
  meterSeconds: positive().max(30).optional(),
});
export type DoctorRequest = Readonly<z.infer<typeof DoctorRequestSchema>>;
/** What a UI may ask for: it names no file on the lab machine (no benchmarkBinary). */
export const UiDoctorRequestSchema = DoctorRequestSchema.omit({ benchmarkBinary: true });

export interface DoctorReport {
  readonly checks: readonly DoctorCheck[];
  /** False when a needed check failed (`labbench doctor` then exits 1). */
  readonly ok: boolean;
  readonly counts: Readonly<Record<CheckStatus, number>>;
}
