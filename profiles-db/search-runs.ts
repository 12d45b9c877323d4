/**
 * Search runs (NAS, pruning, quantization): created when a search starts, one progress
 * point appended per epoch in its own transaction, finished with a result or an error. The
 * checkpoint column holds the path of the run's checkpoint file, for resume.
 */
import type { SearchProgressPoint, SearchRunSummary, SearchStatus } from '../app/api/search.js';
import type { DbContext } from './db-context.js';

interface Row {
  id: number;
  kind: string;
  status: SearchStatus;
  created_at: string;
  updated_at: string;
  params: string;
  progress: string;
  result: string | null;
  error: string | null;
  checkpoint: string | null;
}

export interface StoredSearchRun extends SearchRunSummary {
  readonly checkpoint?: string;
}

function fromRow(r: Row): StoredSearchRun {
  return {
    id: r.id,
    kind: r.kind,
    status: r.status,
    created_at: r.created_at,
    updated_at: r.updated_at,
    params: JSON.parse(r.params) as Record<string, unknown>,
    progress: JSON.parse(r.progress) as SearchProgressPoint[],
    ...(r.result !== null ? { result: JSON.parse(r.result) as Record<string, unknown> } : {}),
    ...(r.error !== null ? { error: r.error } : {}),
    ...(r.checkpoint !== null ? { checkpoint: r.checkpoint } : {}),
  };
}

const COLUMNS = 'id, kind, status, created_at, updated_at, params, progress, result, error, checkpoint';

export function startSearchRun(ctx: DbContext, kind: string, params: Readonly<Record<string, unknown>>, checkpoint?: string): number {
  const now = ctx.now();
  return Number(
    ctx.db
      .prepare<[string, string, string, string, string | null]>(
        "INSERT INTO search_runs (kind, status, created_at, updated_at, params, checkpoint) VALUES (?, 'running', ?, ?, ?, ?)",
      )
      .run(kind, now, now, JSON.stringify(params), checkpoint ?? null).lastInsertRowid,
  );
}

export function appendSearchProgress(ctx: DbContext, id: number, point: SearchProgressPoint): void {
  ctx.db
    .prepare<[string, string, number]>('UPDATE search_runs SET progress = json_insert(progress, \'$[#]\', json(?)), updated_at = ? WHERE id = ?')
    .run(JSON.stringify(point), ctx.now(), id);
}

export function setSearchRunCheckpoint(ctx: DbContext, id: number, checkpoint: string): void {
  ctx.db.prepare<[string, number]>('UPDATE search_runs SET checkpoint = ? WHERE id = ?').run(checkpoint, id);
}

/** Back to 'running' for a resume from the run's checkpoint. */
export function reopenSearchRun(ctx: DbContext, id: number): void {
  ctx.db.prepare<[string, number]>("UPDATE search_runs SET status = 'running', error = NULL, updated_at = ? WHERE id = ?").run(ctx.now(), id);
}

export function finishSearchRun(ctx: DbContext, id: number, status: Exclude<SearchStatus, 'running'>, outcome: { result?: Readonly<Record<string, unknown>>; error?: string }): void {
  ctx.db
    .prepare<[string, string | null, string | null, string, number]>('UPDATE search_runs SET status = ?, result = ?, error = ?, updated_at = ? WHERE id = ?')
    .run(status, outcome.result ? JSON.stringify(outcome.result) : null, outcome.error ?? null, ctx.now(), id);
}

export function getSearchRun(ctx: DbContext, id: number): StoredSearchRun | undefined {
  const r = ctx.db.prepare<[number], Row>(`SELECT ${COLUMNS} FROM search_runs WHERE id = ?`).get(id);
  return r ? fromRow(r) : undefined;
}

export function listSearchRuns(ctx: DbContext, kind?: string): StoredSearchRun[] {
  const rows = kind
    ? ctx.db.prepare<[string], Row>(`SELECT ${COLUMNS} FROM search_runs WHERE kind = ? ORDER BY id DESC`).all(kind)
    : ctx.db.prepare<[], Row>(`SELECT ${COLUMNS} FROM search_runs ORDER BY id DESC`).all();
  return rows.map(fromRow);
}
