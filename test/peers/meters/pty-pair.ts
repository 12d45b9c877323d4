// A socat pty pair: `ttyHost` for the bench, `ttyMeter` for the emulator. Killing socat is
// the unplug: both ends see their port close, and the links go away.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export class PtyPair {
  readonly hostPath: string;
  readonly meterPath: string;
  private proc: ChildProcess | undefined;

  constructor(readonly dir: string) {
    this.hostPath = join(dir, 'ttyHost');
    this.meterPath = join(dir, 'ttyMeter');
  }

  get running(): boolean {
    return this.proc !== undefined && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  async start(timeoutMs = 5000): Promise<void> {
    // Links left by a socat that was SIGKILLed would fool the wait below.
    rmSync(this.hostPath, { force: true });
    rmSync(this.meterPath, { force: true });
    const proc = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${this.hostPath}`, `pty,raw,echo=0,link=${this.meterPath}`], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.proc = proc;
    let stderr = '';
    proc.stderr?.on('data', (d: Buffer) => {
      if (stderr.length < 4000) stderr += d.toString();
    });
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    const started = Date.now();
    for (;;) {
      if (existsSync(this.hostPath) && existsSync(this.meterPath)) return;
      if (!this.running) throw new Error(`socat exited before making the pty pair: ${stderr.trim()}`);
      if (Date.now() - started > timeoutMs) {
        proc.kill('SIGKILL');
        await exited;
        throw new Error(`socat made no pty pair in ${timeoutMs} ms: ${stderr.trim()}`);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Ends socat (SIGTERM, then SIGKILL after 1 s) and removes the links. */
  async kill(): Promise<void> {
    const proc = this.proc;
    this.proc = undefined;
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 1000);
      await exited;
      clearTimeout(t);
    }
    rmSync(this.hostPath, { force: true });
    rmSync(this.meterPath, { force: true });
  }
}
