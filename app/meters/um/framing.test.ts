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
