/** Single-Path NAS as a search method (see app/search-methods.ts). */
import { NAS_REQUEST } from '../api/search-requests.js';
import type { SearchMethodDescriptor } from '../search-run.js';

export const nasMethod: SearchMethodDescriptor<'nas'> = {
  request: NAS_REQUEST,
  // The run's code (the supernet, tfjs) loads when a search runs: the registry's readers (CLI help, the service's other calls) need only the request.
  run: async (ctx, req, hooks) => (await import('./nas-job.js')).runNas(ctx.db, req, hooks),
};
