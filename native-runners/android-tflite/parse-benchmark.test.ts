/**
 * The benchmark_model parser against recorded outputs (fixtures/README.md says which are
 * verbatim captures and which are reconstructions) and against broken input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { benchmarkFailure, parseBenchmarkOutput, parseTimingStats, rowMsPerRun, type BenchmarkRow } from './parse-benchmark.js';
import { LabbenchError } from '../../app/api/errors.js';

const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

const parseFailed = (pattern: RegExp) => (e: unknown) => e instanceof LabbenchError && e.code === 'PARSE_FAILED' && pattern.test(e.message);

test('TF 2.8 stdout (verbatim, MobileNetV1 on 4 threads): 31 Run Order rows, summaries, not the init profile', () => {
  const p = parseBenchmarkOutput(fixture('tflite-2.8_stdout_qemu-riscv64_mobilenetv1-cpu4t_verbatim.txt'));
  assert.equal(p.format, 'stdout');
  assert.equal(p.rows.length, 31, 'Run Order only: not Top by Computation Time, not the summary by node type');
  assert.deepEqual(p.rows[0], {
    nodeType: 'CONV_2D',
    startMs: 0.066,
    firstMs: 87.754,
    avgMs: 60.957,
    pct: 2.066,
    cdfPct: 2.066,
    memKb: 0,
    timesCalled: 1,
    name: '[MobilenetV1/MobilenetV1/Conv2d_0/Relu6]:0',
    kind: 'op',
    tensorNames: ['MobilenetV1/MobilenetV1/Conv2d_0/Relu6'],
    tensorName: 'MobilenetV1/MobilenetV1/Conv2d_0/Relu6',
    nodeIndex: 0,
    line: 42,
  });
  assert.deepEqual(p.rows.map((r) => r.nodeIndex), Array.from({ length: 31 }, (_, i) => i));
  assert.ok(!p.rows.some((r) => r.nodeType === 'AllocateTensors'), 'the initialization profile is skipped');
  assert.equal(p.rows.at(-1)!.cdfPct, 100);
  assert.deepEqual(p.overall, { count: 50, firstUs: 2989660, currUs: 2912978, minUs: 2727203, maxUs: 3189476, avgUs: 2.9499e6, stdUs: 109770 });
  assert.deepEqual(p.inference, { initUs: 17187, firstUs: 3512391, warmupAvgUs: 3.51239e6, inferenceAvgUs: 2.95034e6 });
  assert.deepEqual(p.runs?.warmup, { count: 1, firstUs: 3512391, currUs: 3512391, minUs: 3512391, maxUs: 3512391, avgUs: 3512391, stdUs: 0 });
  assert.equal(p.runs?.regular?.avgUs, 2.95034e6);
  const sum = p.rows.reduce((s, r) => s + rowMsPerRun(r), 0);
  assert.ok(Math.abs(sum * 1000 - p.overall!.avgUs) / p.overall!.avgUs < 0.001, 'rows add up to the profiled run time');
});

test('NNAPI excerpt (verbatim): delegate rows name their partition outputs and come after the model nodes', () => {
  const p = parseBenchmarkOutput(fixture('tflite-unrecorded-2019_stdout_android_deeplabv3-nnapi_verbatim-excerpt.txt'));
  assert.equal(p.rows.length, 8);
  assert.equal(p.overall, undefined);
  const first = p.rows[0]!;
  assert.equal(first.nodeType, 'TfLiteNnapiDelegate');
  assert.deepEqual(first.tensorNames, ['MobilenetV2/expanded_conv_16/project/add_fold', 'aspp0/Relu']);
  assert.equal(first.tensorName, 'aspp0/Relu');
  assert.equal(first.nodeIndex, 71);
  assert.deepEqual(p.rows.map((r) => r.nodeIndex), [71, 61, 72, 63, 73, 68, 69, 70]);
  assert.equal(p.rows[7]!.startMs, 36.74);
});

test('TF 2.5 excerpt (verbatim): no [start] column; the init section tail before it is ignored', () => {
  const p = parseBenchmarkOutput(fixture('tflite-2.5_stdout_android_issue57758-nnapi-xnnpack_verbatim-excerpt.txt'));
  assert.equal(p.rows.length, 3);
  assert.equal(p.overall, undefined, 'the Timings line of the init profile is not the regular runs');
  assert.equal(p.rows[1]!.nodeType, 'TfLiteXNNPackDelegate');
  assert.equal(p.rows[1]!.startMs, undefined);
  assert.equal(p.rows[1]!.avgMs, 5.078);
  assert.deepEqual(p.rows[1]!.tensorNames, ['tfl.quantize4']);
  assert.equal(p.rows[2]!.tensorNames.length, 5, 'tensor names hold ";" and are separated by ", "');
  assert.equal(p.rows[2]!.tensorName, 'model/tf.math.add_56/Add;model/conv2d_12/Conv2D;model/conv2d_53/Conv2D;model/tf.math.add_56/Add/y1');
  assert.equal(p.rows[2]!.nodeIndex, 218);
});

test('TF 2.10 stdout (reconstructed): INFO: prefixes, no [start], one row per operator', () => {
  const p = parseBenchmarkOutput(fixture('tflite-2.10_stdout_android-arm64_tiny-cpu1t_reconstructed.txt'));
  assert.equal(p.rows.length, 12);
  assert.deepEqual(p.rows.map((r) => r.tensorName), ['conv1/pad', 'conv1', 'bn1/mul', 'bn1', 'relu1', 'dw', 'pw', 'sum', 'pool', 'flatten', 'fc', 'prob']);
  assert.ok(p.rows.every((r) => r.startMs === undefined));
  assert.equal(p.overall?.count, 3297);
  assert.equal(p.inference?.inferenceAvgUs, 302.6);
  assert.equal(p.runs?.warmup?.count, 1641);
  assert.equal(p.runs?.regular?.avgUs, 302.6);
});

test('CSV mode (reconstructed TF 2.10 file + its stdout): rows from the file, run summaries from stdout', () => {
  const csv = fixture('tflite-2.10_csv_android-arm64_tiny-cpu1t_reconstructed.csv');
  const stdout = fixture('tflite-2.10_stdout_android-arm64_tiny-cpu1t-csvmode_reconstructed.txt');
  const p = parseBenchmarkOutput(stdout, { csv });
  assert.equal(p.format, 'csv');
  const text = parseBenchmarkOutput(fixture('tflite-2.10_stdout_android-arm64_tiny-cpu1t_reconstructed.txt'));
  assert.deepEqual(
    p.rows.map((r) => [r.nodeType, r.avgMs, r.timesCalled, r.name]),
    text.rows.map((r) => [r.nodeType, r.avgMs, r.timesCalled, r.name]),
    'the CSV holds the same table as the stdout form',
  );
  assert.equal(p.overall?.avgUs, 263.4);
  assert.equal(p.inference?.inferenceAvgUs, 302.6);
  // The CSV alone parses too.
  assert.equal(parseBenchmarkOutput(csv).rows.length, 12);
  // The stdout of a CSV run holds no table.
  assert.throws(() => parseBenchmarkOutput(stdout), parseFailed(/no "Operator-wise Profiling Info for Regular Benchmark Runs" section/));
});

test('CSV with a start column and names holding ", " (reconstructed TF 2.3 XNNPACK file)', () => {
  const p = parseBenchmarkOutput(fixture('tflite-2.3_csv_android-arm64_tiny-xnnpack1t_reconstructed.csv'));
  assert.deepEqual(
    p.rows.map((r) => [r.nodeType, r.tensorNames, r.nodeIndex]),
    [
      ['TfLiteXNNPackDelegate', ['relu1', 'dw', 'pw'], 12],
      ['ADD_N', ['sum'], 7],
      ['TfLiteXNNPackDelegate', ['prob'], 13],
    ],
  );
  assert.equal(p.rows[0]!.startMs, 0);
  assert.equal(p.rows[1]!.startMs, 0.153);
  assert.ok(p.rows[0]!.pct > 87 && p.rows[0]!.pct < 88);
});

test('XNNPACK detailed rows (reconstructed TF 2.16): delegate-internal operators, times called > 1', () => {
  const p = parseBenchmarkOutput(fixture('tflite-2.16_stdout_android-arm64_tiny-xnnpack1t-detailed_reconstructed.txt'));
  assert.equal(p.rows.length, 11);
  const conv = p.rows[1]!;
  assert.equal(conv.nodeType, 'Convolution (NHWC, F32) IGEMM');
  assert.equal(conv.kind, 'delegate-op');
  assert.equal(conv.tensorName, null);
  assert.equal(p.rows.filter((r) => r.kind === 'op').length, 1, 'only ADD_N is a TFLite node');
  const copy = p.rows.at(-1)!;
  assert.equal(copy.timesCalled, 2);
  assert.equal(copy.avgMs, 0.001);
  assert.equal(rowMsPerRun(copy), 0.002);
});

test('a table whose tabs became spaces (copied from a terminal) parses the same', () => {
  const tabs = fixture('tflite-2.8_stdout_qemu-riscv64_mobilenetv1-cpu4t_verbatim.txt');
  const spaces = tabs.replace(/\t/g, '    ');
  const a = parseBenchmarkOutput(tabs);
  const b = parseBenchmarkOutput(spaces);
  assert.deepEqual(b.rows, a.rows);
  const detailed = fixture('tflite-2.16_stdout_android-arm64_tiny-xnnpack1t-detailed_reconstructed.txt');
  assert.deepEqual(parseBenchmarkOutput(detailed.replace(/\t/g, '  ')).rows, parseBenchmarkOutput(detailed).rows, 'node types with spaces and commas');
});

test('logcat prefixes (the benchmark APK) are stripped', () => {
  const text = fixture('tflite-2.10_stdout_android-arm64_tiny-cpu1t_reconstructed.txt')
    .split('\n')
    .map((l) => `05-31 10:31:13.023 21767 21767 I tflite  : ${l.replace(/^INFO: /, '')}`)
    .join('\n');
  const p = parseBenchmarkOutput(text);
  assert.equal(p.rows.length, 12);
  assert.equal(p.inference?.inferenceAvgUs, 302.6);
});

test('subgraph and Delegate internal tables are kept apart from the primary Run Order', () => {
  const text = [
    'Operator-wise Profiling Info for Regular Benchmark Runs:',
    'Primary graph profile:',
    '============================== Run Order ==============================',
    '\t             [node type]\t  [first]\t [avg ms]\t     [%]\t  [cdf%]\t  [mem KB]\t[times called]\t[Name]',
    '\t                   WHILE\t    1.000\t    1.000\t100.000%\t100.000%\t     0.000\t        1\t[out]:0',
    '',
    'Timings (microseconds): count=5 curr=1000(all same)',
    'Memory (bytes): count=0',
    '1 nodes observed',
    '',
    'Subgraph (index: 1) profile:',
    '============================== Run Order ==============================',
    '\t             [node type]\t  [first]\t [avg ms]\t     [%]\t  [cdf%]\t  [mem KB]\t[times called]\t[Name]',
    '\t                     ADD\t    0.100\t    0.100\t100.000%\t100.000%\t     0.000\t       10\t[body]:0',
    '',
    'Subgraph (index: 1) Timings (microseconds): count=5 curr=1000(all same)',
    '',
    'Delegate internal: ',
    '============================== Run Order ==============================',
    '\t             [node type]\t  [first]\t [avg ms]\t     [%]\t  [cdf%]\t  [mem KB]\t[times called]\t[Name]',
    '\t        DelegateOpInvoke\t    0.400\t    0.400\t100.000%\t100.000%\t     0.000\t        1\tDelegate/conv:0',
    '',
    'Timings (microseconds): count=5 curr=400(all same)',
  ].join('\n');
  const p = parseBenchmarkOutput(text);
  assert.deepEqual(p.rows.map((r) => r.name), ['[out]:0']);
  assert.deepEqual(p.overall, { count: 5, firstUs: 1000, currUs: 1000, minUs: 1000, maxUs: 1000, avgUs: 1000, stdUs: 0 });
  assert.deepEqual(p.delegateInternal?.map((r: BenchmarkRow) => [r.nodeType, r.kind]), [['DelegateOpInvoke', 'delegate-op']]);
});

test('an "Init Phase" profile printed first is skipped like the initialization profile', () => {
  const regular = fixture('tflite-2.10_stdout_android-arm64_tiny-cpu1t_reconstructed.txt');
  const text = regular.replace('INFO: Profiling Info for Benchmark Initialization:', 'INFO: Operator-wise Profiling Info for Init Phase:');
  const p = parseBenchmarkOutput(text);
  assert.equal(p.rows.length, 12);
  assert.ok(!p.rows.some((r) => r.nodeType === 'AllocateTensors'));
});

test('malformed input fails with PARSE_FAILED, the line number and the line', () => {
  const good = fixture('tflite-2.8_stdout_qemu-riscv64_mobilenetv1-cpu4t_verbatim.txt');
  const lines = good.split('\n');
  const at = lines.findIndex((l) => l.includes('Conv2d_1_depthwise/Relu6]:1')); // 0-based: line at + 1
  const broken = [...lines.slice(0, at), '\t                 CONV_2D\t  banana\t[x]:1', ...lines.slice(at + 1)].join('\n');
  assert.throws(() => parseBenchmarkOutput(broken), parseFailed(new RegExp(`malformed Run Order row \\(expected 9 columns\\) at line ${at + 1}: CONV_2D\\s+banana\\s+\\[x\\]:1$`)));
  const header = lines.findIndex((l, i) => i > at - 5 && l.includes('[node type]'));
  const noHeader = [...lines.slice(0, header), ...lines.slice(header + 1)].join('\n');
  assert.throws(() => parseBenchmarkOutput(noHeader), parseFailed(new RegExp(`Run Order row before its header at line ${header + 1}: CONV_2D`)));
  const regular = lines.findIndex((l) => l.startsWith('Operator-wise'));
  const cut = lines.slice(0, regular + 3).join('\n');
  assert.throws(() => parseBenchmarkOutput(cut), parseFailed(new RegExp(`no Run Order rows follow the regular-runs profile header at line ${regular + 1}: Operator-wise`)));
  assert.throws(() => parseBenchmarkOutput(''), parseFailed(/no "Operator-wise Profiling Info for Regular Benchmark Runs" section .* at line 1: $/));
  assert.throws(
    () => parseBenchmarkOutput(fixture('tflite-2.10_stderr_android-arm64_missing-model_reconstructed.txt')),
    parseFailed(/at line 11: ERROR: Benchmarking failed\. \(benchmark_model reported: Failed to mmap model/),
  );
});

test('parseTimingStats: full, single and all-same forms; count=0 is nothing', () => {
  assert.deepEqual(parseTimingStats('count=50 first=2989660 curr=2912978 min=2727203 max=3189476 avg=2.9499e+06 std=109770'), {
    count: 50,
    firstUs: 2989660,
    currUs: 2912978,
    minUs: 2727203,
    maxUs: 3189476,
    avgUs: 2949900,
    stdUs: 109770,
  });
  assert.equal(parseTimingStats('count=1 curr=11409')?.avgUs, 11409);
  assert.equal(parseTimingStats('count=7 curr=12(all same)')?.minUs, 12);
  assert.equal(parseTimingStats('count=0'), undefined);
});

test('benchmarkFailure: one line naming the cause, or undefined', () => {
  assert.equal(
    benchmarkFailure('', fixture('tflite-2.10_stderr_android-arm64_missing-model_reconstructed.txt')),
    "Failed to mmap model /data/local/tmp/labbench/missing.tflite: Could not open '/data/local/tmp/labbench/missing.tflite'.",
  );
  assert.equal(
    benchmarkFailure(fixture('tflite-2.10_stderr_android-arm64_gpu-delegate-failed_reconstructed.txt'), ''),
    'Failed to apply GPU delegate.: TfLiteGpuDelegate Init: Failed to build program executable - Out of host memory',
  );
  assert.equal(benchmarkFailure('', 'ERROR: Failed to load model /sdcard/m.tflite\nERROR: Benchmarking failed.'), 'Failed to load model /sdcard/m.tflite');
  assert.equal(
    benchmarkFailure('', "ERROR: Didn't find op for builtin opcode 'CONV_2D' version '6'. An older version of this builtin might be supported.\nERROR: Registration failed.\n"),
    "Didn't find op for builtin opcode 'CONV_2D' version '6'. An older version of this builtin might be supported.",
  );
  assert.equal(benchmarkFailure('/system/bin/sh: /data/local/tmp/benchmark_model: inaccessible or not found', ''), '/system/bin/sh: /data/local/tmp/benchmark_model: inaccessible or not found');
  assert.equal(benchmarkFailure('', 'Error: Failed to allocate tensors!'), 'Failed to allocate tensors!');
  assert.match(benchmarkFailure('', 'CANNOT LINK EXECUTABLE "/data/local/tmp/benchmark_model": library "libc++_shared.so" not found') ?? '', /^CANNOT LINK EXECUTABLE/);
  assert.equal(benchmarkFailure(fixture('tflite-2.10_stdout_android-arm64_tiny-cpu1t_reconstructed.txt'), ''), undefined, 'a good run has no failure');
  assert.equal(benchmarkFailure('', ''), undefined);
});

/**
 * The corpus of real captures (fixtures/README.md names each source). For every full profile,
 * the parsed rows must add up to the totals the capture prints itself: the `Timings
 * (microseconds)` avg of the regular runs (the per-run sum of profiled times) and the sum of its
 * "Summary by node type" table, within the rounding of the printed figures (3 decimals of a
 * millisecond per row, 6 significant digits in `avg=`).
 */
const FULL_CAPTURES: readonly { file: string; rows: number; delegateRows?: string }[] = [
  { file: 'tflite-2.8_stdout_qemu-riscv64_mobilenetv1-cpu4t_verbatim.txt', rows: 31 },
  { file: 'tflite-2.4_stdout_xiaomi-mi11_yolov5s-fp32-nnapi-qti-gpu-fp16_verbatim.txt', rows: 11, delegateRows: 'TfLiteNnapiDelegate' },
  { file: 'tflite-2.4_stdout_xiaomi-mi11_yolov5s-tflite-fp32-nnapi-qti-gpu-fp16_verbatim.txt', rows: 14, delegateRows: 'TfLiteNnapiDelegate' },
  { file: 'litert-2025_stdout_android-sme2_fc-fp32-xnnpack-kleidiai-profiler_verbatim-excerpt.txt', rows: 5 },
  { file: 'litert-2025_stdout_android-sme2_fc-fp32-xnnpack-profiler_verbatim-excerpt.txt', rows: 5 },
];

/** The capture's own "Summary by node type" total of the last profile printed (the regular runs), ms. */
function printedSummaryTotalMs(text: string): { totalMs: number; rows: number } {
  const lines = text.split('\n');
  const start = lines.map((l) => l.includes('Summary by node type')).lastIndexOf(true);
  assert.ok(start >= 0, 'the capture prints a summary by node type');
  let totalMs = 0;
  let rows = 0;
  for (const l of lines.slice(start + 2)) {
    const f = l.split('\t').map((x) => x.trim()).filter((x) => x !== '');
    if (f.length !== 7) break;
    totalMs += Number(f[2]);
    rows++;
  }
  return { totalMs, rows };
}

for (const c of FULL_CAPTURES) {
  test(`real capture ${c.file}: parses, and its rows add up to the totals it prints`, () => {
    const text = fixture(c.file);
    const p = parseBenchmarkOutput(text);
    assert.equal(p.rows.length, c.rows);
    const sumMs = p.rows.reduce((s, r) => s + rowMsPerRun(r), 0);
    const overall = p.overall;
    assert.ok(overall, 'the regular runs have a Timings line');
    const tolUs = c.rows * 0.5 + overall.avgUs * 1e-5;
    assert.ok(Math.abs(sumMs * 1000 - overall.avgUs) <= tolUs, `rows ${sumMs * 1000} us vs Timings avg ${overall.avgUs} us`);
    const summary = printedSummaryTotalMs(text);
    assert.ok(summary.rows > 0);
    assert.ok(Math.abs(sumMs - summary.totalMs) <= 0.001 * (c.rows + summary.rows), `rows ${sumMs} ms vs summary ${summary.totalMs} ms`);
    assert.equal(p.rows.at(-1)!.cdfPct, 100);
    if (c.delegateRows) assert.ok(p.rows.some((r) => r.nodeType === c.delegateRows && r.kind === 'op'));
    // Tabs turned into spaces on the way (a terminal, a web page) parse to the same rows.
    assert.deepEqual(parseBenchmarkOutput(text.replace(/\t/g, '    ')).rows.map((r) => [r.nodeType, r.avgMs, r.timesCalled, r.name]), p.rows.map((r) => [r.nodeType, r.avgMs, r.timesCalled, r.name]));
    // So do rows indented by more than one tab.
    assert.deepEqual(parseBenchmarkOutput(text.replace(/^\t/gm, '\t\t\t')).rows.map((r) => r.avgMs), p.rows.map((r) => r.avgMs));
  });
}

test('Xiaomi Mi 11, NNAPI on qti-gpu (TF 2.4, verbatim): partitions named after their outputs, CPU ops between them', () => {
  const p = parseBenchmarkOutput(fixture('tflite-2.4_stdout_xiaomi-mi11_yolov5s-fp32-nnapi-qti-gpu-fp16_verbatim.txt'));
  const nnapi = p.rows.filter((r) => r.nodeType === 'TfLiteNnapiDelegate');
  assert.deepEqual(nnapi.map((r) => r.nodeIndex), [231, 232, 233]);
  assert.deepEqual(nnapi[0]!.tensorNames, ['model/tf.nn.silu_16/mul', 'model/tf.nn.silu_26/mul', 'model/tf.nn.silu_35/mul']);
  assert.equal(nnapi[2]!.tensorName, 'Identity_2');
  assert.equal(p.rows[0]!.startMs, 0.021, 'TF 2.4 still prints [start]');
  assert.ok(!p.rows.some((r) => r.nodeType === 'ModifyGraphWithDelegate'), 'the initialization profile is skipped');
  assert.deepEqual(p.overall, { count: 50, firstUs: 164033, currUs: 158560, minUs: 146535, maxUs: 166638, avgUs: 158715, stdUs: 2931 });
  assert.equal(p.inference, undefined, 'the README quotes the profile only');
});

test('LiteRT benchmark_model --use_profiler (verbatim): a Run Order with no section header, LiteRT::Run rows, results block', () => {
  const p = parseBenchmarkOutput(fixture('litert-2025_stdout_android-sme2_fc-fp32-xnnpack-kleidiai-profiler_verbatim-excerpt.txt'));
  assert.deepEqual(
    p.rows.map((r) => [r.nodeType, r.kind, r.timesCalled]),
    [
      ['LiteRT::Run[buffer registration]', 'other', 1],
      ['AllocateTensors', 'other', 0],
      ['Static Reshape (NC)', 'delegate-op', 1],
      ['Fully Connected (NC, PF32) GEMM', 'delegate-op', 1],
      ['LiteRT::Run[Buffer sync]', 'other', 1],
    ],
  );
  assert.equal(rowMsPerRun(p.rows[1]!), 0, 'a row called 0 times per run costs nothing per run');
  assert.equal(p.runs?.warmup?.count, 1055);
  assert.equal(p.runs?.regular?.avgUs, 464.545);
  // The results block is in ms to 2 decimals; the count= lines give the same to the microsecond.
  assert.deepEqual(p.inference, { initUs: 4480, firstUs: 1033, warmupAvgUs: 465.319, inferenceAvgUs: 464.545 });
  assert.equal(p.overall?.avgUs, 411.071);
});

test('NNAPI failures on a Xiaomi Mi 11 (TF 2.4, verbatim): the root-cause line, case-insensitively', () => {
  const opFailed = fixture('tflite-2.4_stdout_xiaomi-mi11_yolov5s-int8-nnapi-qti-default-op-failed_verbatim.txt');
  assert.equal(
    benchmarkFailure(opFailed, ''),
    'Failed to apply NNAPI delegate.: NN API returned error ANEURALNETWORKS_OP_FAILED at line 3779 while completing NNAPI compilation.',
  );
  assert.throws(() => parseBenchmarkOutput(opFailed), parseFailed(/benchmark_model reported: .*ANEURALNETWORKS_OP_FAILED at line 3779 while completing NNAPI compilation/));
  const badData = fixture('tflite-2.4_stdout_xiaomi-mi11_yolov5s-int8-nnapi-qti-dsp-bad-data_verbatim.txt');
  assert.equal(benchmarkFailure('', badData), 'Failed to apply NNAPI delegate.: NN API returned error ANEURALNETWORKS_BAD_DATA at line 1068 while adding operation.');
  // The same lines through logcat (the benchmark APK) name the same cause.
  const logcat = opFailed.split('\n').map((l) => `08-17 21:47:49.138 29423 29423 E tflite  : ${l}`).join('\n');
  assert.match(benchmarkFailure(logcat, '') ?? '', /ANEURALNETWORKS_OP_FAILED at line 3779/);
});

test('CSV with commas in names written as tabs (current TFLite), from the Mi 11 table as stats_calculator.cc writes it', () => {
  const stdout = parseBenchmarkOutput(fixture('tflite-2.4_stdout_xiaomi-mi11_yolov5s-fp32-nnapi-qti-gpu-fp16_verbatim.txt'));
  // ProfileSummaryCSVFormatter: ", "-separated fields, the name's ',' replaced by '\t'.
  const csv = [
    'Operator-wise Profiling Info for Regular Benchmark Runs:',
    '============================== Run Order ==============================',
    'node type, start, first, avg_ms, %, cdf%, mem KB, times called, name',
    ...stdout.rows.map((r) => [r.nodeType, r.startMs, r.firstMs, r.avgMs, `${r.pct}%`, `${r.cdfPct}%`, r.memKb, r.timesCalled, r.name.replace(/,/g, '\t')].join(', ')),
    '',
  ].join('\n');
  assert.ok(csv.includes('[model/tf.nn.silu_16/mul\t model/tf.nn.silu_26/mul\t model/tf.nn.silu_35/mul]:231'));
  const p = parseBenchmarkOutput(csv);
  assert.equal(p.format, 'csv');
  assert.deepEqual(p.rows.map((r) => [r.tensorNames, r.nodeIndex, r.avgMs]), stdout.rows.map((r) => [r.tensorNames, r.nodeIndex, r.avgMs]));
});
