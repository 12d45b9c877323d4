// The emulated phone seen through Debian's real adb server and @devicefarmer/adbkit, as
// the bench will see it: connect, getprop, shell exit codes, push/pull, quoting, the
// benchmark's output formats, heating and throttling, unplug/replug. No mocks.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import adbkit from '@devicefarmer/adbkit';
import { EmulatedPhone, convReluModel, tinyCnnModel } from './index.js';
import { startAdbServer, type AdbServer } from './adb-server.js';

const { Adb } = adbkit;
type Client = ReturnType<typeof Adb.createClient>;
type Device = ReturnType<Client['getDevice']>;
// adbkit's promises are Bluebird, untyped here (no @types/bluebird): results are typed at the call site.
interface Listed {
  id: string;
  type: string;
}

async function devicesOf(client: Client): Promise<Listed[]> {
  const list: Listed[] = await client.listDevices();
  return list;
}

async function readStream(s: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(typeof c === 'string' ? Buffer.from(c) : c);
  return Buffer.concat(chunks);
}

async function shell(dev: Device, cmd: string): Promise<string> {
  return (await readStream(await dev.shell(cmd))).toString('utf8');
}

async function push(dev: Device, data: Buffer, path: string): Promise<void> {
  const transfer = await dev.push(Readable.from([data]), path);
  await new Promise<void>((resolve, reject) => {
    transfer.on('end', () => resolve());
    transfer.on('error', reject);
  });
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** `adb disconnect` + `adb connect` until the server lists the phone as a device again. */
async function reconnect(client: Client, serial: string, port: number): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    await client.disconnect('127.0.0.1', port).catch(() => undefined);
    await client.connect('127.0.0.1', port);
    for (let i = 0; i < 20; i++) {
      if ((await devicesOf(client)).some((d) => d.id === serial && d.type === 'device')) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    if (Date.now() - t0 > 15_000) throw new Error(`${serial} did not come back`);
  }
}

/** Rows of the first "Run Order" table after `header`: [type, start, first, avg, %, cdf%, mem, times, name]. */
function runOrder(text: string, header = 'Operator-wise Profiling Info for Regular Benchmark Runs:'): string[][] {
  const lines = text.slice(text.indexOf(header)).split('\n');
  const start = lines.findIndex((l) => l.includes('==== Run Order ===='));
  const rows: string[][] = [];
  for (const l of lines.slice(start + 2)) {
    if (l.trim() === '') break;
    rows.push(l.split('\t').slice(1).map((c) => c.trim()));
  }
  return rows;
}

describe('emulated phone through the real adb server', () => {
  let adb: AdbServer;
  let client: Client;
  let phone: EmulatedPhone;
  let dev: Device;

  before(async () => {
    adb = await startAdbServer();
    client = Adb.createClient({ host: '127.0.0.1', port: adb.port });
    phone = new EmulatedPhone({ timeScale: 0.05, seed: 11 });
    const port = await phone.start();
    await client.connect('127.0.0.1', port);
    dev = client.getDevice(phone.serial);
  });

  after(async () => {
    await phone.stop();
    await adb.stop();
  });

  test('adb connect: listDevices and `adb devices` show the phone as a device', async () => {
    const devices = await waitFor('device state', async () => {
      const list = await devicesOf(client);
      return list.some((d) => d.id === phone.serial && d.type === 'device') ? list : undefined;
    }, 5000);
    assert.ok(devices.find((d) => d.id === phone.serial));
    const cli = await adb.cli('devices', '-l');
    assert.match(cli.stdout, new RegExp(`${phone.serial.replace(/\./g, '\\.')}\\s+device product:sdk_labbench_sailfish model:Pixel device:sailfish`));
  });

  test('getprop and adbkit getProperties', async () => {
    const props = await dev.getProperties();
    assert.equal(props['ro.product.model'], 'Pixel');
    assert.equal(props['ro.product.manufacturer'], 'Google');
    assert.equal(props['ro.board.platform'], 'msm8996');
    assert.equal(props['ro.build.version.sdk'], '29');
    assert.equal(props['ro.product.cpu.abi'], 'arm64-v8a');
    assert.equal(props['ro.serialno'], phone.serialNo);
    assert.equal(await shell(dev, 'getprop ro.build.version.release'), '10\n');
    assert.match(await shell(dev, 'getprop'), /^\[ro\.product\.model\]: \[Pixel\]$/m);
  });

  test('shell v2 carries exit codes and stderr; plain shell: mixes them', async () => {
    const exit3 = await adb.cli('-s', phone.serial, 'shell', 'exit 3');
    assert.equal(exit3.code, 3);
    const ls = await adb.cli('-s', phone.serial, 'shell', 'ls /nope');
    assert.equal(ls.code, 1);
    assert.equal(ls.stdout, '');
    assert.equal(ls.stderr, 'ls: /nope: No such file or directory\n');
    const su = await adb.cli('-s', phone.serial, 'shell', 'which su');
    assert.equal(su.code, 1);
    const unknown = await adb.cli('-s', phone.serial, 'shell', 'frobnicate --now');
    assert.equal(unknown.code, 127);
    assert.equal(unknown.stderr, '/system/bin/sh: frobnicate: inaccessible or not found\n');
    assert.equal(await shell(dev, 'echo out; ls /nope; echo $?'), 'out\nls: /nope: No such file or directory\n1\n');
  });

  test('push with adbkit, read back with cat and pull; stat and readdir', async () => {
    const data = Buffer.alloc(300_000);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7 + (i >> 8)) & 0xff;
    await push(dev, data, '/data/local/tmp/blob.bin');
    assert.ok(phone.fs.readFile('/data/local/tmp/blob.bin').equals(data));
    const pulled = await readStream(await dev.pull('/data/local/tmp/blob.bin'));
    assert.ok(pulled.equals(data));
    const text = Buffer.from('line one\nline two\n');
    await push(dev, text, '/data/local/tmp/sub/dir/notes.txt');
    assert.equal(await shell(dev, 'cat /data/local/tmp/sub/dir/notes.txt'), text.toString());
    assert.equal((await dev.stat('/data/local/tmp/blob.bin')).size, data.length);
    const entries: Array<{ name: string }> = await dev.readdir('/data/local/tmp');
    const names = entries.map((e) => e.name);
    assert.ok(names.includes('blob.bin') && names.includes('sub') && names.includes('benchmark_model'));
    await assert.rejects(push(dev, text, '/system/bin/evil'));
    assert.equal(phone.fs.exists('/system/bin/evil'), false);
  });

  test('quoting: a quoted ";" stays inside the argument, an unquoted one separates commands', async () => {
    const quoted = "/data/local/tmp/benchmark_model --graph='/data/local/tmp/a b; touch /data/local/tmp/pwned.tflite'";
    const r1 = await adb.cli('-s', phone.serial, 'shell', quoted);
    assert.equal(r1.code, 1);
    assert.match(r1.stdout, /^Graph: \[\/data\/local\/tmp\/a b; touch \/data\/local\/tmp\/pwned\.tflite\]$/m);
    assert.equal(phone.fs.exists('/data/local/tmp/pwned.tflite'), false);
    assert.ok(phone.commandLog.includes(quoted));

    await shell(dev, 'benchmark_model --graph=/x; touch /data/local/tmp/pwned');
    assert.equal(phone.fs.exists('/data/local/tmp/pwned'), true);
    assert.equal(await shell(dev, `echo "a  b" 'c;d' e\\;f $(echo g)`), 'a  b c;d e;f g\n');
  });

  test('benchmark_model without XNNPACK: one Run Order row per op, named after output tensors', async () => {
    await push(dev, convReluModel(), '/data/local/tmp/conv_relu.tflite');
    const r = await adb.cli('-s', phone.serial, 'shell', '/data/local/tmp/benchmark_model --graph=/data/local/tmp/conv_relu.tflite --num_threads=1 --warmup_runs=1 --num_runs=20 --min_secs=0 --warmup_min_secs=0 --use_xnnpack=false --enable_op_profiling=true');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^STARTING!$/m);
    assert.match(r.stdout, /^Num threads: \[1\]$/m);
    assert.match(r.stdout, /^Running benchmark for at least 20 iterations and at least 0 seconds but terminate if exceeding 150 seconds\.$/m);
    assert.match(r.stdout, /^count=20 first=\d+ curr=\d+ min=\d+ max=\d+ avg=[\d.e+]+ std=\d+$/m);
    assert.match(r.stdout, /^Inference timings in us: Init: \d+, First inference: \d+, Warmup \(avg\): [\d.e+]+, Inference \(avg\): [\d.e+]+$/m);
    const rows = runOrder(r.stdout);
    assert.equal(rows.length, 2);
    assert.deepEqual(rows.map((c) => c[0]), ['CONV_2D', 'RELU']);
    assert.deepEqual(rows.map((c) => c[8]), ['[conv/Conv2D]:0', '[relu/Relu]:1']);
    for (const row of rows) {
      assert.equal(row.length, 9);
      assert.ok(Number(row[3]) > 0, `avg ms of ${row[8]}`);
      assert.equal(row[7], '1');
    }
    assert.ok(Number(rows[0]?.[3]) > Number(rows[1]?.[3]), 'the conv costs more than the relu');
    assert.match(r.stdout, /^Timings \(microseconds\): count=20 first=\d+ curr=\d+ min=\d+ max=\d+ avg=[\d.e+]+ std=\d+$/m);
    assert.match(r.stderr, /^INFO: Initialized TensorFlow Lite runtime\.$/m);
  });

  test('benchmark_model with XNNPACK (the default): one delegate row covers consecutive ops', async () => {
    await push(dev, tinyCnnModel(), '/data/local/tmp/tiny.tflite');
    const r = await adb.cli('-s', phone.serial, 'shell', '/data/local/tmp/benchmark_model --graph=/data/local/tmp/tiny.tflite --num_runs=10 --min_secs=0 --warmup_min_secs=0 --enable_op_profiling=true');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Created TensorFlow Lite XNNPACK delegate for CPU\./);
    const rows = runOrder(r.stdout);
    assert.deepEqual(rows.map((c) => [c[0], c[8]]), [['TfLiteXNNPackDelegate', '[prob/Softmax]:10']]);
    const explicit = await adb.cli('-s', phone.serial, 'shell', '/data/local/tmp/benchmark_model --graph=/data/local/tmp/tiny.tflite --use_xnnpack=true --num_runs=5 --min_secs=0 --warmup_min_secs=0');
    assert.match(explicit.stdout, /^Explicitly applied XNNPACK delegate, and the model graph will be completely executed by the delegate\.$/m);
  });

  test('CSV profile goes to --op_profiling_output_file', async () => {
    await push(dev, convReluModel(), '/data/local/tmp/conv_relu.tflite');
    const r = await adb.cli('-s', phone.serial, 'shell', '/data/local/tmp/benchmark_model --graph=/data/local/tmp/conv_relu.tflite --use_xnnpack=false --num_runs=10 --min_secs=0 --warmup_min_secs=0 --enable_op_profiling=true --op_profiling_output_mode=csv --op_profiling_output_file=/data/local/tmp/prof.csv');
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /Run Order/);
    const csv = phone.fs.readText('/data/local/tmp/prof.csv');
    const lines = csv.slice(csv.indexOf('Operator-wise')).split('\n');
    assert.equal(lines[2], 'node type, start, first, avg_ms, %, cdf%, mem KB, times called, name');
    assert.match(lines[3] ?? '', /^CONV_2D, 0, [\d.e+-]+, [\d.e+-]+, [\d.e+-]+%, [\d.e+-]+%, 0, 1, \[conv\/Conv2D\]:0$/);
    assert.match(lines[4] ?? '', /^RELU, [\d.e+-]+, [\d.e+-]+, [\d.e+-]+, [\d.e+-]+%, 100%, 0, 1, \[relu\/Relu\]:1$/);
  });

  test('a file that is not a .tflite fails like the real tool', async () => {
    await push(dev, Buffer.from('this is not a flatbuffer at all'), '/data/local/tmp/bad.tflite');
    const r = await adb.cli('-s', phone.serial, 'shell', '/data/local/tmp/benchmark_model --graph=/data/local/tmp/bad.tflite');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^ERROR: Model provided has model identifier ' is ', should be 'TFL3'$/m);
    assert.match(r.stderr, /^Failed to mmap model \/data\/local\/tmp\/bad\.tflite$/m);
    assert.match(r.stderr, /^Benchmarking failed\.$/m);
    const missing = await adb.cli('-s', phone.serial, 'shell', '/data/local/tmp/benchmark_model --graph=/data/local/tmp/none.tflite');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /Could not open '\/data\/local\/tmp\/none\.tflite'\./);
  });

  test('taskset: the same model is slower on the little cores than on the big ones', async () => {
    await push(dev, convReluModel({ size: 48, cin: 16, cout: 32 }), '/data/local/tmp/mid.tflite');
    const avg = async (mask: string): Promise<number> => {
      const out = await shell(dev, `taskset ${mask} /data/local/tmp/benchmark_model --graph=/data/local/tmp/mid.tflite --num_threads=2 --num_runs=30 --min_secs=0 --warmup_min_secs=0`);
      const m = /Inference \(avg\): ([\d.e+]+)/.exec(out);
      assert.ok(m, out);
      return Number(m[1]);
    };
    const little = await avg('3');
    const big = await avg('c');
    assert.ok(little > big * 1.2, `little ${little} us vs big ${big} us`);
  });
});

describe('heat, throttling and the cable', () => {
  let adb: AdbServer;
  let client: Client;

  before(async () => {
    adb = await startAdbServer();
    client = Adb.createClient({ host: '127.0.0.1', port: adb.port });
  });

  after(async () => {
    await adb.stop();
  });

  test('sustained load heats the phone and lowers scaling_cur_freq', async (t) => {
    const phone = new EmulatedPhone({ timeScale: 0.002, seed: 5 });
    t.after(() => phone.stop());
    await client.connect('127.0.0.1', await phone.start());
    const dev = client.getDevice(phone.serial);
    await push(dev, convReluModel({ size: 56, cin: 64, cout: 128 }), '/data/local/tmp/big.tflite');
    const freq = '/sys/devices/system/cpu/cpu2/cpufreq/scaling_cur_freq';
    const temp = '/sys/class/thermal/thermal_zone2/temp';
    const out = await shell(
      dev,
      `/data/local/tmp/benchmark_model --graph=/data/local/tmp/big.tflite --num_threads=4 --warmup_min_secs=0 --min_secs=260 > /data/local/tmp/run.txt 2>&1 &
       sleep 5; cat ${freq} ${temp}; sleep 240; cat ${freq} ${temp}; dumpsys thermalservice | grep 'Thermal Status'; wait`,
    );
    const [f0, t0, f1, t1] = out.trim().split('\n').map(Number);
    assert.match(out, /^Thermal Status: [1-3]$/m);
    assert.equal(f0, 2150400, 'a cool big core runs at max');
    assert.ok(f1 !== undefined && f1 < 2150400, `throttled: ${f1} kHz`);
    assert.ok(t0 !== undefined && t1 !== undefined && t1 > t0 + 5000, `heated: ${t0} -> ${t1} mC`);
    const run = phone.fs.readText('/data/local/tmp/run.txt');
    const m = /count=\d+ first=\d+ curr=\d+ min=(\d+) max=(\d+)/.exec(run.slice(run.lastIndexOf('count=')));
    assert.ok(m && Number(m[2]) > Number(m[1]) * 1.05, 'later runs are slower');
  });

  test('heat() forces throttling at once; scaling_max_freq shows the cap', async (t) => {
    const phone = new EmulatedPhone({ timeScale: 0.05, seed: 6 });
    t.after(() => phone.stop());
    await client.connect('127.0.0.1', await phone.start());
    const dev = client.getDevice(phone.serial);
    const max = '/sys/devices/system/cpu/cpu3/cpufreq/scaling_max_freq';
    assert.equal(await shell(dev, `cat ${max}`), '2150400\n');
    phone.heat(40);
    assert.ok(Number(await shell(dev, `cat ${max}`)) < 1500000);
  });

  test('unplug: device goes offline and a running benchmark stops; replug brings it back', async (t) => {
    const phone = new EmulatedPhone({ timeScale: 0.05, seed: 8 });
    t.after(() => phone.stop());
    const port = await phone.start();
    await client.connect('127.0.0.1', port);
    const dev = client.getDevice(phone.serial);
    await push(dev, convReluModel(), '/data/local/tmp/m.tflite');

    // Read the benchmark's output as it comes; pull the cable once the regular runs began.
    const stream = await dev.shell('/data/local/tmp/benchmark_model --graph=/data/local/tmp/m.tflite --min_secs=600');
    let seen = '';
    const ended = new Promise<void>((resolve) => {
      stream.on('data', (d: Buffer) => {
        seen += d.toString('utf8');
        if (/at least 50 iterations/.test(seen) && phone.plugged) phone.unplug();
      });
      stream.on('end', () => resolve());
      stream.on('error', () => resolve());
    });
    await ended;
    assert.equal(phone.plugged, false);
    assert.doesNotMatch(seen, /count=\d+ first=\d+[^\n]*\n\n[\s\S]*count=/, 'no second count= line after the cable was pulled');
    assert.doesNotMatch(seen, /Inference timings/);
    assert.equal(phone.procs.list().length, 0, 'the benchmark died with the connection');

    // The CLI: adb 1.0.41 exits 0 when the transport drops before the exit-status packet.
    const state = async (): Promise<string | undefined> => (await devicesOf(client)).find((d) => d.id === phone.serial)?.type;
    await phone.replug();
    await reconnect(client, phone.serial, port);
    const running = adb.cli('-s', phone.serial, 'shell', 'sleep 1000; echo never');
    await waitFor('sleep start', async () => (phone.commandLog.includes('sleep 1000; echo never') ? true : undefined), 5000);
    phone.unplug();
    const r = await running;
    assert.equal(r.code, 0);
    assert.equal(r.stdout, '');

    await waitFor('offline', async () => ((await state()) === 'offline' ? true : undefined), 5000);
    assert.match((await adb.cli('devices')).stdout, new RegExp(`${phone.serial.replace(/\./g, '\\.')}\\s+offline`));

    // `adb connect` alone answers "already connected" to an offline transport and changes
    // nothing; disconnect + connect reconnects at once.
    await phone.replug();
    const again = await adb.cli('connect', `127.0.0.1:${port}`);
    assert.match(again.stdout, /already connected/);
    assert.equal(await state(), 'offline');
    await reconnect(client, phone.serial, port);
    assert.equal(await shell(dev, 'getprop ro.product.model'), 'Pixel\n');
  });

  test('after replug the server reconnects by itself within ~10 s', { skip: process.env.LABBENCH_SLOW_TESTS ? false : 'slow (~10 s): set LABBENCH_SLOW_TESTS=1' }, async (t) => {
    const phone = new EmulatedPhone({ timeScale: 0.05, seed: 9 });
    t.after(() => phone.stop());
    await client.connect('127.0.0.1', await phone.start());
    const state = async (): Promise<string | undefined> => (await devicesOf(client)).find((d) => d.id === phone.serial)?.type;
    phone.unplug();
    await waitFor('offline', async () => ((await state()) === 'offline' ? true : undefined), 3000);
    await phone.replug();
    await waitFor('automatic reconnect', async () => ((await state()) === 'device' ? true : undefined), 15_000);
  });

  test('a phone without benchmark_model, unrooted: not found, no su', async (t) => {
    const phone = new EmulatedPhone({ timeScale: 0.05, benchmarkModelInstalled: false });
    t.after(() => phone.stop());
    await client.connect('127.0.0.1', await phone.start());
    const r = await adb.cli('-s', phone.serial, 'shell', '/data/local/tmp/benchmark_model --graph=/x');
    assert.equal(r.code, 127);
    assert.equal(r.stderr, '/system/bin/sh: /data/local/tmp/benchmark_model: inaccessible or not found\n');
    assert.equal((await adb.cli('-s', phone.serial, 'shell', 'su -c id')).code, 127);
  });

  test('a rooted phone: su -c runs as root and may pin the clocks', async (t) => {
    const phone = new EmulatedPhone({ timeScale: 0.05, rooted: true });
    t.after(() => phone.stop());
    await client.connect('127.0.0.1', await phone.start());
    const dev = client.getDevice(phone.serial);
    assert.equal(await shell(dev, 'which su'), '/system/xbin/su\n');
    assert.match(await shell(dev, "su -c 'id'"), /^uid=0\(root\)/);
    const max = '/sys/devices/system/cpu/cpu2/cpufreq/scaling_max_freq';
    assert.match(await shell(dev, `echo 1000000 > ${max}`), /Permission denied/);
    await shell(dev, `su -c 'echo 1000000 > ${max}'`);
    // The policy keeps the highest frequency step not above the request.
    assert.equal(await shell(dev, `cat ${max}`), '998400\n');
  });
});
