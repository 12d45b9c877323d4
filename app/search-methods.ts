/**
 * Every search or compression method of the bench: one folder each (`app/<kind>/method.ts`,
 * its request spec in app/api/search-requests.ts), one line here. The service runs them, the
 * server accepts their jobs and describes them (`search.methods`), the Search page builds a
 * form per method, and the CLI builds its options from their fields. A test fails when a
 * folder with a `method.ts` is not listed.
 */
import type { SearchKind } from './api/search.js';
import { LabbenchError } from './api/errors.js';
import type { SearchMethodDescriptor } from './search-run.js';
import { nasMethod } from './nas/method.js';
import { pruneMethod } from './prune/method.js';
import { quantizeMethod } from './quantize/method.js';

export const SEARCH_METHODS: readonly SearchMethodDescriptor[] = [nasMethod, pruneMethod, quantizeMethod];

/** Kinds no search method may take: the jobs the server runs besides searches. */
export const RESERVED_KINDS: readonly string[] = ['profile', 'fit'];

/**
 * The method of `kind` among `methods` (the registered ones unless a test lends others);
 * BAD_INPUT listing the kinds for one that is not there.
 */
export function searchMethod<K extends SearchKind>(kind: K, methods?: readonly SearchMethodDescriptor[]): SearchMethodDescriptor<K>;
export function searchMethod(kind: string, methods?: readonly SearchMethodDescriptor[]): SearchMethodDescriptor;
export function searchMethod(kind: string, methods: readonly SearchMethodDescriptor[] = SEARCH_METHODS): SearchMethodDescriptor {
  const m = methods.find((d) => d.request.kind === kind);
  if (!m) throw new LabbenchError('BAD_INPUT', `no search method '${kind}' (${methods.map((d) => d.request.kind).join(', ')})`);
  return m;
}
