import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LabbenchError } from '../../app/api/errors.js';
import { readLatencyYaml } from './read-latency-yaml.js';

const FIXTURES = join(fileURLToPath(import.meta.url), '..', 'fixtures');
const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');

function invalidAt(line: number, re: RegExp) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof LabbenchError, String(err));
    assert.equal(err.code, 'LUT_INVALID');
    assert.doesNotMatch(err.message, /\n/);
    assert.match(err.message, new RegExp(`^t\\.yaml: line ${line}: `));
    assert.match(err.message, re);
    return true;
  };
}

test('the OFA Note10 table reads as 96 rows of count, mean and std, in file order', () => {
  const rows = readLatencyYaml(fixture('ofa-note10_224_lookup_table.yaml'), 'ofa.yaml');
  assert.equal(rows.length, 96);
  assert.deepEqual(rows[0], { key: 'AvgPool2D-input:7x7x1152-output:1x1x1152', fields: { count: 495, mean: 0.015270707070707077, std: 0.000903109390250199 }, line: 1 });
  const last = rows.at(-1)!;
  assert.equal(last.key, 'expanded_conv-input:7x7x192-output:7x7x192-expand:768-kernel:7-stride:1-idskip:1-se:1-hs:1');
  assert.deepEqual(last.fields, { count: 107, mean: 1.5251775700934578, std: 0.04038409353839684 });
  assert.equal(last.line, 381);
});

test('the ProxylessNAS Pixel 1 table reads with its var and the extra fields some rows carry', () => {
  const rows = readLatencyYaml(fixture('proxylessnas-pixel1_mobile_trim.yaml'), 'mobile_trim.yaml');
  assert.equal(rows.length, 72);
  assert.deepEqual(rows[0]!.fields, { count: 982, mean: 4.083755600814664, var: 0.2502372872758427, big: 0.2, small: 0.4 });
  assert.equal(rows.filter((r) => 'big' in r.fields).length, 8);
  assert.ok(rows.every((r) => typeof r.fields.mean === 'number' && typeof r.fields.count === 'number'));
});

test('flow style, comments, CRLF and quoted keys read as block style does', () => {
  const text = '# a comment\r\n"Conv-input:8x8x3-output:4x4x8": {count: 3, mean: 1.5e-1, std: 0.01}\r\nLogits-input:4x4x8-output:10:   # trailing comment\r\n  mean: 2\r\n';
  assert.deepEqual(readLatencyYaml(text, 't.yaml'), [
    { key: 'Conv-input:8x8x3-output:4x4x8', fields: { count: 3, mean: 0.15, std: 0.01 }, line: 2 },
    { key: 'Logits-input:4x4x8-output:10', fields: { mean: 2 }, line: 3 },
  ]);
});

test('malformed tables are refused with the line that is wrong', () => {
  const row = 'Conv-input:8x8x3-output:4x4x8:\n';
  assert.throws(() => readLatencyYaml(`${row}  mean: fast\n`, 't.yaml'), invalidAt(2, /mean of Conv-input:8x8x3-output:4x4x8 is not a number: "fast"/));
  assert.throws(() => readLatencyYaml(`${row}  mean 0.5\n`, 't.yaml'), invalidAt(2, /expected " {2}<field>: <number>"/));
  assert.throws(() => readLatencyYaml('  mean: 0.5\n', 't.yaml'), invalidAt(1, /indented field before any block key/));
  assert.throws(() => readLatencyYaml(`${row}  mean: 1\n${row}  mean: 2\n`, 't.yaml'), invalidAt(3, /appears twice \(also line 1\)/));
  assert.throws(() => readLatencyYaml(`${row}  mean: 1\n  mean: 2\n`, 't.yaml'), invalidAt(3, /mean appears twice/));
  assert.throws(() => readLatencyYaml(`${row}  mean: .inf\n`, 't.yaml'), invalidAt(2, /not a number/));
  assert.throws(() => readLatencyYaml('- a list item\n', 't.yaml'), invalidAt(1, /expected "<block key>:"/));
  assert.throws(() => readLatencyYaml('Conv-input:8x8x3-output:4x4x8: 0.5\n', 't.yaml'), invalidAt(1, /on the next lines or as \{field: number, \.\.\.\}/));
  assert.throws(() => readLatencyYaml('\n# nothing\n', 't.yaml'), invalidAt(3, /no rows/));
});
