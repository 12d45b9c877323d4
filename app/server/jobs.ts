/**
 * Long service calls (profile, fit, a search method) run as jobs: each has an id, its latest progress and its
 * outcome, and every change is announced, so any number of UIs can watch one job and a UI
 * opened mid-job catches up from `list()`. Cancel aborts the call's signal: the service keeps
 * the units measured so far, and starting the same request again resumes the run.
 */
import { randomUUID } from 'node:crypto';
import { LabbenchError, serializeError } from '../api/errors.js';
import type { LabService } from '../api/service.js';
import type { JobInfo, JobStart } from '../ipc/protocol.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

interface Running {
  info: Mutable<JobInfo>;
  controller: AbortController;
}

export class JobManager {
  readonly #jobs = new Map<string, Running>();

  constructor(
    private readonly service: LabService,
    private readonly announce: (job: JobInfo) => void,
    /** Jobs kept after they end, newest last. */
    private readonly keepEnded = 20,
  ) {}

  list(): JobInfo[] {
    return [...this.#jobs.values()].map((j) => snapshot(j.info));
  }

  start(start: JobStart): JobInfo {
    const busy = [...this.#jobs.values()].find((j) => j.info.status === 'running' && lane(j.info) === lane(start));
    if (busy) throw new LabbenchError('BAD_INPUT', `a ${busy.info.kind} job is already using ${lane(start)} (job ${busy.info.id})`);
    const controller = new AbortController();
    const info = { id: randomUUID(), kind: start.kind, request: start.request, status: 'running', started_at: new Date().toISOString(), warnings: [] } as Mutable<JobInfo>;
    const job: Running = { info, controller };
    this.#jobs.set(info.id, job);
    this.#prune();
    const hooks = {
      signal: controller.signal,
      onProgress: (p: NonNullable<JobInfo['progress']>) => {
        info.progress = p;
        this.announce(snapshot(info));
      },
      onWarning: (m: string) => {
        info.warnings = [...info.warnings, m];
        this.announce(snapshot(info));
      },
    };
    const call: Promise<unknown> = isProfile(start) ? this.service.profile(start.request, hooks) : isFit(start) ? this.service.fit(start.request, hooks) : this.service.runSearch(start.kind, start.request, hooks);
    call.then(
      (result) => this.#end(info, 'done', { result }),
      (e: unknown) => this.#end(info, controller.signal.aborted || (e instanceof LabbenchError && e.code === 'CANCELED') ? 'canceled' : 'failed', { error: serializeError(e) }),
    );
    const first = snapshot(info);
    this.announce(first);
    return first;
  }

  cancel(id: string): JobInfo {
    const job = this.#jobs.get(id);
    if (!job) throw new LabbenchError('BAD_INPUT', `no job ${id}`);
    job.controller.abort();
    return snapshot(job.info);
  }

  /** Cancels every running job and waits (briefly) for them to stop. */
  async stopAll(timeoutMs = 5000): Promise<void> {
    const running = [...this.#jobs.values()].filter((j) => j.info.status === 'running');
    for (const j of running) j.controller.abort();
    const deadline = Date.now() + timeoutMs;
    while (running.some((j) => j.info.status === 'running') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  }

  #end(info: Mutable<JobInfo>, status: JobInfo['status'], extra: { result?: unknown; error?: JobInfo['error'] }): void {
    info.status = status;
    info.ended_at = new Date().toISOString();
    if (extra.result !== undefined) (info as { result?: unknown }).result = extra.result;
    if (extra.error) info.error = extra.error;
    this.announce(snapshot(info));
  }

  #prune(): void {
    const ended = [...this.#jobs.values()].filter((j) => j.info.status !== 'running');
    for (const j of ended.slice(0, Math.max(0, ended.length - this.keepEnded))) this.#jobs.delete(j.info.id);
  }
}

/**
 * Jobs in one lane run one at a time: two jobs measuring one device would distort each
 * other's timings, and a search trains on this machine's cores, so a second would halve both.
 */
// A search method's kind is any string but these two (app/search-methods.ts reserves them), so the kind alone tells.
function isProfile(job: JobStart): job is Extract<JobStart, { kind: 'profile' }> {
  return job.kind === 'profile';
}

function isFit(job: JobStart): job is Extract<JobStart, { kind: 'fit' }> {
  return job.kind === 'fit';
}

function lane(job: JobStart): string {
  return isProfile(job) || isFit(job) ? `device ${job.request.device}` : "this machine's cores for training";
}

/** A copy, so a UI never holds the object the job keeps changing. */
function snapshot(info: JobInfo): JobInfo {
  return { ...info, warnings: [...info.warnings] } as JobInfo;
}
