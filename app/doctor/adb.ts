/**
 * The adb server: is one listening where the bench looks (ADB_SERVER_SOCKET, -H/-P, ...), and
 * which protocol version it speaks (`host:version`). The doctor only connects: it never starts
 * a server (adbkit would, on a refused connection), so that a check changes nothing.
 */
import { connect } from 'node:net';
import type { DoctorCheck } from '../api/doctor.js';
import { createAdbClient, type AdbClient } from '../devices/adb/adb-shell.js';
import { adbServerAddress, formatAdbServer, isLocalAdbServer, type AdbServerAddress } from '../devices/adb/adb-server-address.js';

function listening(a: AdbServerAddress, timeoutMs = 2000): Promise<string | undefined> {
  return new Promise((resolve) => {
    const s = connect({ host: a.host === 'localhost' ? '127.0.0.1' : a.host, port: a.port });
    const done = (err: string | undefined): void => {
      s.destroy();
      resolve(err);
    };
    s.setTimeout(timeoutMs, () => done(`no answer within ${timeoutMs} ms`));
    s.once('connect', () => done(undefined));
    s.once('error', (e: NodeJS.ErrnoException) => done(e.code ?? e.message));
  });
}

/** The server check, and a client when a server answers (phones are checked through it). */
export async function checkAdbServer(): Promise<{ check: DoctorCheck; client?: AdbClient; server: AdbServerAddress }> {
  const server = adbServerAddress();
  const where = formatAdbServer(server);
  const subject = `adb server ${where}`;
  const down = await listening(server);
  if (down !== undefined) {
    const fix = isLocalAdbServer(server)
      ? "start it with 'adb start-server' (Debian/Ubuntu: 'sudo apt-get install adb'; elsewhere Android's platform-tools); the bench's phone commands also start one themselves"
      : `the server named by ${server.source} must run there and listen beyond loopback: 'adb -a -P ${server.port} server nodaemon' on that host`;
    return { server, check: { id: 'adb.server', subject, status: 'warn', needed: false, detail: `nothing answers at ${where} (${down}); phones cannot be seen without it`, fix } };
  }
  const client = createAdbClient(server);
  try {
    const v = await client.version();
    return { server, client, check: { id: 'adb.server', subject, status: 'ok', needed: false, detail: `answers host:version with protocol version ${v} (adb 1.0.${v})` } };
  } catch (e) {
    return { server, check: { id: 'adb.server', subject, status: 'fail', needed: false, detail: `accepts connections but host:version failed: ${(e as Error).message}`, fix: "something else holds the port, or the server hangs: 'adb kill-server', then 'adb start-server'" } };
  }
}
