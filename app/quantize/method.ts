/** LightNN quantization-aware training as a search method (see app/search-methods.ts). */
import { QUANTIZE_REQUEST } from '../api/search-requests.js';
import type { SearchMethodDescriptor } from '../search-run.js';
import { runQuantize } from './lightnn.js';

export const quantizeMethod: SearchMethodDescriptor<'quantize'> = {
  request: QUANTIZE_REQUEST,
  run: (ctx, req, hooks) => runQuantize(req, { db: ctx.db, cacheDir: ctx.cacheDir, ...hooks }),
};
