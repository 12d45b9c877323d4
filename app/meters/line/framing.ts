/**
 * Byte stream to text lines (a Transform in object mode, one `{ line, at }` per line without
 * its `\r\n`, `at` the host time the line's last byte arrived). A line longer than
 * `maxLength` (binary noise, a lost newline) is discarded up to the next newline with an
 * `overlong` event.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { hostNowMs } from '../clock.js';

export interface TextLine {
  readonly line: string;
  readonly at: number;
}

export class LineFraming extends Transform {
  private parts: Buffer[] = [];
  private held = 0;
  private discarding = false;

  constructor(private readonly maxLength = 512) {
    super({ readableObjectMode: true });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    const at = hostNowMs();
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl < 0) break;
      this.appendPart(chunk.subarray(start, nl));
      if (!this.discarding) {
        let line = Buffer.concat(this.parts).toString('latin1');
        if (line.endsWith('\r')) line = line.slice(0, -1);
        this.push({ line, at } satisfies TextLine);
      }
      this.parts = [];
      this.held = 0;
      this.discarding = false;
      start = nl + 1;
    }
    this.appendPart(chunk.subarray(start));
    cb();
  }

  private appendPart(part: Buffer): void {
    if (this.discarding || part.length === 0) return;
    this.held += part.length;
    if (this.held > this.maxLength) {
      this.discarding = true;
      this.parts = [];
      this.emit('overlong');
      return;
    }
    this.parts.push(Buffer.from(part));
  }
}
