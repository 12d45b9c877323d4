/**
 * Debian's real `adb` server for integration tests: on a free port, with HOME in a temp
 * folder (the server writes its key and a port file there), stopped after the test.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface AdbServer {
  readonly port: number;
  readonly env: NodeJS.ProcessEnv;
  /** Runs the adb client against this server (`connect`, `devices`, ...). */
  adb(args: readonly string[]): { status: number | null; stdout: string; stderr: string };
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Whether something listens on the loopback port. */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect(port, '127.0.0.1');
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

/** `allInterfaces`: listen on every interface (`adb -a`), as a phone farm's server does for other hosts. */
export async function startAdbServer(opts: { allInterfaces?: boolean } = {}): Promise<AdbServer> {
  const home = mkdtempSync(join(tmpdir(), 'labbench-adb-home-'));
  // Keep clear of 5555-5585, which a fresh server scans for emulators by itself.
  let port = await freePort();
  while (port >= 5555 && port <= 5585) port = await freePort();
  const env = { ...process.env, HOME: home, ANDROID_ADB_SERVER_PORT: String(port) };
  const child: ChildProcess = spawn('adb', [...(opts.allInterfaces ? ['-a'] : []), '-P', String(port), 'server', 'nodaemon'], { env, stdio: 'ignore' });
  const deadline = Date.now() + 10_000;
  while (!(await accepts(port))) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`adb server did not start on port ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    env,
    adb: (args) => {
      const r = spawnSync('adb', ['-P', String(port), ...args], { env, encoding: 'utf8', timeout: 30_000 });
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    },
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      rmSync(home, { recursive: true, force: true });
    },
  };
}
