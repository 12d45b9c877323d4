// The phone's shell parser: quoting keeps metacharacters inside words; unquoted ones split.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse, ShSyntaxError, type Script, type SimpleCommand, type Word } from './sh-parse.js';

function literal(w: Word): string {
  return w.parts.map((p) => (p.kind === 'lit' ? p.text : `<${p.kind}>`)).join('');
}

function simple(script: Script, i = 0): SimpleCommand {
  const c = script[i]?.first.commands[0];
  assert.ok(c && c.kind === 'simple');
  return c;
}

test('a quoted ";" is part of the word; an unquoted one separates commands', () => {
  const quoted = parse("benchmark_model --graph='/data/local/tmp/a b; touch /data/local/tmp/pwned.tflite'");
  assert.equal(quoted.length, 1);
  assert.deepEqual(simple(quoted).words.map(literal), ['benchmark_model', '--graph=/data/local/tmp/a b; touch /data/local/tmp/pwned.tflite']);
  const unquoted = parse('benchmark_model --graph=/x; touch /data/local/tmp/pwned');
  assert.equal(unquoted.length, 2);
  assert.deepEqual(simple(unquoted, 1).words.map(literal), ['touch', '/data/local/tmp/pwned']);
});

test('double quotes, backslashes and escapes', () => {
  const s = parse('echo "a \\"b\\" \\$x $y" c\\ d \'e"f\' "" \\;');
  const words = simple(s).words;
  assert.equal(words.length, 6);
  assert.equal(literal(words[1] as Word), 'a "b" $x <param>');
  assert.equal(literal(words[2] as Word), 'c d');
  assert.equal(literal(words[3] as Word), 'e"f');
  assert.equal(literal(words[4] as Word), '');
  assert.equal(literal(words[5] as Word), ';');
});

test('operators: && || | ! & and newlines', () => {
  const s = parse('a && b || c | d\n! e &\nf');
  assert.equal(s.length, 3);
  assert.deepEqual(s[0]?.rest.map((r) => r.op), ['&&', '||']);
  assert.equal(s[0]?.rest[1]?.pipeline.commands.length, 2);
  assert.equal(s[1]?.first.negate, true);
  assert.equal(s[1]?.background, true);
});

test('redirections, assignments, substitutions, compound commands', () => {
  const r = simple(parse('X=1 cmd arg > out.txt 2>&1 < in'));
  assert.deepEqual(r.assigns.map((a) => a.name), ['X']);
  assert.deepEqual(r.redirs.map((x) => [x.fd, x.op, literal(x.target)]), [[1, '>', 'out.txt'], [2, '>&', '1'], [0, '<', 'in']]);
  const sub = simple(parse('echo $(getprop ro.product.model) `id -u` ${HOME}'));
  assert.deepEqual(sub.words.slice(1).map((w) => w.parts[0]?.kind), ['cmdsub', 'cmdsub', 'param']);
  const loop = parse('for z in /a /b; do cat $z; done; if test -e x; then echo y; elif false; then :; else echo n; fi');
  assert.equal(loop[0]?.first.commands[0]?.kind, 'for');
  const iff = loop[1]?.first.commands[0];
  assert.ok(iff?.kind === 'if');
  assert.equal(iff.clauses.length, 2);
  assert.ok(iff.elseBody);
  assert.equal(parse('{ a; b; } > f; (c)')[1]?.first.commands[0]?.kind, 'group');
  assert.deepEqual(simple(parse('echo $((i + (2 * 3)))')).words[1]?.parts, [{ kind: 'arith', expr: 'i + (2 * 3)', quoted: false }]);
});

test('syntax errors', () => {
  assert.throws(() => parse("echo 'open"), ShSyntaxError);
  assert.throws(() => parse('echo "open'), ShSyntaxError);
  assert.throws(() => parse('a &&'), ShSyntaxError);
  assert.throws(() => parse('fi'), ShSyntaxError);
  assert.throws(() => parse('(a'), ShSyntaxError);
  assert.throws(() => parse('| a'), ShSyntaxError);
});
