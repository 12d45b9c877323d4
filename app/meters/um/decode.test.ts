import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UM_FRAME_LENGTH, decodeUmFrame, encodeUmFrame } from './decode.js';

/**
 * Frames written byte by byte from the layout in shared/FACTS.md, independently of
 * `encodeUmFrame`: no capture from a real meter is available on this machine.
 */
function handBuilt(fields: Record<number, number[]>): Buffer {
  const b = Buffer.alloc(UM_FRAME_LENGTH);
  for (const [off, bytes] of Object.entries(fields)) b.set(bytes, Number(off));
  return b;
}

// UM34C: 5.10 V (0x01FE), 0.400 A (0x0190), 2.040 W (0x000007F8), 31 C / 88 F,
// group 0 = 1234 mAh / 6170 mWh, D+ 0.60 V, D- 0.59 V, 75 s recorded, 12.7 ohm.
const UM34C = handBuilt({
  0: [0x0d, 0x4c],
  2: [0x01, 0xfe],
  4: [0x01, 0x90],
  6: [0x00, 0x00, 0x07, 0xf8],
  10: [0x00, 0x1f],
  12: [0x00, 0x58],
  16: [0x00, 0x00, 0x04, 0xd2, 0x00, 0x00, 0x18, 0x1a],
  96: [0x00, 0x3c],
  98: [0x00, 0x3b],
  112: [0x00, 0x00, 0x00, 0x4b],
  122: [0x00, 0x00, 0x00, 0x7f],
});

// UM25C: one more digit on both: 5.102 V (0x13EE), 0.4000 A (0x0FA0), 2.041 W (0x07F9).
const UM25C = handBuilt({ 0: [0x09, 0xc9], 2: [0x13, 0xee], 4: [0x0f, 0xa0], 6: [0x00, 0x00, 0x07, 0xf9] });

// UM24C: 4.98 V (0x01F2), 1.002 A (0x03EA), 4.990 W (0x137E).
const UM24C = handBuilt({ 0: [0x09, 0x63], 2: [0x01, 0xf2], 4: [0x03, 0xea], 6: [0x00, 0x00, 0x13, 0x7e] });

test('UM34C frame: every field at its offset and scale', () => {
  const r = decodeUmFrame(UM34C);
  assert.ok(r.ok, JSON.stringify(r));
  const x = r.reading;
  assert.equal(x.model, 'um34c');
  assert.equal(x.volts, 5.1);
  assert.equal(x.amps, 0.4);
  assert.equal(x.watts, 2.04);
  assert.equal(x.tempC, 31);
  assert.deepEqual(x.groups[0], { mAh: 1234, mWh: 6170 });
  assert.equal(x.groups.length, 10);
  assert.equal(x.dPlusVolts, 0.6);
  assert.equal(x.dMinusVolts, 0.59);
  assert.equal(x.recordSeconds, 75);
  assert.equal(x.loadOhms, 12.7);
});

test('the model id picks the scaling: UM25C reads /1000 V and /10000 A, UM24C /100 and /1000', () => {
  const a = decodeUmFrame(UM25C);
  assert.ok(a.ok);
  assert.deepEqual([a.reading.model, a.reading.volts, a.reading.amps, a.reading.watts], ['um25c', 5.102, 0.4, 2.041]);
  const b = decodeUmFrame(UM24C);
  assert.ok(b.ok);
  assert.deepEqual([b.reading.model, b.reading.volts, b.reading.amps, b.reading.watts], ['um24c', 4.98, 1.002, 4.99]);
});

test('wrong length and unknown model ids are dropped with their reason', () => {
  assert.deepEqual(pick(decodeUmFrame(UM34C.subarray(0, 129))), 'length');
  assert.deepEqual(pick(decodeUmFrame(Buffer.concat([UM34C, Buffer.from([0])]))), 'length');
  const unknown = Buffer.from(UM34C);
  unknown[0] = 0x4d;
  const r = decodeUmFrame(unknown);
  assert.equal(pick(r), 'unknown-model');
  assert.match(r.ok ? '' : r.detail, /0x4d4c/);
});

test('implausible readings are dropped: out of range, or power far from V x I', () => {
  const highVolts = Buffer.from(UM34C);
  highVolts[2]! ^= 0x80; // 332.78 V
  assert.equal(pick(decodeUmFrame(highVolts)), 'implausible');
  const highAmps = Buffer.from(UM34C);
  highAmps[4]! ^= 0x80; // 33.168 A
  assert.equal(pick(decodeUmFrame(highAmps)), 'implausible');
  const badPower = Buffer.from(UM34C);
  badPower[7]! ^= 0x01; // +65.5 W
  assert.equal(pick(decodeUmFrame(badPower)), 'implausible');
  const ampsOnUm25c = Buffer.from(UM25C);
  ampsOnUm25c[4]! ^= 0x80; // 3.6768 A: in range, but 18.8 W against 2.041 W
  assert.equal(pick(decodeUmFrame(ampsOnUm25c)), 'implausible');
  // Rounding and a little skew between the fields pass.
  const skew = handBuilt({ 0: [0x0d, 0x4c], 2: [0x01, 0xfe], 4: [0x01, 0x90], 6: [0x00, 0x00, 0x08, 0x20] }); // 2.080 W
  assert.ok(decodeUmFrame(skew).ok);
});

test('encodeUmFrame is the inverse of decodeUmFrame at the model resolution', () => {
  assert.deepEqual(encodeUmFrame({ model: 'um34c', volts: 5.1, amps: 0.4, watts: 2.04, tempC: 31, dPlusVolts: 0.6, dMinusVolts: 0.59, recordSeconds: 75, groups: [{ mAh: 1234, mWh: 6170 }] }).subarray(0, 122), UM34C.subarray(0, 122));
  for (const model of ['um24c', 'um25c', 'um34c'] as const) {
    const r = decodeUmFrame(encodeUmFrame({ model, volts: 5.0371, amps: 0.41234 }));
    assert.ok(r.ok);
    const res = model === 'um25c' ? 1e-3 : 1e-2;
    assert.ok(Math.abs(r.reading.volts - 5.0371) <= res / 2 + 1e-12, `${model} volts ${r.reading.volts}`);
    assert.ok(Math.abs(r.reading.watts - 5.0371 * 0.41234) <= 0.0005 + 1e-12);
  }
});

function pick(r: ReturnType<typeof decodeUmFrame>): string {
  return r.ok ? 'ok' : r.reason;
}
