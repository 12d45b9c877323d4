/**
 * Byte stream to PPK2 sample words: 4-byte little-endian words, the remainder carried to the
 * next chunk (a Transform in object mode, one `{ words, at }` per chunk, `at` the host time
 * the chunk arrived). `skip(n)` drops bytes to realign after a lost byte.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { hostNowMs } from '../clock.js';

export interface Ppk2Chunk {
  readonly words: Uint32Array;
  /** Host time the bytes arrived, ms. */
  readonly at: number;
}

export class Ppk2Framing extends Transform {
  private rest: Buffer = Buffer.alloc(0);
  private toSkip = 0;

  constructor() {
    super({ readableObjectMode: true });
  }

  /** Drops the next `n` bytes (realignment). */
  skip(n: number): void {
    this.toSkip += n;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    const at = hostNowMs();
    let buf = this.rest.length ? Buffer.concat([this.rest, chunk]) : chunk;
    if (this.toSkip > 0) {
      const k = Math.min(this.toSkip, buf.length);
      buf = buf.subarray(k);
      this.toSkip -= k;
    }
    const count = buf.length >>> 2;
    const words = new Uint32Array(count);
    for (let i = 0; i < count; i++) words[i] = buf.readUInt32LE(i * 4);
    this.rest = Buffer.from(buf.subarray(count * 4));
    if (count > 0) this.push({ words, at } satisfies Ppk2Chunk);
    cb();
  }
}
