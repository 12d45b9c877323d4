// adbd's file sync service (`sync:`): STAT, STA2/LST2 (stat_v2), LIST, SEND (path,mode +
// DATA chunks + DONE mtime -> OKAY/FAIL), RECV (-> DATA chunks + DONE), QUIT. Requests can
// arrive split across WRTE messages in any way, so reads go through a byte queue. Runs as
// the shell user, so a push outside /data/local/tmp or /sdcard fails like on a phone.

import { FsError, SHELL_CRED, dirname, normalizePath, type FsNode, type PhoneFs } from './fs.js';
import type { DeviceStream } from './device-server.js';

const DATA_MAX = 64 * 1024;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;

class ByteQueue {
  /** Chunks not yet read, the first from `head` on: a read copies only the bytes it returns. */
  private readonly chunks: Buffer[] = [];
  private head = 0;
  private length = 0;
  private eof = false;

  constructor(private readonly stream: DeviceStream) {}

  async read(n: number): Promise<Buffer | null> {
    while (this.length < n) {
      if (this.eof) return null;
      const chunk = await this.stream.read();
      if (!chunk) {
        this.eof = true;
        return null;
      }
      this.chunks.push(chunk);
      this.length += chunk.length;
    }
    const out = Buffer.allocUnsafe(n);
    for (let off = 0; off < n; ) {
      const first = this.chunks[0]!;
      const take = Math.min(n - off, first.length - this.head);
      first.copy(out, off, this.head, this.head + take);
      off += take;
      this.head += take;
      if (this.head === first.length) {
        this.chunks.shift();
        this.head = 0;
      }
    }
    this.length -= n;
    return out;
  }
}

function packet(id: string, ...words: number[]): Buffer {
  const b = Buffer.alloc(4 + 4 * words.length);
  b.write(id, 0, 'latin1');
  words.forEach((w, i) => b.writeUInt32LE(w >>> 0, 4 + 4 * i));
  return b;
}

function fail(message: string): Buffer {
  const msg = Buffer.from(message, 'utf8');
  return Buffer.concat([packet('FAIL', msg.length), msg]);
}

function statOf(node: FsNode): { mode: number; size: number; mtime: number } {
  const type = node.kind === 'dir' ? S_IFDIR : S_IFREG;
  return { mode: type | node.mode, size: node.kind === 'file' ? node.data.length : node.kind === 'dev' ? 4096 : 4096, mtime: node.mtime };
}

function errnoOf(err: unknown): number {
  if (!(err instanceof FsError)) return 5;
  return { ENOENT: 2, EACCES: 13, EISDIR: 21, ENOTDIR: 20, EEXIST: 17, ENOTEMPTY: 39, EROFS: 30, EINVAL: 22 }[err.code];
}

export async function runSyncService(stream: DeviceStream, fs: PhoneFs): Promise<void> {
  stream.accept();
  const q = new ByteQueue(stream);
  const cred = SHELL_CRED;
  for (;;) {
    const hdr = await q.read(8);
    if (!hdr) break;
    const id = hdr.toString('latin1', 0, 4);
    const len = hdr.readUInt32LE(4);
    if (id === 'QUIT') break;
    if (len > 4096 && id !== 'DATA') {
      await stream.write(fail('path too long'));
      break;
    }
    const arg = await q.read(len);
    if (!arg) break;
    const path = arg.toString('utf8');
    if (id === 'STAT' || id === 'STA2' || id === 'LST2') {
      let node: FsNode | null = null;
      let errno = 0;
      try {
        node = fs.lookup(normalizePath(path), cred);
      } catch (err) {
        errno = errnoOf(err);
      }
      if (id === 'STAT') {
        const s = node ? statOf(node) : { mode: 0, size: 0, mtime: 0 };
        await stream.write(packet('STAT', s.mode, s.size, s.mtime));
      } else {
        const b = Buffer.alloc(72);
        b.write(id, 0, 'latin1');
        b.writeUInt32LE(errno, 4);
        if (node) {
          const s = statOf(node);
          b.writeBigUInt64LE(0xfd00n, 8);
          b.writeBigUInt64LE(BigInt(Math.abs(hashPath(path))), 16);
          b.writeUInt32LE(s.mode, 24);
          b.writeUInt32LE(node.kind === 'dir' ? 2 : 1, 28);
          b.writeUInt32LE(node.uid, 32);
          b.writeUInt32LE(node.gid, 36);
          b.writeBigUInt64LE(BigInt(s.size), 40);
          b.writeBigInt64LE(BigInt(s.mtime), 48);
          b.writeBigInt64LE(BigInt(s.mtime), 56);
          b.writeBigInt64LE(BigInt(s.mtime), 64);
        }
        await stream.write(b);
      }
      continue;
    }
    if (id === 'LIST') {
      const dir = normalizePath(path);
      const out: Buffer[] = [];
      try {
        const names = ['.', '..', ...fs.readDir(dir, cred)];
        for (const n of names) {
          const node = n === '.' ? fs.stat(dir) : n === '..' ? fs.stat(dirname(dir)) : fs.stat(`${dir === '/' ? '' : dir}/${n}`);
          if (!node) continue;
          const s = statOf(node);
          const name = Buffer.from(n, 'utf8');
          out.push(packet('DENT', s.mode, s.size, s.mtime, name.length), name);
        }
      } catch {
        // adbd lists nothing for a directory it cannot open.
      }
      out.push(packet('DONE', 0, 0, 0, 0));
      await stream.write(Buffer.concat(out));
      continue;
    }
    if (id === 'SEND') {
      const comma = path.lastIndexOf(',');
      const target = normalizePath(comma >= 0 ? path.slice(0, comma) : path);
      const mode = comma >= 0 ? Number.parseInt(path.slice(comma + 1), 10) : 0o644;
      const chunks: Buffer[] = [];
      let mtime = 0;
      let ok = true;
      for (;;) {
        const h = await q.read(8);
        if (!h) {
          ok = false;
          break;
        }
        const cid = h.toString('latin1', 0, 4);
        const n = h.readUInt32LE(4);
        if (cid === 'DATA') {
          const d = await q.read(n);
          if (!d) {
            ok = false;
            break;
          }
          chunks.push(d);
        } else if (cid === 'DONE') {
          mtime = n;
          break;
        } else {
          await stream.write(fail(`invalid data message: expected DATA or DONE, got ${cid}`));
          ok = false;
          break;
        }
      }
      if (!ok) break;
      try {
        if (!fs.exists(dirname(target))) fs.mkdir(dirname(target), cred, { parents: true, mode: 0o771 });
      } catch (err) {
        await stream.write(fail(`secure_mkdirs failed: ${err instanceof Error ? err.message : String(err)}`));
        break;
      }
      try {
        fs.create(target, Buffer.concat(chunks), cred, Number.isFinite(mode) ? mode : 0o644, mtime || undefined);
      } catch (err) {
        await stream.write(fail(`couldn't create file: ${err instanceof Error ? err.message : String(err)}`));
        break;
      }
      await stream.write(packet('OKAY', 0));
      continue;
    }
    if (id === 'RECV') {
      let data: Buffer;
      try {
        data = fs.read(normalizePath(path), cred);
      } catch (err) {
        await stream.write(fail(`open failed: ${err instanceof Error ? err.message : String(err)}`));
        break;
      }
      for (let off = 0; off < data.length; off += DATA_MAX) {
        const chunk = data.subarray(off, Math.min(data.length, off + DATA_MAX));
        await stream.write(Buffer.concat([packet('DATA', chunk.length), chunk]));
      }
      await stream.write(packet('DONE', 0));
      continue;
    }
    await stream.write(fail(`unknown command ${JSON.stringify(id)}`));
    break;
  }
  await stream.end();
}

function hashPath(p: string): number {
  let h = 0;
  for (const c of p) h = (Math.imul(h, 31) + c.charCodeAt(0)) | 0;
  return h;
}
