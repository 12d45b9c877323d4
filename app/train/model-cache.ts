/** Where trained zoo models are cached: beside the DB. Apart from trained.ts so the service names the folder without loading the training code. */
import { dirname, join } from 'node:path';

export function modelCacheDir(dbPath: string): string {
  return join(dirname(dbPath), 'models');
}
