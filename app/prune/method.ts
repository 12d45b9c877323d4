/** LeGR pruning as a search method (see app/search-methods.ts). */
import { PRUNE_REQUEST } from '../api/search-requests.js';
import type { SearchMethodDescriptor } from '../search-run.js';
import { deviceLatency } from './latency.js';
import { runPrune } from './legr.js';

export const pruneMethod: SearchMethodDescriptor<'prune'> = {
  request: PRUNE_REQUEST,
  run: (ctx, req, hooks) => {
    const latency = req.device ? deviceLatency(ctx.db, req.device, ctx.profile) : undefined;
    return runPrune(req, { db: ctx.db, cacheDir: ctx.cacheDir, ...(latency ? { latency } : {}), ...hooks });
  },
};
