import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, describe, it } from 'node:test';
import { LabbenchError } from '../api/errors.js';
import { loadDataset, resizeBilinear } from './data.js';
import type { Split } from './types.js';

function classCounts(s: Split): number[] {
  const counts = new Array<number>(10).fill(0);
  for (const y of s.y) counts[y] = (counts[y] ?? 0) + 1;
  return counts;
}

function imageKeys(s: Split): Set<string> {
  const size = s.x.length / s.n;
  const keys = new Set<string>();
  for (let i = 0; i < s.n; i++) keys.add(Buffer.from(s.x.buffer, s.x.byteOffset + i * size * 4, size * 4).toString('base64'));
  return keys;
}

for (const name of ['mnist', 'fashion-mnist'] as const) {
  describe(`${name} from the installed files`, () => {
    const d = loadDataset(name, { limit: 3000, seed: 3 });

    it('has 28x28x1 images in [0, 1] and labels 0-9', () => {
      assert.deepEqual(d.shape, [28, 28, 1]);
      assert.equal(d.classes, 10);
      assert.equal(d.train.n + d.val.n, 3000);
      assert.equal(d.val.n, 300);
      assert.equal(d.test.n, 500);
      for (const s of [d.train, d.val, d.test]) {
        assert.equal(s.x.length, s.n * 784);
        assert.equal(s.y.length, s.n);
        let max = 0;
        for (const v of s.x) {
          assert.ok(v >= 0 && v <= 1);
          max = Math.max(max, v);
        }
        assert.equal(max, 1);
        assert.ok(s.y.every((y) => y < 10));
      }
    });

    it('is roughly class-balanced', () => {
      for (const c of classCounts(d.train)) assert.ok(c > 200 && c < 360, `class count ${c} of ${d.train.n}`);
    });

    it('holds out a validation split disjoint from training, the same for the same seed', () => {
      const train = imageKeys(d.train);
      for (const k of imageKeys(d.val)) assert.ok(!train.has(k), 'a validation image is also in training');
      const again = loadDataset(name, { limit: 3000, seed: 3 });
      assert.deepEqual(again.val.y, d.val.y);
      const other = loadDataset(name, { limit: 3000, seed: 4 });
      assert.notDeepEqual(other.val.y, d.val.y);
    });

    it('resizes for proxy training', () => {
      const r = loadDataset(name, { limit: 60, resolution: 32 });
      assert.deepEqual(r.shape, [32, 32, 1]);
      assert.equal(r.train.x.length, r.train.n * 1024);
    });
  });
}

describe('resizeBilinear', () => {
  it('keeps a constant image constant and a ramp monotonic', () => {
    const out = new Float32Array(36);
    resizeBilinear(new Float32Array(16).fill(0.5), 4, 4, out, 6, 6);
    assert.ok(out.every((v) => Math.abs(v - 0.5) < 1e-6));
    const ramp = Float32Array.from({ length: 16 }, (_, i) => i % 4);
    resizeBilinear(ramp, 4, 4, out, 6, 6);
    for (let x = 1; x < 6; x++) assert.ok((out[x] ?? 0) >= (out[x - 1] ?? 0));
  });
});

describe('bad data files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'labbench-data-'));
  const saved = process.env.LABBENCH_DATA_DIR;
  after(() => {
    if (saved === undefined) delete process.env.LABBENCH_DATA_DIR;
    else process.env.LABBENCH_DATA_DIR = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  function expectError(pattern: RegExp): void {
    process.env.LABBENCH_DATA_DIR = dir;
    assert.throws(
      () => loadDataset('fashion-mnist'),
      (e: unknown) => e instanceof LabbenchError && e.code === 'BAD_INPUT' && pattern.test(e.message),
    );
  }

  it('names the missing file and what to install', () => {
    expectError(/train-images-idx3-ubyte\[\.gz\] is missing/);
  });

  it('rejects a truncated image file', () => {
    const d = join(dir, 'fashion-mnist');
    mkdirSync(d, { recursive: true });
    const header = Buffer.alloc(16);
    header.writeUInt32BE(0x803, 0);
    header.writeUInt32BE(10, 4);
    header.writeUInt32BE(28, 8);
    header.writeUInt32BE(28, 12);
    writeFileSync(join(d, 'train-images-idx3-ubyte.gz'), gzipSync(Buffer.concat([header, Buffer.alloc(784 * 9)])));
    expectError(/truncated or malformed/);
  });

  it('rejects a wrong magic number and a file that is not gzip', () => {
    const d = join(dir, 'fashion-mnist');
    writeFileSync(join(d, 'train-images-idx3-ubyte.gz'), gzipSync(Buffer.alloc(64)));
    expectError(/not an IDX image file/);
    writeFileSync(join(d, 'train-images-idx3-ubyte.gz'), Buffer.from('not gzip at all'));
    expectError(/not a valid gzip file/);
  });
});
