// The worker side of ort-matmul.ts: runs matrix products on onnxruntime-node (MLAS) for a main
// thread that waits for them synchronously. Plain JavaScript because a worker does not inherit
// the tsx loader that `bin/labbench.js` registers.
//
// Protocol (over workerData.port, a MessagePort): a request { a, b, y, m, k, n, transA, transB }
// (a, b and the output y transferred) is answered by { a, b, y } (the same buffers, transferred
// back, y holding the product) or { error }; after posting the
// answer the worker sets workerData.flag[0] to 1 and notifies it, which wakes the main thread
// blocked in Atomics.wait; the main thread then takes the answer with receiveMessageOnPort.
import { createRequire } from 'node:module';
import process from 'node:process';
import { workerData } from 'node:worker_threads';

const { port, flag, threads } = workerData;
const require = createRequire(import.meta.url);

/** Sessions by product shape; a training run uses a handful (forward, two gradients per layer). */
const sessions = new Map();
const MAX_SESSIONS = 64;

let ort;
let onnx;

/** A one-node ONNX model: Y = op(A) @ op(B), Gemm without C (MLAS takes the flags natively). */
function gemmModel(m, k, n, transA, transB) {
  const F = onnx.TensorProto.DataType.FLOAT;
  const value = (name, dims) => ({ name, type: { tensorType: { elemType: F, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } });
  const int = (name, i) => ({ name, type: onnx.AttributeProto.AttributeType.INT, i });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'labbench ort-matmul',
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'product',
      node: [{ opType: 'Gemm', name: 'gemm', input: ['A', 'B'], output: ['Y'], attribute: [int('transA', transA ? 1 : 0), int('transB', transB ? 1 : 0)] }],
      input: [value('A', transA ? [k, m] : [m, k]), value('B', transB ? [n, k] : [k, n])],
      output: [value('Y', [m, n])],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

async function session(m, k, n, transA, transB) {
  const key = `${m}x${k}x${n}:${transA ? 1 : 0}${transB ? 1 : 0}`;
  let s = sessions.get(key);
  if (s) {
    sessions.delete(key);
    sessions.set(key, s);
    return s;
  }
  s = await ort.InferenceSession.create(gemmModel(m, k, n, transA, transB), {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    // No spinning between products: the main thread's own kernels need the cores meanwhile.
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  });
  sessions.set(key, s);
  if (sessions.size > MAX_SESSIONS) {
    const [oldest, old] = sessions.entries().next().value;
    sessions.delete(oldest);
    await old.release();
  }
  return s;
}

function answer(message, transfer = []) {
  port.postMessage(message, transfer);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}

async function product({ a, b, y, m, k, n, transA, transB }) {
  const s = await session(m, k, n, transA, transB);
  // The product goes into y, a buffer the main thread lent (ORT takes it as a pre-allocated output).
  await s.run({ A: new ort.Tensor('float32', a, transA ? [k, m] : [m, k]), B: new ort.Tensor('float32', b, transB ? [n, k] : [k, n]) }, { Y: new ort.Tensor('float32', y, [m, n]) });
  return { a, b, y };
}

// An error outside a product would leave the main thread waiting: it is answered instead.
const fail = (e) => answer({ error: e instanceof Error ? e.message : String(e) });
process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);

port.on('message', (req) => {
  if (req.type === 'hello') {
    try {
      ort = require('onnxruntime-node');
      onnx = require('onnx-proto').onnx;
      answer({ ok: true });
    } catch (e) {
      fail(e);
    }
    return;
  }
  product(req).then((out) => answer(out, [out.a.buffer, out.b.buffer, out.y.buffer]), fail);
});
