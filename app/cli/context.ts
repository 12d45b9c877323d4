/**
 * What every command file gets from `runCli`: the service (opened on the first use, with the
 * command's `--db`), output that honours `--json`, the cancel signal, and the shared argument parsers.
 */
import type { Command } from 'commander';
import { LabbenchError } from '../api/errors.js';
import type { LocalLabService } from '../lab-service.js';
import type { ProgressBar } from './progress-bar.js';
import type { SearchProgressEvent } from '../api/search.js';
import type { SearchMethodDescriptor } from '../search-run.js';

export interface CliIo {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
}

export interface GlobalOpts {
  db?: string;
  json?: boolean;
  adbHost?: string;
  adbPort?: string;
}

export interface CliContext {
  readonly io: CliIo;
  readonly signal?: AbortSignal;
  /** The service on this command's DB. */
  svc(cmd: Command): LocalLabService;
  /** One JSON document with `--json`, else the human text. */
  emit(cmd: Command, value: unknown, human: string): void;
  /** An exit status of the command's own (several devices, some failed). */
  setStatus(status: number): void;
  /** The search methods that get a command (the registered ones unless a test lends others). */
  readonly methods?: readonly SearchMethodDescriptor[];
}

export function intArg(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new LabbenchError('BAD_INPUT', `${name} must be a whole number, got '${v}'`);
    return n;
  };
}

export function numArg(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new LabbenchError('BAD_INPUT', `${name} must be a positive number, got '${v}'`);
    return n;
  };
}

export function dataArg(v: string): 'mnist' | 'fashion-mnist' {
  if (v !== 'mnist' && v !== 'fashion-mnist') throw new LabbenchError('BAD_INPUT', `--data must be mnist or fashion-mnist, got '${v}'`);
  return v;
}

/**
 * Progress of a search run (epochs of its phases, fractional inside an epoch, with the phase's
 * ETA) on a progress bar. LeGR's candidates (hundreds, each stored) are lines from inside the
 * evolution, as a log shows training inside an epoch: at most one per interval.
 */
export function searchHooks(bar: ProgressBar, signal?: AbortSignal) {
  return {
    onProgress: (p: SearchProgressEvent) =>
      bar.update(
        { phase: !p.partial && p.point.epoch >= p.point.epochs && p.point.phase.startsWith('finetune') ? 'done' : 'units', done: p.point.epoch, total: p.point.epochs, current: p.point.phase, ...(p.eta_s !== undefined ? { eta_s: p.eta_s } : {}) },
        { partial: p.partial === true || (p.point.phase === 'evolve' && p.point.epoch < p.point.epochs) },
      ),
    ...(signal ? { signal } : {}),
  };
}

/** Copies the options that were given, renamed to the request's field names. */
export function pick(o: object, names: Record<string, string>): Record<string, unknown> {
  const src = o as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [from, to] of Object.entries(names)) if (src[from] !== undefined) out[to] = src[from];
  return out;
}
