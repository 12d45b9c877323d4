/**
 * Byte stream to UM frames: exactly 130 bytes each (a Transform in object mode, one Buffer
 * per frame, like serialport's parser-byte-length). Because the meter only speaks when asked,
 * the owner calls `reset()` before each request, which discards stray bytes, and a partial
 * frame whose first byte is older than `staleMs` is discarded with a `stale` event (a frame
 * cut short: Bluetooth dropouts, a garbled answer). Events: `stale` (bytes), `resync` (bytes
 * dropped before a frame head).
 */
import { Transform, type TransformCallback } from 'node:stream';
import { hostNowMs } from '../clock.js';
import { UM_FRAME_LENGTH } from './decode.js';

export interface UmFramingOptions {
  readonly frameLength?: number;
  /** A partial frame older than this (ms since its first byte) is discarded. */
  readonly staleMs?: number;
  /**
   * What a frame starts with (the models' big-endian ids): bytes before one, in a frame's
   * worth of bytes that does not start with one, are the tail of an answer cut off (a port
   * closed mid-frame and opened again), dropped with a `resync` event rather than shifting
   * every frame after them.
   */
  readonly heads?: readonly number[];
}

export class UmFraming extends Transform {
  private buf: Buffer = Buffer.alloc(0);
  private firstByteAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly frameLength: number;
  private readonly staleMs: number;
  private readonly heads: ReadonlySet<number>;

  constructor(opts: UmFramingOptions = {}) {
    super({ readableObjectMode: true });
    this.frameLength = opts.frameLength ?? UM_FRAME_LENGTH;
    this.staleMs = opts.staleMs ?? 300;
    this.heads = new Set(opts.heads ?? []);
  }

  /**
   * Where a whole frame's worth of bytes does not start with a frame head but holds one
   * further in, the bytes before it are the tail of an older answer: drops them and says
   * so. A frame with no head anywhere (garbled) goes out as it is, for the decoder to drop.
   */
  private resync(): boolean {
    if (this.heads.size === 0 || this.heads.has(this.buf.readUInt16BE(0))) return false;
    for (let at = 1; at + 1 < this.buf.length; at++) {
      if (!this.heads.has(this.buf.readUInt16BE(at))) continue;
      this.emit('resync', at);
      this.buf = this.buf.subarray(at);
      return true;
    }
    return false;
  }

  /** Bytes of the partial frame held now. */
  get pending(): number {
    return this.buf.length;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (this.buf.length === 0) this.startPartial();
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    while (this.buf.length >= this.frameLength) {
      if (this.resync()) continue;
      this.push(Buffer.from(this.buf.subarray(0, this.frameLength)));
      this.buf = this.buf.subarray(this.frameLength);
      this.clearTimer();
      if (this.buf.length > 0) this.startPartial();
    }
    cb();
  }

  /** Discards a partial frame; returns how many bytes it held. */
  reset(): number {
    const n = this.buf.length;
    this.buf = Buffer.alloc(0);
    this.clearTimer();
    return n;
  }

  override _flush(cb: TransformCallback): void {
    this.reset();
    cb();
  }

  override _destroy(err: Error | null, cb: (error?: Error | null) => void): void {
    this.clearTimer();
    cb(err);
  }

  private startPartial(): void {
    this.firstByteAt = hostNowMs();
    this.clearTimer();
    this.timer = setTimeout(() => this.checkStale(), this.staleMs);
  }

  private checkStale(): void {
    this.timer = undefined;
    if (this.buf.length === 0) return;
    const age = hostNowMs() - this.firstByteAt;
    if (age + 1 < this.staleMs) {
      this.timer = setTimeout(() => this.checkStale(), this.staleMs - age);
      return;
    }
    const n = this.reset();
    this.emit('stale', n);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
