/**
 * A search job's row in the profiles DB (NAS, pruning, quantization): opened before the work,
 * every progress point appended as it happens (the UI and `--json` readers replay it), and
 * closed as done with the result, canceled, or failed with the error, whatever the job threw.
 */
import { LabbenchError } from './api/errors.js';
import type { SearchKind, SearchProgressPoint } from './api/search.js';
import type { ProfilesDb } from '../profiles-db/profiles-db.js';

export interface SearchRunHandle {
  readonly id: number;
  /** Stores the point and passes it to the job's listener. */
  progress(point: SearchProgressPoint): void;
}

export interface SearchRunOptions {
  readonly onProgress?: ((p: { run_id: number; point: SearchProgressPoint }) => void) | undefined;
}

/** Runs `body` as one recorded search run; its result (plain JSON) is stored as the run's outcome. */
export async function withSearchRun<T extends object>(db: ProfilesDb, kind: SearchKind, params: object, o: SearchRunOptions, body: (run: SearchRunHandle) => Promise<T>): Promise<T> {
  // Params and results cross JSON: a round trip drops undefined fields and class instances.
  const id = db.startSearchRun(kind, JSON.parse(JSON.stringify(params)) as Record<string, unknown>);
  const run: SearchRunHandle = {
    id,
    progress: (point) => {
      db.appendSearchProgress(id, point);
      o.onProgress?.({ run_id: id, point });
    },
  };
  try {
    const result = await body(run);
    db.finishSearchRun(id, 'done', { result: JSON.parse(JSON.stringify(result)) as Record<string, unknown> });
    return result;
  } catch (e) {
    const canceled = e instanceof LabbenchError && e.code === 'CANCELED';
    db.finishSearchRun(id, canceled ? 'canceled' : 'failed', { error: e instanceof Error ? e.message : String(e) });
    throw e;
  }
}
