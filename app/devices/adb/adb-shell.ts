/**
 * The bench's one way into a phone: @devicefarmer/adbkit against an adb server (the user's
 * on 5037, or the one `ADB_SERVER_SOCKET` / ANDROID_ADB_SERVER_ADDRESS / _PORT name, as adb
 * itself reads them: adb-server-address.ts), on this host or another. Commands go as argv
 * arrays, quoted here once, never as strings built by callers. A phone that goes away
 * becomes DEVICE_UNAVAILABLE, which profiling jobs treat as a pause.
 */
import { Readable } from 'node:stream';
import adbkit from '@devicefarmer/adbkit';
import { LabbenchError } from '../../api/errors.js';
import { shellQuote } from './shell-quote.js';
import { adbServerAddress, formatAdbServer, isLocalAdbServer, type AdbServerAddress } from './adb-server-address.js';

// adbkit is CommonJS: ESM sees its exports object as the default import.
const { Adb } = adbkit;

export type AdbClient = InstanceType<typeof adbkit.Client>;

/** A client of the server this process is pointed at (or of a local server on `port`, for tests). */
export function createAdbClient(server: number | AdbServerAddress = adbServerAddress()): AdbClient {
  const a = typeof server === 'number' ? { host: '127.0.0.1', port: server } : server;
  // adbkit starts `adb start-server` on this machine when the server refuses; adb does so only
  // for a local server, so for another host's the program it would run is one that is not there.
  const bin = isLocalAdbServer(a) ? {} : { bin: NO_LOCAL_SERVER_BIN };
  // adb's default server listens on IPv4 loopback; `localhost` may resolve to ::1 first.
  return Adb.createClient({ host: a.host === 'localhost' ? '127.0.0.1' : a.host, port: a.port, ...bin });
}

/** What adbkit is told to run to start a server that is another host's: nothing by that name exists. */
const NO_LOCAL_SERVER_BIN = 'labbench-never-starts-a-remote-adb-server';

const GONE = /not found|offline|ECONNRESET|EPIPE|closed|Premature|unauthorized|no devices|device still connecting/i;

/** Maps adbkit's failures to coded errors: a vanished phone is DEVICE_UNAVAILABLE. */
export function adbError(serial: string, e: unknown): LabbenchError {
  if (e instanceof LabbenchError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  const errno = e as NodeJS.ErrnoException;
  // Refused, then starting a local server failed (no `adb` here, or the server is another host's).
  if (errno.code === 'ECONNREFUSED' || (errno.code === 'ENOENT' && errno.syscall?.startsWith('spawn'))) {
    const a = adbServerAddress();
    const hint = isLocalAdbServer(a) ? "start one with 'adb start-server'" : `from ${a.source}; is the server there listening on all interfaces ('adb -a')?`;
    return new LabbenchError('DEVICE_UNAVAILABLE', `no adb server answers at ${formatAdbServer(a)} (${hint})`, { cause: e });
  }
  if (GONE.test(msg)) return new LabbenchError('DEVICE_UNAVAILABLE', `${serial}: phone unavailable (${msg})`, { cause: e });
  return new LabbenchError('RUNNER_FAILED', `${serial}: adb failed: ${msg}`, { cause: e });
}

export interface ShellResult {
  readonly stdout: string;
  readonly exitCode: number;
  /** With `trackPid`: the pid the command ran as on the phone. */
  readonly pid?: number;
}

const RC_MARK = '__LABBENCH_RC=';
const PID_MARK = '__LABBENCH_PID=';
const DEFAULT_TIMEOUT_MS = 120_000;

/**
 * A command that gave no result in time while the phone stayed listed: it hangs on the phone.
 * The session is closed; `output` is what it printed, `pid` its pid where `trackPid` asked for it.
 */
export class ShellTimeoutError extends LabbenchError {
  override readonly name = 'ShellTimeoutError';
  constructor(
    serial: string,
    what: string,
    readonly timeoutMs: number,
    readonly output: string,
    readonly pid: number | undefined,
  ) {
    super('RUNNER_FAILED', `${serial}: no result from '${what}' within ${timeoutMs} ms`);
  }
}

/** Splits the pid line (trackPid) off the output. */
function takePid(out: string): { text: string; pid: number | undefined } {
  const m = new RegExp(`^${PID_MARK}(\\d+)\\r?\\n`).exec(out);
  return m ? { text: out.slice(m[0].length), pid: Number(m[1]) } : { text: out, pid: undefined };
}

async function listed(client: AdbClient, serial: string): Promise<boolean> {
  return (await listPhones(client)).some((p) => p.id === serial && p.type === 'device');
}

/**
 * Runs an argv on the phone through `adb shell` and returns stdout and the exit status
 * (plain `shell:` carries none, so the command echoes it after a marker). `trackPid` runs it
 * as `sh -c 'echo PID; exec ARGV'`, so that its pid is known before it can hang.
 * Past `timeoutMs` the session is closed: a phone no longer listed is DEVICE_UNAVAILABLE, one
 * still listed a ShellTimeoutError (the command hangs there; it may still run).
 */
export async function shell(client: AdbClient, serial: string, argv: readonly string[], opts: { timeoutMs?: number; raw?: string; trackPid?: boolean } = {}): Promise<ShellResult> {
  const command = opts.raw ?? shellQuote([...argv]);
  const body = opts.trackPid ? shellQuote(['sh', '-c', `echo ${PID_MARK}$$; exec ${command}`]) : command;
  const line = `${body} 2>&1; echo "${RC_MARK}$?"`;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const what = argv[0] ?? opts.raw ?? '';
  const chunks: Buffer[] = [];
  let stream: NodeJS.ReadWriteStream | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    const run = (async () => {
      const s = (await client.getDevice(serial).shell(line)) as NodeJS.ReadWriteStream;
      stream = s;
      await new Promise<void>((resolve, reject) => {
        s.on('data', (c: Buffer) => chunks.push(c));
        s.on('end', () => resolve());
        s.on('error', reject);
      });
      return Buffer.concat(chunks).toString('utf8');
    })();
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const out = await Promise.race([run, timedOut]);
    if (out === 'timeout') {
      // Closing the session hangs up what runs on a PTY-backed adbd; a raw-pipe one leaves it running.
      (stream as { destroy?: () => void } | undefined)?.destroy?.();
      run.catch(() => undefined);
      if (!(await listed(client, serial))) throw new LabbenchError('DEVICE_UNAVAILABLE', `${serial}: no result from '${what}' within ${timeoutMs} ms, and adb no longer lists the phone`);
      const { text, pid } = takePid(Buffer.concat(chunks).toString('utf8').replace(/\r\n/g, '\n'));
      throw new ShellTimeoutError(serial, what, timeoutMs, text, pid);
    }
    const at = out.lastIndexOf(RC_MARK);
    if (at < 0) throw new LabbenchError('DEVICE_UNAVAILABLE', `${serial}: the shell ended before '${what}' finished (phone unplugged?)`);
    const { text, pid } = opts.trackPid ? takePid(out.slice(0, at)) : { text: out.slice(0, at), pid: undefined };
    return { stdout: text.replace(/\r\n/g, '\n'), exitCode: Number(out.slice(at + RC_MARK.length).trim()), ...(pid === undefined ? {} : { pid }) };
  } catch (e) {
    throw adbError(serial, e);
  } finally {
    if (timer) clearTimeout(timer);
  }
}

/**
 * Ends a process on the phone by pid with SIGKILL (a hung one may ignore gentler signals)
 * and waits up to `waitMs` for it to go; false when it is still there (stuck in the kernel).
 */
export async function killProcess(client: AdbClient, serial: string, pid: number, waitMs = 5000): Promise<boolean> {
  await shell(client, serial, ['kill', '-9', String(pid)], { timeoutMs: 15_000 });
  const deadline = Date.now() + waitMs;
  for (;;) {
    if ((await shell(client, serial, ['kill', '-0', String(pid)], { timeoutMs: 15_000 })).exitCode !== 0) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 200));
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
