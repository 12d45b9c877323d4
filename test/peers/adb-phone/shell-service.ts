// adbd's shell services: `shell:<cmd>` and `exec:<cmd>` (raw bytes, stdout and stderr mixed,
// no exit status: the stream just closes) and `shell,v2,<args>:<cmd>` (packets [id u8][len
// u32le][data]: 0 stdin, 1 stdout, 2 stderr, 3 exit status, 4 close stdin, 5 window size).
// An empty command is an interactive shell: lines from stdin, a prompt after each.

import type { DeviceStream } from './device-server.js';
import type { Input, Io, Output } from './sh-exec.js';

export interface ShellHost {
  /** Logs and runs one command line; resolves with its exit status (after waiting jobs). */
  runCommandLine(line: string, io: Io, signal: AbortSignal, env: Record<string, string>): Promise<number>;
  prompt(): string;
}

function v2Packet(id: number, data: Buffer): Buffer {
  const h = Buffer.alloc(5);
  h[0] = id;
  h.writeUInt32LE(data.length, 1);
  return Buffer.concat([h, data]);
}

class StreamOutput implements Output {
  constructor(
    private readonly stream: DeviceStream,
    private readonly id: number | null,
    private readonly pty: boolean,
  ) {}

  write(data: Buffer | string): void {
    if (this.stream.closed) return;
    let buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    if (buf.length === 0) return;
    if (this.pty) buf = Buffer.from(buf.toString('utf8').replace(/\r?\n/g, '\r\n'), 'utf8');
    this.stream.write(this.id === null ? buf : v2Packet(this.id, buf)).catch(() => undefined);
  }
}

/** stdin of a raw shell: whatever the host writes, until the stream closes. */
class RawInput implements Input {
  constructor(private readonly stream: DeviceStream) {}
  read(): Promise<Buffer | null> {
    return this.stream.read();
  }
}

/** stdin of a v2 shell: id-0 packets, ended by an id-4 packet or the stream closing. */
class V2Input implements Input {
  private buf: Buffer = Buffer.alloc(0);
  private eof = false;

  constructor(private readonly stream: DeviceStream) {}

  async read(): Promise<Buffer | null> {
    for (;;) {
      while (this.buf.length >= 5) {
        const id = this.buf[0] ?? 0;
        const len = this.buf.readUInt32LE(1);
        if (this.buf.length < 5 + len) break;
        const data = Buffer.from(this.buf.subarray(5, 5 + len));
        this.buf = this.buf.subarray(5 + len);
        if (id === 4) this.eof = true;
        if (id === 0 && data.length) return data;
      }
      if (this.eof) return null;
      const chunk = await this.stream.read();
      if (!chunk) return null;
      this.buf = Buffer.concat([this.buf, chunk]);
    }
  }
}

export interface ShellServiceOptions {
  command: string;
  v2: boolean;
  pty: boolean;
  env: Record<string, string>;
  /** Closing the stream hangs up the command (SIGHUP through the PTY, or adbd's kill for v2); false: it runs on. */
  hangup: boolean;
}

export async function runShellService(stream: DeviceStream, host: ShellHost, o: ShellServiceOptions): Promise<void> {
  stream.accept();
  const io: Io = {
    stdin: o.v2 ? new V2Input(stream) : new RawInput(stream),
    stdout: new StreamOutput(stream, o.v2 ? 1 : null, o.pty),
    stderr: new StreamOutput(stream, o.v2 ? (o.pty ? 1 : 2) : null, o.pty),
  };
  let status = 0;
  const hup = o.hangup ? stream.signal : new AbortController().signal;
  if (o.command.trim() === '' && o.pty) {
    status = await interactive(stream, host, io, o);
  } else if (o.command.trim() === '') {
    const script = await readAllInput(io.stdin);
    status = await host.runCommandLine(script, { ...io, stdin: { read: async () => null } }, hup, o.env);
  } else {
    status = await host.runCommandLine(o.command, io, hup, o.env);
  }
  if (stream.closed) return;
  if (o.v2) await stream.write(v2Packet(3, Buffer.from([status & 0xff]))).catch(() => undefined);
  await stream.end().catch(() => undefined);
}

async function readAllInput(input: Input): Promise<string> {
  const chunks: Buffer[] = [];
  for (let c = await input.read(); c; c = await input.read()) chunks.push(c);
  return Buffer.concat(chunks).toString('utf8');
}

async function interactive(stream: DeviceStream, host: ShellHost, io: Io, o: ShellServiceOptions): Promise<number> {
  let pending = '';
  let status = 0;
  io.stdout.write(host.prompt());
  for (let chunk = await io.stdin.read(); chunk; chunk = await io.stdin.read()) {
    const text = chunk.toString('utf8').replace(/\r/g, '\n');
    io.stdout.write(text);
    pending += text;
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      if (line.trim() === 'exit') return status;
      if (line.trim()) status = await host.runCommandLine(line, { ...io, stdin: { read: async () => null } }, stream.signal, o.env);
      io.stdout.write(host.prompt());
    }
  }
  return status;
}
