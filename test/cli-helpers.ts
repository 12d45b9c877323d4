/**
 * Runs the real `labbench` command (bin/labbench.js, as `npx labbench` does) in a child
 * process, with its own temp folder, for the end-to-end CLI tests.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(fileURLToPath(import.meta.url), '..', '..');
export const BIN = join(ROOT, 'bin', 'labbench.js');

export interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function labbench(args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): CliRun {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, ...opts.env },
    encoding: 'utf8',
    timeout: 300_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * The same command line run in this process (runCli, what bin/labbench.js runs once its modules
 * are loaded), for input the command refuses before doing any work: a child would spend seconds
 * loading every module to print one line. The status is the one the command exits with; the
 * child's own exit path is checked in test/cli.test.ts.
 */
export async function labbenchHere(args: readonly string[]): Promise<CliRun> {
  const { runCli } = await import('../app/cli/program.js');
  let stdout = '';
  let stderr = '';
  const status = await runCli(args, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) });
  return { status, stdout, stderr };
}

export function labbenchAsync(args: readonly string[], opts: { cwd?: string } = {}): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
}

export function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'labbench-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The public Pixel 1 LUT, in the shared data folder beside the checkout (CI lays it there). */
export function pixel1LutPath(): string {
  const p = process.env.LABBENCH_SHARED_DATA
    ? join(process.env.LABBENCH_SHARED_DATA, 'pixel1-single-path-nas-lut.json')
    : join(ROOT, '..', 'shared', 'data', 'pixel1-single-path-nas-lut.json');
  if (!existsSync(p)) throw new Error(`${p} is missing: the tests read the public Pixel 1 LUT from ../shared/data (or $LABBENCH_SHARED_DATA)`);
  return p;
}

/** Small, fast profiling settings: the tests check the path, `npm run bench` the figures. */
export const QUICK = ['--runs', '5', '--max-runs', '10', '--warmup', '1', '--max-seconds', '0.3'];

/**
 * The CLI without blocking this process: tests that host an emulated phone in process must
 * keep its event loop running while the command talks to it.
 */
export function labbenchAsyncRun(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
