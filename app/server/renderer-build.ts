/**
 * Builds the renderer (vite build into renderer/dist) when it is missing or older than its
 * sources, so `npm start` and the UI tests work on a fresh clone with no extra step.
 * Asynchronous: the UI tests host an emulated phone in the calling process.
 */
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..');

function newest(path: string): number {
  const s = statSync(path, { throwIfNoEntry: false });
  if (!s) return 0;
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(s.mtimeMs, ...readdirSync(path).map((e) => newest(join(path, e))));
}

export function rendererStale(): boolean {
  const built = newest(join(ROOT, 'renderer', 'dist', 'index.html'));
  const sources = Math.max(...['renderer/src', 'renderer/index.html', 'renderer/vite.config.ts', 'app/ipc/protocol.ts'].map((p) => newest(join(ROOT, p))));
  return built <= sources;
}

export async function buildRenderer(opts: { force?: boolean } = {}): Promise<void> {
  if (!opts.force && !rendererStale()) return;
  await new Promise<void>((resolveBuild, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'renderer/vite.config.ts', '--logLevel', 'warn'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolveBuild() : reject(new Error(`vite build exited ${code}`))));
  });
}
