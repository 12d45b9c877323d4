/**
 * Builds the renderer (vite build) for the UI tests when renderer/dist is missing or older
 * than its sources, so a fresh clone's `npm test` needs no extra step. Asynchronous: the
 * tests host an emulated phone in this process.
 */
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../cli-helpers.js';

function newest(path: string): number {
  const s = statSync(path, { throwIfNoEntry: false });
  if (!s) return 0;
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(s.mtimeMs, ...readdirSync(path).map((e) => newest(join(path, e))));
}

export async function buildRenderer(): Promise<void> {
  const built = newest(join(ROOT, 'renderer', 'dist', 'index.html'));
  const sources = Math.max(...['renderer/src', 'renderer/index.html', 'renderer/vite.config.ts', 'app/ipc/protocol.ts'].map((p) => newest(join(ROOT, p))));
  if (built > sources) return;
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'renderer/vite.config.ts', '--logLevel', 'warn'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`vite build exited ${code}`))));
  });
}
