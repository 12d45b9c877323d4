/**
 * A local NVIDIA GPU as a meter: `nvidia-smi --query-gpu=power.draw --format=csv,noheader,nounits
 * -lms N -i GPU` runs for as long as the meter is open and each line is a reading, stamped with
 * its arrival on the host. nvidia-smi is looked for, not assumed: without it (no NVIDIA driver)
 * `start()` fails with DEVICE_UNAVAILABLE saying so, as it does when the GPU does not report
 * power (`[Not Supported]`) or nvidia-smi exits. The driver updates power.draw at its own rate
 * (often 10-50 Hz, averaged over up to a second on some boards), whatever -lms asks for.
 * Spec: `GPU:nvidia-smi[,ms=N]`, GPU an index (`0`, `gpu0`), UUID or PCI bus id.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { LabbenchError } from '../../api/errors.js';
import { hostNowMs } from '../clock.js';
import { MeterBase } from '../meter-base.js';
import { parsePowerDrawLine } from './decode.js';

export const NVIDIA_SMI = 'nvidia-smi';

export interface NvidiaSmiSpec {
  /** What `nvidia-smi -i` takes. */
  readonly gpu: string;
  readonly intervalMs: number;
  /** The executable (default `nvidia-smi` on PATH). */
  readonly command?: string;
}

export function parseNvidiaSmiSpec(spec: string): NvidiaSmiSpec {
  const bad = (why: string): LabbenchError => new LabbenchError('BAD_INPUT', `bad --meter '${spec}': ${why} (expected GPU:nvidia-smi[,ms=N], GPU an index like 0 or gpu0, a UUID or a PCI bus id)`);
  const m = /^(.+):nvidia-smi((?:,[^,]*)*)$/i.exec(spec.trim());
  const gpuRaw = m?.[1]?.trim() ?? '';
  if (!m || gpuRaw === '') throw bad('no GPU');
  if (!/^[A-Za-z0-9:._-]+$/.test(gpuRaw)) throw bad(`'${gpuRaw}' is not a GPU index, UUID or bus id`);
  const gpu = /^gpu\d+$/i.test(gpuRaw) ? gpuRaw.slice(3) : gpuRaw;
  let intervalMs = 100;
  for (const opt of m[2]!.split(',').slice(1)) {
    const [key = '', value = ''] = opt.split('=', 2).map((x) => x.trim());
    if (key !== 'ms') throw bad(`nvidia-smi takes ms, not '${key}'`);
    intervalMs = Number(value);
    if (value === '' || !Number.isInteger(intervalMs) || intervalMs < 10 || intervalMs > 60_000) throw bad(`ms=${value} is not a whole number of ms in [10, 60000]`);
  }
  return { gpu, intervalMs };
}

export class NvidiaSmiMeter extends MeterBase {
  readonly kind = NVIDIA_SMI;
  readonly path: string;
  private child: ChildProcess | undefined;
  private stderr = '';

  constructor(readonly spec: NvidiaSmiSpec) {
    super();
    this.path = `gpu${spec.gpu}`;
  }

  private describe(): string {
    return `nvidia-smi on GPU ${this.spec.gpu}`;
  }

  /** Starts nvidia-smi and resolves on its first reading; rejects when it is missing, exits, or gives no power. */
  async start(): Promise<void> {
    if (this.child) return;
    this.setState('starting');
    const cmd = this.spec.command ?? 'nvidia-smi';
    const args = ['--query-gpu=power.draw', '--format=csv,noheader,nounits', '-lms', String(this.spec.intervalMs), '-i', this.spec.gpu];
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    child.stderr!.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-2000)));
    let settle: ((err?: LabbenchError) => void) | undefined;
    const first = new Promise<void>((resolve, reject) => {
      settle = (err) => {
        settle = undefined;
        if (err) reject(err);
        else resolve();
      };
    });
    const fail = (err: LabbenchError): void => {
      if (settle) settle(err);
      else this.lost(err);
    };
    child.on('error', (e: NodeJS.ErrnoException) => {
      fail(e.code === 'ENOENT'
        ? new LabbenchError('DEVICE_UNAVAILABLE', `${cmd} not found on PATH: this machine has no NVIDIA driver, so GPU power cannot be read (--meter ${this.spec.gpu}:nvidia-smi)`)
        : new LabbenchError('DEVICE_UNAVAILABLE', `${this.describe()}: cannot start ${cmd}: ${e.message}`));
    });
    // 'close', not 'exit': stderr is read to its end first.
    child.on('close', (code, signal) => {
      if (this.closed) return;
      const why = this.stderr.trim() || `exit ${code ?? signal}`;
      fail(new LabbenchError('DEVICE_UNAVAILABLE', `${this.describe()}: nvidia-smi stopped (${why.split('\n').slice(-3).join(' ')})`));
    });
    let unsupported = 0;
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const r = parsePowerDrawLine(line);
      if (!r) return;
      if ('drop' in r) {
        this.drop(r.drop);
        // A board that never reports power will not start to: say so rather than wait.
        if (r.drop === 'not-supported' && ++unsupported >= 3 && this.st.samples === 0) {
          fail(new LabbenchError('DEVICE_UNAVAILABLE', `${this.describe()}: this GPU does not report power.draw ([Not Supported])`));
          void this.close();
        }
        return;
      }
      this.emitSample({ t_ms: hostNowMs(), watts: r.watts });
      settle?.();
    });
    const timeout = setTimeout(() => fail(new LabbenchError('DEVICE_UNAVAILABLE', `${this.describe()}: no power reading in 10 s`)), 10_000);
    try {
      await first;
    } catch (e) {
      await this.close();
      throw e;
    } finally {
      clearTimeout(timeout);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.setState('closed');
    const child = this.child;
    if (child && child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      const gone = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      await Promise.race([gone, new Promise((r) => setTimeout(r, 2000))]);
    }
  }
}
