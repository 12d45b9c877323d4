import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shellQuote } from './shell-quote.js';

test('shellQuote: safe words bare, everything else single-quoted', () => {
  assert.equal(shellQuote(['taskset', 'f0', '/data/local/tmp/benchmark_model', '--graph=/a/b.tflite', 'x,y+z@1%']), 'taskset f0 /data/local/tmp/benchmark_model --graph=/a/b.tflite x,y+z@1%');
  assert.equal(shellQuote(['a b']), "'a b'");
  assert.equal(shellQuote(["it's"]), `'it'\\''s'`);
  assert.equal(shellQuote(['']), "''");
  assert.equal(shellQuote(['A=b', 'A=b']), "'A=b' A=b", 'a first word with = would be an assignment');
  assert.throws(() => shellQuote(['a\0b']), { code: 'BAD_INPUT' });
});
