// Starts Debian's real `adb` server for a test or a script: `adb -P PORT server nodaemon`
// with HOME in a temp dir (the server writes ~/.android/adbkey there), on a free port
// outside 5037 and 5555-5585. `stop()` kills that process by its PID, nothing else.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface AdbServer {
  port: number;
  home: string;
  /** Runs the adb CLI against this server; never rejects. */
  cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  stop(): Promise<void>;
}

/** A TCP port nobody listens on now (and not in adb's emulator scan range). */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = net.createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => {
        const a = s.address();
        const p = a && typeof a === 'object' ? a.port : 0;
        s.close(() => resolve(p));
      });
    });
    if (port !== 5037 && (port < 5554 || port > 5586)) return port;
  }
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export function adbCli(port: number, home: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('adb', ['-P', String(port), ...args], { env: { ...process.env, HOME: home }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Starts `adb -P <port> server nodaemon` and waits until it accepts connections. */
export async function startAdbServer(opts: { port?: number; home?: string } = {}): Promise<AdbServer> {
  const port = opts.port ?? (await freePort());
  const ownHome = opts.home === undefined;
  const home = opts.home ?? mkdtempSync(join(tmpdir(), 'labbench-adb-'));
  const child: ChildProcess = spawn('adb', ['-P', String(port), 'server', 'nodaemon'], {
    env: { ...process.env, HOME: home },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr?.on('data', (d: Buffer) => {
    log += d.toString('utf8');
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 10_000;
  while (!(await isListening(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`adb server did not start on port ${port}: ${log.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    home,
    cli: (...args: string[]) => adbCli(port, home, args),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 2000);
        await exited;
        clearTimeout(t);
      }
      if (ownHome) rmSync(home, { recursive: true, force: true });
    },
  };
}
