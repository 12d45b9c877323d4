import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  PPK2_DEFAULT_MODIFIERS,
  SpikeFilter,
  ampsToWord,
  formatPpk2Meta,
  joinPpk2Word,
  parsePpk2Meta,
  ppk2Amps,
  splitPpk2Word,
  type Ppk2Modifiers,
} from './decode.js';
import { Ppk2SampleStream, type Ppk2Window } from './sample-stream.js';

// The range-0 calibration of a real unit and a result of nRF Connect's JavaScript for it, as
// published in the test of hdoordt/ppk2-rs (src/measurement.rs, `test_get_adc_result`):
// adc x 4 = 108 in range 0 at VDD 3741 mV reads 0.021454880761611544 uA.
const PUBLISHED_RANGE0 = 'R0: 1003.3506\nGS0: 0.0000\nGI0: 1.0000\nO0: 112.9420\nS0: 0.000000048\nI0: -0.000000104\nUG0: 1.00\nVDD: 3741\nHW: 9173\nmode: 2\nEND\n';

test('ADC to current matches a published nRF Connect result', () => {
  const meta = parsePpk2Meta(PUBLISHED_RANGE0);
  assert.ok(meta);
  const ua = ppk2Amps(meta.modifiers, 0, 108 / 4, 3.741) * 1e6;
  assert.ok(Math.abs(ua - 0.021454880761611544) < 1e-6, `${ua} uA`);
  assert.equal(meta.hw, 9173);
  assert.equal(meta.vddMv, 3741);
  assert.equal(meta.mode, 2);
});

test('metadata: keys up to END, defaults for missing, zero and -nan values (as the app)', () => {
  const meta = parsePpk2Meta('Calibrated: 1\r\nR0: 1000.5\r\nR1: 0\r\nGI2: -nan\r\nO3: 51.25\r\nS4: 0.0029\r\nIA: 56\r\nEND\r\n');
  assert.ok(meta);
  assert.equal(meta.calibrated, true);
  assert.equal(meta.modifiers.r[0], 1000.5);
  assert.equal(meta.modifiers.r[1], PPK2_DEFAULT_MODIFIERS.r[1]);
  assert.equal(meta.modifiers.gi[2], 1);
  assert.equal(meta.modifiers.o[3], 51.25);
  assert.equal(meta.modifiers.s[4], 0.0029);
  assert.equal(parsePpk2Meta('R0: 1000\n'), undefined, 'no END');
  assert.equal(parsePpk2Meta('\u0001\u00ff garbage END\n'), undefined, 'no key');
  const round = parsePpk2Meta(formatPpk2Meta({ modifiers: PPK2_DEFAULT_MODIFIERS, calibrated: false, hw: 1, vddMv: 5000, mode: 1 }));
  assert.deepEqual(round?.modifiers, PPK2_DEFAULT_MODIFIERS);
});

test('a word splits into ADC bits 0-13, range 14-16, counter 18-23, logic 24-31', () => {
  const w = joinPpk2Word({ adc: 0x2abc, range: 3, counter: 0x2d, logic: 0xa5 });
  assert.deepEqual(splitPpk2Word(w), { adc: 0x2abc, range: 3, counter: 0x2d, logic: 0xa5 });
  // Little-endian on the wire: bytes bc ea b4 a5.
  const b = Buffer.alloc(4);
  b.writeUInt32LE(w);
  assert.deepEqual([...b], [0xbc, 0xea, 0xb4, 0xa5]);
});

const CAL: Ppk2Modifiers = {
  r: [1009.2, 102.31, 10.412, 0.9513, 0.05171],
  gs: [1, 110.3, 17.62, 2.381, 0.0702],
  gi: [1, 0.9681, 0.9613, 0.9532, 0.9571],
  o: [108.4, 76.2, 63.9, 51.7, 85.3],
  s: [4.6e-8, 6.1e-7, 5.2e-6, 6.3e-5, 2.9e-3],
  i: [-1.1e-7, -1.4e-6, 3.5e-5, -3.6e-4, -9.1e-3],
  ug: [1, 1, 1, 1, 1],
};

test('ampsToWord inverts ppk2Amps to within one ADC step, in the range it picks', () => {
  for (const amps of [2e-6, 3e-5, 4e-4, 3e-3, 0.02, 0.1, 0.4, 0.9]) {
    const w = splitPpk2Word(ampsToWord(CAL, amps, 5, 7));
    const back = ppk2Amps(CAL, w.range, w.adc, 5);
    const step = Math.abs(ppk2Amps(CAL, w.range, w.adc + 1, 5) - back);
    assert.ok(Math.abs(back - amps) <= step, `${amps} A -> range ${w.range} adc ${w.adc} -> ${back}`);
    assert.equal(w.counter, 7);
  }
  const forced = splitPpk2Word(ampsToWord(CAL, 0.4, 5, 0, 4));
  assert.equal(forced.range, 4);
});

test('spike filter: a rolling average for a few samples after a range switch only', () => {
  const f = new SpikeFilter();
  assert.equal(f.apply(1.0, 2), 1.0);
  assert.equal(f.apply(1.0, 2), 1.0);
  const atSwitch = f.apply(2.0, 3); // rolling average 0.18 x 2 + 0.82 x 1
  assert.ok(Math.abs(atSwitch - 1.18) < 1e-12, String(atSwitch));
  f.apply(2.0, 3);
  f.apply(2.0, 3);
  assert.equal(f.apply(2.0, 3), 2.0, 'back to raw after three samples');
});

function stream(words: number[], windowSlots = 4, onResync?: () => void): { windows: Ppk2Window[]; drops: Record<string, number> } {
  const windows: Ppk2Window[] = [];
  const drops: Record<string, number> = {};
  const s = new Ppk2SampleStream({
    modifiers: CAL,
    vddVolts: 5,
    windowSlots,
    spikeFilter: false,
    onWindow: (w) => windows.push(w),
    onDrop: (r, n) => (drops[r] = (drops[r] ?? 0) + n),
    ...(onResync ? { onResync } : {}),
  });
  s.push(words.slice(0, 5));
  s.push(words.slice(5));
  s.flush();
  return { windows, drops };
}

const words = (n: number, amps = 0.4, first = 0): number[] => Array.from({ length: n }, (_, k) => ampsToWord(CAL, amps, 5, (first + k) & 63, 4));

test('sample stream: averages into windows of good samples, counter gaps counted as lost', () => {
  const clean = stream(words(12));
  assert.deepEqual(clean.drops, {});
  assert.deepEqual(clean.windows.map((w) => [w.firstSlot, w.n]), [[0, 4], [4, 4], [8, 4]]);
  assert.ok(clean.windows.every((w) => Math.abs(w.amps - 0.4) < 0.001));

  const ws = words(12);
  ws.splice(5, 3); // samples 5, 6, 7 never arrived
  const gap = stream(ws);
  assert.deepEqual(gap.drops, { lost: 3 });
  assert.deepEqual(gap.windows.map((w) => [w.firstSlot, w.n]), [[0, 4], [4, 1], [8, 4]]);
});

test('sample stream: a corrupted counter is one garbled sample, a bad range is dropped', () => {
  const ws = words(12);
  ws[6] = (ws[6]! ^ (0x15 << 18)) >>> 0;
  ws[9] = ((ws[9]! & ~(7 << 14)) | (6 << 14)) >>> 0;
  const r = stream(ws);
  assert.deepEqual(r.drops, { garbled: 1, range: 1 });
  assert.deepEqual(r.windows.map((w) => [w.firstSlot, w.n]), [[0, 4], [4, 3], [8, 3]]);
  const two = words(12);
  two[6] = (two[6]! ^ (0x15 << 18)) >>> 0;
  two[7] = (two[7]! ^ (0x2a << 18)) >>> 0;
  assert.deepEqual(stream(two).drops, { garbled: 2 });
});

test('sample stream: a stream off by a byte asks for a resync', () => {
  const bytes = Buffer.alloc(400 * 4);
  words(400).forEach((w, k) => bytes.writeUInt32LE(w, k * 4));
  const shifted = bytes.subarray(1, 1 + 399 * 4);
  const ws: number[] = [];
  for (let k = 0; k + 4 <= shifted.length; k += 4) ws.push(shifted.readUInt32LE(k));
  let resyncs = 0;
  stream(ws, 4, () => resyncs++);
  assert.ok(resyncs >= 1);
});
