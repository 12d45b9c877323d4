/**
 * The Search page's start forms, built from the lab's search methods (`search.methods`): a
 * form's starting values and its values as a request, and a search job's progress in one shape
 * whatever the method reports (NAS: epochs of the whole run; the others: epochs of a phase).
 */
import type { SearchField, SearchMethodInfo } from '../../../app/api/search-method.js';
import type { SearchJobInfo } from '../../../app/ipc/protocol.js';

export type FormValue = string | number | boolean | null | undefined;
export type FormValues = Record<string, FormValue>;

/** Fields a form shows at once (the rest fold under "more"): what must be given and what starts with a value. */
export function primaryFields(m: SearchMethodInfo): SearchField[] {
  return m.fields.filter((f) => f.required || f.uiRequired || f.initial !== undefined);
}

export function secondaryFields(m: SearchMethodInfo): SearchField[] {
  const primary = new Set(primaryFields(m));
  return m.fields.filter((f) => !primary.has(f));
}

export function initialValues(m: SearchMethodInfo): FormValues {
  return Object.fromEntries(m.fields.map((f) => [f.key, f.initial ?? (f.type === 'boolean' ? false : '')]));
}

const list = (v: FormValue): string[] =>
  String(v ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

/** The form's values as the method's request: empty fields left out (the service's defaults apply), lists split at commas. */
export function formRequest(m: SearchMethodInfo, values: FormValues): Record<string, unknown> {
  const req: Record<string, unknown> = {};
  for (const f of m.fields) {
    const v = values[f.key];
    if (v === undefined || v === null || v === '') continue;
    if (f.type === 'boolean') {
      if (v === true) req[f.key] = true;
    } else if (f.type === 'int' || f.type === 'number') req[f.key] = Number(v);
    else if (f.type === 'numbers') req[f.key] = list(v).map(Number);
    else if (f.type === 'choices') req[f.key] = list(v);
    else req[f.key] = String(v);
  }
  return req;
}

export interface JobProgressView {
  readonly pct: number;
  readonly text: string;
  readonly run_id?: number;
  readonly phase?: string;
  readonly eta_s?: number;
  /** The event carries a point the DB keeps (an epoch ended): the run's plots change. */
  readonly stored: boolean;
}

export function jobProgress(job: SearchJobInfo): JobProgressView {
  const p = job.progress;
  const done = job.status === 'done' ? 100 : 0;
  if (!p) return { pct: done, text: 'loading data…', stored: false };
  const eta = p.eta_s !== undefined ? { eta_s: p.eta_s } : {};
  if ('done' in p) {
    const pct = p.total ? (100 * p.done) / p.total : done;
    return { pct, text: `${p.done.toFixed(1)} / ${p.total} epochs`, run_id: p.run_id, phase: p.phase, ...eta, stored: p.point !== undefined };
  }
  const pct = p.point.epochs ? (100 * p.point.epoch) / p.point.epochs : done;
  return { pct, text: `${p.point.phase} ${p.point.epoch.toFixed(1)} / ${p.point.epochs}`, run_id: p.run_id, phase: p.point.phase, ...eta, stored: !p.partial };
}
