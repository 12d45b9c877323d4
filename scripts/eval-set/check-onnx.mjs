// Loads every network of one or more eval-set folders (from their manifest.json) with
// onnxruntime-node and runs it once on a random input, to check the exports are usable.
// Usage: node scripts/eval-set/check-onnx.mjs DIR [DIR ...]
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(new URL('../../package.json', import.meta.url));
const ort = require('onnxruntime-node');

async function check(dir, entry) {
  const file = path.join(dir, entry.file);
  const t0 = performance.now();
  const session = await ort.InferenceSession.create(fs.readFileSync(file), {
    executionProviders: ['cpu'],
    intraOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
  const t1 = performance.now();
  const shape = entry.input.shape;
  const data = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => Math.random());
  const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', data, shape) });
  const t2 = performance.now();
  const y = out[session.outputNames[0]];
  if (session.inputNames[0] !== 'input') throw new Error(`input is named ${session.inputNames[0]}`);
  if (![...y.data].every(Number.isFinite)) throw new Error('output has non-finite values');
  await session.release?.();
  return `load ${(t1 - t0).toFixed(0)} ms, run ${(t2 - t1).toFixed(0)} ms, output [${y.dims.join(',')}]`;
}

let failed = 0;
for (const dir of process.argv.slice(2)) {
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  for (const entry of manifest.networks) {
    try {
      console.log(`${dir} ${entry.name}: ok, ${await check(dir, entry)}`);
    } catch (err) {
      failed++;
      console.log(`${dir} ${entry.name}: FAILED ${err.message}`);
    }
  }
}
console.log(failed ? `${failed} failed` : 'all ok');
process.exitCode = failed ? 1 : 0;
