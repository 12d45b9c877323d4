/**
 * One kernel fit on this CPU (three sample networks, no extra round: the smallest fit that
 * runs), shared by the test files that need a fitted DB rather than the fit itself (the fit is
 * checked in test/kernels.test.ts and test/predict.test.ts). It is made once into a cache in
 * the temp folder, keyed by the content of the code that makes it and by this machine, and
 * each caller gets a copy of its own to write into. Changed code makes a fresh fit.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './cli-helpers.js';
import { LocalLabService } from '../app/lab-service.js';
import type { FitSummary } from '../app/api/predict.js';

/** The fit the copies hold. */
export const SHARED_FIT = { device: 'local', sample: 3, rounds: 0 } as const;

function sourceFiles(dir: string, out: string[]): string[] {
  for (const e of readdirSync(dir).sort()) {
    if (e === 'node_modules' || e.startsWith('.')) continue;
    const p = join(dir, e);
    if (statSync(p).isDirectory()) sourceFiles(p, out);
    else if (!e.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

/** What the fit depends on: the code that profiles, fits and stores it, the installed packages, this machine. */
function cacheKey(): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ fit: SHARED_FIT, node: process.version, host: hostname(), cpu: cpus()[0]?.model, n: cpus().length }));
  const files = ['app', 'profiles-db', 'native-runners'].flatMap((d) => sourceFiles(join(ROOT, d), []));
  for (const f of [...files, join(ROOT, 'package-lock.json')]) {
    h.update(f.slice(ROOT.length));
    h.update(existsSync(f) ? readFileSync(f) : '');
  }
  return h.digest('hex').slice(0, 24);
}

/**
 * Copies a DB holding SHARED_FIT's fit of `local` to `dest` and returns that fit's summary.
 * A cache missed (first use, changed code) fits now; two processes that miss at once both fit
 * and the last rename wins, each copy whole.
 */
export async function copyFittedDb(dest: string): Promise<FitSummary> {
  const cache = join(tmpdir(), 'labbench-test-cache');
  const dir = join(cache, `fit-${cacheKey()}`);
  const db = join(dir, 'fitted.db');
  const summary = join(dir, 'fit.json');
  if (!existsSync(db) || !existsSync(summary)) {
    // Fits of older code are left by a day: nothing reads them again.
    for (const e of existsSync(cache) ? readdirSync(cache) : []) {
      if (e.startsWith('fit-') && Date.now() - statSync(join(cache, e)).mtimeMs > 86_400_000) rmSync(join(cache, e), { recursive: true, force: true });
    }
    mkdirSync(dir, { recursive: true });
    const tmp = join(dir, `fitting-${process.pid}.db`);
    const svc = new LocalLabService(tmp);
    let fit: FitSummary;
    try {
      fit = await svc.fit({ ...SHARED_FIT });
    } finally {
      svc.close();
    }
    // Closed, the DB is whole in its one file (SQLite folds the WAL back in): that file is what is copied.
    if (existsSync(`${tmp}-wal`) && statSync(`${tmp}-wal`).size > 0) throw new Error(`${tmp}: the WAL was left after close`);
    rmSync(`${tmp}-wal`, { force: true });
    rmSync(`${tmp}-shm`, { force: true });
    const tmpJson = join(dir, `fit-${process.pid}.json`);
    writeFileSync(tmpJson, JSON.stringify(fit));
    renameSync(tmp, db);
    renameSync(tmpJson, summary);
  }
  copyFileSync(db, dest);
  return JSON.parse(readFileSync(summary, 'utf8')) as FitSummary;
}
