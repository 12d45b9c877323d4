/**
 * The bench's one way into a phone: @devicefarmer/adbkit against an adb server (the user's
 * on 5037, or `ANDROID_ADB_SERVER_PORT`, as adb itself reads it). Commands go as argv
 * arrays, quoted here once, never as strings built by callers. A phone that goes away
 * becomes DEVICE_UNAVAILABLE, which profiling jobs treat as a pause.
 */
import { Readable } from 'node:stream';
import adbkit from '@devicefarmer/adbkit';
import { LabbenchError } from '../../api/errors.js';
import { shellQuote } from '../../../native-runners/android-tflite/argv.js';

// adbkit is CommonJS: ESM sees its exports object as the default import.
const { Adb } = adbkit;

export type AdbClient = InstanceType<typeof adbkit.Client>;

export function adbServerPort(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env.ANDROID_ADB_SERVER_PORT);
  return Number.isInteger(v) && v > 0 ? v : 5037;
}

export function createAdbClient(port = adbServerPort()): AdbClient {
  return Adb.createClient({ host: '127.0.0.1', port });
}

const GONE = /not found|offline|ECONNRESET|EPIPE|closed|Premature|unauthorized|no devices|device still connecting/i;

/** Maps adbkit's failures to coded errors: a vanished phone is DEVICE_UNAVAILABLE. */
export function adbError(serial: string, e: unknown): LabbenchError {
  if (e instanceof LabbenchError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  if ((e as NodeJS.ErrnoException).code === 'ECONNREFUSED') {
    return new LabbenchError('DEVICE_UNAVAILABLE', `no adb server answers on port ${adbServerPort()} (start one with 'adb start-server')`, { cause: e });
  }
  if (GONE.test(msg)) return new LabbenchError('DEVICE_UNAVAILABLE', `${serial}: phone unavailable (${msg})`, { cause: e });
  return new LabbenchError('RUNNER_FAILED', `${serial}: adb failed: ${msg}`, { cause: e });
}

export interface ShellResult {
  readonly stdout: string;
  readonly exitCode: number;
}

const RC_MARK = '__LABBENCH_RC=';

/**
 * Runs an argv on the phone through `adb shell` and returns stdout and the exit status
 * (plain `shell:` carries none, so the command echoes it after a marker).
 */
export async function shell(client: AdbClient, serial: string, argv: readonly string[], opts: { timeoutMs?: number; raw?: string } = {}): Promise<ShellResult> {
  const line = `${opts.raw ?? shellQuote([...argv])} 2>&1; echo "${RC_MARK}$?"`;
  let timer: NodeJS.Timeout | undefined;
  try {
    const run = (async () => {
      const stream = await client.getDevice(serial).shell(line);
      const buf = await Adb.util.readAll(stream);
      return buf.toString('utf8');
    })();
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new LabbenchError('DEVICE_UNAVAILABLE', `${serial}: no answer to '${argv[0] ?? opts.raw}' within ${opts.timeoutMs} ms`)), opts.timeoutMs ?? 120_000);
    });
    const out = await Promise.race([run, timeout]);
    const at = out.lastIndexOf(RC_MARK);
    if (at < 0) throw new LabbenchError('DEVICE_UNAVAILABLE', `${serial}: the shell ended before '${argv[0] ?? ''}' finished (phone unplugged?)`);
    return { stdout: out.slice(0, at).replace(/\r\n/g, '\n'), exitCode: Number(out.slice(at + RC_MARK.length).trim()) };
  } catch (e) {
    throw adbError(serial, e);
  } finally {
    if (timer) clearTimeout(timer);
  }
}

/** Pushes bytes to a path on the phone (adb sync), resolving when the phone has them. */
export async function push(client: AdbClient, serial: string, bytes: Uint8Array, path: string, mode = 0o644): Promise<void> {
  try {
    const transfer = await client.getDevice(serial).push(Readable.from([Buffer.from(bytes)]), path, mode);
    await new Promise<void>((resolve, reject) => {
      transfer.on('end', () => resolve());
      transfer.on('error', reject);
    });
  } catch (e) {
    throw adbError(serial, e);
  }
}

export async function pushFile(client: AdbClient, serial: string, hostPath: string, path: string, mode = 0o755): Promise<void> {
  try {
    const transfer = await client.getDevice(serial).push(hostPath, path, mode);
    await new Promise<void>((resolve, reject) => {
      transfer.on('end', () => resolve());
      transfer.on('error', reject);
    });
  } catch (e) {
    throw adbError(serial, e);
  }
}

/** Serials and states the adb server knows now. */
export async function listPhones(client: AdbClient): Promise<{ id: string; type: string }[]> {
  try {
    return (await client.listDevices()).map((d: { id: string; type: string }) => ({ id: d.id, type: d.type }));
  } catch (e) {
    throw adbError('adb', e);
  }
}

/** `host:port` of a phone joined over TCP (`adb connect`); undefined for a USB serial. */
export function tcpSerial(serial: string): { host: string; port: number } | undefined {
  const m = /^([^:\s]+):(\d{1,5})$/.exec(serial);
  return m ? { host: m[1]!, port: Number(m[2]) } : undefined;
}

export async function connectPhone(client: AdbClient, hostPort: string): Promise<string> {
  const tcp = tcpSerial(hostPort);
  if (!tcp) throw new LabbenchError('BAD_INPUT', `expected HOST:PORT, got '${hostPort}'`);
  try {
    return await client.connect(tcp.host, tcp.port);
  } catch (e) {
    throw new LabbenchError('DEVICE_UNAVAILABLE', `adb connect ${hostPort} failed: ${(e as Error).message}`, { cause: e });
  }
}

/** `adb disconnect` then `adb connect` for a TCP phone; failures are left to the caller's polling. */
export async function redial(client: AdbClient, hostPort: string): Promise<void> {
  const tcp = tcpSerial(hostPort);
  if (!tcp) return;
  await client.disconnect(tcp.host, tcp.port).catch(() => undefined);
  await client.connect(tcp.host, tcp.port).catch(() => undefined);
}
