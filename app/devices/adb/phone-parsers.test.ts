import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { coreType, groupClusters, parseCpuinfo, parseCpuList, parseDumpsysBattery, parseScreenOn, parseThermalTemp } from './phone-parsers.js';

const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

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
  assert.deepEqual(parseDumpsysBattery(text), { present: true, level: 85, temp_c: 31.2, usb_powered: true, ac_powered: false, status: 2 });
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

test('dumpsys battery of a phone and of a board with no battery (captures quoted in basiooo/andromodem)', () => {
  assert.deepEqual(parseDumpsysBattery(fixture('dumpsys-battery_phone_andromodem-battery-test.txt')), {
    present: true,
    level: 51,
    temp_c: 33.6,
    usb_powered: true,
    ac_powered: false,
    status: 2,
  });
  // present: false: the level (100) and temperature (11.1 C) are placeholders, not readings.
  assert.deepEqual(parseDumpsysBattery(fixture('dumpsys-battery_no-battery_andromodem-battery-test.txt')), {
    present: false,
    usb_powered: true,
    ac_powered: false,
    status: 5,
  });
});

test('dumpsys battery: level is a share of scale', () => {
  // The phone capture with its scale changed (written here, not captured): level 40 of 50 is 80%.
  const text = fixture('dumpsys-battery_phone_andromodem-battery-test.txt').replace('level: 51', 'level: 40').replace('scale: 100', 'scale: 50');
  assert.equal(parseDumpsysBattery(text).level, 80);
  assert.equal(parseDumpsysBattery(text.replace('scale: 50', 'scale: 1000')).level, 4);
  assert.equal(parseDumpsysBattery(text.replace('scale: 50', 'scale: 0')).level, 40, 'a zero scale is ignored');
});

test('/proc/cpuinfo to core types, per core (captures from pytorch/cpuinfo)', () => {
  const types = (file: string): (string | undefined)[] => parseCpuinfo(fixture(file)).map((c) => c.type);
  assert.deepEqual(types('cpuinfo_pixel_pytorch-cpuinfo.txt'), ['Kryo', 'Kryo', 'Kryo', 'Kryo']);
  assert.deepEqual(types('cpuinfo_pixel-2-xl_pytorch-cpuinfo.txt'), [
    ...Array<string>(4).fill('Kryo 2xx Silver (Cortex-A53)'),
    ...Array<string>(4).fill('Kryo 2xx Gold (Cortex-A73)'),
  ]);
  assert.deepEqual(types('cpuinfo_galaxy-s9-us_pytorch-cpuinfo.txt'), [
    ...Array<string>(4).fill('Kryo 3xx Silver (Cortex-A55)'),
    ...Array<string>(4).fill('Kryo 3xx Gold (Cortex-A75)'),
  ]);
  const mate20 = parseCpuinfo(fixture('cpuinfo_huawei-mate-20_pytorch-cpuinfo.txt'));
  assert.deepEqual(mate20.map((c) => c.core), [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(mate20.map((c) => c.type), [...Array<string>(4).fill('Cortex-A55'), ...Array<string>(4).fill('Cortex-A76')]);
  assert.equal(mate20[4]!.implementer, 0x48, 'Kirin 980 reports its A76 under HiSilicon');
  assert.deepEqual(types('cpuinfo_pixel-8_pytorch-cpuinfo-mock.txt'), [
    ...Array<string>(4).fill('Cortex-A510'),
    ...Array<string>(4).fill('Cortex-A715'),
    'Cortex-X3',
  ]);
  assert.equal(coreType(0x41, 0xd44), 'Cortex-X1');
  assert.equal(coreType(0x41, 0xfff), undefined);
  assert.deepEqual(parseCpuinfo('processor\t: 0\nvendor_id\t: GenuineIntel\n'), [{ core: 0 }], 'an x86 emulator has no ids');
  assert.deepEqual(parseCpuinfo(''), []);
});

test('clusters carry their core type and never mix types', () => {
  const types = new Map(parseCpuinfo(fixture('cpuinfo_galaxy-s9-us_pytorch-cpuinfo.txt')).map((c) => [c.core, c.type!]));
  const cores = [0, 1, 2, 3, 4, 5, 6, 7].map((core) => ({ core, min_khz: 300000, max_khz: core < 4 ? 1766400 : 2803200 }));
  assert.deepEqual(
    groupClusters(cores, types).map((c) => [c.cores, c.core_type]),
    [
      [[0, 1, 2, 3], 'Kryo 3xx Silver (Cortex-A55)'],
      [[4, 5, 6, 7], 'Kryo 3xx Gold (Cortex-A75)'],
    ],
  );
  const sameFreq = cores.map((c) => ({ ...c, max_khz: 2000000 }));
  assert.equal(groupClusters(sameFreq, types).length, 2, 'equal frequencies, different designs: two clusters');
  assert.equal(groupClusters(sameFreq).length, 1);
});
