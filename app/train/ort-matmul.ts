/**
 * Large matrix products on onnxruntime-node's MLAS instead of wasm's XNNPACK, for kernels that
 * must answer synchronously. Node's wasm build of tfjs runs one thread and XNNPACK reached
 * ~15 GFLOP/s here on a 100x4096 @ 4096x4096 product; MLAS ran mnist-3hidden's forward pass
 * at 76 GFLOP/s on one thread and 152 on two. ORT's `run` is asynchronous while a tfjs kernel
 * is not, so ORT runs in a worker thread: the kernel copies its operands out of the wasm heap,
 * transfers them to the worker and blocks in Atomics.wait until the worker has posted the
 * product; then it takes the answer with receiveMessageOnPort (no event-loop turn) and the
 * caller copies it into the wasm heap. The copies and the round trip cost more than a small
 * product, so only products above a FLOP threshold go this way (DEFAULT_MIN_FLOPS).
 */
import { createRequire } from 'node:module';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';

/**
 * Products below this many FLOPs (2mkn) stay on XNNPACK. Timed 2026-11-27 on the 2 shared
 * cores (load ~2.3: another job held one core), median of 7, tf.matMul on the wasm backend
 * with and without routing, ORT on 2 threads, copies included:
 *   100x256x256    13 MFLOP   XNNPACK  1.0 ms  ORT  0.9 ms
 *   100x512x512    52 MFLOP            2.7          1.8   (NT: 4.2 / 1.8)
 *   100x1024x1024 210 MFLOP           12.4         10.2
 *   100x784x4096  642 MFLOP           43.6         20.1
 *   100x4096x4096 3.4 GFLOP          201           87    (NT, dy @ W^T: 215 / 97)
 *   4096x100x4096 3.4 GFLOP TN       168          184    (x^T @ dy: MLAS is slow on k = 100
 *                                                        with a 64 MB output; a tie)
 * A round trip to the worker costs ~0.3-0.5 ms, so break-even lies near 10 MFLOP; 20 keeps
 * mnist-1hidden's 784-100-10 products (16 MFLOP at batch 100) on XNNPACK.
 */
export const DEFAULT_MIN_FLOPS = 20e6;

/** A product that could not be taken to ORT (the caller falls back to XNNPACK). */
export class OrtMatMulError extends Error {}

export interface ProductRequest {
  /** op(A) is [m, k], op(B) is [k, n]; A is stored [k, m] when transA, B [n, k] when transB. Read, not kept. */
  readonly a: Float32Array;
  readonly b: Float32Array;
  readonly m: number;
  readonly k: number;
  readonly n: number;
  readonly transA: boolean;
  readonly transB: boolean;
}

type Answer = { ok: true } | { a: Float32Array; b: Float32Array; y: Float32Array } | { error: string };

/**
 * Buffers that travel to the worker and back (transferred, never copied). A fresh 64 MB
 * array costs ~60 ms here in page faults, a copy into one already touched ~6 ms: operands
 * and outputs are staged in these. Best fit first; beyond MAX_POOLED the smallest goes.
 */
class BufferPool {
  private readonly free: ArrayBuffer[] = [];

  take(floats: number): Float32Array {
    const bytes = floats * 4;
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const len = this.free[i]!.byteLength;
      if (len >= bytes && (best < 0 || len < this.free[best]!.byteLength)) best = i;
    }
    const buf = best >= 0 ? this.free.splice(best, 1)[0]! : new ArrayBuffer(bytes);
    return new Float32Array(buf, 0, floats);
  }

  give(...views: Float32Array[]): void {
    for (const v of views) this.free.push(v.buffer as ArrayBuffer);
    this.free.sort((x, y) => y.byteLength - x.byteLength);
    this.free.length = Math.min(this.free.length, MAX_POOLED);
  }
}

/** Three buffers per product (A, B, Y) for the two or three shapes of a dense layer. */
const MAX_POOLED = 9;

/**
 * How long a product may take before the worker counts as stuck (the first of a shape also
 * creates its session; a 4096x4096 product takes well under a second).
 */
const ANSWER_TIMEOUT_MS = 120_000;

/** Atomics.waitAsync (Node >= 16), which the ES2023 lib this project compiles against lacks. */
type WaitAsync = (a: Int32Array, index: number, value: number, timeoutMs: number) => { async: false; value: string } | { async: true; value: Promise<string> };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

export class OrtMatMul {
  private closed = false;
  private readonly pool = new BufferPool();

  private constructor(
    private readonly worker: Worker,
    private readonly port: MessagePort,
    private readonly flag: Int32Array,
    readonly threads: number,
  ) {}

  /** Starts the worker and checks that it loaded onnxruntime-node; throws OrtMatMulError if not. */
  static async start(threads: number): Promise<OrtMatMul> {
    // Resolved here so that a missing package fails before a worker is spawned.
    try {
      createRequire(import.meta.url).resolve('onnxruntime-node');
    } catch (e) {
      throw new OrtMatMulError(`onnxruntime-node is not installed (${(e as Error).message.split('\n')[0]})`);
    }
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(new URL('./ort-matmul-worker.mjs', import.meta.url), { workerData: { port: port2, flag, threads }, transferList: [port2] });
    const failed = new Promise<never>((_, reject) => {
      worker.once('error', (e) => reject(new OrtMatMulError(`ORT matmul worker failed: ${e.message}`)));
      worker.once('exit', (code) => reject(new OrtMatMulError(`ORT matmul worker exited (code ${code})`)));
    });
    failed.catch(() => undefined);
    const engine = new OrtMatMul(worker, port1, flag, threads);
    // The hello is answered like a product; waiting for it asynchronously lets a worker that
    // dies while loading be reported instead of waited for.
    Atomics.store(flag, 0, 0);
    port1.postMessage({ type: 'hello' });
    const hello = await Promise.race([failed, engine.waitAsync()]);
    if ('error' in hello) {
      await worker.terminate();
      throw new OrtMatMulError(`onnxruntime-node did not load in the worker: ${hello.error}`);
    }
    // From here the worker only waits for requests: it must not keep the process alive (until
    // the hello, it is what keeps the event loop running: Atomics.waitAsync does not).
    worker.unref();
    port1.unref();
    return engine;
  }

  private async waitAsync(): Promise<Answer> {
    const w = waitAsync(this.flag, 0, 0, ANSWER_TIMEOUT_MS);
    if (w.async) await w.value;
    return this.take();
  }

  private take(): Answer {
    if (Atomics.load(this.flag, 0) !== 1) throw new OrtMatMulError('ORT matmul worker did not answer in time');
    const msg = receiveMessageOnPort(this.port);
    if (!msg) throw new OrtMatMulError('ORT matmul worker signalled an answer it did not post');
    return msg.message as Answer;
  }

  /**
   * op(A) @ op(B), synchronously: `use` gets the [m, n] product, valid only during the call
   * (its buffer goes back to the pool). Throws OrtMatMulError when the worker fails or is gone.
   */
  product<T>(req: ProductRequest, use: (y: Float32Array) => T): T {
    if (this.closed) throw new OrtMatMulError('ORT matmul is closed');
    const a = this.pool.take(req.a.length);
    const b = this.pool.take(req.b.length);
    const y = this.pool.take(req.m * req.n);
    a.set(req.a);
    b.set(req.b);
    Atomics.store(this.flag, 0, 0);
    this.port.postMessage({ ...req, a, b, y }, [a.buffer as ArrayBuffer, b.buffer as ArrayBuffer, y.buffer as ArrayBuffer]);
    Atomics.wait(this.flag, 0, 0, ANSWER_TIMEOUT_MS);
    const answer = this.take();
    if ('error' in answer) throw new OrtMatMulError(`ORT matmul failed: ${answer.error}`);
    if (!('y' in answer) || answer.y.length !== req.m * req.n) throw new OrtMatMulError('ORT matmul answered with the wrong size');
    try {
      return use(answer.y);
    } finally {
      this.pool.give(answer.a, answer.b, answer.y);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.port.close();
    await this.worker.terminate();
  }
}
