/**
 * benchmark_model's argv, and its quoting for `adb shell`, checked against a real POSIX
 * shell on this machine: whatever a path holds, `sh -c` gives the program the original
 * argument back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { benchmarkArgv, normalizeCoreMask } from './argv.js';
import { shellQuote } from '../../app/devices/adb/shell-quote.js';

const base = { binary: '/data/local/tmp/benchmark_model', graph: '/data/local/tmp/labbench/m.tflite', threads: 4, warmupRuns: 5, numRuns: 50 } as const;

test('argv: flags in order, taskset first when pinned, cpu turns XNNPACK off', () => {
  assert.deepEqual(benchmarkArgv({ ...base, delegate: 'cpu' }), [
    '/data/local/tmp/benchmark_model',
    '--graph=/data/local/tmp/labbench/m.tflite',
    '--num_threads=4',
    '--warmup_runs=5',
    '--num_runs=50',
    '--use_xnnpack=false',
    '--enable_op_profiling=true',
  ]);
  assert.deepEqual(benchmarkArgv({ ...base, delegate: 'xnnpack', coreMask: '0xF0', maxSecs: 20, runDelay: 0.5, csvOut: '/data/local/tmp/p.csv' }), [
    'taskset',
    'f0',
    '/data/local/tmp/benchmark_model',
    '--graph=/data/local/tmp/labbench/m.tflite',
    '--num_threads=4',
    '--warmup_runs=5',
    '--num_runs=50',
    '--max_secs=20',
    '--run_delay=0.5',
    '--use_xnnpack=true',
    '--enable_op_profiling=true',
    '--op_profiling_output_mode=csv',
    '--op_profiling_output_file=/data/local/tmp/p.csv',
  ]);
  assert.deepEqual(benchmarkArgv({ ...base, delegate: 'gpu' }).slice(5, 7), ['--use_gpu=true', '--use_xnnpack=false']);
  assert.deepEqual(benchmarkArgv({ ...base, delegate: 'nnapi' }).slice(5, 7), ['--use_nnapi=true', '--use_xnnpack=false']);
  assert.equal(benchmarkArgv({ ...base, delegate: 'cpu', csvOut: '/x.csv', legacyCsvFlag: true }).at(-1), '--profiling_output_csv_file=/x.csv');
});

test('argv: bad options are BAD_INPUT', () => {
  const bad = { code: 'BAD_INPUT' };
  assert.throws(() => benchmarkArgv({ ...base, delegate: 'cpu', threads: 0 }), bad);
  assert.throws(() => benchmarkArgv({ ...base, delegate: 'cpu', numRuns: 1.5 }), bad);
  assert.throws(() => benchmarkArgv({ ...base, delegate: 'cpu', warmupRuns: -1 }), bad);
  assert.throws(() => benchmarkArgv({ ...base, delegate: 'cpu', maxSecs: 0 }), bad);
  assert.throws(() => benchmarkArgv({ ...base, delegate: 'cpu', runDelay: Number.NaN }), bad);
  assert.throws(() => benchmarkArgv({ ...base, delegate: 'cpu', coreMask: 'g0' }), bad);
  assert.throws(() => benchmarkArgv({ ...base, delegate: 'cpu', coreMask: '00' }), bad);
  assert.throws(() => benchmarkArgv({ ...base, delegate: 'cpu', graph: '' }), bad);
  assert.throws(() => benchmarkArgv({ ...base, delegate: 'tpu' as 'cpu' }), bad);
  assert.equal(normalizeCoreMask(' 0x0F '), '0f');
});

const HOSTILE = [
  'plain',
  'with space',
  '  leading and trailing  ',
  "single'quote",
  "''",
  'double"quote',
  'semi;colon; rm -rf /',
  '$(touch /tmp/labbench-pwned)',
  '`touch /tmp/labbench-pwned`',
  '${HOME}',
  '$HOME',
  'back\\slash\\',
  'new\nline',
  'tab\there',
  'glob*?[a]',
  '~user',
  '#comment',
  'a|b&c>d<e',
  '(sub)shell{brace}',
  '!bang',
  '-n',
  '--graph=/data/local/tmp/my model (1).tflite',
  'ünïcödé ✓',
  '',
];

/** Runs `sh -c "printf '<%s>\n' <quoted args>"` and reads the arguments back. */
function roundTrip(args: readonly string[]): string[] {
  const out = execFileSync('sh', ['-c', `printf '<%s>\\n' ${shellQuote(args)}`], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent' } });
  return [...out.matchAll(/<([\s\S]*?)>\n/g)].map((m) => m[1]!);
}

test('shellQuote: hostile arguments round-trip through a real sh -c, one at a time and all together', () => {
  for (const a of HOSTILE) assert.deepEqual(roundTrip([a]), [a], JSON.stringify(a));
  assert.deepEqual(roundTrip(HOSTILE), HOSTILE);
});

test('a benchmark argv with a hostile model path reaches the program unchanged', () => {
  const argv = benchmarkArgv({ ...base, graph: "/data/local/tmp/it's $(reboot); `id`\n.tflite", delegate: 'xnnpack', coreMask: 'f0' });
  assert.deepEqual(roundTrip(argv), argv);
});
