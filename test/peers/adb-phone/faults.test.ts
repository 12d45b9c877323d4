// The phone's hang fault and the process tools a bench uses against it, through Debian's
// real adb server and adbkit: a hung benchmark_model is listed by `ps -A` and `pidof` until
// `kill PID` ends it; `sh -c 'echo $$; exec ...'` keeps the pid; closing the session hangs
// it up on a PTY-backed adbd and leaves it running on a raw-pipe one.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import adbkit from '@devicefarmer/adbkit';
import { EmulatedPhone, convReluModel, type EmulatedPhoneOptions } from './index.js';
import { startAdbServer } from './adb-server.js';

const { Adb } = adbkit;
type Client = ReturnType<typeof Adb.createClient>;
type Device = ReturnType<Client['getDevice']>;

const BM = '/data/local/tmp/benchmark_model';
const MODEL = '/data/local/tmp/m.tflite';

async function readStream(s: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(typeof c === 'string' ? Buffer.from(c) : c);
  return Buffer.concat(chunks).toString('utf8');
}

async function sh(dev: Device, cmd: string): Promise<string> {
  return readStream(await dev.shell(cmd));
}

async function until(what: string, probe: () => Promise<boolean>, ms = 5000): Promise<void> {
  const t0 = Date.now();
  while (!(await probe())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function rig(t: { after: (fn: () => Promise<void>) => void }, opts: EmulatedPhoneOptions = {}): Promise<{ phone: EmulatedPhone; dev: Device }> {
  const server = await startAdbServer();
  const phone = new EmulatedPhone({ seed: 3, timeScale: 0.02, ...opts });
  const port = await phone.start();
  t.after(async () => {
    await phone.stop();
    await server.stop();
  });
  const client: Client = Adb.createClient({ host: '127.0.0.1', port: server.port });
  await client.connect('127.0.0.1', port);
  await until('the phone to be listed', async () => ((await client.listDevices()) as { id: string; type: string }[]).some((d) => d.id === phone.serial && d.type === 'device'), 10_000);
  const dev = client.getDevice(phone.serial);
  const transfer = await dev.push(Readable.from([convReluModel()]), MODEL);
  await new Promise<void>((resolve, reject) => {
    transfer.on('end', () => resolve());
    transfer.on('error', reject);
  });
  return { phone, dev };
}

test('a hung benchmark_model stays listed by ps -A and pidof until kill PID ends it', async (t) => {
  const { phone, dev } = await rig(t);
  phone.faults.benchmarkHangs = 1;
  const stream = await dev.shell(`sh -c 'echo PID=$$; exec ${BM} --graph=${MODEL} --num_runs=3'; echo RC=$?`);
  const output = readStream(stream);
  let pid = 0;
  await until('the benchmark to hang', async () => {
    const line = (await sh(dev, 'pidof benchmark_model')).trim();
    pid = Number(line);
    return line !== '';
  });
  const listed = await sh(dev, 'ps -A -o PID,PPID,NAME');
  assert.match(listed, /^\s*PID\s+PPID NAME$/m);
  assert.match(listed, new RegExp(`^\\s*${pid}\\s+\\d+ benchmark_model$`, 'm'), listed);
  assert.match(await sh(dev, `ps -p ${pid} -o ARGS=`), new RegExp(`^${BM} --graph=${MODEL}`), 'exec kept the pid; ARGS is its command line');
  // Still there a while later: a hang does not end by itself.
  await new Promise((r) => setTimeout(r, 300));
  assert.equal((await sh(dev, 'pidof benchmark_model')).trim(), String(pid));
  assert.equal((await sh(dev, `kill -0 ${pid}; echo $?`)).trim(), '0');

  assert.equal((await sh(dev, `kill -9 ${pid}; echo $?`)).trim(), '0');
  const out = await output;
  assert.match(out, new RegExp(`^PID=${pid}$`, 'm'), 'echo $$ in sh -c printed the pid that exec kept');
  assert.match(out, /Running benchmark for at least/, 'it hung after its first "Running benchmark" line');
  assert.doesNotMatch(out, /Inference timings/);
  assert.match(out, /^RC=137$/m, 'killed by SIGKILL');
  assert.equal((await sh(dev, 'pidof benchmark_model; echo $?')).trim(), '1');
  assert.match(await sh(dev, `kill -0 ${pid}`), /No such process/);
  assert.ok(!phone.procs.list().some((p) => p.name === 'benchmark_model'));

  // The fault was spent: the next run ends normally.
  assert.match(await sh(dev, `${BM} --graph=${MODEL} --num_runs=3`), /Inference timings in us/);
});

test('closing the session hangs a hung benchmark up through the PTY; on raw pipes it runs on', async (t) => {
  for (const rawShellPipes of [false, true]) {
    const { phone, dev } = await rig(t, { rawShellPipes });
    phone.faults.benchmarkHangs = 1;
    const stream = await dev.shell(`${BM} --graph=${MODEL}`);
    stream.resume();
    await until('the benchmark to hang', async () => phone.procs.list().some((p) => p.name === 'benchmark_model'));
    stream.end();
    await new Promise((r) => setTimeout(r, 500));
    const left = (await sh(dev, 'pidof benchmark_model')).trim();
    if (rawShellPipes) {
      assert.notEqual(left, '', 'nothing told it the session closed');
      await sh(dev, `kill ${left}`);
      await until('kill to end it', async () => (await sh(dev, 'pidof benchmark_model')) === '');
    } else {
      assert.equal(left, '', 'SIGHUP ended it');
    }
  }
});

test('ps without -A shows the caller’s session only', async (t) => {
  const { dev } = await rig(t);
  const own = await sh(dev, 'ps');
  assert.match(own, /^USER\s+PID\s+PPID\s+VSZ\s+RSS\s+WCHAN\s+ADDR\s+S\s+NAME/m);
  assert.match(own, /\bps$/m);
  assert.doesNotMatch(own, /\binit$/m);
  assert.match(await sh(dev, 'ps -A'), /^root\s+1\s+0 .* init$/m);
});
