import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UmFraming } from './framing.js';

const frame = (fill: number): Buffer => Buffer.alloc(130, fill);

test('frames come out whole however the bytes are chunked', () => {
  const f = new UmFraming();
  const out: Buffer[] = [];
  f.on('data', (b: Buffer) => out.push(b));
  const bytes = Buffer.concat([frame(1), frame(2), frame(3)]);
  for (let i = 0; i < bytes.length; i += 7) f.write(bytes.subarray(i, i + 7));
  assert.deepEqual(out.map((b) => [b.length, b[0], b[129]]), [[130, 1, 1], [130, 2, 2], [130, 3, 3]]);
  assert.equal(f.pending, 0);
  f.destroy();
});

test('a partial frame goes stale after staleMs and reset() discards stray bytes', async () => {
  const f = new UmFraming({ staleMs: 40 });
  const stale: number[] = [];
  f.on('stale', (n: number) => stale.push(n));
  f.on('data', () => assert.fail('no frame expected'));
  f.write(frame(9).subarray(0, 60));
  await new Promise((r) => setTimeout(r, 80));
  assert.deepEqual(stale, [60]);
  assert.equal(f.pending, 0);
  f.write(Buffer.from([1, 2, 3]));
  assert.equal(f.reset(), 3);
  f.destroy();
});

test('the tail of an answer cut off (a port closed mid-frame, then opened again) is dropped before the next frame head', () => {
  const f = new UmFraming({ heads: [0x0d4c] });
  const out: Buffer[] = [];
  const dropped: number[] = [];
  f.on('data', (b: Buffer) => out.push(b));
  f.on('resync', (n: number) => dropped.push(n));
  const whole = Buffer.alloc(130, 7);
  whole.writeUInt16BE(0x0d4c, 0);
  // 40 bytes of an older frame, then two whole frames, in odd chunks.
  const bytes = Buffer.concat([whole.subarray(90), whole, whole]);
  for (let i = 0; i < bytes.length; i += 33) f.write(bytes.subarray(i, i + 33));
  assert.deepEqual(dropped, [40], 'exactly the old tail, once');
  assert.equal(out.length, 2);
  assert.ok(out.every((b) => b.readUInt16BE(0) === 0x0d4c && b.length === 130));
  f.destroy();
});

test('a garbled frame with no head anywhere goes out whole, for the decoder to drop once', () => {
  const f = new UmFraming({ heads: [0x0d4c] });
  const out: Buffer[] = [];
  f.on('data', (b: Buffer) => out.push(b));
  f.on('resync', () => assert.fail('nothing to resync'));
  f.write(Buffer.alloc(130, 0xee));
  assert.equal(out.length, 1);
  f.destroy();
});
