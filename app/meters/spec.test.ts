import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LabbenchError } from '../api/errors.js';
import { formatMeterSpec, parseMeterSpec } from './spec.js';

test('PORT:TYPE with defaults per kind', () => {
  assert.deepEqual(parseMeterSpec('/dev/ttyUSB0:um34c'), { path: '/dev/ttyUSB0', baudRate: 9600, silenceMs: 1500, reconnect: true, kind: 'um34c' });
  const p = parseMeterSpec('/dev/ttyACM0:ppk2');
  assert.equal(p.kind, 'ppk2');
  assert.ok(p.kind === 'ppk2' && p.volts === 5 && p.rateHz === 1000 && p.spikeFilter && p.baudRate === 115200);
  const l = parseMeterSpec('COM7:line');
  assert.ok(l.kind === 'line' && l.path === 'COM7' && l.layout === 'ms+volts+amps' && l.columns.length === 3);
});

test('the port may contain colons: the spec splits on the last one', () => {
  const s = parseMeterSpec('/dev/serial/by-path/pci-0000:00:14.0-usb-0:2:1.0-port0:UM25C,poll=2');
  assert.equal(s.path, '/dev/serial/by-path/pci-0000:00:14.0-usb-0:2:1.0-port0');
  assert.ok(s.kind === 'um25c' && s.pollHz === 2);
});

test('options per kind', () => {
  const p = parseMeterSpec('/dev/ttyACM0:ppk2,v=4.2,rate=500,spike=0,silence=800,reconnect=0');
  assert.ok(p.kind === 'ppk2' && p.volts === 4.2 && p.rateHz === 500 && !p.spikeFilter && p.silenceMs === 800 && !p.reconnect);
  const l = parseMeterSpec('/dev/ttyACM1:line,cols=ms+mv+ma,baud=921600');
  assert.ok(l.kind === 'line' && l.baudRate === 921600 && l.columns.map((c) => c.name).join() === 'ms,mv,ma');
  const fixed = parseMeterSpec('/dev/ttyACM1:line,cols=ms+ma,volts=5.1');
  assert.ok(fixed.kind === 'line' && fixed.volts === 5.1);
});

test('bad specs are BAD_INPUT with the reason', () => {
  const cases: [string, RegExp][] = [
    ['/dev/ttyUSB0', /no PORT:TYPE/],
    [':um34c', /no PORT:TYPE/],
    ['/dev/ttyUSB0:um99', /unknown meter type 'um99'/],
    ['/dev/ttyUSB0:um34c,rate=5', /um34c takes .*not 'rate'/],
    ['/dev/ttyUSB0:ppk2,v=9', /v=9 is not a number in \[0.8, 5.5\]/],
    ['/dev/ttyUSB0:ppk2,rate', /not KEY=VALUE/],
    ['/dev/ttyUSB0:line,cols=ms+volts', /gives no power/],
    ['/dev/ttyUSB0:ppk2,spike=maybe', /not 0 or 1/],
    ['/dev/ttyUSB0:ppk2,v=5,volts=4', /given twice/],
  ];
  for (const [spec, why] of cases) {
    assert.throws(
      () => parseMeterSpec(spec),
      (e: unknown) => e instanceof LabbenchError && e.code === 'BAD_INPUT' && why.test(e.message),
      spec,
    );
  }
});

test('formatMeterSpec round-trips and leaves defaults out', () => {
  for (const s of ['/dev/ttyUSB0:um34c', 'COM3:um25c,poll=2', '/dev/ttyACM0:ppk2,v=4.2,rate=500', '/dev/ttyACM1:line,baud=921600,cols=ms+mv+ma']) {
    assert.equal(formatMeterSpec(parseMeterSpec(s)), s);
  }
  assert.equal(formatMeterSpec(parseMeterSpec('/dev/x:ppk2,v=5.0,rate=1000')), '/dev/x:ppk2');
});
