/** Single-Path NAS as a search method (see app/search-methods.ts). */
import { NAS_REQUEST } from '../api/search-requests.js';
import type { SearchMethodDescriptor } from '../search-run.js';
import { runNas } from './nas-job.js';

export const nasMethod: SearchMethodDescriptor<'nas'> = {
  request: NAS_REQUEST,
  run: (ctx, req, hooks) => runNas(ctx.db, req, hooks),
};
