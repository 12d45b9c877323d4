import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseIioEnergyValue, parsePowerStatsChannels, parsePowerStatsDump, RailsTracker, type RailEnergy } from './decode.js';

// Laid out with the HAL's own format strings ("  %32s   %14.2f mWs", delta "  %32s   %14.2f mWs (%14.2f)",
// HIDL "  %14s   %18s   %14.2f mWs") from hardware/google/pixel/powerstats; rail names as a Pixel 6
// lists them. Not captured from a phone: no real Pixel was at hand.
const pad = (s: string, n: number): string => s.padStart(n);
const row2 = (ch: string, mws: number, delta?: number): string => `  ${pad(ch, 32)}   ${pad(mws.toFixed(2), 14)} mWs${delta === undefined ? '' : ` (${pad(delta.toFixed(2), 14)})`}`;

const HAL2 = [
  '',
  '============= PowerStats HAL 2.0 state residencies ==============',
  '            Entity                State         Total time     Total entries   Last entry tstamp',
  '               AOC               AWAKE        1234567 ms              4321          9876543 ms',
  '========== End of PowerStats HAL 2.0 state residencies ==========',
  '',
  '============= PowerStats HAL 2.0 energy consumers ==============',
  'CPUCL0       :        4321.00 mWs',
  '        1000 -          12.50 mWs',
  '========== End of PowerStats HAL 2.0 energy consumers ==========',
  '',
  '============= PowerStats HAL 2.0 energy meter ==============',
  `  ${pad('Channel', 32)}   ${pad('Cumulative Energy', 18)}`,
  row2('[S4M_VDD_CPUCL0]:CPU(LITTLE)', 1523046.25),
  row2('[S3M_VDD_CPUCL1]:CPU(MID)', 803311.5),
  row2('[S2M_VDD_CPUCL2]:CPU(BIG)', 2915600.75),
  row2('[S2S_VDD_G3D]:GPU', 412.0),
  row2('[VSYS_PWR_DISPLAY]:Display', 16000000),
  '========== End of PowerStats HAL 2.0 energy meter ==========',
  '',
].join('\n');

test('HAL 2.0 dump: the energy meter section only, names, subsystems, uWs', () => {
  const d = parsePowerStatsDump(HAL2)!;
  assert.equal(d.hal, 2);
  assert.equal(d.garbled, 0);
  assert.deepEqual(d.rails.map((r) => r.name), ['S4M_VDD_CPUCL0', 'S3M_VDD_CPUCL1', 'S2M_VDD_CPUCL2', 'S2S_VDD_G3D', 'VSYS_PWR_DISPLAY']);
  assert.equal(d.rails[2]!.subsystem, 'CPU(BIG)');
  assert.equal(d.rails[0]!.energy_uws, 1523046250);
  assert.equal(d.rails[4]!.energy_uws, 16000000000);
});

test('HAL 2.0 with delta: elapsed line and delta column are read past', () => {
  const text = ['============= PowerStats HAL 2.0 energy meter ==============', 'Elapsed time: 1003 ms', `  ${pad('Channel', 32)}   ${pad('Cumulative Energy', 18)} (${pad('Delta   ', 14)})`, row2('[S2M_VDD_CPUCL2]:CPU(BIG)', 2915600.75, 812.25), row2('[S2S_VDD_G3D]:GPU', 412, 0), '========== End of PowerStats HAL 2.0 energy meter =========='].join('\n');
  const d = parsePowerStatsDump(text)!;
  assert.deepEqual(d.rails.map((r) => [r.name, r.energy_uws]), [['S2M_VDD_CPUCL2', 2915600750], ['S2S_VDD_G3D', 412000]]);
});

test('HAL 1.0 (lshal debug): subsystem then rail', () => {
  const text = ['', '============= PowerStats HAL 1.0 rail energy data ==============', `  ${pad('Subsys', 14)}   ${pad('Rail', 18)}   ${pad('Cumulative Energy', 18)}`, `  ${pad('CPU', 14)}   ${pad('S4M_VDD_CPUCL0', 18)}   ${pad('98765.43', 14)} mWs`, `  ${pad('GPU', 14)}   ${pad('S2S_VDD_G3D', 18)}   ${pad('10.00', 14)} mWs`, '========== End of PowerStats HAL 1.0 rail energy data =========='].join('\n');
  const d = parsePowerStatsDump(text)!;
  assert.equal(d.hal, 1);
  assert.deepEqual(d.rails, [
    { name: 'S4M_VDD_CPUCL0', subsystem: 'CPU', energy_uws: 98765430 },
    { name: 'S2S_VDD_G3D', subsystem: 'GPU', energy_uws: 10000 },
  ]);
});

test('garbled rows and repeated rails are dropped and counted; no section is undefined', () => {
  const text = HAL2.replace(row2('[S3M_VDD_CPUCL1]:CPU(MID)', 803311.5), '  [S3M_VDD_CPUCL1]:CPU(MID)   80#311.5 mWs').replace(row2('[S2S_VDD_G3D]:GPU', 412.0), `${row2('[S2S_VDD_G3D]:GPU', 412.0)}\n${row2('[S2S_VDD_G3D]:GPU', 999)}\n  [S1S_VDD_CAM]:Came`);
  const d = parsePowerStatsDump(text)!;
  assert.equal(d.garbled, 3);
  assert.deepEqual(d.rails.map((r) => r.name), ['S4M_VDD_CPUCL0', 'S2M_VDD_CPUCL2', 'S2S_VDD_G3D', 'VSYS_PWR_DISPLAY']);
  assert.equal(d.rails[2]!.energy_uws, 412000);
  assert.equal(parsePowerStatsDump("Can't find service: android.hardware.power.stats.IPowerStats/default\n"), undefined);
  assert.deepEqual(parsePowerStatsDump('============= PowerStats HAL 2.0 energy meter ==============\n========== End of PowerStats HAL 2.0 energy meter ==========\n')?.rails, []);
});

const rails = (big: number, gpu: number): RailEnergy[] => [
  { name: 'BIG', subsystem: 'CPU(BIG)', energy_uws: big },
  { name: 'G3D', subsystem: 'GPU', energy_uws: gpu },
];

test('tracker: cumulative energy to watts per rail and total, at the middle of the interval', () => {
  const tr = new RailsTracker();
  assert.deepEqual(tr.push(1000, rails(5e9, 1e6)), {});
  // 1.5 J on BIG and 0.25 J on GPU over 500 ms: 3 W and 0.5 W.
  const p = tr.push(1500, rails(5e9 + 1.5e6, 1e6 + 2.5e5)).power!;
  assert.equal(p.t_ms, 1250);
  assert.equal(p.interval_ms, 500);
  assert.deepEqual(p.rails, { BIG: 3, G3D: 0.5 });
  assert.equal(p.watts, 3.5);
  const cpu = new RailsTracker({ select: ['cpu'] });
  cpu.push(0, rails(0, 0));
  assert.equal(cpu.push(1000, rails(2e6, 1e6)).power!.watts, 2);
});

test('tracker: a missing rail is dropped and the next reading spans the gap; a reset rebases; never averaged in', () => {
  const tr = new RailsTracker();
  tr.push(0, rails(1e6, 1e6));
  assert.deepEqual(tr.push(500, [rails(2e6, 2e6)[0]!]), { drop: 'missing-rail' });
  const gap = tr.push(1000, rails(3e6, 1.5e6)).power!;
  assert.equal(gap.interval_ms, 1000);
  assert.deepEqual(gap.rails, { BIG: 2, G3D: 0.5 });
  // Counters back near zero: a HAL restart. No sample from across the reset.
  assert.deepEqual(tr.push(1500, rails(1000, 1000)), { drop: 'reset' });
  assert.deepEqual(tr.push(2000, rails(1000 + 5e5, 1000)).power!.rails, { BIG: 1, G3D: 0 });
  assert.deepEqual(tr.push(2000, rails(1e9, 1e9)), { drop: 'implausible' });
  assert.deepEqual(new RailsTracker().push(0, []), { drop: 'missing-rail' });
});

test('tracker: after forget() the next reading is only a reference (no interval across an outage)', () => {
  const tr = new RailsTracker();
  tr.push(0, rails(0, 0));
  tr.forget();
  assert.deepEqual(tr.push(5000, rails(9e9, 0)), {});
  assert.deepEqual(tr.push(5500, rails(9e9 + 5e5, 0)).power!.rails, { BIG: 1, G3D: 0 });
});

const capture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

test('iio energy_value of a Pixel 6 (two ODPM chips, captured with the shell prompts around it)', () => {
  const d = parseIioEnergyValue(capture('pixel6_iio-energy-value_two-chips_aosp-odpm-script.txt'));
  assert.ok(d);
  assert.equal(d.garbled, 0, 'prompt lines are not channel lines');
  assert.deepEqual(d.blocks.map((b) => [b.t_ms, b.rails.length]), [[349894, 8], [359458, 8]]);
  assert.equal(d.rails.length, 16);
  assert.deepEqual(d.rails[3], { name: 'S2M_VDD_CPUCL2', subsystem: '', energy_uws: 30203502 });
  assert.equal(d.rails.find((r) => r.name === 'S2S_VDD_G3D')?.energy_uws, 5315420);
  assert.equal(d.rails.at(-1)!.name, 'VSYS_PWR_DISPLAY');
});

test('dumpsys powerstats channels label the iio rails; two iio reads make power', () => {
  const channels = parsePowerStatsChannels(capture('pixel_dumpsys-powerstats-channels_androidx-powerrail-excerpt.txt'));
  assert.deepEqual(channels.map((c) => [c.id, c.name, c.subsystem]), [
    [0, 'S10M_VDD_TPU', 'TPU'],
    [1, 'VSYS_PWR_MODEM', 'Modem'],
    [2, 'VSYS_PWR_RFFE', 'Cellular'],
    [3, 'S2M_VDD_CPUCL2', 'CPU(BIG)'],
    [4, 'S3M_VDD_CPUCL1', 'CPU(MID)'],
    [10, 'S9S_VDD_AOC', 'AOC'],
  ]);
  const subsystems = new Map(channels.map((c) => [c.name, c.subsystem]));
  const text = capture('pixel6_iio-energy-value_two-chips_aosp-odpm-script.txt');
  const first = parseIioEnergyValue(text, subsystems)!;
  assert.equal(first.rails.find((r) => r.name === 'S2M_VDD_CPUCL2')?.subsystem, 'CPU(BIG)');
  assert.equal(first.rails.find((r) => r.name === 'S2S_VDD_G3D')?.subsystem, '', 'a rail the channel list does not name');
  // A second read 1 s later with the big cluster 2 J further on (written here, not captured).
  const later = parseIioEnergyValue(text.replace('[S2M_VDD_CPUCL2], 30203502', '[S2M_VDD_CPUCL2], 32203502'), subsystems)!;
  const tracker = new RailsTracker({ select: ['cpu(big)'] });
  tracker.push(0, first.rails);
  const { power } = tracker.push(1000, later.rails);
  assert.ok(power);
  assert.equal(power.watts, 2);
  assert.equal(power.rails['S2S_VDD_G3D'], 0);
});

test('iio energy_value: garbled and missing lines', () => {
  assert.equal(parseIioEnergyValue(''), undefined);
  assert.equal(parseIioEnergyValue('cat: /sys/bus/iio/devices/iio:device*/energy_value: No such file or directory'), undefined);
  const d = parseIioEnergyValue(['t=10', 'CH0(T=10)[A], 5', 'CH1(T=10)[B], x', 'CH2(T=10)[A], 6'].join('\n'));
  assert.deepEqual(d, { rails: [{ name: 'A', subsystem: '', energy_uws: 5 }], blocks: [{ t_ms: 10, rails: [{ name: 'A', subsystem: '', energy_uws: 5 }] }], garbled: 2 });
  assert.deepEqual(parsePowerStatsChannels('PowerStatsService dumpsys: available Channels\n'), []);
});
