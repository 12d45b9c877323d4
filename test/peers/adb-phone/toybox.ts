// The commands of the phone's /system/bin (toybox applets, getprop, dumpsys, su, ...), each
// a small function over the shell context. Messages and exit statuses follow toybox on
// Android 10 where it matters to a caller: `ls` of a missing path, `which` of a missing
// command, `cat` of a directory, permission errors.

import { createHash } from 'node:crypto';
import { FsError, ROOT_CRED, basename, dirname, normalizePath, type FsNode } from './fs.js';
import { cloneState, readAll, SH, type Applet, type AppletCtx } from './sh-exec.js';
import { ADBD_PID, type ProcInfo } from './phone-host.js';

const USERS: Record<number, string> = { 0: 'root', 1000: 'system', 1015: 'sdcard_rw', 2000: 'shell', 9997: 'everybody' };

function errText(err: unknown): string {
  return err instanceof FsError ? err.message : err instanceof Error ? err.message : String(err);
}

/** Splits leading "-abc" option clusters off argv (stops at "--" or the first operand). */
function opts(args: string[], withValue = ''): { flags: Map<string, string | true>; rest: string[] } {
  const flags = new Map<string, string | true>();
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i] ?? '';
    if (a === '--') {
      i++;
      break;
    }
    if (!/^-[A-Za-z0-9]/.test(a)) break;
    for (let j = 1; j < a.length; j++) {
      const f = a[j] ?? '';
      if (withValue.includes(f)) {
        const v = a.slice(j + 1) || args[++i] || '';
        flags.set(f, v);
        break;
      }
      flags.set(f, true);
    }
  }
  return { flags, rest: args.slice(i) };
}

function modeString(node: FsNode): string {
  const t = node.kind === 'dir' ? 'd' : '-';
  const m = node.mode;
  const rwx = (s: number): string => `${m & (4 << s) ? 'r' : '-'}${m & (2 << s) ? 'w' : '-'}${m & (1 << s) ? 'x' : '-'}`;
  return t + rwx(6) + rwx(3) + rwx(0);
}

function sizeOf(node: FsNode): number {
  return node.kind === 'file' ? node.data.length : 4096;
}

function dateString(epochS: number, fmt: 'ls' | 'date'): string {
  const d = new Date(epochS * 1000);
  const p = (n: number): string => String(n).padStart(2, '0');
  if (fmt === 'ls') return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}`;
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  return `${days[d.getUTCDay()]} ${months[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} GMT ${d.getUTCFullYear()}`;
}

async function inputText(ctx: AppletCtx, files: string[], name: string): Promise<{ text: string; status: number }> {
  let status = 0;
  const parts: string[] = [];
  if (files.length === 0) files = ['-'];
  for (const f of files) {
    if (f === '-') {
      parts.push((await readAll(ctx.io.stdin)).toString('utf8'));
      continue;
    }
    try {
      parts.push(ctx.host.fs.read(normalizePath(f, ctx.state.cwd), ctx.state.cred).toString('utf8'));
    } catch (err) {
      ctx.io.stderr.write(`${name}: ${f}: ${errText(err)}\n`);
      status = 1;
    }
  }
  return { text: parts.join(''), status };
}

function lines(text: string): string[] {
  const l = text.split('\n');
  if (l[l.length - 1] === '') l.pop();
  return l;
}

const cat: Applet = async (ctx) => {
  const { rest } = opts(ctx.argv.slice(1));
  let status = 0;
  for (const f of rest.length ? rest : ['-']) {
    if (f === '-') {
      ctx.io.stdout.write(await readAll(ctx.io.stdin));
      continue;
    }
    try {
      ctx.io.stdout.write(ctx.host.fs.read(normalizePath(f, ctx.state.cwd), ctx.state.cred));
    } catch (err) {
      ctx.io.stderr.write(`cat: ${f}: ${errText(err)}\n`);
      status = 1;
    }
  }
  return status;
};

const ls: Applet = async (ctx) => {
  const { flags, rest } = opts(ctx.argv.slice(1));
  const long = flags.has('l') || flags.has('n');
  const all = flags.has('a');
  const dirAsFile = flags.has('d');
  const { fs } = ctx.host;
  const entry = (name: string, node: FsNode): string => {
    if (!long) return name;
    const owner = flags.has('n') ? String(node.uid) : (USERS[node.uid] ?? String(node.uid));
    const group = flags.has('n') ? String(node.gid) : (USERS[node.gid] ?? String(node.gid));
    return `${modeString(node)} ${node.kind === 'dir' ? 2 : 1} ${owner} ${group} ${sizeOf(node)} ${dateString(node.mtime, 'ls')} ${name}`;
  };
  let status = 0;
  const targets = rest.length ? rest : ['.'];
  const files: string[] = [];
  const dirs: Array<{ shown: string; path: string }> = [];
  for (const t of targets) {
    const path = normalizePath(t, ctx.state.cwd);
    try {
      const node = fs.lookup(path, ctx.state.cred);
      if (node.kind === 'dir' && !dirAsFile) dirs.push({ shown: t, path });
      else files.push(entry(t, node));
    } catch (err) {
      ctx.io.stderr.write(`ls: ${t}: ${errText(err)}\n`);
      status = 1;
    }
  }
  const out: string[] = [...files];
  dirs.forEach((d, i) => {
    let names: string[];
    try {
      names = fs.readDir(d.path, ctx.state.cred);
    } catch (err) {
      ctx.io.stderr.write(`ls: ${d.shown}: ${errText(err)}\n`);
      status = 1;
      return;
    }
    if (targets.length > 1) {
      if (out.length || i > 0) out.push('');
      out.push(`${d.shown}:`);
    }
    if (long) out.push(`total ${names.length * 8}`);
    const shown = all ? ['.', '..', ...names] : names.filter((n) => !n.startsWith('.'));
    for (const n of shown) {
      const node = n === '.' || n === '..' ? fs.stat(d.path) : fs.stat(`${d.path === '/' ? '' : d.path}/${n}`);
      if (node) out.push(entry(n, node));
    }
  });
  if (out.length) ctx.io.stdout.write(`${out.join('\n')}\n`);
  return status;
};

function unescape(s: string): { text: string; stop: boolean } {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i] ?? '';
    if (c !== '\\' || i + 1 >= s.length) {
      out += c;
      continue;
    }
    const n = s[++i] ?? '';
    const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', a: '\x07', b: '\b', e: '\x1b', f: '\f', v: '\v' };
    if (n === 'c') return { text: out, stop: true };
    if (n === '0') {
      const m = /^[0-7]{0,3}/.exec(s.slice(i + 1))?.[0] ?? '';
      out += String.fromCharCode(Number.parseInt(m || '0', 8));
      i += m.length;
    } else out += map[n] ?? `\\${n}`;
  }
  return { text: out, stop: false };
}

const echo: Applet = async (ctx) => {
  let args = ctx.argv.slice(1);
  let newline = true;
  let escapes = false;
  while (args[0] && /^-[neE]+$/.test(args[0])) {
    if (args[0].includes('n')) newline = false;
    if (args[0].includes('e')) escapes = true;
    if (args[0].includes('E')) escapes = false;
    args = args.slice(1);
  }
  let text = args.join(' ');
  if (escapes) {
    const u = unescape(text);
    text = u.text;
    if (u.stop) newline = false;
  }
  ctx.io.stdout.write(newline ? `${text}\n` : text);
  return 0;
};

const printf: Applet = async (ctx) => {
  const [fmt = '', ...args] = ctx.argv.slice(1);
  let out = '';
  let k = 0;
  do {
    out += fmt.replace(/%([-0 +#]*\d*(?:\.\d+)?)([sdifxXuc%])/g, (_, flag: string, conv: string) => {
      if (conv === '%') return '%';
      const a = args[k++] ?? '';
      const width = Number(/\d+/.exec(flag.split('.')[0] ?? '')?.[0] ?? 0);
      const prec = flag.includes('.') ? Number(flag.split('.')[1]) : undefined;
      let s: string;
      if (conv === 's') s = prec !== undefined ? a.slice(0, prec) : a;
      else if (conv === 'c') s = a.slice(0, 1);
      else if (conv === 'f') s = (Number(a) || 0).toFixed(prec ?? 6);
      else if (conv === 'x' || conv === 'X') s = Math.trunc(Number(a) || 0).toString(16);
      else s = String(Math.trunc(Number(a) || 0));
      if (conv === 'X') s = s.toUpperCase();
      return flag.includes('-') ? s.padEnd(width) : s.padStart(width, flag.startsWith('0') && conv !== 's' ? '0' : ' ');
    });
  } while (k > 0 && k < args.length);
  ctx.io.stdout.write(unescape(out).text);
  return 0;
};

const mkdir: Applet = async (ctx) => {
  const { flags, rest } = opts(ctx.argv.slice(1), 'm');
  const mode = typeof flags.get('m') === 'string' ? Number.parseInt(flags.get('m') as string, 8) : undefined;
  let status = 0;
  for (const d of rest) {
    try {
      ctx.host.fs.mkdir(d, ctx.state.cred, { cwd: ctx.state.cwd, parents: flags.has('p'), ...(mode !== undefined ? { mode } : {}) });
    } catch (err) {
      ctx.io.stderr.write(`mkdir: '${d}': ${errText(err)}\n`);
      status = 1;
    }
  }
  return status;
};

const rm: Applet = async (ctx) => {
  const { flags, rest } = opts(ctx.argv.slice(1));
  const force = flags.has('f');
  const recursive = flags.has('r') || flags.has('R');
  let status = 0;
  for (const p of rest) {
    try {
      ctx.host.fs.remove(p, ctx.state.cred, { cwd: ctx.state.cwd, recursive });
    } catch (err) {
      if (force && err instanceof FsError && err.code === 'ENOENT') continue;
      ctx.io.stderr.write(`rm: ${p}: ${errText(err)}\n`);
      status = 1;
    }
  }
  return status;
};

const rmdir: Applet = async (ctx) => {
  let status = 0;
  for (const p of opts(ctx.argv.slice(1)).rest) {
    try {
      const node = ctx.host.fs.lookup(p, ctx.state.cred, ctx.state.cwd);
      if (node.kind !== 'dir') throw new FsError('ENOTDIR', p);
      ctx.host.fs.remove(p, ctx.state.cred, { cwd: ctx.state.cwd, dirOk: true });
    } catch (err) {
      ctx.io.stderr.write(`rmdir: ${p}: ${errText(err)}\n`);
      status = 1;
    }
  }
  return status;
};

function applyMode(spec: string, current: number): number | null {
  if (/^[0-7]{1,4}$/.test(spec)) return Number.parseInt(spec, 8);
  let mode = current;
  for (const clause of spec.split(',')) {
    const m = /^([ugoa]*)([-+=])([rwxX]*)$/.exec(clause);
    if (!m) return null;
    const who = m[1] || 'a';
    let bits = 0;
    for (const c of m[3] ?? '') bits |= c === 'r' ? 4 : c === 'w' ? 2 : 1;
    let mask = 0;
    if (who.includes('u') || who.includes('a')) mask |= bits << 6;
    if (who.includes('g') || who.includes('a')) mask |= bits << 3;
    if (who.includes('o') || who.includes('a')) mask |= bits;
    if (m[2] === '+') mode |= mask;
    else if (m[2] === '-') mode &= ~mask;
    else mode = (mode & ~(who.includes('a') ? 0o777 : 0)) | mask;
  }
  return mode;
}

const chmod: Applet = async (ctx) => {
  const { rest } = opts(ctx.argv.slice(1).filter((a) => a !== '-R'));
  const [spec = '', ...files] = rest;
  let status = 0;
  for (const f of files) {
    try {
      const node = ctx.host.fs.lookup(f, ctx.state.cred, ctx.state.cwd);
      const mode = applyMode(spec, node.mode);
      if (mode === null) {
        ctx.io.stderr.write(`chmod: bad mode '${spec}'\n`);
        return 1;
      }
      ctx.host.fs.chmod(f, mode, ctx.state.cred, ctx.state.cwd);
    } catch (err) {
      ctx.io.stderr.write(`chmod: ${f}: ${errText(err)}\n`);
      status = 1;
    }
  }
  return status;
};

const touch: Applet = async (ctx) => {
  let status = 0;
  for (const f of opts(ctx.argv.slice(1)).rest) {
    try {
      ctx.host.fs.touch(f, ctx.state.cred, ctx.state.cwd);
    } catch (err) {
      ctx.io.stderr.write(`touch: '${f}': ${errText(err)}\n`);
      status = 1;
    }
  }
  return status;
};

/** test / [ : returns 0, 1, or 2 on a malformed expression. */
function evalTest(ctx: AppletCtx, args: string[]): number {
  const { fs } = ctx.host;
  const node = (p: string): FsNode | undefined => {
    try {
      return fs.lookup(p, ctx.state.cred, ctx.state.cwd);
    } catch {
      return undefined;
    }
  };
  const unary = (op: string, a: string): boolean | null => {
    switch (op) {
      case '-e':
        return node(a) !== undefined;
      case '-f':
        return node(a)?.kind === 'file' || node(a)?.kind === 'dev';
      case '-d':
        return node(a)?.kind === 'dir';
      case '-s': {
        const n = node(a);
        return n !== undefined && sizeOf(n) > 0;
      }
      case '-r':
      case '-w':
      case '-x': {
        const n = node(a);
        return n !== undefined && fs.can(n, ctx.state.cred, op[1] as 'r' | 'w' | 'x');
      }
      case '-z':
        return a.length === 0;
      case '-n':
        return a.length > 0;
      default:
        return null;
    }
  };
  const binary = (a: string, op: string, b: string): boolean | null => {
    const na = Number(a);
    const nb = Number(b);
    switch (op) {
      case '=':
      case '==':
        return a === b;
      case '!=':
        return a !== b;
      case '-eq':
        return na === nb;
      case '-ne':
        return na !== nb;
      case '-lt':
        return na < nb;
      case '-le':
        return na <= nb;
      case '-gt':
        return na > nb;
      case '-ge':
        return na >= nb;
      default:
        return null;
    }
  };
  const evalExpr = (a: string[]): boolean | null => {
    if (a[0] === '!') {
      const r = evalExpr(a.slice(1));
      return r === null ? null : !r;
    }
    const orAt = a.indexOf('-o');
    if (orAt > 0) {
      const l = evalExpr(a.slice(0, orAt));
      const r = evalExpr(a.slice(orAt + 1));
      return l === null || r === null ? null : l || r;
    }
    const andAt = a.indexOf('-a');
    if (andAt > 0) {
      const l = evalExpr(a.slice(0, andAt));
      const r = evalExpr(a.slice(andAt + 1));
      return l === null || r === null ? null : l && r;
    }
    if (a.length === 0) return false;
    if (a.length === 1) return (a[0] ?? '').length > 0;
    if (a.length === 2) return unary(a[0] ?? '', a[1] ?? '');
    if (a.length === 3) return binary(a[0] ?? '', a[1] ?? '', a[2] ?? '');
    return null;
  };
  const r = evalExpr(args);
  if (r === null) {
    ctx.io.stderr.write(`${ctx.argv[0] ?? 'test'}: syntax error\n`);
    return 2;
  }
  return r ? 0 : 1;
}

const test: Applet = async (ctx) => evalTest(ctx, ctx.argv.slice(1));
const bracket: Applet = async (ctx) => {
  const args = ctx.argv.slice(1);
  if (args[args.length - 1] !== ']') {
    ctx.io.stderr.write('[: missing ]\n');
    return 2;
  }
  return evalTest(ctx, args.slice(0, -1));
};

function searchPath(ctx: AppletCtx, name: string): string | null {
  for (const d of (ctx.state.vars.get('PATH') ?? '').split(':').filter(Boolean)) {
    const p = `${d}/${name}`;
    try {
      const node = ctx.host.fs.lookup(p, ctx.state.cred);
      if (node.kind === 'file' && ctx.host.fs.can(node, ctx.state.cred, 'x')) return p;
    } catch {
      // not in this directory
    }
  }
  return null;
}

const which: Applet = async (ctx) => {
  const { rest } = opts(ctx.argv.slice(1));
  let status = 0;
  for (const n of rest) {
    const p = n.includes('/') ? (ctx.host.fs.exists(normalizePath(n, ctx.state.cwd)) ? n : null) : searchPath(ctx, n);
    if (p) ctx.io.stdout.write(`${p}\n`);
    else status = 1;
  }
  return status;
};

const id: Applet = async (ctx) => {
  const { flags } = opts(ctx.argv.slice(1));
  const root = ctx.state.cred.uid === 0;
  if (flags.has('u')) ctx.io.stdout.write(flags.has('n') ? `${root ? 'root' : 'shell'}\n` : `${ctx.state.cred.uid}\n`);
  else if (flags.has('g')) ctx.io.stdout.write(`${root ? 0 : 2000}\n`);
  else if (root) ctx.io.stdout.write('uid=0(root) gid=0(root) groups=0(root) context=u:r:su:s0\n');
  else ctx.io.stdout.write('uid=2000(shell) gid=2000(shell) groups=2000(shell),1004(input),1007(log),1011(adb),1015(sdcard_rw),1028(sdcard_r),3001(net_bt_admin),3002(net_bt),3003(inet),3006(net_bw_stats),3009(readproc),3011(uhid) context=u:r:shell:s0\n');
  return 0;
};

const whoami: Applet = async (ctx) => {
  ctx.io.stdout.write(`${ctx.state.cred.uid === 0 ? 'root' : 'shell'}\n`);
  return 0;
};

const su: Applet = async (ctx) => {
  const args = ctx.argv.slice(1);
  const state = cloneState(ctx.state);
  state.cred = ROOT_CRED;
  let i = 0;
  if (args[i] === '0' || args[i] === 'root' || args[i] === '-') i++;
  if (args[i] === '-c') return ctx.shell.run(args.slice(i + 1).join(' '), state, ctx.io, ctx.signal);
  if (i < args.length) return ctx.shell.runArgv(args.slice(i), state, ctx.io, ctx.signal, false);
  return ctx.shell.run((await readAll(ctx.io.stdin)).toString('utf8'), state, ctx.io, ctx.signal);
};

const sleep: Applet = async (ctx) => {
  let total = 0;
  for (const a of ctx.argv.slice(1)) {
    const m = /^(\d*\.?\d+)([smhd]?)$/.exec(a);
    if (!m) {
      ctx.io.stderr.write(`sleep: bad duration '${a}'\n`);
      return 1;
    }
    total += Number(m[1]) * ({ '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] ?? ''] ?? 1);
  }
  return (await ctx.host.sleepSim(total, ctx.signal)) ? 0 : 130;
};

const grep: Applet = async (ctx) => {
  const { flags, rest } = opts(ctx.argv.slice(1), 'e');
  let pattern = typeof flags.get('e') === 'string' ? (flags.get('e') as string) : rest.shift();
  if (pattern === undefined) {
    ctx.io.stderr.write('usage: grep [-EFcilnqvw] PATTERN [FILE...]\n');
    return 2;
  }
  const ci = flags.has('i');
  if (ci) pattern = pattern.toLowerCase();
  const rx = flags.has('E') ? new RegExp(pattern, ci ? 'i' : '') : null;
  const match = (line: string): boolean => {
    const l = ci ? line.toLowerCase() : line;
    const hit = rx ? rx.test(line) : flags.has('w') ? new RegExp(`\\b${pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`).test(l) : l.includes(pattern ?? '');
    return flags.has('v') ? !hit : hit;
  };
  const files = rest.length ? rest : ['-'];
  let found = false;
  let status = 0;
  for (const f of files) {
    const { text, status: st } = await inputText(ctx, [f], 'grep');
    if (st) status = 2;
    let count = 0;
    lines(text).forEach((line, n) => {
      if (!match(line)) return;
      found = true;
      count++;
      if (flags.has('q') || flags.has('c') || flags.has('l')) return;
      const prefix = (files.length > 1 ? `${f}:` : '') + (flags.has('n') ? `${n + 1}:` : '');
      ctx.io.stdout.write(`${prefix}${line}\n`);
    });
    if (flags.has('c')) ctx.io.stdout.write(`${files.length > 1 ? `${f}:` : ''}${count}\n`);
    if (flags.has('l') && count) ctx.io.stdout.write(`${f}\n`);
  }
  if (status) return 2;
  return found ? 0 : 1;
};

function countArg(args: string[]): { n: number; bytes: boolean; rest: string[] } {
  let n = 10;
  let bytes = false;
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    if (a === '-n' || a === '-c') {
      bytes = a === '-c';
      n = Number(args[++i] ?? 10);
    } else if (/^-[nc]\d+$/.test(a)) {
      bytes = a[1] === 'c';
      n = Number(a.slice(2));
    } else if (/^-\d+$/.test(a)) n = Number(a.slice(1));
    else rest.push(a);
  }
  return { n, bytes, rest };
}

const head: Applet = async (ctx) => {
  const { n, bytes, rest } = countArg(ctx.argv.slice(1));
  const { text, status } = await inputText(ctx, rest, 'head');
  ctx.io.stdout.write(bytes ? text.slice(0, n) : lines(text).slice(0, n).map((l) => `${l}\n`).join(''));
  return status;
};

const tail: Applet = async (ctx) => {
  const { n, bytes, rest } = countArg(ctx.argv.slice(1));
  const { text, status } = await inputText(ctx, rest, 'tail');
  ctx.io.stdout.write(bytes ? text.slice(-n) : lines(text).slice(-n).map((l) => `${l}\n`).join(''));
  return status;
};

const wc: Applet = async (ctx) => {
  const { flags, rest } = opts(ctx.argv.slice(1));
  const { text, status } = await inputText(ctx, rest, 'wc');
  const l = (text.match(/\n/g) ?? []).length;
  const w = text.split(/\s+/).filter(Boolean).length;
  const c = Buffer.byteLength(text);
  const parts = flags.size ? [flags.has('l') ? l : null, flags.has('w') ? w : null, flags.has('c') ? c : null].filter((x) => x !== null) : [l, w, c];
  ctx.io.stdout.write(`${parts.join(' ')}${rest.length === 1 ? ` ${rest[0]}` : ''}\n`);
  return status;
};

const getprop: Applet = async (ctx) => {
  const props = ctx.host.props();
  const [name, dflt] = ctx.argv.slice(1);
  if (name === undefined) {
    const keys = [...props.keys()].sort();
    ctx.io.stdout.write(keys.map((k) => `[${k}]: [${props.get(k) ?? ''}]\n`).join(''));
    return 0;
  }
  ctx.io.stdout.write(`${props.get(name) ?? dflt ?? ''}\n`);
  return 0;
};

const setprop: Applet = async (ctx) => {
  const [name = '', value = ''] = ctx.argv.slice(1);
  if (!ctx.host.setProp(name, value) || (name.startsWith('ro.') && ctx.state.cred.uid !== 0)) {
    ctx.io.stderr.write(`Failed to set property '${name}' to '${value}'.\nSee dmesg for error reason.\n`);
    return 1;
  }
  return 0;
};

const dumpsys: Applet = async (ctx) => {
  const service = ctx.argv[1] ?? '';
  const out = ctx.host.dumpsys(service, ctx.argv.slice(2));
  if (out === null) {
    ctx.io.stderr.write(`Can't find service: ${service}\n`);
    return 0;
  }
  ctx.io.stdout.write(out);
  return 0;
};

const lshal: Applet = async (ctx) => {
  const [verb, instance = ''] = ctx.argv.slice(1);
  if (verb !== 'debug') {
    ctx.io.stderr.write('lshal: this phone only answers `lshal debug INSTANCE`\n');
    return 1;
  }
  const out = ctx.host.lshalDebug(instance);
  if (out === null) {
    ctx.io.stderr.write(`Error: Cannot find ${instance}\n`);
    return 1;
  }
  ctx.io.stdout.write(out);
  return 0;
};

const taskset: Applet = async (ctx) => {
  const args = ctx.argv.slice(1);
  const cores = ctx.host.spec.cores.map((c) => c.id);
  const full = cores.reduce((m, c) => m | (1 << c), 0);
  if (args[0] === '-p') {
    const [maskOrPid = '', pid] = args.slice(1);
    if (pid === undefined) {
      ctx.io.stdout.write(`pid ${maskOrPid}'s current affinity mask: ${full.toString(16)}\n`);
      return 0;
    }
    return 0;
  }
  const [mask = '', ...cmd] = args;
  const bits = Number.parseInt(mask.replace(/^0x/i, ''), 16);
  if (!/^(0x)?[0-9a-f]+$/i.test(mask) || cmd.length === 0) {
    ctx.io.stderr.write('usage: taskset [-ap] [mask] [PID | cmd [args...]]\n');
    return 1;
  }
  const allowed = cores.filter((c) => bits & (1 << c));
  if (allowed.length === 0) {
    ctx.io.stderr.write('taskset: sched_setaffinity: Invalid argument\n');
    return 1;
  }
  const state = cloneState(ctx.state);
  state.affinity = allowed;
  return ctx.shell.runArgv(cmd, state, ctx.io, ctx.signal, false);
};

const sh: Applet = async (ctx) => {
  const args = ctx.argv.slice(1);
  const state = cloneState(ctx.state);
  if (args[0] === '-c') {
    state.argv0 = args[2] ?? SH;
    state.positional = args.slice(3);
    // A process of its own (`$$`), unless exec'd into the caller's.
    if (state.replacing) {
      ctx.host.procs.exec(state.pid, 'sh', ctx.argv.join(' '));
      state.replacing = false;
      return ctx.shell.run(args[1] ?? '', state, ctx.io, ctx.signal);
    }
    const proc = ctx.host.procs.spawn('sh', ctx.argv.join(' '), state.cred.uid, ctx.signal, state.pid);
    state.pid = proc.pid;
    try {
      return await ctx.shell.run(args[1] ?? '', state, ctx.io, proc.signal);
    } finally {
      proc.exit();
    }
  }
  if (args[0] !== undefined) {
    let src: string;
    try {
      src = ctx.host.fs.read(normalizePath(args[0], ctx.state.cwd), ctx.state.cred).toString('utf8');
    } catch (err) {
      ctx.io.stderr.write(`${SH}: ${args[0]}: ${errText(err)}\n`);
      return 127;
    }
    state.argv0 = args[0];
    state.positional = args.slice(1);
    return ctx.shell.run(src, state, ctx.io, ctx.signal);
  }
  return ctx.shell.run((await readAll(ctx.io.stdin)).toString('utf8'), state, ctx.io, ctx.signal);
};

const cp: Applet = async (ctx) => {
  const { rest } = opts(ctx.argv.slice(1));
  const dst = rest.pop();
  if (!dst || rest.length === 0) {
    ctx.io.stderr.write('cp: Needs 2 arguments\n');
    return 1;
  }
  let status = 0;
  for (const src of rest) {
    try {
      const data = ctx.host.fs.read(normalizePath(src, ctx.state.cwd), ctx.state.cred);
      const to = ctx.host.fs.isDir(normalizePath(dst, ctx.state.cwd)) ? `${normalizePath(dst, ctx.state.cwd)}/${basename(src)}` : dst;
      ctx.host.fs.write(to, data, ctx.state.cred, { cwd: ctx.state.cwd });
    } catch (err) {
      ctx.io.stderr.write(`cp: ${src}: ${errText(err)}\n`);
      status = 1;
    }
  }
  return status;
};

const mv: Applet = async (ctx) => {
  const [src = '', dst = ''] = opts(ctx.argv.slice(1)).rest;
  try {
    ctx.host.fs.rename(src, dst, ctx.state.cred, ctx.state.cwd);
    return 0;
  } catch (err) {
    ctx.io.stderr.write(`mv: ${src}: ${errText(err)}\n`);
    return 1;
  }
};

function hasher(algo: string): Applet {
  return async (ctx) => {
    let status = 0;
    const files = opts(ctx.argv.slice(1)).rest;
    for (const f of files.length ? files : ['-']) {
      try {
        const data = f === '-' ? await readAll(ctx.io.stdin) : ctx.host.fs.read(normalizePath(f, ctx.state.cwd), ctx.state.cred);
        ctx.io.stdout.write(`${createHash(algo).update(data).digest('hex')}  ${f}\n`);
      } catch (err) {
        ctx.io.stderr.write(`${ctx.argv[0] ?? algo}: ${f}: ${errText(err)}\n`);
        status = 1;
      }
    }
    return status;
  };
}

/** init and adbd: always there, so `ps -A` never lists only our own sessions. */
const SYSTEM_PROCS: ProcInfo[] = [
  { pid: 1, ppid: 0, sid: 0, name: 'init', cmdline: '/system/bin/init second_stage', uid: 0 },
  { pid: ADBD_PID, ppid: 1, sid: ADBD_PID, name: 'adbd', cmdline: '/system/bin/adbd --root_seclabel=u:r:su:s0', uid: 2000 },
];

/** toybox ps's -o fields we know: header, width (negative: left-aligned), value. */
const PS_FIELDS: Record<string, { width: number; value: (p: ProcInfo) => string }> = {
  USER: { width: -12, value: (p) => USERS[p.uid] ?? String(p.uid) },
  UID: { width: 5, value: (p) => String(p.uid) },
  PID: { width: 5, value: (p) => String(p.pid) },
  PPID: { width: 5, value: (p) => String(p.ppid) },
  S: { width: 1, value: (p) => (p.pid === 1 || p.pid === ADBD_PID ? 'S' : 'R') },
  NAME: { width: -27, value: (p) => p.name },
  CMD: { width: -27, value: (p) => p.name },
  ARGS: { width: -27, value: (p) => p.cmdline },
  CMDLINE: { width: -27, value: (p) => p.cmdline },
};
const PS_DEFAULT = 'USER,PID,PPID,VSZ,RSS,WCHAN,ADDR,S,NAME';

// toybox ps: without -A only the caller's session (Android 8+); -p picks pids; -o FIELD[=HEADER],...
const ps: Applet = async (ctx) => {
  const { flags, rest } = opts(ctx.argv.slice(1), 'opk');
  if (rest.length) {
    ctx.io.stderr.write(`ps: Unknown option '${rest[0] ?? ''}'\n`);
    return 1;
  }
  const self = ctx.host.procs.spawn('ps', ctx.argv.join(' '), ctx.state.cred.uid, ctx.signal, ctx.state.pid);
  try {
    return listProcs(ctx, flags);
  } finally {
    self.exit();
  }
};

function listProcs(ctx: AppletCtx, flags: Map<string, string | true>): number {
  const own = ctx.host.procs.list().find((p) => p.pid === ctx.state.pid);
  let procs = [...SYSTEM_PROCS, ...ctx.host.procs.list()];
  const pids = flags.get('p');
  if (typeof pids === 'string') {
    const want = new Set(pids.split(/[,\s]+/).filter(Boolean).map(Number));
    procs = procs.filter((p) => want.has(p.pid));
  } else if (!flags.has('A') && !flags.has('e')) {
    procs = procs.filter((p) => own !== undefined && p.sid === own.sid);
  }
  const spec = typeof flags.get('o') === 'string' ? (flags.get('o') as string) : PS_DEFAULT;
  const cols = spec.split(',').map((f) => {
    const [name = '', header] = f.split('=');
    const known = PS_FIELDS[name.toUpperCase()];
    const fixed = { VSZ: '98304', RSS: '24576', WCHAN: '0', ADDR: '0' }[name.toUpperCase()];
    return { header: header ?? name.toUpperCase(), width: known?.width ?? (fixed ? 7 : -8), value: known?.value ?? (() => fixed ?? '-') };
  });
  const cell = (text: string, width: number, last: boolean): string => (width < 0 ? (last ? text : text.padEnd(-width)) : text.padStart(width));
  const row = (texts: string[]): string => texts.map((t, i) => cell(t, cols[i]!.width, i === cols.length - 1)).join(' ');
  const lines = cols.every((c) => c.header === '') ? [] : [row(cols.map((c) => c.header))];
  for (const p of procs) lines.push(row(cols.map((c) => c.value(p))));
  if (lines.length) ctx.io.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

// toybox pidof: pids of processes by name (or argv[0]'s basename), newest first; 1 when none.
const pidof: Applet = async (ctx) => {
  const { flags, rest } = opts(ctx.argv.slice(1), 'o');
  const omit = new Set(String(flags.get('o') ?? '').split(',').filter(Boolean).map(Number));
  const hits = ctx.host.procs
    .list()
    .filter((p) => !omit.has(p.pid) && rest.some((n) => p.name === n || basename(p.cmdline.split(' ')[0] ?? '') === n))
    .map((p) => p.pid)
    .sort((a, b) => b - a);
  const shown = flags.has('s') ? hits.slice(0, 1) : hits;
  if (shown.length) ctx.io.stdout.write(`${shown.join(' ')}\n`);
  return shown.length ? 0 : 1;
};

const SIGNALS: Record<string, number> = { HUP: 1, INT: 2, KILL: 9, TERM: 15, STOP: 19, CONT: 18 };

const kill: Applet = async (ctx) => {
  let sig = 15;
  const args = ctx.argv.slice(1);
  if (args[0] === '-s') {
    sig = SIGNALS[(args[1] ?? '').replace(/^SIG/, '')] ?? 15;
    args.splice(0, 2);
  } else if (args[0]?.startsWith('-')) {
    const s = (args.shift() ?? '').slice(1);
    sig = /^\d+$/.test(s) ? Number(s) : (SIGNALS[s.replace(/^SIG/, '')] ?? 15);
  }
  let status = 0;
  for (const p of args) {
    if (!ctx.host.procs.kill(Number(p), sig)) {
      ctx.io.stderr.write(`kill: ${p}: No such process\n`);
      status = 1;
    }
  }
  return status;
};

const pkill: Applet = async (ctx) => {
  const { flags, rest } = opts(ctx.argv.slice(1));
  const name = rest[0] ?? '';
  const hits = ctx.host.procs.list().filter((p) => (flags.has('f') ? p.cmdline.includes(name) : p.name === name || p.name.includes(name)));
  for (const p of hits) ctx.host.procs.kill(p.pid, flags.has('9') ? 9 : 15);
  return hits.length ? 0 : 1;
};

const uname: Applet = async (ctx) => {
  const { flags } = opts(ctx.argv.slice(1));
  const k = ctx.host.spec.kernel;
  if (flags.has('a')) ctx.io.stdout.write(`Linux localhost ${k} #1 SMP PREEMPT Mon Sep 30 21:12:16 UTC 2019 aarch64\n`);
  else if (flags.has('r')) ctx.io.stdout.write(`${k}\n`);
  else if (flags.has('m')) ctx.io.stdout.write('aarch64\n');
  else ctx.io.stdout.write('Linux\n');
  return 0;
};

const nproc: Applet = async (ctx) => {
  ctx.io.stdout.write(`${ctx.state.affinity.length}\n`);
  return 0;
};

const date: Applet = async (ctx) => {
  const fmt = ctx.argv[1];
  const now = ctx.host.epochS();
  if (fmt === '+%s') ctx.io.stdout.write(`${Math.floor(now)}\n`);
  else if (fmt === '+%s%N') ctx.io.stdout.write(`${Math.floor(now * 1e9)}\n`);
  else ctx.io.stdout.write(`${dateString(now, 'date')}\n`);
  return 0;
};

const input: Applet = async (ctx) => {
  const [kind, key] = ctx.argv.slice(1);
  if (kind !== 'keyevent' || key === undefined) {
    ctx.io.stderr.write('Usage: input [<source>] <command> [<arg>...]\n');
    return 1;
  }
  if (['KEYCODE_WAKEUP', '224'].includes(key)) ctx.host.setScreen(true);
  else if (['KEYCODE_SLEEP', '223'].includes(key)) ctx.host.setScreen(false);
  else if (['KEYCODE_POWER', '26'].includes(key)) ctx.host.setScreen(!ctx.host.physics.screenOn);
  return 0;
};

const statApplet: Applet = async (ctx) => {
  const { flags, rest } = opts(ctx.argv.slice(1), 'c');
  const fmt = typeof flags.get('c') === 'string' ? (flags.get('c') as string) : null;
  let status = 0;
  for (const f of rest) {
    try {
      const node = ctx.host.fs.lookup(f, ctx.state.cred, ctx.state.cwd);
      if (fmt) {
        ctx.io.stdout.write(
          `${fmt.replace(/%([snaYUF])/g, (_, c: string) =>
            c === 's' ? String(sizeOf(node)) : c === 'n' ? f : c === 'a' ? node.mode.toString(8) : c === 'Y' ? String(node.mtime) : c === 'U' ? (USERS[node.uid] ?? String(node.uid)) : node.kind === 'dir' ? 'directory' : 'regular file',
          )}\n`,
        );
      } else {
        ctx.io.stdout.write(`  File: ${f}\n  Size: ${sizeOf(node)}\t Blocks: ${Math.ceil(sizeOf(node) / 512)}\t IO Blocks: 4096\t${node.kind === 'dir' ? 'directory' : 'regular file'}\nAccess: (${node.mode.toString(8).padStart(4, '0')}/${modeString(node)})\tUid: (${node.uid}/${USERS[node.uid] ?? node.uid})\n`);
      }
    } catch (err) {
      ctx.io.stderr.write(`stat: '${f}': ${errText(err)}\n`);
      status = 1;
    }
  }
  return status;
};

/**
 * `od` as toybox has it, for reading a binary's header over `adb shell` (the output is text):
 * `-A d|o|x|n` (address radix), `-t x1|o1|d1|u1` (one-byte units), `-N` count, `-j` skip,
 * 16 bytes a line. Repeated lines are always printed (as with `-v`).
 */
const od: Applet = async (ctx) => {
  const { flags, rest } = opts(ctx.argv.slice(1), 'AtNjw');
  const radix = String(flags.get('A') ?? 'o');
  const type = String(flags.get('t') ?? 'o1');
  const unit = /^([xodu])1?$/.exec(type);
  if (!'doxn'.includes(radix) || radix.length !== 1 || !unit) {
    ctx.io.stderr.write(`od: unsupported here: -A ${radix} -t ${type}\n`);
    return 1;
  }
  let data: Buffer;
  try {
    data = rest.length ? Buffer.concat(rest.map((f) => ctx.host.fs.read(normalizePath(f, ctx.state.cwd), ctx.state.cred))) : await readAll(ctx.io.stdin);
  } catch (err) {
    ctx.io.stderr.write(`od: ${rest.join(' ')}: ${errText(err)}\n`);
    return 1;
  }
  const skip = Number(flags.get('j') ?? 0);
  const count = flags.has('N') ? Number(flags.get('N')) : data.length;
  const bytes = data.subarray(skip, skip + count);
  const base = { x: 16, o: 8, d: 10, u: 10 }[unit[1] as 'x' | 'o' | 'd' | 'u'];
  const width = { x: 2, o: 3, d: 4, u: 3 }[unit[1] as 'x' | 'o' | 'd' | 'u'];
  const addr = (n: number): string => (radix === 'n' ? '' : n.toString({ d: 10, o: 8, x: 16 }[radix as 'd' | 'o' | 'x']).padStart(7, '0'));
  let out = '';
  for (let off = 0; off < bytes.length; off += 16) {
    const row = [...bytes.subarray(off, off + 16)].map((b) => ` ${(unit[1] === 'd' && b > 127 ? b - 256 : b).toString(base).padStart(width, unit[1] === 'x' || unit[1] === 'o' ? '0' : ' ')}`);
    out += `${addr(skip + off)}${row.join('')}\n`;
  }
  if (radix !== 'n') out += `${addr(skip + bytes.length)}\n`;
  ctx.io.stdout.write(out);
  return 0;
};

const env: Applet = async (ctx) => {
  if (ctx.argv.length > 1) return ctx.shell.runArgv(ctx.argv.slice(1), ctx.state, ctx.io, ctx.signal, false);
  ctx.io.stdout.write([...ctx.state.vars.entries()].map(([k, v]) => `${k}=${v}\n`).join(''));
  return 0;
};

const nohup: Applet = async (ctx) => {
  // SIGHUP is ignored: the command outlives the adb session, not a pulled cable.
  return ctx.shell.runArgv(ctx.argv.slice(1), ctx.state, ctx.io, ctx.host.lifeSignal, false);
};

const logcat: Applet = async (ctx) => {
  const args = ctx.argv.slice(1);
  if (args.includes('-c') || args.includes('-d')) return 0;
  return (await ctx.host.sleepSim(Number.POSITIVE_INFINITY, ctx.signal)) ? 0 : 130;
};

export function buildApplets(): Map<string, Applet> {
  const a = new Map<string, Applet>();
  const ok: Applet = async () => 0;
  const fail: Applet = async () => 1;
  const entries: Array<[string, Applet]> = [
    ['cat', cat], ['ls', ls], ['echo', echo], ['printf', printf], ['mkdir', mkdir], ['rm', rm], ['rmdir', rmdir],
    ['chmod', chmod], ['touch', touch], ['test', test], ['[', bracket], ['which', which], ['id', id], ['whoami', whoami],
    ['su', su], ['sleep', sleep], ['grep', grep], ['head', head], ['tail', tail], ['wc', wc], ['getprop', getprop],
    ['setprop', setprop], ['dumpsys', dumpsys], ['lshal', lshal], ['taskset', taskset], ['sh', sh], ['cp', cp], ['mv', mv],
    ['md5sum', hasher('md5')], ['sha1sum', hasher('sha1')], ['sha256sum', hasher('sha256')], ['ps', ps], ['pidof', pidof], ['kill', kill],
    ['pkill', pkill], ['killall', pkill], ['uname', uname], ['nproc', nproc], ['date', date], ['input', input],
    ['true', ok], ['false', fail], ['sync', ok], ['stat', statApplet], ['env', env], ['nohup', nohup], ['logcat', logcat], ['od', od],
    ['pwd', async (ctx) => (ctx.io.stdout.write(`${ctx.state.cwd}\n`), 0)],
    ['basename', async (ctx) => (ctx.io.stdout.write(`${basename(ctx.argv[1] ?? '')}\n`), 0)],
    ['dirname', async (ctx) => (ctx.io.stdout.write(`${dirname(ctx.argv[1] ?? '.')}\n`), 0)],
  ];
  for (const [name, fn] of entries) a.set(name, fn);
  a.set('toybox', async (ctx) => {
    const inner = a.get(ctx.argv[1] ?? '');
    if (!inner) {
      ctx.io.stderr.write(`toybox: Unknown command ${ctx.argv[1] ?? ''}\n`);
      return 1;
    }
    return inner({ ...ctx, argv: ctx.argv.slice(1) });
  });
  return a;
}
