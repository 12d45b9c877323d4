// Parser for the POSIX-sh subset the phone's /system/bin/sh (mksh) is asked to run over adb:
// words with '...', "..." (\ escapes $ ` " \), backslash escapes, $VAR ${VAR} $? $(...) `...`;
// ; & && || | ! and newlines; redirections (> >> < 2> 2>&1 >&2 N>file); compound commands
// for/if/while/until, { ...; } and ( ... ). Produces an AST; nothing is executed here, so a
// quoted ';' can never become a command separator.

export type WordPart =
  | { kind: 'lit'; text: string; quoted: boolean }
  | { kind: 'param'; name: string; quoted: boolean }
  | { kind: 'cmdsub'; script: Script; quoted: boolean }
  | { kind: 'arith'; expr: string; quoted: boolean };

export interface Word {
  parts: WordPart[];
}

export interface Redir {
  fd: number;
  op: '>' | '>>' | '<' | '>&' | '<&';
  target: Word;
}

export interface SimpleCommand {
  kind: 'simple';
  assigns: Array<{ name: string; value: Word }>;
  words: Word[];
  redirs: Redir[];
}

export interface ForCommand {
  kind: 'for';
  name: string;
  items: Word[] | null;
  body: Script;
  redirs: Redir[];
}

export interface IfCommand {
  kind: 'if';
  clauses: Array<{ cond: Script; body: Script }>;
  elseBody: Script | null;
  redirs: Redir[];
}

export interface LoopCommand {
  kind: 'loop';
  until: boolean;
  cond: Script;
  body: Script;
  redirs: Redir[];
}

export interface GroupCommand {
  kind: 'group';
  subshell: boolean;
  body: Script;
  redirs: Redir[];
}

export type Command = SimpleCommand | ForCommand | IfCommand | LoopCommand | GroupCommand;

export interface Pipeline {
  negate: boolean;
  commands: Command[];
}

export interface AndOr {
  first: Pipeline;
  rest: Array<{ op: '&&' | '||'; pipeline: Pipeline }>;
  background: boolean;
}

export type Script = AndOr[];

/** mksh-style syntax error; `message` is the text after "sh: ". */
export class ShSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ShSyntaxError';
  }
}

type Token =
  | { type: 'word'; word: Word; plain: string | null }
  | { type: 'op'; op: string }
  | { type: 'redir'; fd: number; op: Redir['op'] }
  | { type: 'newline' }
  | { type: 'eof' };

const META = new Set([' ', '\t', '\n', ';', '&', '|', '<', '>', '(', ')']);
const RESERVED_END = new Set(['then', 'elif', 'else', 'fi', 'do', 'done', '}']);

class Lexer {
  pos: number;
  private peeked: Token | null = null;
  private peekedEnd = 0;

  constructor(
    readonly src: string,
    start = 0,
  ) {
    this.pos = start;
  }

  peek(): Token {
    if (!this.peeked) {
      const save = this.pos;
      this.peeked = this.lex();
      this.peekedEnd = this.pos;
      this.pos = save;
    }
    return this.peeked;
  }

  next(): Token {
    const t = this.peek();
    this.pos = this.peekedEnd;
    this.peeked = null;
    return t;
  }

  private lex(): Token {
    const s = this.src;
    for (;;) {
      const c = s[this.pos];
      if (c === ' ' || c === '\t') {
        this.pos++;
      } else if (c === '\\' && s[this.pos + 1] === '\n') {
        this.pos += 2;
      } else if (c === '#') {
        while (this.pos < s.length && s[this.pos] !== '\n') this.pos++;
      } else {
        break;
      }
    }
    if (this.pos >= s.length) return { type: 'eof' };
    const c = s[this.pos] ?? '';
    if (c === '\n') {
      this.pos++;
      return { type: 'newline' };
    }
    const io = /^(\d*)(>>|>&|<&|<<|>\||>|<)/.exec(s.slice(this.pos, this.pos + 12));
    if (io && (io[1] !== '' || c === '<' || c === '>')) {
      const op = io[2] ?? '>';
      if (op === '<<') throw new ShSyntaxError('here documents are not supported');
      this.pos += io[0].length;
      const fd = io[1] ? Number(io[1]) : op.startsWith('<') ? 0 : 1;
      return { type: 'redir', fd, op: op === '>|' ? '>' : (op as Redir['op']) };
    }
    for (const op of ['&&', '||', ';;', ';', '&', '|', '(', ')']) {
      if (s.startsWith(op, this.pos)) {
        if (op === ';;') throw new ShSyntaxError("';;' unexpected");
        this.pos += op.length;
        return { type: 'op', op };
      }
    }
    return this.word();
  }

  private word(): Token {
    const s = this.src;
    const parts: WordPart[] = [];
    let plain = true;
    const lit = (text: string, quoted: boolean): void => {
      const last = parts[parts.length - 1];
      if (last && last.kind === 'lit' && last.quoted === quoted) last.text += text;
      else parts.push({ kind: 'lit', text, quoted });
    };
    while (this.pos < s.length) {
      const c = s[this.pos] ?? '';
      if (META.has(c)) break;
      if (c === '\\') {
        plain = false;
        const n = s[this.pos + 1];
        if (n === undefined) {
          lit('\\', false);
          this.pos++;
        } else if (n === '\n') {
          this.pos += 2;
        } else {
          lit(n, true);
          this.pos += 2;
        }
      } else if (c === "'") {
        plain = false;
        const end = s.indexOf("'", this.pos + 1);
        if (end < 0) throw new ShSyntaxError("no closing quote");
        lit(s.slice(this.pos + 1, end), true);
        this.pos = end + 1;
      } else if (c === '"') {
        plain = false;
        this.pos++;
        let closed = false;
        while (this.pos < s.length) {
          const d = s[this.pos] ?? '';
          if (d === '"') {
            closed = true;
            this.pos++;
            break;
          }
          if (d === '\\') {
            const n = s[this.pos + 1] ?? '';
            if (n === '\n') this.pos += 2;
            else if ('$`"\\'.includes(n) && n !== '') {
              lit(n, true);
              this.pos += 2;
            } else {
              lit('\\', true);
              this.pos++;
            }
          } else if (d === '$' || d === '`') {
            const part = this.dollar(true);
            if (part) parts.push(part);
            else {
              lit('$', true);
              this.pos++;
            }
          } else {
            lit(d, true);
            this.pos++;
          }
        }
        if (!closed) throw new ShSyntaxError('no closing quote');
        // An empty "" still makes a (quoted, empty) word.
        if (parts.length === 0 || parts[parts.length - 1]?.kind !== 'lit') lit('', true);
      } else if (c === '$' || c === '`') {
        const part = this.dollar(false);
        if (part) {
          plain = false;
          parts.push(part);
        } else {
          lit('$', false);
          this.pos++;
        }
      } else {
        lit(c, false);
        this.pos++;
      }
    }
    const text = parts.length === 1 && parts[0]?.kind === 'lit' && !parts[0].quoted ? parts[0].text : null;
    return { type: 'word', word: { parts }, plain: plain ? text : null };
  }

  /** $name, ${name}, $?, $(...), `...`; null when the $ is literal. */
  private dollar(quoted: boolean): WordPart | null {
    const s = this.src;
    if (s[this.pos] === '`') {
      let i = this.pos + 1;
      let body = '';
      while (i < s.length && s[i] !== '`') {
        if (s[i] === '\\' && (s[i + 1] === '`' || s[i + 1] === '\\' || s[i + 1] === '$')) {
          body += s[i + 1];
          i += 2;
        } else {
          body += s[i];
          i++;
        }
      }
      if (i >= s.length) throw new ShSyntaxError('no closing quote');
      this.pos = i + 1;
      return { kind: 'cmdsub', script: parse(body), quoted };
    }
    const n = s[this.pos + 1] ?? '';
    if (n === '(') {
      if (s[this.pos + 2] === '(') {
        let depth = 0;
        for (let i = this.pos + 3; i < s.length; i++) {
          if (s[i] === '(') depth++;
          else if (s[i] === ')') {
            if (depth > 0) depth--;
            else if (s[i + 1] === ')') {
              const expr = s.slice(this.pos + 3, i);
              this.pos = i + 2;
              return { kind: 'arith', expr, quoted };
            } else break;
          }
        }
        throw new ShSyntaxError("missing '))'");
      }
      const sub = new Parser(s, this.pos + 2);
      const script = sub.parseList(new Set(), true);
      const close = sub.lexer.next();
      if (close.type !== 'op' || close.op !== ')') throw new ShSyntaxError("missing ')'");
      this.pos = sub.lexer.pos;
      return { kind: 'cmdsub', script, quoted };
    }
    if (n === '{') {
      const end = s.indexOf('}', this.pos + 2);
      if (end < 0) throw new ShSyntaxError("missing '}'");
      const name = s.slice(this.pos + 2, end);
      if (!/^([A-Za-z_][A-Za-z0-9_]*|[0-9?$#!@*])$/.test(name)) throw new ShSyntaxError(`\${${name}}: bad substitution`);
      this.pos = end + 1;
      return { kind: 'param', name, quoted };
    }
    const m = /^([A-Za-z_][A-Za-z0-9_]*|[0-9?$#!@*])/.exec(s.slice(this.pos + 1));
    if (!m) return null;
    this.pos += 1 + (m[1]?.length ?? 0);
    return { kind: 'param', name: m[1] ?? '', quoted };
  }
}

class Parser {
  readonly lexer: Lexer;

  constructor(src: string, start = 0) {
    this.lexer = new Lexer(src, start);
  }

  private skipNewlines(): void {
    while (this.lexer.peek().type === 'newline') this.lexer.next();
  }

  private atEnd(terminators: Set<string>, stopAtParen: boolean): boolean {
    const t = this.lexer.peek();
    if (t.type === 'eof') return true;
    if (t.type === 'op' && t.op === ')' && stopAtParen) return true;
    return t.type === 'word' && t.plain !== null && terminators.has(t.plain);
  }

  /** A list of and-or commands up to a terminator word (then, fi, done, ...) or ')' or EOF. */
  parseList(terminators: Set<string>, stopAtParen = false): Script {
    const out: Script = [];
    this.skipNewlines();
    while (!this.atEnd(terminators, stopAtParen)) {
      const andor = this.andOr(stopAtParen);
      out.push(andor);
      const t = this.lexer.peek();
      if (t.type === 'op' && (t.op === ';' || t.op === '&')) {
        this.lexer.next();
        if (t.op === '&') andor.background = true;
      } else if (t.type === 'newline') {
        this.lexer.next();
      } else if (!this.atEnd(terminators, stopAtParen)) {
        throw new ShSyntaxError(`'${describe(t)}' unexpected`);
      }
      this.skipNewlines();
    }
    return out;
  }

  private andOr(stopAtParen: boolean): AndOr {
    const first = this.pipeline(stopAtParen);
    const rest: AndOr['rest'] = [];
    for (;;) {
      const t = this.lexer.peek();
      if (t.type === 'op' && (t.op === '&&' || t.op === '||')) {
        this.lexer.next();
        this.skipNewlines();
        rest.push({ op: t.op, pipeline: this.pipeline(stopAtParen) });
      } else {
        return { first, rest, background: false };
      }
    }
  }

  private pipeline(stopAtParen: boolean): Pipeline {
    let negate = false;
    const t = this.lexer.peek();
    if (t.type === 'word' && t.plain === '!') {
      this.lexer.next();
      negate = true;
    }
    const commands = [this.command(stopAtParen)];
    for (;;) {
      const p = this.lexer.peek();
      if (p.type === 'op' && p.op === '|') {
        this.lexer.next();
        this.skipNewlines();
        commands.push(this.command(stopAtParen));
      } else {
        return { negate, commands };
      }
    }
  }

  private expectWord(w: string): void {
    const t = this.lexer.next();
    if (t.type !== 'word' || t.plain !== w) throw new ShSyntaxError(`'${describe(t)}' unexpected`);
  }

  private redirs(): Redir[] {
    const out: Redir[] = [];
    for (;;) {
      const t = this.lexer.peek();
      if (t.type !== 'redir') return out;
      this.lexer.next();
      const target = this.lexer.next();
      if (target.type !== 'word') throw new ShSyntaxError(`'${describe(target)}' unexpected`);
      out.push({ fd: t.fd, op: t.op, target: target.word });
    }
  }

  private command(stopAtParen: boolean): Command {
    const t = this.lexer.peek();
    if (t.type === 'op' && t.op === '(') {
      this.lexer.next();
      const body = this.parseList(new Set(), true);
      const close = this.lexer.next();
      if (close.type !== 'op' || close.op !== ')') throw new ShSyntaxError("missing ')'");
      return { kind: 'group', subshell: true, body, redirs: this.redirs() };
    }
    if (t.type === 'word' && t.plain !== null) {
      switch (t.plain) {
        case '{': {
          this.lexer.next();
          const body = this.parseList(new Set(['}']));
          this.expectWord('}');
          return { kind: 'group', subshell: false, body, redirs: this.redirs() };
        }
        case 'if': {
          this.lexer.next();
          const clauses: IfCommand['clauses'] = [];
          let elseBody: Script | null = null;
          const cond = this.parseList(new Set(['then']));
          this.expectWord('then');
          clauses.push({ cond, body: this.parseList(new Set(['elif', 'else', 'fi'])) });
          for (;;) {
            const k = this.lexer.next();
            if (k.type === 'word' && k.plain === 'elif') {
              const c = this.parseList(new Set(['then']));
              this.expectWord('then');
              clauses.push({ cond: c, body: this.parseList(new Set(['elif', 'else', 'fi'])) });
            } else if (k.type === 'word' && k.plain === 'else') {
              elseBody = this.parseList(new Set(['fi']));
              this.expectWord('fi');
              break;
            } else if (k.type === 'word' && k.plain === 'fi') {
              break;
            } else {
              throw new ShSyntaxError(`'${describe(k)}' unexpected`);
            }
          }
          return { kind: 'if', clauses, elseBody, redirs: this.redirs() };
        }
        case 'while':
        case 'until': {
          this.lexer.next();
          const cond = this.parseList(new Set(['do']));
          this.expectWord('do');
          const body = this.parseList(new Set(['done']));
          this.expectWord('done');
          return { kind: 'loop', until: t.plain === 'until', cond, body, redirs: this.redirs() };
        }
        case 'for': {
          this.lexer.next();
          const nameTok = this.lexer.next();
          if (nameTok.type !== 'word' || nameTok.plain === null || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(nameTok.plain)) {
            throw new ShSyntaxError('for: bad identifier');
          }
          let items: Word[] | null = null;
          this.skipNewlines();
          const k = this.lexer.peek();
          if (k.type === 'word' && k.plain === 'in') {
            this.lexer.next();
            items = [];
            for (;;) {
              const w = this.lexer.peek();
              if (w.type !== 'word') break;
              this.lexer.next();
              items.push(w.word);
            }
          }
          const sep = this.lexer.peek();
          if (sep.type === 'op' && sep.op === ';') this.lexer.next();
          this.skipNewlines();
          this.expectWord('do');
          const body = this.parseList(new Set(['done']));
          this.expectWord('done');
          return { kind: 'for', name: nameTok.plain, items, body, redirs: this.redirs() };
        }
        default:
          if (RESERVED_END.has(t.plain)) throw new ShSyntaxError(`'${t.plain}' unexpected`);
      }
    }
    return this.simple(stopAtParen);
  }

  private simple(stopAtParen: boolean): SimpleCommand {
    const cmd: SimpleCommand = { kind: 'simple', assigns: [], words: [], redirs: [] };
    for (;;) {
      const t = this.lexer.peek();
      if (t.type === 'redir') {
        cmd.redirs.push(...this.redirs());
        continue;
      }
      if (t.type !== 'word') break;
      if (stopAtParen && t.plain === ')') break;
      this.lexer.next();
      const first = t.word.parts[0];
      const m = cmd.words.length === 0 && first?.kind === 'lit' && !first.quoted ? /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(first.text) : null;
      if (m && first?.kind === 'lit') {
        const rest: WordPart[] = [{ kind: 'lit', text: first.text.slice(m[0].length), quoted: false }, ...t.word.parts.slice(1)];
        cmd.assigns.push({ name: m[1] ?? '', value: { parts: rest } });
      } else {
        cmd.words.push(t.word);
      }
    }
    if (cmd.words.length === 0 && cmd.assigns.length === 0 && cmd.redirs.length === 0) {
      throw new ShSyntaxError(`'${describe(this.lexer.peek())}' unexpected`);
    }
    return cmd;
  }
}

function describe(t: Token): string {
  switch (t.type) {
    case 'eof':
      return 'end of file';
    case 'newline':
      return 'newline';
    case 'op':
      return t.op;
    case 'redir':
      return t.op;
    case 'word':
      return t.word.parts.map((p) => (p.kind === 'lit' ? p.text : '$')).join('');
  }
}

/** Parses a whole command line or script; throws ShSyntaxError. */
export function parse(src: string): Script {
  const p = new Parser(src);
  const script = p.parseList(new Set());
  const t = p.lexer.peek();
  if (t.type !== 'eof') throw new ShSyntaxError(`'${describe(t)}' unexpected`);
  return script;
}
