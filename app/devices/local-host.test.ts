import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpus } from 'node:os';
import { describeLocalCpu, localFingerprint, parseNvidiaSmi } from './local-host.js';

test('nvidia-smi CSV rows become GPU devices', () => {
  // Shape of `nvidia-smi --query-gpu=index,name,memory.total,driver_version --format=csv,noheader,nounits`.
  const out = '0, NVIDIA H100 80GB HBM3, 81559, 550.54.15\n1, NVIDIA GeForce RTX 3090, 24576, 550.54.15\n';
  const gpus = parseNvidiaSmi(out, false);
  assert.equal(gpus.length, 2);
  assert.deepEqual(gpus[0], {
    id: 'gpu0',
    kind: 'local-gpu',
    label: 'NVIDIA H100 80GB HBM3',
    name: 'NVIDIA H100 80GB HBM3',
    memory_mb: 81559,
    driver: '550.54.15',
    profiling: 'needs onnxruntime-node CUDA provider',
    emulated: false,
  });
  assert.equal(parseNvidiaSmi(out, true)[1]!.profiling, 'available');
  assert.deepEqual(parseNvidiaSmi('\n', true), []);
});

test('the local CPU and its fingerprint carry what makes timings comparable', () => {
  const cpu = describeLocalCpu();
  assert.equal(cpu.cores, cpus().length);
  const fp = localFingerprint(cpu, { runtime: 'onnxruntime-node', runtimeVersion: '1.30.0', executionProvider: 'cpu', threads: 2, graphOptimization: 'all' });
  assert.equal(fp.kind, 'local-cpu');
  assert.equal(fp.emulated, false, "this host's CPU is not emulated");
  assert.equal(cpu.emulated, false);
  assert.equal(fp.threads, 2);
  assert.equal(fp.graph_optimization, 'all');
  assert.equal(fp.cpu_model, cpu.cpu_model);
});
