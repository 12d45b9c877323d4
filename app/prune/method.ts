/** LeGR pruning as a search method (see app/search-methods.ts). */
import { PRUNE_REQUEST } from '../api/search-requests.js';
import type { SearchMethodDescriptor } from '../search-run.js';

export const pruneMethod: SearchMethodDescriptor<'prune'> = {
  request: PRUNE_REQUEST,
  // The run's code (training, tfjs) loads when a run starts, not with the registry (see app/nas/method.ts).
  run: async (ctx, req, hooks) => {
    const [{ deviceLatency }, { runPrune }] = await Promise.all([import('./latency.js'), import('./legr.js')]);
    const latency = req.device ? deviceLatency(ctx.db, req.device, ctx.profile) : undefined;
    return runPrune(req, { db: ctx.db, cacheDir: ctx.cacheDir, ...(latency ? { latency } : {}), ...hooks });
  },
};
