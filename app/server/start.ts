/**
 * `npm start`: the desktop app where Electron is installed (its binary downloaded), else
 * `labbench serve` for a browser, which prints the URL to open. Builds what is stale first:
 * the renderer, and the shell's bundle (dist/electron) for Electron.
 * Extra arguments go to `labbench serve` (e.g. `npm start -- --port 8080`).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { buildRenderer } from './renderer-build.js';

const ROOT = resolve(import.meta.dirname, '..', '..');

/** The Electron binary's path, or why there is none (the package is optional; CI skips its download). */
function electronBinary(): { path: string } | { missing: string } {
  try {
    // The electron package's main export is the path of its binary; it throws when the download was skipped.
    const path = createRequire(import.meta.url)('electron') as unknown;
    if (typeof path === 'string' && existsSync(path)) return { path };
    return { missing: 'its binary is not downloaded' };
  } catch (e) {
    return { missing: (e as Error).message.split('\n')[0] ?? 'not installed' };
  }
}

function run(cmd: string, args: readonly string[]): Promise<number> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: 'inherit' });
    child.once('error', reject);
    child.once('exit', (code, signal) => resolveRun(code ?? (signal ? 130 : 1)));
    // Ctrl-C reaches the child through the terminal's process group; wait for it to finish.
    process.on('SIGINT', () => undefined);
  });
}

await buildRenderer();
const electron = electronBinary();
if ('path' in electron) {
  const esbuild = join(ROOT, 'node_modules', 'esbuild', 'bin', 'esbuild');
  const bundle = await run(process.execPath, [esbuild, 'app/main.ts', '--bundle', '--platform=node', '--format=esm', '--packages=external', '--outfile=dist/electron/main.mjs', '--log-level=warning']);
  const preload = bundle === 0 ? await run(process.execPath, [esbuild, 'app/preload.ts', '--bundle', '--platform=node', '--format=cjs', '--external:electron', '--outfile=dist/electron/preload.cjs', '--log-level=warning']) : bundle;
  process.exitCode = preload === 0 ? await run(electron.path, ['dist/electron/main.mjs']) : preload;
} else {
  process.stderr.write(`Electron is not available here (${electron.missing}): serving the UI for a browser instead.\n`);
  process.exitCode = await run(process.execPath, [join(ROOT, 'bin', 'labbench.js'), 'serve', ...process.argv.slice(2)]);
}
