// The in-place gap: per-op factors, and weights that stay cached alone but are evicted inside a network.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evictedBytes, fitInPlace, type GapRow } from './fit-device.js';

const MB = 2 ** 20;

/** Parts of networks on a device with a 16 MB cache that costs `perByte` ms per evicted weight byte. */
function device(perByte: number): GapRow[] {
  const rows: GapRow[] = [];
  const nets = [
    { total: 40 * MB, ws: [0.1, 0.6, 2.4, 4.7, 9.4, 9.4, 9.4] },
    { total: 200 * MB, ws: [0.3, 2.4, 9.4, 9.4, 64, 100] },
    { total: 3 * MB, ws: [0.04, 0.15, 0.6, 0.6, 0.6] },
  ];
  for (const n of nets) {
    n.ws.forEach((wMb, i) => {
      const w = wMb * MB;
      const iso = 0.2 + 0.1 * i + w * 1e-7;
      const cached = w <= 16 * MB && n.total - w > 16 * MB;
      rows.push({ op: 'conv', iso, inNet: iso * 1.02 + (cached ? perByte * w : 0), w, total: n.total });
      rows.push({ op: 'relu', iso: 0.05, inNet: 0.06, w: 0, total: n.total });
    });
  }
  return rows;
}

test('evicted bytes: a layer that fits the cache, in a network whose other weights do not, reads its weights from memory', () => {
  const e = { cache_bytes: 16 * MB, ms_per_byte: 1e-8, parts: 3 };
  assert.equal(evictedBytes(e, 9 * MB, 40 * MB), 9 * MB);
  assert.equal(evictedBytes(e, 20 * MB, 400 * MB), 0, 'past the cache alone too: its isolated time already reads memory');
  assert.equal(evictedBytes(e, 9 * MB, 20 * MB), 0, 'the rest of the network fits beside it');
  assert.equal(evictedBytes(e, 0, 400 * MB), 0, 'no weights');
  assert.equal(evictedBytes(undefined, 9 * MB, 400 * MB), 0, 'no term learned');
});

test('fitInPlace recovers the per-byte cost and brackets the cache size; without the effect it adds no term', () => {
  const g = fitInPlace(device(3e-8));
  assert.ok(g.evicted, 'a term is learned');
  // Between the largest evicted part (9.4 MB) and the smallest part past the cache (64 MB), on the grid of 2^(1/2) steps.
  assert.ok(g.evicted.cache_bytes >= 9.4 * MB && g.evicted.cache_bytes < 64 * MB, `cache ${g.evicted.cache_bytes / MB} MB`);
  assert.ok(Math.abs(g.evicted.ms_per_byte / 3e-8 - 1) < 0.05, `per byte ${g.evicted.ms_per_byte}`);
  assert.ok(Math.abs(g.ops.conv!.factor - 1.02) < 0.01, `conv factor ${g.ops.conv!.factor}`);
  assert.ok(Math.abs(g.ops.relu!.factor - 1.2) < 1e-9);

  const none = fitInPlace(device(0));
  assert.equal(none.evicted, undefined);
  assert.ok(Math.abs(none.ops.conv!.factor - 1.02) < 1e-9);
});
