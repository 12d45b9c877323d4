/**
 * Which adb server the bench talks to, found as the `adb` client finds it
 * (adb/client/commandline.cpp): `-H`/`-P` first (and then the environment is ignored, except
 * ANDROID_ADB_SERVER_ADDRESS / _PORT for the one not given), else `ADB_SERVER_SOCKET`
 * (`tcp:PORT` or `tcp:HOST:PORT`), else ANDROID_ADB_SERVER_ADDRESS and
 * ANDROID_ADB_SERVER_PORT, else localhost:5037. A server on another host (a phone farm's)
 * serves its phones as a local one does. Pure: no sockets here.
 */
import { LabbenchError } from '../../api/errors.js';

export interface AdbServerAddress {
  readonly host: string;
  readonly port: number;
  /** Where the address came from, for error messages (`ADB_SERVER_SOCKET`, `-H/-P`, `default`). */
  readonly source: string;
}

export const DEFAULT_ADB_PORT = 5037;

function port(v: string, what: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < 1 || n > 65535) throw new LabbenchError('BAD_INPUT', `${what} must be a port between 1 and 65535, got '${v}'`);
  return n;
}

/** `tcp:PORT`, `tcp:HOST:PORT` or `tcp:[IPV6]:PORT`; other socket kinds (local unix sockets) are refused with a reason. */
export function parseAdbServerSocket(spec: string): { host: string; port: number } {
  const m = /^tcp:(?:(\[[0-9a-fA-F:.]+\]|[^:\s[\]]+):)?([^:]+)$/.exec(spec.trim());
  if (!m) {
    const why = /^local(abstract|filesystem|reserved):/.test(spec) ? ' (unix sockets are not supported: expose the server on TCP)' : '';
    throw new LabbenchError('BAD_INPUT', `ADB_SERVER_SOCKET must be tcp:PORT or tcp:HOST:PORT, got '${spec}'${why}`);
  }
  return { host: m[1] ? m[1].replace(/^\[|\]$/g, '') : 'localhost', port: port(m[2]!, 'ADB_SERVER_SOCKET') };
}

/** The server for this process: flags (the CLI's `-H`/`-P`) over the environment, as adb orders them. */
export function adbServerAddress(env: NodeJS.ProcessEnv = process.env, flags: { host?: string; port?: string } = {}): AdbServerAddress {
  if (flags.host === undefined && flags.port === undefined && env.ADB_SERVER_SOCKET) {
    return { ...parseAdbServerSocket(env.ADB_SERVER_SOCKET), source: 'ADB_SERVER_SOCKET' };
  }
  const host = flags.host ?? (env.ANDROID_ADB_SERVER_ADDRESS || 'localhost');
  if (!host.trim() || /\s/.test(host)) throw new LabbenchError('BAD_INPUT', `adb server host must be a host name or address, got '${host}'`);
  const p = flags.port ?? env.ANDROID_ADB_SERVER_PORT;
  const given = flags.host !== undefined || flags.port !== undefined ? '-H/-P' : env.ANDROID_ADB_SERVER_ADDRESS || env.ANDROID_ADB_SERVER_PORT ? 'ANDROID_ADB_SERVER_ADDRESS/PORT' : 'default';
  return { host, port: p ? port(p, flags.port !== undefined ? '-P' : 'ANDROID_ADB_SERVER_PORT') : DEFAULT_ADB_PORT, source: given };
}

/** This machine's own server (any loopback address): its phones need no host shown beside them. */
export function isLocalAdbServer(a: { host: string }): boolean {
  return a.host === 'localhost' || a.host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(a.host);
}

/** `host:port` as adb prints addresses (IPv6 in brackets). */
export function formatAdbServer(a: { host: string; port: number }): string {
  return `${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`;
}

/** The `ADB_SERVER_SOCKET` value that names this address, so child code and processes find the same server. */
export function adbServerSocket(a: { host: string; port: number }): string {
  return `tcp:${formatAdbServer(a)}`;
}
