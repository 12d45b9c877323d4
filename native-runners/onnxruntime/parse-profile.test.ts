import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { kernelMsPerRun, parseOrtProfile } from './parse-profile.js';
import { ownerOf } from './node-owner.js';
import { LabbenchError } from '../../app/api/errors.js';

const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

test('parses per-node kernel times of each run (optimization disabled)', () => {
  const runs = parseOrtProfile(fixture('ort-1.30_cpu-1t_tiny-net_opt-disabled.json'));
  assert.equal(runs.length, 3);
  const nodes = runs[0]!.kernels.map((k) => k.node);
  assert.deepEqual(nodes, ['conv1', 'bn1', 'relu1', 'conv2', 'add1', 'maxpool1', 'fc1/flatten', 'fc1', 'softmax1']);
  // Values read off the recorded trace: first run conv1 243 us, bn1 34 us; model_run 856 us.
  assert.equal(runs[0]!.kernels[0]!.durUs, 243);
  assert.equal(runs[0]!.kernels[0]!.op, 'Conv');
  assert.equal(runs[0]!.kernels[0]!.provider, 'CPUExecutionProvider');
  assert.equal(runs[0]!.kernels[1]!.durUs, 34);
  assert.equal(runs[0]!.modelRunUs, 856);
  assert.deepEqual(
    runs.map((r) => r.modelRunUs),
    [856, 528, 400],
  );
  // Kernel sum of run 1: 243+34+12+240+25+20+6+22+43 = 645 us.
  assert.equal(kernelMsPerRun(runs)[0], 0.645);
});

test('fused nodes (optimization all) keep their renamed names', () => {
  const runs = parseOrtProfile(fixture('ort-1.30_cpu-1t_tiny-net_opt-all.json'));
  assert.equal(runs.length, 3);
  const names = runs[1]!.kernels.map((k) => k.node);
  assert.ok(names.includes('relu1_nchwc'));
  assert.ok(names.includes('ReorderOutput'));
  const layers = new Set(['conv1', 'bn1', 'relu1', 'conv2', 'add1', 'maxpool1', 'fc1', 'softmax1']);
  assert.equal(ownerOf('fc1/flatten', layers), 'fc1');
  assert.equal(ownerOf('softmax1', layers), 'softmax1');
  assert.equal(ownerOf('relu1_nchwc', layers), undefined);
  // An imported layer name holding '/' owns its helper nodes: the longest prefix wins.
  assert.equal(ownerOf('enc/fc2/flatten', new Set(['enc', 'enc/fc2'])), 'enc/fc2');
});

test('one event per line, as ORT writes them, and the same events laid out otherwise parse alike', () => {
  for (const name of ['ort-1.30_cpu-1t_tiny-net_opt-all.json', 'ort-1.30_cpu-1t_tiny-net_opt-disabled.json']) {
    const text = fixture(name);
    const lines = parseOrtProfile(text);
    assert.deepEqual(parseOrtProfile(JSON.stringify(JSON.parse(text))), lines);
    assert.deepEqual(parseOrtProfile(JSON.stringify(JSON.parse(text), null, 1)), lines);
    // A line of another shape (here, fields reordered) sends the whole file through JSON.
    const odd = text.replace(/\{"cat" : "Node","pid" :(\d+),/, '{"pid" :$1,"cat" : "Node",');
    assert.notEqual(odd, text);
    assert.deepEqual(parseOrtProfile(odd), lines);
    assert.ok(lines.every((r) => r.kernels.every((k) => k.op !== '?' && k.provider === 'CPUExecutionProvider')));
  }
  // A file cut short is still an error, whichever way it is read.
  const cut = fixture('ort-1.30_cpu-1t_tiny-net_opt-all.json').trimEnd().slice(0, -1);
  assert.throws(() => parseOrtProfile(cut, 'p.json'), /p.json: not JSON/);
});

test('garbage is a PARSE_FAILED error with the source named', () => {
  assert.throws(
    () => parseOrtProfile('[{"cat":"Node"', 'p.json'),
    (e: unknown) => e instanceof LabbenchError && e.code === 'PARSE_FAILED' && e.message.startsWith('p.json: not JSON'),
  );
  assert.throws(() => parseOrtProfile('{}', 'p.json'), /expected a JSON array/);
  const orphan = JSON.stringify([{ cat: 'Node', name: 'x_kernel_time', ts: 5, dur: 1, args: {} }]);
  assert.throws(() => parseOrtProfile(orphan, 'p.json'), /outside every model_run/);
  assert.deepEqual(parseOrtProfile('[]'), []);
});
