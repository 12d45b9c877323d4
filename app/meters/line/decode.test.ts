import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LabbenchError } from '../../api/errors.js';
import { decodeLine, parseLineColumns } from './decode.js';
import { LineFraming, type TextLine } from './framing.js';

test('layouts: names with units, separators + ; /, and a source of power required', () => {
  assert.deepEqual(
    parseLineColumns('ms+volts+amps').map((c) => [c.quantity, c.scale]),
    [['time', 1], ['volts', 1], ['amps', 1]],
  );
  assert.deepEqual(parseLineColumns('s;mV;mA').map((c) => [c.name, c.scale]), [['s', 1000], ['mv', 0.001], ['ma', 0.001]]);
  assert.equal(parseLineColumns('_/ms/mw').length, 3);
  assert.equal(parseLineColumns('ms+ua', true).length, 2);
  for (const bad of ['ms+volts', 'ms+ma', 'ms+kw', 'ms+w+mw', '']) {
    assert.throws(() => parseLineColumns(bad), (e: unknown) => e instanceof LabbenchError && e.code === 'BAD_INPUT', bad);
  }
});

const MS_V_A = parseLineColumns('ms+volts+amps');

test('lines from an INA219 sketch: CSV, CRLF stripped by framing, spaces and tabs too', () => {
  const r = decodeLine('120345,5.012,0.4031', MS_V_A);
  assert.ok(r.ok);
  assert.equal(r.reading.deviceMs, 120345);
  assert.equal(r.reading.volts, 5.012);
  assert.equal(r.reading.amps, 0.4031);
  assert.ok(Math.abs(r.reading.watts - 5.012 * 0.4031) < 1e-12);
  assert.ok(decodeLine('120345\t5.012\t0.4031', MS_V_A).ok);
  assert.ok(decodeLine(' 120345, 5.012 , 0.4031 ', MS_V_A).ok);
  const mw = decodeLine('1500,2020.5', parseLineColumns('ms+mw'));
  assert.ok(mw.ok && Math.abs(mw.reading.watts - 2.0205) < 1e-12 && mw.reading.volts === undefined);
  const fixed = decodeLine('7,400.0', parseLineColumns('ms+ma', true), 5);
  assert.ok(fixed.ok && Math.abs(fixed.reading.watts - 2) < 1e-12);
});

test('garbled lines are told apart from blank, comment and header lines', () => {
  const reason = (line: string): string => {
    const r = decodeLine(line, MS_V_A);
    return r.ok ? 'ok' : r.reason;
  };
  assert.equal(reason('ms,volts,amps'), 'header');
  assert.equal(reason('# INA219 ready'), 'comment');
  assert.equal(reason('   '), 'blank');
  for (const g of ['120345,5.0#2,0.4031', '120345', '120345,5.012,0.4031,9', '12#345,5.012,0.4031', '120345,5.012,', 'nan,nan,nan', '1e999,5,0.4', '\u00ff\u00fe\u0001']) {
    assert.equal(reason(g), 'garbled', JSON.stringify(g));
  }
});

test('line framing: lines across chunks, CRLF, overlong lines discarded to the next newline', () => {
  const f = new LineFraming(32);
  const lines: string[] = [];
  let overlong = 0;
  f.on('data', (l: TextLine) => lines.push(l.line));
  f.on('overlong', () => overlong++);
  f.write(Buffer.from('1,5.0,0.'));
  f.write(Buffer.from('4\r\n2,5.0,0.4\n'));
  f.write(Buffer.from('x'.repeat(40)));
  f.write(Buffer.from('yyy\n3,5,0.4\n'));
  assert.deepEqual(lines, ['1,5.0,0.4', '2,5.0,0.4', '3,5,0.4']);
  assert.equal(overlong, 1);
  f.destroy();
});
