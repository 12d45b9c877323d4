/**
 * Large matrix products on onnxruntime-node's MLAS instead of wasm's XNNPACK, for kernels that
 * must answer synchronously. Node's wasm build of tfjs runs one thread, MLAS several, and is
 * faster per thread on big products (docs/decisions/0019-large-matmuls-on-onnxruntime.md).
 * ORT's `run` is asynchronous while a tfjs kernel is not, so ORT runs in a worker thread: the
 * kernel copies its operands out of the wasm heap, transfers them to the worker and blocks in
 * Atomics.wait until the worker has posted the product; then it takes the answer with
 * receiveMessageOnPort (no event-loop turn) and the caller copies it into the wasm heap. The
 * copies and the round trip cost more than a small product, so only products above a FLOP
 * threshold go this way (DEFAULT_MIN_FLOPS).
 */
import { createRequire } from 'node:module';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';

/**
 * Products below this many FLOPs (2mkn) stay on XNNPACK, where the worker's round trip and
 * copies cost more than MLAS saves; set above the break-even so that mnist-1hidden's products
 * stay there too (docs/decisions/0019-large-matmuls-on-onnxruntime.md).
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
 * Buffers that travel to the worker and back (transferred, never copied). A fresh big array
 * costs far more in page faults than a copy into one already touched: operands and outputs
 * are staged in these (docs/decisions/0019-large-matmuls-on-onnxruntime.md). Best fit first;
 * beyond MAX_POOLED the smallest goes.
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
