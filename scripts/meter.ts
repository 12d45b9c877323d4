/**
 * `npm run meter -- --type um34c|um25c|um24c|ppk2|line`: starts an emulated power meter on a
 * socat pty pair, prints the path the bench opens (`--meter PATH:TYPE`) on a line of its own,
 * and runs until SIGINT / SIGTERM. What it measures: `--watts W` (constant), `--load-file PATH`
 * (a file holding the watts drawn now, re-read every 20 ms: the emulated phone writes its draw
 * there; `--watts` is the value until the file is readable), or by default a slow pattern
 * (1.2 W idle, 3.0 W for 2 s every 5 s). Faults: `--garble RATE`, `--silent`; and on stdin,
 * one command a line: `silent on|off`, `garble RATE`, `unplug`, `replug`, `stats`.
 * Other flags: `--volts V` (supply), `--seed N`, `--rate HZ` and `--cols LAYOUT` (line meter),
 * `--dir DIR` (where the pty links go; default a temp dir).
 */
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { EMULATED_METER_TYPES, MeterEmulator, type EmulatedMeterType } from '../test/peers/meters/meter-emulator.js';

function fail(msg: string): never {
  process.stderr.write(`meter: ${msg}\n`);
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    type: { type: 'string' },
    watts: { type: 'string' },
    'load-file': { type: 'string' },
    volts: { type: 'string' },
    seed: { type: 'string' },
    garble: { type: 'string' },
    silent: { type: 'boolean' },
    rate: { type: 'string' },
    cols: { type: 'string' },
    dir: { type: 'string' },
  },
  strict: true,
});

const type = values.type as EmulatedMeterType | undefined;
if (!type || !EMULATED_METER_TYPES.includes(type)) fail(`--type must be one of ${EMULATED_METER_TYPES.join(', ')}`);
const number = (name: string, v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) fail(`--${name} ${v} is not a number`);
  return n;
};
const watts = number('watts', values.watts);
const volts = number('volts', values.volts);
const seed = number('seed', values.seed);
const garble = number('garble', values.garble);
const rate = number('rate', values.rate);

let fileWatts = watts ?? 1.0;
let load: (t_ms: number) => number;
let poll: NodeJS.Timeout | undefined;
const loadFile = values['load-file'];
if (loadFile) {
  const refresh = async (): Promise<void> => {
    try {
      const v = Number((await readFile(loadFile, 'utf8')).trim());
      if (Number.isFinite(v) && v >= 0) fileWatts = v;
    } catch {
      // Not written yet: keep the last value.
    }
  };
  await refresh();
  poll = setInterval(() => void refresh(), 20);
  load = () => fileWatts;
} else if (watts !== undefined) {
  load = () => watts;
} else {
  const t0 = performance.timeOrigin + performance.now();
  load = (t) => (((t - t0) / 1000) % 5 < 2 ? 3.0 : 1.2);
}

const emulator = new MeterEmulator({
  type,
  load,
  ...(volts !== undefined ? { volts } : {}),
  ...(seed !== undefined ? { seed } : {}),
  faults: { garbleRate: garble ?? 0, silent: values.silent ?? false },
  ...(rate !== undefined ? { lineRateHz: rate } : {}),
  ...(values.cols !== undefined ? { lineLayout: values.cols } : {}),
  ...(values.dir !== undefined ? { dir: values.dir } : {}),
});

const { hostPath } = await emulator.start();
process.stdout.write(`${hostPath}\n`);
process.stderr.write(`meter: emulated ${type} on ${hostPath} (open it as --meter ${hostPath}:${type}); Ctrl-C to stop\n`);

let stopping = false;
async function shutdown(): Promise<void> {
  if (stopping) return;
  stopping = true;
  clearInterval(poll);
  await emulator.stop();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());

const rl = createInterface({ input: process.stdin, terminal: false });
rl.on('line', (line) => {
  const [cmd, arg] = line.trim().split(/\s+/);
  const reply = (s: string): boolean => process.stderr.write(`meter: ${s}\n`);
  switch (cmd) {
    case 'silent':
      emulator.setSilent(arg !== 'off');
      reply(`silent ${arg !== 'off' ? 'on' : 'off'}`);
      break;
    case 'garble':
      emulator.setGarbleRate(Number(arg) || 0);
      reply(`garble rate ${Number(arg) || 0}`);
      break;
    case 'unplug':
      void emulator.unplug().then(() => reply('unplugged'));
      break;
    case 'replug':
      void emulator.replug().then(({ hostPath: p }) => reply(`plugged in again on ${p}`));
      break;
    case 'stats':
      reply(JSON.stringify(emulator.stats()));
      break;
    case undefined:
    case '':
      break;
    default:
      reply(`unknown command '${line.trim()}' (silent on|off, garble RATE, unplug, replug, stats)`);
  }
});
// Stdin closing (run in the background) is not a reason to stop.
rl.on('close', () => undefined);
