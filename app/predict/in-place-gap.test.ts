// The in-place gap: per-op factors, and weights that stay cached alone but are evicted inside a network.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evictedBytes, fitInPlace, inPlaceMs, type GapRow } from './in-place-gap.js';

const MB = 2 ** 20;

/**
 * Parts of networks on a device with a 16 MB cache, where a layer whose weights are evicted
 * takes at least `perByte` ms per weight byte in place (0: no such effect).
 */
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
      // Every other part computes long enough to hide its weight reads.
      const iso = (i % 2 ? 4 : 0.2 + 0.05 * i) + w * 1e-8;
      const evicted = w <= 16 * MB && n.total - w > 16 * MB;
      rows.push({ op: 'conv', iso, inNet: evicted ? Math.max(iso * 1.02, perByte * w) : iso * 1.02, w, total: n.total });
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

test('in place: the floor binds only for a layer faster than its weight reads; an older model\'s term is added', () => {
  const gap = { ops: { conv: { factor: 1.1, parts: 5 } }, default_factor: 1 };
  const floor = { ...gap, evicted: { cache_bytes: 16 * MB, ms_per_byte: 1e-7, parts: 3, form: 'floor' as const } };
  assert.ok(Math.abs(inPlaceMs(floor, 'conv', 0.1, 5 * MB, 40 * MB) - 0.5242880) < 1e-9, 'reads of 5 MB at 10 GB/s');
  assert.ok(Math.abs(inPlaceMs(floor, 'conv', 2, 5 * MB, 40 * MB) - 2.2) < 1e-12, 'computes longer than it reads');
  assert.ok(Math.abs(inPlaceMs(floor, 'conv', 0.1, 5 * MB, 10 * MB) - 0.11) < 1e-12, 'stays cached');
  const added = { ...gap, evicted: { cache_bytes: 16 * MB, ms_per_byte: 1e-7, parts: 3 } };
  assert.ok(Math.abs(inPlaceMs(added, 'conv', 2, 5 * MB, 40 * MB) - (2.2 + 0.524288)) < 1e-9);
  assert.equal(inPlaceMs(gap, 'relu', 2, 0, 40 * MB), 2);
});

test('fitInPlace recovers the cost per byte and brackets the cache size; without the effect it adds no term', () => {
  const perByte = 1e-6 / 10 ** (20 / 16); // 17.8 GB/s, a point of the grid
  const g = fitInPlace(device(perByte));
  assert.ok(g.evicted, 'a term is learned');
  assert.equal(g.evicted.form, 'floor');
  // Between the largest evicted part (9.4 MB) and the smallest part past the cache (64 MB), on the grid of 2^(1/2) steps.
  assert.ok(g.evicted.cache_bytes >= 9.4 * MB && g.evicted.cache_bytes < 64 * MB, `cache ${g.evicted.cache_bytes / MB} MB`);
  assert.ok(Math.abs(g.evicted.ms_per_byte / perByte - 1) < 1e-9, `per byte ${g.evicted.ms_per_byte}`);
  assert.ok(Math.abs(g.ops.conv!.factor - 1.02) < 1e-6, `conv factor ${g.ops.conv!.factor}`);
  assert.ok(Math.abs(g.ops.relu!.factor - 1.2) < 1e-9);

  const none = fitInPlace(device(0));
  assert.equal(none.evicted, undefined);
  assert.ok(Math.abs(none.ops.conv!.factor - 1.02) < 1e-9);
});
