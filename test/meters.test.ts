// Power meters end to end: the bench's meter code through the real serialport binding over
// socat pty pairs, against emulated UM24C / UM25C / UM34C, PPK2 and line meters that speak
// each protocol at its real rate (test/peers/meters). Load signals are known, so decoded
// power can be checked against them; faults (garbled data, silence, unplug) are injected.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LabbenchError } from '../app/api/errors.js';
import { averagePower } from '../app/meters/align.js';
import { hostNowMs } from '../app/meters/clock.js';
import { openMeter, type MeterState, type PowerMeter, type PowerSample } from '../app/meters/meter.js';
import { readMeter } from '../app/meters/read.js';
import { MeterEmulator, type MeterEmulatorOptions } from './peers/meters/meter-emulator.js';

/** Meters opened by `watch`, closed by `withEmulators` whatever happens. */
const live = new Set<PowerMeter>();

async function withEmulators<T>(opts: readonly MeterEmulatorOptions[], fn: (ems: MeterEmulator[]) => Promise<T>): Promise<T> {
  const ems = opts.map((o) => new MeterEmulator(o));
  try {
    await Promise.all(ems.map((e) => e.start()));
    return await fn(ems);
  } finally {
    await Promise.all([...live].map((m) => m.close()));
    live.clear();
    await Promise.all(ems.map((e) => e.stop()));
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, cond: () => boolean, timeoutMs: number): Promise<number> {
  const start = hostNowMs();
  while (!cond()) {
    if (hostNowMs() - start > timeoutMs) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
  return hostNowMs() - start;
}

/** A started meter with everything it reports collected. */
async function watch(spec: string): Promise<{ meter: PowerMeter; samples: PowerSample[]; errors: LabbenchError[]; states: MeterState[] }> {
  const meter = await openMeter(spec, { reconnectMs: 100 });
  live.add(meter);
  const samples: PowerSample[] = [];
  const errors: LabbenchError[] = [];
  const states: MeterState[] = [];
  meter.onSample((s) => samples.push(s));
  meter.onError((e) => errors.push(e));
  meter.onState((s) => states.push(s));
  await meter.start();
  return { meter, samples, errors, states };
}

function meanSd(xs: readonly number[]): { mean: number; sd: number; n: number } {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  return { mean, sd, n };
}

test('UM24C, UM25C, UM34C: watts track the load at about 7 readings a second; the model id picks the scaling', async () => {
  const loads = { um24c: 4.0, um25c: 1.5, um34c: 2.0 } as const;
  const types = Object.keys(loads) as (keyof typeof loads)[];
  await withEmulators(
    types.map((type, i) => ({ type, load: () => loads[type], seed: 10 + i })),
    async (ems) => {
      const results = await Promise.all(ems.map((e) => readMeter(`${e.hostPath}:${e.type}`, 3)));
      for (const r of results) {
        const want = loads[r.kind as keyof typeof loads];
        assert.ok(Math.abs(r.mean_w - want) < 0.02, `${r.kind}: mean ${r.mean_w} W for a ${want} W load`);
        assert.ok(r.rate_hz > 6 && r.rate_hz < 8, `${r.kind}: ${r.rate_hz} readings/s`);
        assert.equal(r.stats.dropped, 0, JSON.stringify(r.stats.dropReasons));
        assert.equal(r.stats.device, r.kind.toUpperCase());
        for (const s of r.samples) {
          // 5.1 V behind 0.12 ohm of cable, and the meter's resolution.
          assert.ok(s.volts !== undefined && s.amps !== undefined && Math.abs(s.volts - (5.1 - 0.12 * s.amps)) < 0.02, JSON.stringify(s));
        }
      }
      const um25c = results.find((r) => r.kind === 'um25c')!;
      assert.ok(um25c.samples.some((s) => Math.round(s.volts! * 1000) % 10 !== 0), 'UM25C reads millivolts');
      const um34c = results.find((r) => r.kind === 'um34c')!;
      assert.ok(um34c.samples.every((s) => Math.abs(s.volts! * 100 - Math.round(s.volts! * 100)) < 1e-6), 'UM34C reads 10 mV steps');
    },
  );
});

test('UM34C: 10 % garbled frames are dropped and counted, and the mean stays within a clean run', async () => {
  await withEmulators(
    [
      { type: 'um34c', load: () => 2.0, seed: 21 },
      // Seed 28 garbles frames 2, 4, 8 and 19 of the first 31 (4 of them: 13 %).
      { type: 'um34c', load: () => 2.0, seed: 28, faults: { garbleRate: 0.1 } },
    ],
    async ([clean, garbled]) => {
      const runs = await Promise.all([watch(`${clean!.hostPath}:um34c`), watch(`${garbled!.hostPath}:um34c`)]);
      await sleep(4500);
      // Let what is in flight land before counting.
      clean!.setSilent(true);
      garbled!.setSilent(true);
      await sleep(700);
      const [c, g] = runs.map((r) => ({ stats: r.meter.stats(), w: meanSd(r.samples.map((s) => s.watts)) }));
      await Promise.all(runs.map((r) => r.meter.close()));
      const emu = garbled!.stats();
      // The request left unanswered when the emulators fell silent is a drop of its own.
      const badFrames = (x: typeof c): number => x!.stats.dropped - (x!.stats.dropReasons['no-answer'] ?? 0);
      assert.equal(badFrames(c), 0, JSON.stringify(c!.stats.dropReasons));
      assert.ok(emu.garbled >= 3, `the seed garbles some of ${emu.sent} frames`);
      assert.equal(badFrames(g), emu.garbled, `dropped ${JSON.stringify(g!.stats.dropReasons)}, garbled ${emu.garbled}`);
      for (const reason of Object.keys(g!.stats.dropReasons)) assert.ok(['short', 'unknown-model', 'implausible', 'no-answer'].includes(reason), reason);
      assert.equal(g!.stats.samples + badFrames(g), emu.sent, 'every frame sent is a sample or a drop');
      const spread = 3 * Math.hypot(c!.w.sd / Math.sqrt(c!.w.n), g!.w.sd / Math.sqrt(g!.w.n)) + 0.002;
      assert.ok(Math.abs(g!.w.mean - c!.w.mean) <= spread, `garbled mean ${g!.w.mean} vs clean ${c!.w.mean} (spread ${spread})`);
    },
  );
});

test('PPK2: 100 kHz words averaged to 1 kHz track the load, and a load step lands where it was drawn', async () => {
  let stepAt = Infinity;
  let stepEnd = Infinity;
  const load = (t: number): number => (t >= stepAt && t < stepEnd ? 3.0 : 1.0);
  await withEmulators([{ type: 'ppk2', load, seed: 31 }], async ([em]) => {
    const { meter, samples, errors } = await watch(`${em!.hostPath}:ppk2`);
    await waitFor('first PPK2 samples', () => samples.length > 50, 2000);
    stepAt = hostNowMs() + 400;
    stepEnd = stepAt + 600;
    await waitFor('the step to pass', () => (samples.at(-1)?.t_ms ?? 0) > stepEnd + 400, 3000);
    await meter.close();
    const stats = meter.stats();
    assert.deepEqual(errors, []);
    assert.equal(stats.dropped, 0, JSON.stringify(stats.dropReasons));
    assert.match(stats.device ?? '', /^PPK2 HW 9181 \(calibrated\)$/);
    const win = samples.filter((s) => s.t_ms >= stepAt - 400 && s.t_ms < stepEnd + 400);
    assert.ok(Math.abs(win.length - 1400) <= 28, `${win.length} samples in 1.4 s`);
    const during = averagePower(samples, stepAt + 15, stepEnd - 15);
    const before = averagePower(samples, stepAt - 400, stepAt - 15);
    assert.ok(during && Math.abs(during.mean_w - 3.0) < 0.01, `during ${during?.mean_w}`);
    assert.ok(before && Math.abs(before.mean_w - 1.0) < 0.01, `before ${before?.mean_w}`);
    const edge = samples.find((s) => s.t_ms > stepAt - 100 && s.watts > 2.0)!;
    assert.ok(Math.abs(edge.t_ms - stepAt) <= 10, `step seen ${(edge.t_ms - stepAt).toFixed(2)} ms from where it was drawn`);
    assert.ok(samples.every((s) => s.volts === undefined && s.amps !== undefined && Math.abs(s.watts - s.amps * 5.0) < 1e-9));
  });
});

test('PPK2: 10 % garbled words are dropped and counted, never averaged in', async () => {
  await withEmulators([{ type: 'ppk2', load: () => 2.0, seed: 41, faults: { garbleRate: 0.1 } }], async ([em]) => {
    const { meter, samples } = await watch(`${em!.hostPath}:ppk2`);
    await sleep(2000);
    em!.setSilent(true);
    await sleep(250);
    const stats = meter.stats();
    await meter.close();
    const emu = em!.stats();
    assert.ok(emu.garbled > 15_000, `${emu.garbled} of ${emu.sent} words garbled`);
    assert.ok(Math.abs(stats.dropped - emu.garbled) <= 2 + emu.garbled * 0.002, `dropped ${stats.dropped} ${JSON.stringify(stats.dropReasons)}, garbled ${emu.garbled}`);
    assert.deepEqual(Object.keys(stats.dropReasons).sort(), ['garbled', 'range']);
    const w = meanSd(samples.map((s) => s.watts));
    assert.ok(Math.abs(w.mean - 2.0) < 0.005, `mean ${w.mean}`);
    assert.ok(w.sd < 0.02, `sd ${w.sd}: no corrupted word went into an average`);
  });
});

test('line meter at 100 Hz: layouts as configured; garbled lines dropped and counted', async () => {
  await withEmulators(
    [
      { type: 'line', load: () => 2.0, seed: 51 },
      { type: 'line', load: () => 2.0, seed: 52, faults: { garbleRate: 0.1 } },
      { type: 'line', load: () => 1.2, seed: 53, lineLayout: 's+mv+ma' },
      { type: 'line', load: () => 0.8, seed: 54, lineLayout: 'ms+mw' },
    ],
    async ([clean, garbled, siUnits, milliwatts]) => {
      const runs = await Promise.all([
        watch(`${clean!.hostPath}:line`),
        watch(`${garbled!.hostPath}:line,cols=ms+volts+amps`),
        watch(`${siUnits!.hostPath}:line,cols=s+mv+ma`),
        watch(`${milliwatts!.hostPath}:line,cols=ms+mw`),
      ]);
      await sleep(2000);
      for (const e of [clean, garbled, siUnits, milliwatts]) e!.setSilent(true);
      await sleep(100);
      const [c, g, si, mw] = runs.map((r) => ({ stats: r.meter.stats(), samples: r.samples, w: meanSd(r.samples.map((s) => s.watts)) }));
      await Promise.all(runs.map((r) => r.meter.close()));
      assert.equal(c!.stats.dropped, 0);
      assert.ok(c!.w.n >= 180 && c!.w.n <= 215, `${c!.w.n} lines in 2 s`);
      // The board's clock spaces the readings 10 ms apart (on the host's clock: the offset only
      // moves when an arrival is quicker than all before, which settles after the first lines).
      const settled = c!.samples.slice(-100);
      const gaps = settled.slice(1).map((x, i) => x.t_ms - settled[i]!.t_ms).sort((a, b) => a - b);
      assert.ok(Math.abs(gaps[49]! - 10) < 0.01, `median gap ${gaps[49]} ms`);
      const rate = (99 * 1000) / (settled.at(-1)!.t_ms - settled[0]!.t_ms);
      assert.ok(Math.abs(rate - 100) < 1, `${rate} lines/s on the host clock`);
      const emu = garbled!.stats();
      assert.ok(emu.garbled >= 8);
      assert.equal(g!.stats.dropped, emu.garbled);
      assert.deepEqual(Object.keys(g!.stats.dropReasons), ['garbled']);
      const spread = 3 * Math.hypot(c!.w.sd / Math.sqrt(c!.w.n), g!.w.sd / Math.sqrt(g!.w.n)) + 0.001;
      assert.ok(Math.abs(g!.w.mean - c!.w.mean) <= spread, `garbled mean ${g!.w.mean} vs clean ${c!.w.mean}`);
      assert.ok(Math.abs(si!.w.mean - 1.2) < 0.01 && si!.samples.every((s) => s.volts! > 4.9 && s.volts! < 5.0), `s+mv+ma: ${si!.w.mean}`);
      assert.ok(Math.abs(mw!.w.mean - 0.8) < 0.01 && mw!.samples.every((s) => s.volts === undefined), `ms+mw: ${mw!.w.mean}`);
    },
  );
});

test('a silent meter is reported as DEVICE_UNAVAILABLE, never as 0 W, and readings resume', async () => {
  await withEmulators([{ type: 'um34c', load: () => 2.0, seed: 61 }], async ([em]) => {
    const { meter, samples, errors } = await watch(`${em!.hostPath}:um34c,silence=600`);
    await waitFor('UM readings', () => samples.length >= 3, 2000);
    em!.setSilent(true);
    const silentAt = hostNowMs();
    const took = await waitFor('the silence to be reported', () => errors.length > 0, 2500);
    assert.ok(took < 1500, `reported after ${took} ms`);
    assert.equal(errors[0]!.code, 'DEVICE_UNAVAILABLE');
    assert.match(errors[0]!.message, /um34c meter on .* is silent: no reading for \d+ ms/);
    assert.equal(meter.stats().state, 'silent');
    assert.ok(samples.every((s) => s.t_ms < silentAt), 'nothing made up while silent');
    assert.ok((meter.stats().dropReasons['no-answer'] ?? 0) >= 1);
    const before = samples.length;
    em!.setSilent(false);
    await waitFor('readings to resume', () => meter.stats().state === 'streaming' && samples.length > before + 2, 2000);
    await meter.close();
    assert.equal(meter.stats().silences, 1);
    assert.ok(samples.every((s) => s.watts > 1.9));
  });
});

test('unplugging a PPK2 reports DEVICE_UNAVAILABLE; plugging it back in reconnects and resumes', async () => {
  await withEmulators([{ type: 'ppk2', load: () => 1.5, seed: 71 }], async ([em]) => {
    const { meter, samples, errors, states } = await watch(`${em!.hostPath}:ppk2`);
    await waitFor('PPK2 samples', () => samples.length >= 200, 2000);
    await em!.unplug();
    await waitFor('the unplug to be reported', () => errors.length > 0, 1000);
    assert.equal(errors[0]!.code, 'DEVICE_UNAVAILABLE');
    assert.match(errors[0]!.message, /ppk2 meter on .* went away.*reconnecting/);
    assert.equal(meter.stats().state, 'disconnected');
    const during = samples.length;
    await sleep(300);
    assert.equal(samples.length, during, 'no samples while unplugged');
    await em!.replug();
    await waitFor('samples after the replug', () => samples.length > during + 200, 3000);
    await meter.close();
    const stats = meter.stats();
    assert.equal(stats.reconnects, 1);
    assert.deepEqual(states.filter((s, i) => s !== states[i - 1]), ['starting', 'streaming', 'disconnected', 'starting', 'streaming', 'closed']);
    assert.ok(samples.every((s) => Math.abs(s.watts - 1.5) < 0.05), 'no zeros for the gap');
  });
});

test('readMeter: reconnect=0 fails fast on an unplug; errors for a bad spec, a missing port, the wrong meter, a cancel', async () => {
  await withEmulators([{ type: 'line', seed: 81 }, { type: 'um34c', seed: 82 }], async ([line, um]) => {
    const started = hostNowMs();
    const reading = readMeter(`${line!.hostPath}:line,reconnect=0`, 10);
    setTimeout(() => void line!.unplug(), 500);
    await assert.rejects(reading, (e: unknown) => e instanceof LabbenchError && e.code === 'DEVICE_UNAVAILABLE' && /went away/.test(e.message));
    assert.ok(hostNowMs() - started < 2000);

    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    await assert.rejects(readMeter(`${um!.hostPath}:um34c`, 10, { signal: controller.signal }), (e: unknown) => e instanceof LabbenchError && e.code === 'CANCELED');

    // A UM meter does not answer PPK2 commands.
    await assert.rejects(readMeter(`${um!.hostPath}:ppk2`, 1), (e: unknown) => e instanceof LabbenchError && e.code === 'DEVICE_UNAVAILABLE' && /sent no metadata/.test(e.message));
  });
  await assert.rejects(readMeter('/dev/ttyUSB0', 1), (e: unknown) => e instanceof LabbenchError && e.code === 'BAD_INPUT');
  await assert.rejects(openMeter('/nonexistent/ttyUSB9:um34c'), (e: unknown) => e instanceof LabbenchError && e.code === 'DEVICE_UNAVAILABLE' && /cannot open um34c meter on \/nonexistent\/ttyUSB9/.test(e.message));
});
