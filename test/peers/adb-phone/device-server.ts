// The device side of the ADB transport over TCP, as adbd speaks it to `adb connect`:
// CNXN handshake (no AUTH, or with `auth: 'never-accept'` an AUTH challenge whose key the
// user never accepts, so the server lists the phone as `unauthorized`), then streams multiplexed with OPEN / OKAY / WRTE / CLSE, one
// WRTE outstanding per direction. What a stream does is up to the `openService` callback
// (shell, sync, ...); this module only moves bytes. Set ADB_PHONE_DEBUG=1 to trace messages.

import { randomBytes } from 'node:crypto';
import net from 'node:net';
import {
  A_AUTH,
  A_CLSE,
  A_CNXN,
  A_OKAY,
  A_OPEN,
  A_VERSION,
  A_WRTE,
  MAX_PAYLOAD,
  MessageDecoder,
  commandName,
  encodeMessage,
  type AdbMessage,
} from './adb-wire.js';

const debug = process.env.ADB_PHONE_DEBUG === '1';

/** One service stream as a service sees it: flow-controlled writes, a queue of reads. */
export class DeviceStream {
  private readonly abort = new AbortController();
  private readonly inbox: Buffer[] = [];
  private waiter: (() => void) | null = null;
  private okayWaiter: (() => void) | null = null;
  private writeChain: Promise<void> = Promise.resolve();
  private closedFlag = false;

  constructor(
    readonly service: string,
    private readonly conn: DeviceConnection,
    readonly localId: number,
    readonly remoteId: number,
  ) {}

  /** Aborted when the host closes the stream, the connection drops, or close() is called. */
  get signal(): AbortSignal {
    return this.abort.signal;
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  /** Announces the service is up: OKAY to the host, which must precede any WRTE. */
  accept(): void {
    this.conn.ready(this);
  }

  /** Sends data as WRTE messages, each after the host acknowledged the previous one. */
  write(data: Buffer | string): Promise<void> {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    const next = this.writeChain.then(async () => {
      for (let off = 0; off < buf.length && !this.closedFlag; off += this.conn.maxPayload) {
        const chunk = buf.subarray(off, Math.min(buf.length, off + this.conn.maxPayload));
        const acked = new Promise<void>((resolve) => {
          this.okayWaiter = resolve;
        });
        this.conn.send(A_WRTE, this.localId, this.remoteId, Buffer.from(chunk));
        await acked;
      }
    });
    this.writeChain = next.catch(() => undefined);
    return next;
  }

  /** Next chunk the host wrote, or null once the stream is closed and drained. */
  async read(): Promise<Buffer | null> {
    for (;;) {
      const chunk = this.inbox.shift();
      if (chunk) return chunk;
      if (this.closedFlag) return null;
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
      });
    }
  }

  /** Finishes pending writes, then sends CLSE. */
  async end(): Promise<void> {
    await this.writeChain;
    this.close();
  }

  /** Closes at once (CLSE to the host unless it was the host that closed). */
  close(): void {
    if (this.closedFlag) return;
    this.markClosed();
    this.conn.send(A_CLSE, this.localId, this.remoteId);
    this.conn.forget(this.localId);
  }

  /** @internal host wrote data. */
  deliver(data: Buffer): void {
    this.inbox.push(data);
    this.wake();
  }

  /** @internal host acknowledged our WRTE. */
  acknowledge(): void {
    const w = this.okayWaiter;
    this.okayWaiter = null;
    w?.();
  }

  /** @internal host closed the stream or the connection went away. */
  markClosed(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    this.abort.abort();
    this.acknowledge();
    this.wake();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }
}

export interface DeviceServerOptions {
  /** The CNXN payload, e.g. "device::ro.product.name=...;features=shell_v2". */
  banner: string;
  /** Starts a service on an opened stream; false means no such service (open fails). */
  openService: (stream: DeviceStream) => boolean;
  /**
   * 'none' (default): CNXN is answered at once, as by an adbd with `ro.adb.secure=0`.
   * 'never-accept': adbd's challenge (AUTH TOKEN) for every signature, and the RSA prompt on the
   * phone never accepted: the connection never comes online.
   */
  auth?: 'none' | 'never-accept';
}

/** AUTH's arg0 (adb/adb.h): a token to sign, its signature, the host's public key. */
const AUTH_TOKEN = 1;
const AUTH_SIGNATURE = 2;
const AUTH_RSAPUBLICKEY = 3;

/** One TCP connection from an adb server. */
export class DeviceConnection {
  maxPayload = 256 * 1024;
  private readonly decoder = new MessageDecoder();
  private readonly streams = new Map<number, DeviceStream>();
  private nextId = 1;
  private online = false;

  constructor(
    private readonly socket: net.Socket,
    private readonly opts: DeviceServerOptions,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('close', () => this.dropStreams());
    socket.on('error', () => this.dropStreams());
  }

  send(command: number, arg0: number, arg1: number, data?: Buffer): void {
    if (this.socket.destroyed) return;
    if (debug) process.stderr.write(`[phone] -> ${commandName(command)} ${arg0} ${arg1} ${data?.length ?? 0}\n`);
    this.socket.write(encodeMessage(command, arg0, arg1, data));
  }

  forget(localId: number): void {
    this.streams.delete(localId);
  }

  /** Drops the link like a pulled cable: no goodbye, streams die. */
  destroy(): void {
    this.dropStreams();
    this.socket.destroy();
  }

  private dropStreams(): void {
    for (const s of this.streams.values()) s.markClosed();
    this.streams.clear();
  }

  private onData(chunk: Buffer): void {
    let messages: AdbMessage[];
    try {
      messages = this.decoder.push(chunk);
    } catch (err) {
      if (debug) process.stderr.write(`[phone] rejecting connection: ${(err as Error).message}\n`);
      this.destroy();
      return;
    }
    for (const m of messages) this.handle(m);
  }

  private handle(m: AdbMessage): void {
    if (debug) process.stderr.write(`[phone] <- ${commandName(m.command)} ${m.arg0} ${m.arg1} ${m.data.length}\n`);
    switch (m.command) {
      case A_CNXN: {
        // A new CNXN (re)starts the session: whatever was open is gone.
        this.dropStreams();
        this.maxPayload = Math.max(4096, Math.min(m.arg1 || MAX_PAYLOAD, MAX_PAYLOAD));
        if (this.opts.auth === 'never-accept') {
          this.online = false;
          this.send(A_AUTH, AUTH_TOKEN, 0, randomBytes(20));
          return;
        }
        this.online = true;
        this.send(A_CNXN, A_VERSION, MAX_PAYLOAD, Buffer.from(this.opts.banner, 'utf8'));
        return;
      }
      case A_OPEN: {
        if (!this.online) return;
        const name = m.data.toString('utf8').replace(/\0+$/, '');
        const localId = this.nextId++;
        const stream = new DeviceStream(name, this, localId, m.arg0);
        this.streams.set(localId, stream);
        if (!this.opts.openService(stream)) {
          this.streams.delete(localId);
          this.send(A_CLSE, 0, m.arg0);
          return;
        }
        return;
      }
      case A_OKAY: {
        this.streams.get(m.arg1)?.acknowledge();
        return;
      }
      case A_WRTE: {
        const s = this.streams.get(m.arg1);
        if (!s) {
          this.send(A_CLSE, 0, m.arg0);
          return;
        }
        s.deliver(m.data);
        this.send(A_OKAY, s.localId, s.remoteId);
        return;
      }
      case A_CLSE: {
        const s = this.streams.get(m.arg1);
        if (!s) return;
        this.streams.delete(m.arg1);
        s.markClosed();
        return;
      }
      case A_AUTH: {
        if (this.opts.auth !== 'never-accept') return;
        // No signature verifies (no key is authorized): a fresh token, as adbd sends; the host's
        // public key puts up the prompt, which nobody accepts.
        if (m.arg0 === AUTH_SIGNATURE) this.send(A_AUTH, AUTH_TOKEN, 0, randomBytes(20));
        else if (m.arg0 === AUTH_RSAPUBLICKEY && debug) process.stderr.write('[phone] RSA key prompt shown, never accepted\n');
        return;
      }
      default:
        // STLS, SYNC: not part of this device's dialect; ignored like an old adbd.
        return;
    }
  }

  /** @internal used by services: announce the stream is ready (OKAY before any WRTE). */
  ready(stream: DeviceStream): void {
    this.send(A_OKAY, stream.localId, stream.remoteId);
  }
}

/** Listens on 127.0.0.1 while plugged; unplugged, it drops every connection and stops listening. */
export class DeviceServer {
  private server: net.Server | null = null;
  private readonly conns = new Set<DeviceConnection>();
  private plugged = true;
  private port = 0;

  constructor(private readonly opts: DeviceServerOptions) {}

  async listen(port: number): Promise<number> {
    const server = net.createServer((socket) => {
      if (!this.plugged) {
        if (debug) process.stderr.write(`[phone] ${new Date().toISOString()} connection refused: unplugged\n`);
        socket.resetAndDestroy();
        return;
      }
      const conn = new DeviceConnection(socket, this.opts);
      this.conns.add(conn);
      socket.on('close', () => this.conns.delete(conn));
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const addr = server.address();
    if (addr === null || typeof addr === 'string') throw new Error('device server has no TCP address');
    this.port = addr.port;
    return addr.port;
  }

  /** Unplugged: connections drop and the port stops listening (connect gets ECONNREFUSED). */
  async setPlugged(plugged: boolean): Promise<void> {
    if (plugged === this.plugged) return;
    this.plugged = plugged;
    if (!plugged) {
      for (const c of this.conns) c.destroy();
      this.conns.clear();
      const s = this.server;
      this.server = null;
      if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
    } else if (this.port && !this.server) {
      await this.listen(this.port);
    }
  }

  async close(): Promise<void> {
    for (const c of this.conns) c.destroy();
    this.conns.clear();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
