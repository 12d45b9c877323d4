import { test } from 'node:test';
import assert from 'node:assert/strict';
import { groupClusters, parseCpuList, parseDumpsysBattery, parseScreenOn, parseThermalTemp } from './phone-parsers.js';

test('sysfs CPU lists', () => {
  assert.deepEqual(parseCpuList('0-3\n'), [0, 1, 2, 3]);
  assert.deepEqual(parseCpuList('0,2-4,7'), [0, 2, 3, 4, 7]);
  assert.deepEqual(parseCpuList(''), []);
});

test('cores with equal frequency ranges form clusters', () => {
  const c = groupClusters([
    { core: 0, min_khz: 307200, max_khz: 1593600 },
    { core: 1, min_khz: 307200, max_khz: 1593600 },
    { core: 2, min_khz: 307200, max_khz: 2150400 },
    { core: 3, min_khz: 307200, max_khz: 2150400 },
  ]);
  assert.deepEqual(c, [
    { cores: [0, 1], min_khz: 307200, max_khz: 1593600 },
    { cores: [2, 3], min_khz: 307200, max_khz: 2150400 },
  ]);
});

test('dumpsys battery, as Android 10 prints it', () => {
  const text = [
    'Current Battery Service state:',
    '  AC powered: false',
    '  USB powered: true',
    '  Wireless powered: false',
    '  Max charging current: 500000',
    '  status: 2',
    '  health: 2',
    '  present: true',
    '  level: 85',
    '  scale: 100',
    '  voltage: 4210',
    '  temperature: 312',
    '  technology: Li-ion',
  ].join('\n');
  assert.deepEqual(parseDumpsysBattery(text), { level: 85, temp_c: 31.2, usb_powered: true, ac_powered: false, status: 2 });
  assert.deepEqual(parseDumpsysBattery(''), {});
});

test('screen state and thermal units', () => {
  assert.equal(parseScreenOn('Power Manager State:\n  mWakefulness=Awake\n'), true);
  assert.equal(parseScreenOn('  mWakefulness=Asleep'), false);
  assert.equal(parseScreenOn('nothing'), undefined);
  assert.equal(parseThermalTemp('41500\n'), 41.5);
  assert.equal(parseThermalTemp('38'), 38);
  assert.equal(parseThermalTemp('n/a'), undefined);
});
