/**
 * Which job holds a run, and whether that job's process still lives. A job is its process
 * (pid, host) plus a token of its own, since one process (the app, `serve`) can run several
 * jobs. A pid can be reused after its process dies: on Linux the process's start time
 * (/proc/PID/stat) tells the holder from a newcomer with the same pid.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

export interface RunOwner {
  readonly pid: number;
  readonly host: string;
  readonly token: string;
  /** The process's start time in clock ticks after boot (Linux); null where unknown. */
  readonly started: string | null;
  /** When the job took the run (ISO-8601); set by openRun. */
  readonly since?: string;
}

/** Field 22 of /proc/PID/stat (after the parenthesised name, which may hold spaces). */
function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/** A new owner for a job of this process. */
export function newRunOwner(): RunOwner {
  return { pid: process.pid, host: hostname(), token: randomUUID(), started: processStart(process.pid) };
}

/** False only when the holder is known to be gone: same host, and no such process (or another one under its pid). */
export function ownerAlive(o: RunOwner): boolean {
  if (o.host !== hostname()) return true;
  try {
    process.kill(o.pid, 0);
  } catch (e) {
    // EPERM: a process of another user holds the pid: it exists.
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const now = processStart(o.pid);
  return o.started === null || now === null || now === o.started;
}
