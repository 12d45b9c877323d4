// Timings taken in different machine states, brought to one state by the canary timed beside each sample, on a real DB file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openProfilesDb } from '../../profiles-db/profiles-db.js';
import { cpuFingerprint, statsOf, tempDir } from '../../profiles-db/test-fixtures/helpers.js';
import { StateNormalizer } from './machine-state.js';
import { median } from '../util/stats.js';

const unit = (key: string) => ({ key, op: 'conv', config: { key }, layers: [key] });

test('a layer timed on a slow machine and one timed on a fast one meet in the reference state; samples without a canary stay raw', () => {
  const db = openProfilesDb(join(tempDir(), 'state.db'));
  try {
    const device = db.upsertDevice({ key: 'local', label: 'Test CPU', fingerprint: cpuFingerprint(), origin: 'measured' });
    // Run 1: the machine at 1.5x (canary 0.6 ms); conv-a takes 3 ms there, 2 ms at the reference.
    const slow = db.startRun({ deviceId: device.id, workload: 'w1', settings: { n: 1 } });
    const a = [3, 3.3, 2.7];
    const aCanary = [0.6, 0.66, 0.54];
    db.recordUnit(slow.id, unit('conv-a'), a, statsOf(a), aCanary.map((c) => ({ canary_ms: c })));
    db.recordEndToEnd(slow.id, [15, 15, 15], statsOf([15, 15, 15]), [0.6, 0.6, 0.6].map((c) => ({ canary_ms: c })), { 'conv-a': 3 });
    db.completeRun(slow.id);
    // Run 2: the machine at 1x (canary 0.4 ms); conv-b takes 1 ms; conv-c was measured without a canary (an imported or older row).
    const fast = db.startRun({ deviceId: device.id, workload: 'w2', settings: { n: 2 } });
    for (const [key, ms] of [['conv-b', 1], ['conv-d', 4], ['conv-e', 5]] as const) db.recordUnit(fast.id, unit(key), [ms, ms], statsOf([ms, ms]), [{ canary_ms: 0.4 }, { canary_ms: 0.4 }]);
    db.recordUnit(fast.id, unit('conv-c'), [7, 7], statsOf([7, 7]));
    db.completeRun(fast.id);

    const s = StateNormalizer.fromDb(db, device.id);
    assert.equal(s.referenceMs, 0.4, 'the median of the five canary medians (0.6, 0.6, 0.4, 0.4, 0.4)');
    assert.ok(Math.abs(s.unitMs(slow.id, 'conv-a', 3) - 2) < 1e-12);
    assert.equal(s.unitMs(fast.id, 'conv-b', 1), 1);
    assert.equal(s.unitMs(fast.id, 'conv-c', 7), 7, 'no canary: raw');
    assert.equal(s.unitMs(slow.id, 'conv-a', 3.1), 3.1, 'a median that is not the recorded one is left alone');
    assert.ok(Math.abs(s.endToEndMs(slow.id, 15) - 10) < 1e-12);
    assert.ok(Math.abs(s.endToEndScale(slow.id) - 2 / 3) < 1e-12);
    assert.equal(s.endToEndScale(fast.id), 1, 'a run without an end-to-end canary is not scaled');

    const lut = new Map(s.lutEntries(db.lutEntries(device.id)).map((e) => [e.key, e]));
    assert.ok(Math.abs(lut.get('conv-a')!.median_ms - 2) < 1e-12);
    assert.ok(Math.abs(lut.get('conv-a')!.max_ms - 2.2) < 1e-12, 'the row\'s other times scale with its median');
    assert.equal(lut.get('conv-c')!.median_ms, 7);

    const summary = s.summary()!;
    assert.equal(summary.timings, 5);
    assert.equal(summary.canary_p10, 1);
    assert.ok(Math.abs(summary.canary_p90 - 1.5) < 1e-12);

    // A model fitted earlier keeps its reference: times come out in its state.
    const other = StateNormalizer.fromDb(db, device.id, 0.3);
    assert.ok(Math.abs(other.unitMs(fast.id, 'conv-b', 1) - 0.75) < 1e-12);

    // Measured again, on the fast machine: the LUT row is the new measurement, and so is its state.
    const again = db.startRun({ deviceId: device.id, workload: 'w3', settings: { n: 3 } });
    db.recordUnit(again.id, unit('conv-a'), [2.1, 2.1], statsOf([2.1, 2.1]), [{ canary_ms: 0.42 }, { canary_ms: 0.42 }]);
    db.completeRun(again.id);
    const after = StateNormalizer.fromDb(db, device.id);
    assert.ok(Math.abs(after.lutEntries(db.lutEntries(device.id)).find((e) => e.key === 'conv-a')!.median_ms - 5 * after.referenceMs!) < 1e-12);
  } finally {
    db.close();
  }
});

test('canary readings far outside the machine\'s states are not a state: a unit timed mostly beside them stays raw', () => {
  const s = StateNormalizer.fromSamples([
    { run_id: 1, kind: 'unit', unit_key: 'conv-a', latency_ms: [1, 1, 1], canary_ms: [0.4, 0.4, 0.4], in_lut: true },
    { run_id: 1, kind: 'unit', unit_key: 'conv-b', latency_ms: [2, 2, 2], canary_ms: [0.5, 0.5, 0.5], in_lut: true },
    // A flatten whose canary read 4.8 ms through most of its runs while its own samples did not move.
    { run_id: 1, kind: 'unit', unit_key: 'flatten', latency_ms: [0.016, 0.015, 0.017], canary_ms: [4.8, 4.7, 0.45], in_lut: true },
    // One wild reading among good ones is dropped; the rest normalize.
    { run_id: 1, kind: 'unit', unit_key: 'relu', latency_ms: [0.05, 0.05, 0.05], canary_ms: [0.4, 0.4, 5], in_lut: true },
  ]);
  assert.ok(Math.abs(s.referenceMs! - 0.45) < 1e-12, 'the median of the units\' canary medians 0.4, 0.5, 4.7, 0.4');
  assert.equal(s.unitMs(1, 'flatten', 0.016), 0.016);
  assert.ok(Math.abs(s.unitMs(1, 'relu', 0.05) - (0.05 / 0.4) * 0.45) < 1e-12);
  assert.equal(s.summary()?.timings, 3);
});

test('a device without canary samples has no reference and every time stays raw', () => {
  const s = StateNormalizer.fromSamples([]);
  assert.equal(s.referenceMs, undefined);
  assert.equal(s.summary(), undefined);
  assert.equal(s.unitMs(1, 'x', 3), 3);
  assert.equal(s.endToEndScale(1), 1);
});

test('with an exponent each sample is brought to the reference by its own canary, and a summary over some of the samples is of them', () => {
  // One kernel whose runs met a fast state (canary 0.2) and a slow one (0.4): t = 2 x (c / 0.3)^0.5, so 2 ms at the reference 0.3.
  const canary = [0.2, 0.4, 0.2, 0.4, 0.4];
  const latency = canary.map((c) => 2 * (c / 0.3) ** 0.5);
  const s = StateNormalizer.fromSamples(
    [
      { run_id: 1, kind: 'unit', unit_key: 'conv-a', latency_ms: latency, canary_ms: canary, in_lut: true },
      { run_id: 1, kind: 'end_to_end', unit_key: '', latency_ms: [10, 10, 10], canary_ms: [0.3, 0.3, 0.3], in_lut: false },
    ],
    0.3,
    0.5,
  );
  const quietMedian = latency[0]!; // the summary over the fast runs only
  assert.ok(Math.abs(s.unitMs(1, 'conv-a', quietMedian) - 2) < 1e-12, 'every sample at the reference is 2 ms, whichever runs the summary took');
  assert.ok(Math.abs(s.unitMs(1, 'conv-a', Math.max(...latency)) - 2) < 1e-12);
  assert.equal(s.unitMs(1, 'conv-a', 9), 9, 'a time outside the samples is of another measurement: raw');
  assert.ok(Math.abs(s.endToEndMs(1, 10) - 10) < 1e-12);
  assert.ok(Math.abs(s.factor(1, 'conv-a') - 2 / median(latency)) < 1e-12);
});
