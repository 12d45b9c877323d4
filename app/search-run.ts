/**
 * A search job's row in the profiles DB (NAS, pruning, quantization): opened before the work,
 * every progress point appended as it happens (the UI and `--json` readers replay it), and
 * closed as done with the result, canceled, or failed with the error, whatever the job threw.
 * Between stored points, `tick` tells the listener where a phase stands without a DB write.
 */
import { LabbenchError } from './api/errors.js';
import type { SearchCallHooks, SearchKind, SearchMethodTypes, SearchProgressEvent, SearchProgressPoint } from './api/search.js';
import type { z } from 'zod';
import type { RequestOf, SearchRequestSpec } from './api/search-method.js';
import type { LabService } from './api/service.js';
import type { ProfilesDb } from '../profiles-db/profiles-db.js';
import type { TrainProgress } from './train/types.js';

/** What the service lends a search method's run. */
export interface SearchContext {
  readonly db: ProfilesDb;
  /** Where trained zoo models are cached, beside the DB. */
  readonly cacheDir: string;
  /** The service's profile call (pruning for latency profiles and measures its nets). */
  readonly profile: LabService['profile'];
}

export type SearchHooks<P> = SearchCallHooks<P>;

/**
 * A method's request, progress and result types. The built-in kinds have theirs in
 * `SearchMethodTypes` (app/api/search.ts); another method's request is its schema's, its
 * progress the run's stored points (what `withSearchRun` tells), its result a JSON object.
 */
export interface SearchTypes {
  request: Readonly<Record<string, unknown>>;
  progress: SearchProgressEvent;
  result: object;
}

/**
 * A search or compression method: its request spec (pure, zod and field meta) and its run.
 * One per method folder (`app/<kind>/method.ts`), listed once in `app/search-methods.ts`; the
 * CLI, the service, the server, the DB and the Search page pick it up from there.
 */
/** A new method's types from its request schema and its result: `SearchMethodDescriptor<'kind', SearchTypesOf<typeof schema, Result>>`. */
export interface SearchTypesOf<S extends z.ZodObject, R extends object> {
  request: RequestOf<S>;
  progress: SearchProgressEvent;
  result: R;
}

/** What any method's types have in common: the registry's view, whatever the kind. */
export interface AnySearchTypes {
  request: object;
  progress: unknown;
  result: unknown;
}

export interface SearchMethodDescriptor<K extends string = string, T extends AnySearchTypes = K extends SearchKind ? SearchMethodTypes[K] : string extends K ? AnySearchTypes : SearchTypes> {
  readonly request: SearchRequestSpec<K>;
  /** Runs a request the service has checked against the spec's schema. */
  run(ctx: SearchContext, req: T['request'], hooks: SearchHooks<T['progress']>): Promise<T['result']>;
}

export interface SearchRunHandle {
  readonly id: number;
  /** Stores the point and passes it to the job's listener. */
  progress(point: SearchProgressPoint): void;
  /** Passes a partial point (fractional `epoch`) to the listener only; `eta_s` where the caller knows it better. */
  tick(point: SearchProgressPoint, eta_s?: number): void;
}

export interface SearchRunOptions {
  readonly onProgress?: ((p: SearchProgressEvent) => void) | undefined;
}

/**
 * Seconds left of each phase from its pace: the time since the phase's first point over the
 * epochs (or steps) done since then.
 */
export function phaseClock(now: () => number = () => performance.now()): (point: SearchProgressPoint) => number | undefined {
  const starts = new Map<string, { t: number; epoch: number }>();
  return (point) => {
    const start = starts.get(point.phase);
    if (!start) {
      starts.set(point.phase, { t: now(), epoch: point.epoch });
      return undefined;
    }
    const moved = point.epoch - start.epoch;
    if (!(moved > 0)) return undefined;
    return Math.max(0, (((now() - start.t) / 1000) * (point.epochs - point.epoch)) / moved);
  };
}

/** Runs `body` as one recorded search run; its result (plain JSON) is stored as the run's outcome. */
export async function withSearchRun<T extends object>(db: ProfilesDb, kind: string, params: object, o: SearchRunOptions, body: (run: SearchRunHandle) => Promise<T>): Promise<T> {
  // Params and results cross JSON: a round trip drops undefined fields and class instances.
  const id = db.startSearchRun(kind, JSON.parse(JSON.stringify(params)) as Record<string, unknown>);
  const eta = phaseClock();
  const tell = (point: SearchProgressPoint, partial: boolean, given?: number): void => {
    // Every point sets the phase's clock, so a stored point after ticks has its pace too.
    const paced = eta(point);
    const eta_s = given ?? paced;
    o.onProgress?.({ run_id: id, point, ...(partial ? { partial } : {}), ...(eta_s !== undefined ? { eta_s } : {}) });
  };
  const run: SearchRunHandle = {
    id,
    progress: (point) => {
      db.appendSearchProgress(id, point);
      tell(point, false);
    },
    tick: (point, eta_s) => tell(point, true, eta_s),
  };
  return closingSearchRun(db, id, () => body(run));
}

/**
 * Closes run `id` with what `body` ends in: done with its result (plain JSON), canceled, or
 * failed with the error, which is thrown on. For a run opened elsewhere (NAS resumes one).
 */
export async function closingSearchRun<T extends object>(db: ProfilesDb, id: number, body: () => Promise<T>): Promise<T> {
  try {
    const result = await body();
    db.finishSearchRun(id, 'done', { result: JSON.parse(JSON.stringify(result)) as Record<string, unknown> });
    return result;
  } catch (e) {
    const canceled = e instanceof LabbenchError && e.code === 'CANCELED';
    db.finishSearchRun(id, canceled ? 'canceled' : 'failed', { error: e instanceof Error ? e.message : String(e) });
    throw e;
  }
}

/** A training call's in-epoch progress as ticks of `phase`: `epoch` counts epochs done, fractional, as the stored points count whole ones. */
export function trainTicks(run: SearchRunHandle, phase: string): (p: TrainProgress) => void {
  return (p) => run.tick({ phase, epoch: p.done, epochs: p.epochs, loss: p.loss }, p.eta_s);
}
