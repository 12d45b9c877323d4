// Runs parsed scripts the way mksh would on the phone: parameter and command substitution,
// field splitting, pathname globbing against the phone's fs, redirections, pipes (each
// stage finishes before the next reads its output), && || ! ;, background jobs, loops,
// shell builtins, then PATH lookup of applets and of files (an ELF benchmark_model, a
// script). What a command does lives in toybox.ts and benchmark-model.ts.

import { FsError, basename, normalizePath, type Cred, type FileNode } from './fs.js';
import { parse, ShSyntaxError, type AndOr, type Command, type Pipeline, type Redir, type Script, type SimpleCommand, type Word } from './sh-parse.js';
import type { PhoneHost } from './phone-host.js';

export interface Output {
  write(data: Buffer | string): void;
}

export interface Input {
  /** Next chunk, or null at end of input. */
  read(): Promise<Buffer | null>;
}

export const EMPTY_INPUT: Input = { read: async () => null };
export const NULL_OUTPUT: Output = { write: () => undefined };

export async function readAll(input: Input): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for (let c = await input.read(); c; c = await input.read()) chunks.push(c);
  return Buffer.concat(chunks);
}

export class BufferInput implements Input {
  private done = false;
  constructor(private readonly data: Buffer) {}
  async read(): Promise<Buffer | null> {
    if (this.done || this.data.length === 0) return null;
    this.done = true;
    return this.data;
  }
}

export class CollectOutput implements Output {
  private readonly chunks: Buffer[] = [];
  write(data: Buffer | string): void {
    this.chunks.push(typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
  }
  buffer(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

export interface Io {
  stdin: Input;
  stdout: Output;
  stderr: Output;
}

export interface ShellState {
  /** The process running this shell (`$$`). */
  pid: number;
  /** Set by the `exec` builtin: the program run next replaces this process (same pid). */
  replacing?: boolean;
  vars: Map<string, string>;
  cwd: string;
  cred: Cred;
  /** Core ids this process may run on (sched_setaffinity). */
  affinity: number[];
  lastStatus: number;
  positional: string[];
  argv0: string;
  lastBgPid: number;
  /** Background jobs; `holdsSession` when their output still goes to the adb stream. */
  jobs: Array<{ done: Promise<number>; holdsSession: boolean }>;
}

export interface AppletCtx {
  argv: string[];
  state: ShellState;
  io: Io;
  signal: AbortSignal;
  shell: Shell;
  host: PhoneHost;
}

export type Applet = (ctx: AppletCtx) => Promise<number>;

class ExitSignal {
  constructor(readonly status: number) {}
}
class LoopSignal {
  constructor(
    readonly kind: 'break' | 'continue',
    public levels: number,
  ) {}
}

export const SH = '/system/bin/sh';

export function cloneState(s: ShellState): ShellState {
  return { ...s, vars: new Map(s.vars), positional: [...s.positional], affinity: [...s.affinity], jobs: [] };
}

function errText(err: unknown): string {
  return err instanceof FsError ? err.message : err instanceof Error ? err.message : String(err);
}

/** Writes to a file as the command runs (regular files) or at close (device files). */
class FileOutput implements Output {
  private readonly pending: Buffer[] = [];
  private readonly dev: boolean;

  constructor(
    private readonly host: PhoneHost,
    private readonly path: string,
    private readonly cred: Cred,
    append: boolean,
  ) {
    const node = host.fs.stat(path);
    this.dev = node?.kind === 'dev';
    if (this.dev) {
      host.fs.lookup(path, cred);
      if (node && !host.fs.can(node, cred, 'w')) throw new FsError('EACCES', path);
    } else if (append && node) {
      host.fs.write(path, Buffer.alloc(0), cred, { append: true });
    } else {
      host.fs.write(path, Buffer.alloc(0), cred);
    }
  }

  write(data: Buffer | string): void {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    if (this.dev) this.pending.push(buf);
    else {
      try {
        this.host.fs.write(this.path, buf, this.cred, { append: true });
      } catch {
        // The file vanished under us (rm by another command): writes go nowhere, like an unlinked fd.
      }
    }
  }

  /** Flushes device-file writes; returns an error text when the write is refused. */
  close(): string | null {
    if (!this.dev || this.pending.length === 0) return null;
    try {
      this.host.fs.write(this.path, Buffer.concat(this.pending), this.cred);
      return null;
    } catch (err) {
      return errText(err);
    }
  }
}

class FileInput implements Input {
  private done = false;
  constructor(private readonly data: Buffer) {}
  async read(): Promise<Buffer | null> {
    if (this.done || this.data.length === 0) return null;
    this.done = true;
    return this.data;
  }
}

const SHELL_BUILTINS = new Set(['cd', 'export', 'unset', 'exit', 'set', ':', 'break', 'continue', 'eval', '.', 'source', 'command', 'wait', 'exec', 'read', 'shift', 'type', 'return']);

export class Shell {
  constructor(
    readonly host: PhoneHost,
    readonly applets: Map<string, Applet>,
  ) {}

  // ---- entry points ----

  /** Parses and runs a script; syntax errors print like mksh and give status 1. */
  async run(src: string, state: ShellState, io: Io, signal: AbortSignal): Promise<number> {
    let script: Script;
    try {
      script = parse(src);
    } catch (err) {
      if (err instanceof ShSyntaxError) {
        io.stderr.write(`${SH}: syntax error: ${err.message}\n`);
        return 1;
      }
      throw err;
    }
    try {
      return await this.execScript(script, state, io, signal);
    } catch (e) {
      if (e instanceof ExitSignal) return e.status;
      if (e instanceof LoopSignal) return state.lastStatus;
      if (e instanceof ShSyntaxError) {
        io.stderr.write(`${SH}: ${e.message}\n`);
        return 1;
      }
      throw e;
    }
  }

  // ---- execution ----

  async execScript(script: Script, state: ShellState, io: Io, signal: AbortSignal): Promise<number> {
    let status = state.lastStatus;
    for (const andor of script) {
      if (signal.aborted) return 129;
      if (andor.background) {
        this.startBackground(andor, state, io);
        status = 0;
      } else {
        status = await this.execAndOr(andor, state, io, signal);
      }
      state.lastStatus = status;
    }
    return status;
  }

  private startBackground(andor: AndOr, state: ShellState, io: Io): void {
    const child = cloneState(state);
    const detached = andor.first.commands.every((c) => redirectsBoth(c.redirs)) && andor.rest.every((r) => r.pipeline.commands.every((c) => redirectsBoth(c.redirs)));
    const proc = this.host.procs.spawn('sh', `${SH} (background)`, state.cred.uid, this.host.lifeSignal, state.pid);
    state.lastBgPid = proc.pid;
    const job = this.execAndOr({ ...andor, background: false }, child, { ...io, stdin: EMPTY_INPUT }, proc.signal)
      .catch((e: unknown) => (e instanceof ExitSignal ? e.status : 1))
      .finally(() => proc.exit());
    state.jobs.push({ done: job, holdsSession: !detached });
  }

  private async execAndOr(andor: AndOr, state: ShellState, io: Io, signal: AbortSignal): Promise<number> {
    let status = await this.execPipeline(andor.first, state, io, signal);
    for (const { op, pipeline } of andor.rest) {
      if (signal.aborted) return 129;
      if ((op === '&&' && status !== 0) || (op === '||' && status === 0)) continue;
      state.lastStatus = status;
      status = await this.execPipeline(pipeline, state, io, signal);
    }
    return status;
  }

  private async execPipeline(p: Pipeline, state: ShellState, io: Io, signal: AbortSignal): Promise<number> {
    let status: number;
    if (p.commands.length === 1 && p.commands[0]) {
      status = await this.execCommand(p.commands[0], state, io, signal);
    } else {
      let stdin = io.stdin;
      status = 0;
      for (let i = 0; i < p.commands.length; i++) {
        const cmd = p.commands[i];
        if (!cmd) continue;
        const last = i === p.commands.length - 1;
        const sub = cloneState(state);
        const out = last ? io.stdout : new CollectOutput();
        try {
          status = await this.execCommand(cmd, sub, { stdin, stdout: out, stderr: io.stderr }, signal);
        } catch (e) {
          if (!(e instanceof ExitSignal)) throw e;
          status = e.status;
        }
        if (out instanceof CollectOutput) stdin = new BufferInput(out.buffer());
      }
    }
    return p.negate ? (status === 0 ? 1 : 0) : status;
  }

  /** Applies redirections to a copy of io; returns null (after printing) when one fails. */
  private async redirect(redirs: Redir[], state: ShellState, io: Io, signal: AbortSignal): Promise<{ io: Io; files: FileOutput[] } | null> {
    const fds: Array<Input | Output | undefined> = [io.stdin, io.stdout, io.stderr];
    const files: FileOutput[] = [];
    for (const r of redirs) {
      const fields = await this.expandWord(r.target, state, io, signal);
      const target = fields[0] ?? '';
      if (fields.length !== 1) {
        io.stderr.write(`${SH}: ${target}: ambiguous redirect\n`);
        return null;
      }
      if (r.op === '>&' || r.op === '<&') {
        if (target === '-') {
          fds[r.fd] = r.op === '>&' ? NULL_OUTPUT : EMPTY_INPUT;
          continue;
        }
        const from = Number(target);
        if (!/^\d+$/.test(target) || fds[from] === undefined) {
          io.stderr.write(`${SH}: ${target}: bad file descriptor\n`);
          return null;
        }
        fds[r.fd] = fds[from];
        continue;
      }
      const path = normalizePath(target, state.cwd);
      try {
        if (r.op === '<') {
          fds[r.fd] = new FileInput(this.host.fs.read(path, state.cred));
        } else {
          const f = new FileOutput(this.host, path, state.cred, r.op === '>>');
          files.push(f);
          fds[r.fd] = f;
        }
      } catch (err) {
        io.stderr.write(`${SH}: can't ${r.op === '<' ? 'open' : 'create'} ${target}: ${errText(err)}\n`);
        return null;
      }
    }
    const asOut = (x: Input | Output | undefined, d: Output): Output => (x && 'write' in x ? x : d);
    const asIn = (x: Input | Output | undefined, d: Input): Input => (x && 'read' in x ? x : d);
    return { io: { stdin: asIn(fds[0], EMPTY_INPUT), stdout: asOut(fds[1], NULL_OUTPUT), stderr: asOut(fds[2], NULL_OUTPUT) }, files };
  }

  private closeFiles(files: FileOutput[], io: Io, status: number): number {
    let out = status;
    for (const f of files) {
      const err = f.close();
      if (err) {
        io.stderr.write(`${SH}: write error: ${err}\n`);
        out = 1;
      }
    }
    return out;
  }

  async execCommand(cmd: Command, state: ShellState, io: Io, signal: AbortSignal): Promise<number> {
    if (cmd.kind === 'simple') return this.execSimple(cmd, state, io, signal);
    const r = await this.redirect(cmd.redirs, state, io, signal);
    if (!r) return 1;
    let status = 0;
    try {
      status = await this.execCompound(cmd, state, r.io, signal);
    } finally {
      status = this.closeFiles(r.files, io, status);
    }
    return status;
  }

  private async execCompound(cmd: Exclude<Command, SimpleCommand>, state: ShellState, io: Io, signal: AbortSignal): Promise<number> {
    switch (cmd.kind) {
      case 'group': {
        if (!cmd.subshell) return this.execScript(cmd.body, state, io, signal);
        const sub = cloneState(state);
        try {
          return await this.execScript(cmd.body, sub, io, signal);
        } catch (e) {
          if (e instanceof ExitSignal) return e.status;
          throw e;
        }
      }
      case 'if': {
        for (const c of cmd.clauses) {
          if ((await this.execScript(c.cond, state, io, signal)) === 0) return this.execScript(c.body, state, io, signal);
        }
        return cmd.elseBody ? this.execScript(cmd.elseBody, state, io, signal) : 0;
      }
      case 'loop': {
        let status = 0;
        for (let guard = 0; guard < 1_000_000 && !signal.aborted; guard++) {
          const c = await this.execScript(cmd.cond, state, io, signal);
          if ((c === 0) === cmd.until) break;
          const r = await this.loopBody(cmd.body, state, io, signal);
          status = r.status;
          if (r.brk) break;
        }
        return status;
      }
      case 'for': {
        const items = cmd.items ? await this.expandWords(cmd.items, state, io, signal) : [...state.positional];
        let status = 0;
        for (const it of items) {
          if (signal.aborted) return 129;
          state.vars.set(cmd.name, it);
          const r = await this.loopBody(cmd.body, state, io, signal);
          status = r.status;
          if (r.brk) break;
        }
        return status;
      }
    }
  }

  private async loopBody(body: Script, state: ShellState, io: Io, signal: AbortSignal): Promise<{ status: number; brk: boolean }> {
    try {
      return { status: await this.execScript(body, state, io, signal), brk: false };
    } catch (e) {
      if (!(e instanceof LoopSignal)) throw e;
      if (e.levels > 1) {
        e.levels--;
        throw e;
      }
      return { status: 0, brk: e.kind === 'break' };
    }
  }

  private async execSimple(cmd: SimpleCommand, state: ShellState, io: Io, signal: AbortSignal): Promise<number> {
    const argv = await this.expandWords(cmd.words, state, io, signal);
    const values: Array<[string, string]> = [];
    for (const a of cmd.assigns) values.push([a.name, (await this.expandWord(a.value, state, io, signal, false)).join(' ')]);
    if (argv.length === 0) {
      for (const [k, v] of values) state.vars.set(k, v);
      const r = await this.redirect(cmd.redirs, state, io, signal);
      if (!r) return 1;
      return this.closeFiles(r.files, io, 0);
    }
    const r = await this.redirect(cmd.redirs, state, io, signal);
    if (!r) return 1;
    let status = 1;
    // Prefix assignments only affect this command's environment.
    const run = values.length ? cloneState(state) : state;
    for (const [k, v] of values) run.vars.set(k, v);
    try {
      status = await this.runArgv(argv, run, r.io, signal, true);
    } finally {
      status = this.closeFiles(r.files, io, status);
    }
    return status;
  }

  // ---- commands ----

  /** Runs argv: shell builtins (when allowed), then PATH lookup. */
  async runArgv(argv: string[], state: ShellState, io: Io, signal: AbortSignal, builtins: boolean): Promise<number> {
    const name = argv[0] ?? '';
    if (builtins && SHELL_BUILTINS.has(name)) return this.builtin(argv, state, io, signal);
    const resolved = this.resolve(name, state);
    if (resolved.kind === 'missing') {
      io.stderr.write(`${SH}: ${name}: inaccessible or not found\n`);
      return 127;
    }
    if (resolved.kind === 'error') {
      io.stderr.write(`${SH}: ${name}: ${resolved.message}\n`);
      return 126;
    }
    if (resolved.kind === 'applet') {
      const applet = this.applets.get(resolved.name);
      if (!applet) {
        io.stderr.write(`${SH}: ${name}: inaccessible or not found\n`);
        return 127;
      }
      return applet({ argv, state, io, signal, shell: this, host: this.host });
    }
    return this.execFile(resolved.path, resolved.node, argv, state, io, signal);
  }

  private resolve(name: string, state: ShellState): { kind: 'applet'; name: string } | { kind: 'file'; path: string; node: FileNode } | { kind: 'missing' } | { kind: 'error'; message: string } {
    if (name === '') return { kind: 'missing' };
    const candidates = name.includes('/') ? [normalizePath(name, state.cwd)] : (state.vars.get('PATH') ?? '').split(':').filter(Boolean).map((d) => `${d}/${name}`);
    for (const path of candidates) {
      let node;
      try {
        node = this.host.fs.lookup(path, state.cred);
      } catch (err) {
        if (name.includes('/') && err instanceof FsError && err.code === 'EACCES') return { kind: 'error', message: `can't execute: Permission denied` };
        continue;
      }
      if (node.kind === 'dir') {
        if (name.includes('/')) return { kind: 'error', message: "can't execute: Is a directory" };
        continue;
      }
      if (node.kind !== 'file') continue;
      if (!this.host.fs.can(node, state.cred, 'x')) {
        if (name.includes('/')) return { kind: 'error', message: "can't execute: Permission denied" };
        continue;
      }
      if (node.exec?.kind === 'applet') return { kind: 'applet', name: node.exec.name };
      return { kind: 'file', path, node };
    }
    return { kind: 'missing' };
  }

  /** execve of a regular file: ELF binaries by content and name, else a shell script. */
  private async execFile(path: string, node: FileNode, argv: string[], state: ShellState, io: Io, signal: AbortSignal): Promise<number> {
    const data = node.data;
    if (data.length >= 20 && data.readUInt32BE(0) === 0x7f454c46) {
      const machine = data.readUInt16LE(18);
      if (machine !== 0xb7 && machine !== 0x28) {
        io.stderr.write(`${SH}: ${argv[0] ?? path}: not executable: ${data[4] === 2 ? '64' : '32'}-bit ELF file\n`);
        return 126;
      }
      if (/benchmark_model/.test(basename(path))) {
        if (state.replacing) {
          this.host.procs.exec(state.pid, basename(path), argv.join(' '));
          return this.host.runBenchmark(argv, { state, io, signal });
        }
        const proc = this.host.procs.spawn(basename(path), argv.join(' '), state.cred.uid, signal, state.pid);
        try {
          return await this.host.runBenchmark(argv, { state, io, signal: proc.signal });
        } finally {
          proc.exit();
        }
      }
      return 0;
    }
    const sub = cloneState(state);
    sub.positional = argv.slice(1);
    sub.argv0 = path;
    return this.run(data.toString('utf8'), sub, io, signal);
  }

  private async builtin(argv: string[], state: ShellState, io: Io, signal: AbortSignal): Promise<number> {
    const [name = '', ...args] = argv;
    switch (name) {
      case ':':
        return 0;
      case 'cd': {
        const target = normalizePath(args[0] ?? state.vars.get('HOME') ?? '/', state.cwd);
        try {
          const node = this.host.fs.lookup(target, state.cred);
          if (node.kind !== 'dir') throw new FsError('ENOTDIR', target);
          if (!this.host.fs.can(node, state.cred, 'x')) throw new FsError('EACCES', target);
        } catch (err) {
          io.stderr.write(`${SH}: cd: ${target} - ${errText(err)}\n`);
          return 2;
        }
        state.cwd = target;
        state.vars.set('PWD', target);
        return 0;
      }
      case 'export':
        for (const a of args) {
          const i = a.indexOf('=');
          if (i > 0) state.vars.set(a.slice(0, i), a.slice(i + 1));
        }
        return 0;
      case 'unset':
        for (const a of args) state.vars.delete(a);
        return 0;
      case 'set':
        if (args[0] === '--') state.positional = args.slice(1);
        return 0;
      case 'shift': {
        const n = Number(args[0] ?? 1);
        state.positional = state.positional.slice(n);
        return 0;
      }
      case 'exit':
      case 'return':
        throw new ExitSignal(args[0] !== undefined ? Number(args[0]) & 255 : state.lastStatus);
      case 'break':
      case 'continue':
        throw new LoopSignal(name, Math.max(1, Number(args[0] ?? 1)));
      case 'eval':
        return this.run(args.join(' '), state, io, signal);
      case '.':
      case 'source': {
        try {
          return await this.run(this.host.fs.read(normalizePath(args[0] ?? '', state.cwd), state.cred).toString('utf8'), state, io, signal);
        } catch (err) {
          io.stderr.write(`${SH}: ${args[0] ?? ''}: ${errText(err)}\n`);
          return 1;
        }
      }
      case 'wait': {
        const jobs = state.jobs.splice(0);
        let st = 0;
        for (const j of jobs) st = await j.done;
        return st;
      }
      case 'exec': {
        if (args.length === 0) return 0;
        const self = cloneState(state);
        self.replacing = true;
        throw new ExitSignal(await this.runArgv(args, self, io, signal, false));
      }
      case 'read': {
        const data = (await readAll(io.stdin)).toString('utf8').split('\n')[0] ?? '';
        if (args[0]) state.vars.set(args[0], data);
        return data ? 0 : 1;
      }
      case 'command':
      case 'type': {
        const names = name === 'command' ? args.filter((a) => a !== '-v') : args;
        if (name === 'command' && !args.includes('-v')) return this.runArgv(names, state, io, signal, false);
        let st = 0;
        for (const n of names) {
          if (SHELL_BUILTINS.has(n)) {
            io.stdout.write(name === 'type' ? `${n} is a shell builtin\n` : `${n}\n`);
            continue;
          }
          const r = this.resolve(n, state);
          if (r.kind === 'applet' || r.kind === 'file') {
            const path = n.includes('/') ? n : `${(state.vars.get('PATH') ?? '').split(':').find((d) => this.host.fs.exists(`${d}/${n}`)) ?? ''}/${n}`;
            io.stdout.write(name === 'type' ? `${n} is ${path}\n` : `${path}\n`);
          } else {
            if (name === 'type') io.stdout.write(`${n} not found\n`);
            st = 1;
          }
        }
        return st;
      }
      default:
        return 0;
    }
  }

  // ---- expansion ----

  private async paramValue(name: string, state: ShellState): Promise<string> {
    switch (name) {
      case '?':
        return String(state.lastStatus);
      case '$':
        return String(state.pid);
      case '#':
        return String(state.positional.length);
      case '!':
        return state.lastBgPid ? String(state.lastBgPid) : '';
      case '@':
      case '*':
        return state.positional.join(' ');
      case '0':
        return state.argv0;
      default:
        if (/^\d$/.test(name)) return state.positional[Number(name) - 1] ?? '';
        return state.vars.get(name) ?? '';
    }
  }

  async expandWords(words: Word[], state: ShellState, io: Io, signal: AbortSignal): Promise<string[]> {
    const out: string[] = [];
    for (const w of words) out.push(...(await this.expandWord(w, state, io, signal)));
    return out;
  }

  /** Expands one word into fields: substitutions, splitting (unquoted), then globbing. */
  async expandWord(word: Word, state: ShellState, io: Io, signal: AbortSignal, split = true): Promise<string[]> {
    type Ch = { c: string; glob: boolean };
    const fields: Array<{ chars: Ch[]; quoted: boolean }> = [];
    let cur: { chars: Ch[]; quoted: boolean } | undefined;
    const ensure = (): { chars: Ch[]; quoted: boolean } => {
      if (!cur) {
        cur = { chars: [], quoted: false };
        fields.push(cur);
      }
      return cur;
    };
    const append = (text: string, glob: boolean, quoted: boolean): void => {
      const f = ensure();
      if (quoted) f.quoted = true;
      for (const c of text) f.chars.push({ c, glob: glob && (c === '*' || c === '?' || c === '[') });
    };
    for (const part of word.parts) {
      if (part.kind === 'lit') {
        append(part.text, !part.quoted, part.quoted);
        continue;
      }
      let value: string;
      if (part.kind === 'param') {
        value = await this.paramValue(part.name, state);
      } else if (part.kind === 'arith') {
        value = String(evalArith(part.expr, (name) => state.vars.get(name) ?? (name === '?' ? String(state.lastStatus) : '')));
      } else {
        const collect = new CollectOutput();
        const sub = cloneState(state);
        try {
          state.lastStatus = await this.execScript(part.script, sub, { ...io, stdout: collect }, signal);
        } catch (e) {
          if (!(e instanceof ExitSignal)) throw e;
          state.lastStatus = e.status;
        }
        value = collect.buffer().toString('utf8').replace(/\n+$/, '');
      }
      if (part.quoted || !split) {
        append(value, false, true);
        continue;
      }
      const pieces = value.split(/[ \t\n]+/);
      pieces.forEach((piece, i) => {
        if (i > 0) cur = undefined;
        if (piece) append(piece, true, false);
      });
    }
    const out: string[] = [];
    for (const f of fields) {
      if (f.chars.length === 0 && !f.quoted) continue;
      const text = f.chars.map((x) => x.c).join('');
      if (split && f.chars.some((x) => x.glob)) {
        const matches = this.glob(f.chars, state);
        out.push(...(matches.length ? matches : [text]));
      } else {
        out.push(text);
      }
    }
    return out;
  }

  private glob(chars: Array<{ c: string; glob: boolean }>, state: ShellState): string[] {
    const absolute = chars[0]?.c === '/';
    const comps: Array<Array<{ c: string; glob: boolean }>> = [[]];
    for (const ch of chars) {
      if (ch.c === '/') comps.push([]);
      else comps[comps.length - 1]?.push(ch);
    }
    let paths: Array<{ real: string; shown: string }> = [{ real: absolute ? '/' : state.cwd, shown: absolute ? '/' : '' }];
    for (const comp of comps) {
      if (comp.length === 0) continue;
      const join = (base: { real: string; shown: string }, name: string): { real: string; shown: string } => ({
        real: base.real === '/' ? `/${name}` : `${base.real}/${name}`,
        shown: base.shown === '' ? name : base.shown.endsWith('/') ? `${base.shown}${name}` : `${base.shown}/${name}`,
      });
      if (!comp.some((c) => c.glob)) {
        const name = comp.map((c) => c.c).join('');
        paths = paths.map((p) => join(p, name)).filter((p) => this.host.fs.exists(p.real));
        continue;
      }
      let re = '^';
      for (let i = 0; i < comp.length; i++) {
        const ch = comp[i];
        if (!ch) continue;
        if (ch.glob && ch.c === '*') re += '.*';
        else if (ch.glob && ch.c === '?') re += '.';
        else if (ch.glob && ch.c === '[') {
          const close = comp.findIndex((x, j) => j > i + 1 && x.c === ']');
          if (close < 0) re += '\\[';
          else {
            const body = comp.slice(i + 1, close).map((x) => x.c).join('').replace(/^!/, '^');
            re += `[${body.replace(/\\/g, '\\\\')}]`;
            i = close;
          }
        } else re += ch.c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      }
      const rx = new RegExp(`${re}$`);
      const dotOk = comp[0]?.c === '.';
      const next: Array<{ real: string; shown: string }> = [];
      for (const p of paths) {
        let names: string[] = [];
        try {
          names = this.host.fs.readDir(p.real, state.cred);
        } catch {
          continue;
        }
        for (const n of names) if ((dotOk || !n.startsWith('.')) && rx.test(n)) next.push(join(p, n));
      }
      paths = next;
    }
    return paths.map((p) => p.shown).sort();
  }
}

function redirectsBoth(redirs: Redir[]): boolean {
  const fds = new Set(redirs.filter((r) => r.op === '>' || r.op === '>>' || r.op === '>&').map((r) => r.fd));
  return fds.has(1) && fds.has(2);
}

/** Shell arithmetic: integers, + - * / %, comparisons, ! && ||, parentheses, $VAR and bare names. */
export function evalArith(expr: string, lookup: (name: string) => string): number {
  const tokens = expr.match(/\$?\{?[A-Za-z_][A-Za-z0-9_]*\}?|\$\?|\d+|<=|>=|==|!=|&&|\|\||[-+*/%()<>!]/g) ?? [];
  if (tokens.join('') !== expr.replace(/\s+/g, '')) throw new ShSyntaxError(`${expr}: bad arithmetic expression`);
  let i = 0;
  const peek = (): string | undefined => tokens[i];
  const value = (t: string): number => {
    if (/^\d+$/.test(t)) return Number(t);
    const name = t.replace(/^\$\{?|\}$/g, '');
    const v = lookup(name).trim();
    return v === '' ? 0 : Math.trunc(Number(v)) || 0;
  };
  const primary = (): number => {
    const t = tokens[i++];
    if (t === undefined) throw new ShSyntaxError(`${expr}: unexpected end of expression`);
    if (t === '(') {
      const v = or();
      if (tokens[i++] !== ')') throw new ShSyntaxError(`${expr}: missing ')'`);
      return v;
    }
    if (t === '-') return -primary();
    if (t === '+') return primary();
    if (t === '!') return primary() === 0 ? 1 : 0;
    return value(t);
  };
  const binary = (next: () => number, ops: Record<string, (a: number, b: number) => number>) => (): number => {
    let v = next();
    for (let op = peek(); op !== undefined && op in ops; op = peek()) {
      i++;
      const fn = ops[op];
      const r = next();
      if ((op === '/' || op === '%') && r === 0) throw new ShSyntaxError(`${expr}: division by zero`);
      if (fn) v = fn(v, r);
    }
    return v;
  };
  const mul = binary(primary, { '*': (a, b) => a * b, '/': (a, b) => Math.trunc(a / b), '%': (a, b) => a % b });
  const add = binary(mul, { '+': (a, b) => a + b, '-': (a, b) => a - b });
  const cmp = binary(add, { '<': (a, b) => +(a < b), '>': (a, b) => +(a > b), '<=': (a, b) => +(a <= b), '>=': (a, b) => +(a >= b) });
  const eq = binary(cmp, { '==': (a, b) => +(a === b), '!=': (a, b) => +(a !== b) });
  const and = binary(eq, { '&&': (a, b) => +(a !== 0 && b !== 0) });
  const or = binary(and, { '||': (a, b) => +(a !== 0 || b !== 0) });
  const result = or();
  if (i !== tokens.length) throw new ShSyntaxError(`${expr}: bad arithmetic expression`);
  return result;
}
