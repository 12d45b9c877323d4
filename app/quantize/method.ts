/** LightNN quantization-aware training as a search method (see app/search-methods.ts). */
import { QUANTIZE_REQUEST } from '../api/search-requests.js';
import type { SearchMethodDescriptor } from '../search-run.js';

export const quantizeMethod: SearchMethodDescriptor<'quantize'> = {
  request: QUANTIZE_REQUEST,
  // The run's code (training, tfjs) loads when a run starts, not with the registry (see app/nas/method.ts).
  run: async (ctx, req, hooks) => (await import('./lightnn.js')).runQuantize(req, { db: ctx.db, cacheDir: ctx.cacheDir, ...hooks }),
};
