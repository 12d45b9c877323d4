// The phone's filesystem, in memory: regular files, directories and "device" files whose
// content is computed on read (/proc, /sys) or handled on write. Owners and mode bits are
// checked like Linux does for the shell user (uid 2000) and root; /system and friends are
// read-only mounts. Tests read it directly (phone.fs) to check what a push or a hostile
// command line did. Not a general VFS: no symlinks beyond the /sdcard alias, no inodes.

export const SHELL_UID = 2000;
export const ROOT_UID = 0;
export const SYSTEM_UID = 1000;

/** Who is asking: uid plus supplementary groups. */
export interface Cred {
  uid: number;
  gids: number[];
}

export const SHELL_CRED: Cred = { uid: SHELL_UID, gids: [2000, 1004, 1007, 1011, 1015, 1028, 3001, 3002, 3003, 3006, 3009, 3011] };
export const ROOT_CRED: Cred = { uid: ROOT_UID, gids: [0] };

interface NodeBase {
  /** Permission bits only (e.g. 0o644); the type is `kind`. */
  mode: number;
  uid: number;
  gid: number;
  /** Seconds since the epoch, phone clock. */
  mtime: number;
}

/** How the shell runs a file: a toybox-style applet, or by content (ELF / script). */
export type ExecTag = { kind: 'applet'; name: string };

export interface FileNode extends NodeBase {
  kind: 'file';
  data: Buffer;
  exec?: ExecTag;
}

export interface DirNode extends NodeBase {
  kind: 'dir';
}

export interface DevNode extends NodeBase {
  kind: 'dev';
  read: () => string;
  /** Returns an errno-style code to refuse, or undefined when accepted. */
  write?: (text: string) => FsErrorCode | undefined;
}

export type FsNode = FileNode | DirNode | DevNode;

export type FsErrorCode = 'ENOENT' | 'EACCES' | 'EISDIR' | 'ENOTDIR' | 'EEXIST' | 'ENOTEMPTY' | 'EROFS' | 'EINVAL';

const MESSAGES: Record<FsErrorCode, string> = {
  ENOENT: 'No such file or directory',
  EACCES: 'Permission denied',
  EISDIR: 'Is a directory',
  ENOTDIR: 'Not a directory',
  EEXIST: 'File exists',
  ENOTEMPTY: 'Directory not empty',
  EROFS: 'Read-only file system',
  EINVAL: 'Invalid argument',
};

export class FsError extends Error {
  constructor(
    readonly code: FsErrorCode,
    readonly path: string,
  ) {
    super(MESSAGES[code]);
    this.name = 'FsError';
  }
}

const READ_ONLY_MOUNTS = ['/system', '/vendor', '/product', '/apex', '/odm'];
const ALIASES: Array<[string, string]> = [
  ['/sdcard', '/storage/emulated/0'],
  ['/storage/self/primary', '/storage/emulated/0'],
  ['/mnt/sdcard', '/storage/emulated/0'],
];

/** Absolute, normalized path ('.', '..', '//' resolved) with aliases applied. */
export function normalizePath(path: string, cwd = '/'): string {
  const joined = path.startsWith('/') ? path : `${cwd}/${path}`;
  const parts: string[] = [];
  for (const p of joined.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') parts.pop();
    else parts.push(p);
  }
  let out = `/${parts.join('/')}`;
  for (const [from, to] of ALIASES) {
    if (out === from || out.startsWith(`${from}/`)) out = to + out.slice(from.length);
  }
  return out;
}

export function dirname(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

export function basename(path: string): string {
  const trimmed = path.length > 1 ? path.replace(/\/+$/, '') : path;
  return trimmed.slice(trimmed.lastIndexOf('/') + 1) || '/';
}

export class PhoneFs {
  private readonly nodes = new Map<string, FsNode>();

  constructor(private readonly clock: () => number = () => Math.floor(Date.now() / 1000)) {
    this.nodes.set('/', { kind: 'dir', mode: 0o755, uid: 0, gid: 0, mtime: this.clock() });
  }

  // ---- queries (no permission checks; for tests and for the phone itself) ----

  stat(path: string): FsNode | undefined {
    return this.nodes.get(normalizePath(path));
  }

  exists(path: string): boolean {
    return this.nodes.has(normalizePath(path));
  }

  isDir(path: string): boolean {
    return this.stat(path)?.kind === 'dir';
  }

  /** Names in a directory, sorted; throws ENOENT / ENOTDIR. */
  list(path: string): string[] {
    const dir = normalizePath(path);
    const node = this.nodes.get(dir);
    if (!node) throw new FsError('ENOENT', dir);
    if (node.kind !== 'dir') throw new FsError('ENOTDIR', dir);
    const prefix = dir === '/' ? '/' : `${dir}/`;
    const names: string[] = [];
    for (const p of this.nodes.keys()) {
      if (p !== dir && p.startsWith(prefix) && !p.slice(prefix.length).includes('/')) names.push(p.slice(prefix.length));
    }
    return names.sort();
  }

  /** All paths under a directory (recursive), for tests. */
  walk(path = '/'): string[] {
    const dir = normalizePath(path);
    const prefix = dir === '/' ? '/' : `${dir}/`;
    return [...this.nodes.keys()].filter((p) => p.startsWith(prefix)).sort();
  }

  /** Content of a file (computed for device files); throws ENOENT / EISDIR. */
  readFile(path: string): Buffer {
    const p = normalizePath(path);
    const node = this.nodes.get(p);
    if (!node) throw new FsError('ENOENT', p);
    if (node.kind === 'dir') throw new FsError('EISDIR', p);
    if (node.kind === 'dev') return Buffer.from(node.read(), 'utf8');
    return node.data;
  }

  readText(path: string): string {
    return this.readFile(path).toString('utf8');
  }

  // ---- setup (no checks; used to build the phone's image) ----

  /** Creates parent directories as root:root 0755 where missing. */
  private ensureParents(p: string): void {
    const missing: string[] = [];
    for (let d = dirname(p); !this.nodes.has(d); d = dirname(d)) missing.unshift(d);
    for (const d of missing) this.nodes.set(d, { kind: 'dir', mode: 0o755, uid: 0, gid: 0, mtime: this.clock() });
  }

  putDir(path: string, opts: { mode?: number; uid?: number; gid?: number } = {}): void {
    const p = normalizePath(path);
    this.ensureParents(p);
    this.nodes.set(p, { kind: 'dir', mode: opts.mode ?? 0o755, uid: opts.uid ?? 0, gid: opts.gid ?? 0, mtime: this.clock() });
  }

  putFile(path: string, data: Buffer | string, opts: { mode?: number; uid?: number; gid?: number; exec?: ExecTag } = {}): void {
    const p = normalizePath(path);
    this.ensureParents(p);
    const node: FileNode = {
      kind: 'file',
      data: typeof data === 'string' ? Buffer.from(data, 'utf8') : data,
      mode: opts.mode ?? 0o644,
      uid: opts.uid ?? 0,
      gid: opts.gid ?? 0,
      mtime: this.clock(),
    };
    if (opts.exec) node.exec = opts.exec;
    this.nodes.set(p, node);
  }

  putDev(path: string, read: () => string, opts: { mode?: number; uid?: number; gid?: number; write?: DevNode['write'] } = {}): void {
    const p = normalizePath(path);
    this.ensureParents(p);
    const node: DevNode = { kind: 'dev', read, mode: opts.mode ?? 0o444, uid: opts.uid ?? 0, gid: opts.gid ?? 0, mtime: this.clock() };
    if (opts.write) node.write = opts.write;
    this.nodes.set(p, node);
  }

  // ---- permission-checked operations (what the shell and adbd's sync do) ----

  /** Linux-style check of r/w/x on one node for a credential (root passes r/w, x needs a bit). */
  can(node: FsNode, cred: Cred, what: 'r' | 'w' | 'x'): boolean {
    const bit = what === 'r' ? 4 : what === 'w' ? 2 : 1;
    if (cred.uid === ROOT_UID) return what !== 'x' || node.kind === 'dir' || (node.mode & 0o111) !== 0;
    const shift = node.uid === cred.uid ? 6 : cred.gids.includes(node.gid) ? 3 : 0;
    return ((node.mode >> shift) & bit) !== 0;
  }

  /** Throws unless every directory on the way to `p` is searchable. */
  private checkSearch(p: string, cred: Cred): void {
    let d = '/';
    for (const part of dirname(p).split('/').filter(Boolean)) {
      d = d === '/' ? `/${part}` : `${d}/${part}`;
      const node = this.nodes.get(d);
      if (!node) throw new FsError('ENOENT', p);
      if (node.kind !== 'dir') throw new FsError('ENOTDIR', p);
      if (!this.can(node, cred, 'x')) throw new FsError('EACCES', p);
    }
  }

  private readOnly(p: string): boolean {
    return READ_ONLY_MOUNTS.some((m) => p === m || p.startsWith(`${m}/`));
  }

  /** Looks a path up as `cred` would (search permission on the way); throws ENOENT etc. */
  lookup(path: string, cred: Cred, cwd = '/'): FsNode {
    const p = normalizePath(path, cwd);
    this.checkSearch(p, cred);
    const node = this.nodes.get(p);
    if (!node) throw new FsError('ENOENT', p);
    return node;
  }

  read(path: string, cred: Cred, cwd = '/'): Buffer {
    const p = normalizePath(path, cwd);
    const node = this.lookup(p, cred);
    if (node.kind === 'dir') throw new FsError('EISDIR', p);
    if (!this.can(node, cred, 'r')) throw new FsError('EACCES', p);
    return this.readFile(p);
  }

  readDir(path: string, cred: Cred, cwd = '/'): string[] {
    const p = normalizePath(path, cwd);
    const node = this.lookup(p, cred);
    if (node.kind !== 'dir') throw new FsError('ENOTDIR', p);
    if (!this.can(node, cred, 'r')) throw new FsError('EACCES', p);
    return this.list(p);
  }

  private parentForCreate(p: string, cred: Cred): DirNode {
    this.checkSearch(p, cred);
    const parent = this.nodes.get(dirname(p));
    if (!parent) throw new FsError('ENOENT', p);
    if (parent.kind !== 'dir') throw new FsError('ENOTDIR', p);
    if (this.readOnly(p)) throw new FsError('EROFS', p);
    if (!this.can(parent, cred, 'w')) throw new FsError('EACCES', p);
    return parent;
  }

  /** open(O_WRONLY|O_CREAT|O_TRUNC or O_APPEND) + write + close. */
  write(path: string, data: Buffer | string, cred: Cred, opts: { cwd?: string; append?: boolean; mode?: number } = {}): void {
    const p = normalizePath(path, opts.cwd);
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    this.checkSearch(p, cred);
    const existing = this.nodes.get(p);
    if (existing) {
      if (existing.kind === 'dir') throw new FsError('EISDIR', p);
      if (this.readOnly(p)) throw new FsError('EROFS', p);
      if (!this.can(existing, cred, 'w')) throw new FsError('EACCES', p);
      if (existing.kind === 'dev') {
        const err = existing.write ? existing.write(buf.toString('utf8')) : undefined;
        if (err) throw new FsError(err, p);
        return;
      }
      existing.data = opts.append ? Buffer.concat([existing.data, buf]) : buf;
      existing.mtime = this.clock();
      delete existing.exec;
      return;
    }
    this.parentForCreate(p, cred);
    this.nodes.set(p, { kind: 'file', data: buf, mode: (opts.mode ?? 0o666) & 0o7777, uid: cred.uid, gid: cred.uid === ROOT_UID ? 0 : cred.uid, mtime: this.clock() });
  }

  /** Creates a file with an exact mode (as adbd's sync SEND does). */
  create(path: string, data: Buffer, cred: Cred, mode: number, mtime?: number): void {
    this.write(path, data, cred);
    const node = this.nodes.get(normalizePath(path));
    if (node && node.kind === 'file') {
      node.mode = mode & 0o7777;
      if (mtime !== undefined) node.mtime = mtime;
    }
  }

  mkdir(path: string, cred: Cred, opts: { cwd?: string; parents?: boolean; mode?: number } = {}): void {
    const p = normalizePath(path, opts.cwd);
    if (opts.parents) {
      const chain: string[] = [];
      for (let d = p; d !== '/'; d = dirname(d)) chain.unshift(d);
      for (const d of chain) {
        const node = this.nodes.get(d);
        if (node) {
          if (node.kind !== 'dir') throw new FsError('ENOTDIR', d);
          continue;
        }
        this.mkdir(d, cred, { mode: opts.mode ?? 0o777 });
      }
      return;
    }
    if (this.nodes.has(p)) throw new FsError('EEXIST', p);
    this.parentForCreate(p, cred);
    this.nodes.set(p, { kind: 'dir', mode: (opts.mode ?? 0o777) & 0o7777, uid: cred.uid, gid: cred.uid === ROOT_UID ? 0 : cred.uid, mtime: this.clock() });
  }

  remove(path: string, cred: Cred, opts: { cwd?: string; recursive?: boolean; dirOk?: boolean } = {}): void {
    const p = normalizePath(path, opts.cwd);
    const node = this.lookup(p, cred);
    if (p === '/') throw new FsError('EACCES', p);
    if (this.readOnly(p)) throw new FsError('EROFS', p);
    const parent = this.nodes.get(dirname(p));
    if (!parent || !this.can(parent, cred, 'w')) throw new FsError('EACCES', p);
    if (node.kind === 'dir') {
      const children = this.list(p);
      if (!opts.recursive && !opts.dirOk) throw new FsError('EISDIR', p);
      if (!opts.recursive && children.length) throw new FsError('ENOTEMPTY', p);
      for (const c of children) this.remove(`${p}/${c}`, cred, { recursive: true });
    }
    this.nodes.delete(p);
  }

  chmod(path: string, mode: number, cred: Cred, cwd = '/'): void {
    const p = normalizePath(path, cwd);
    const node = this.lookup(p, cred);
    if (this.readOnly(p)) throw new FsError('EROFS', p);
    if (cred.uid !== ROOT_UID && cred.uid !== node.uid) throw new FsError('EACCES', p);
    node.mode = mode & 0o7777;
  }

  touch(path: string, cred: Cred, cwd = '/'): void {
    const p = normalizePath(path, cwd);
    const node = this.nodes.get(p);
    if (node) {
      this.lookup(p, cred);
      if (this.readOnly(p)) throw new FsError('EROFS', p);
      if (cred.uid !== ROOT_UID && cred.uid !== node.uid && !this.can(node, cred, 'w')) throw new FsError('EACCES', p);
      node.mtime = this.clock();
      return;
    }
    this.write(p, Buffer.alloc(0), cred);
  }

  rename(from: string, to: string, cred: Cred, cwd = '/'): void {
    const a = normalizePath(from, cwd);
    let b = normalizePath(to, cwd);
    const node = this.lookup(a, cred);
    if (this.nodes.get(b)?.kind === 'dir') b = `${b}/${basename(a)}`;
    this.parentForCreate(b, cred);
    const parentA = this.nodes.get(dirname(a));
    if (this.readOnly(a) || !parentA || !this.can(parentA, cred, 'w')) throw new FsError('EACCES', a);
    const moved = [...this.nodes.entries()].filter(([k]) => k === a || k.startsWith(`${a}/`));
    for (const [k] of moved) this.nodes.delete(k);
    for (const [k, v] of moved) this.nodes.set(b + k.slice(a.length), v);
    node.mtime = this.clock();
  }
}
