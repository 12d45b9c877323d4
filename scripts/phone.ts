// `npm run phone`: an emulated Pixel for working on the bench without a phone. Starts an
// EmulatedPhone on loopback, makes sure an adb server runs on ANDROID_ADB_SERVER_PORT
// (default 5037; Debian's `adb -P <port> server nodaemon` is started if nothing listens),
// `adb connect`s the phone and prints its serial (127.0.0.1:PORT) on a line of its own on
// stdout; everything else goes to stderr. Runs until SIGINT/SIGTERM, then disconnects and
// stops what it started.
//
//   npm run phone -- [--port N] [--time-scale X] [--seed N] [--model "Pixel 2"] [--rooted] [--power-file PATH]
//                    [--benchmark-flavor classic|modern] [--no-benchmark-model] [--ambient C]
//                    [--benchmark-hangs N] [--raw-shell-pipes]
//
// Faults for trying the bench's handling: `--benchmark-hangs N` makes the next N benchmark_model
// runs hang until killed; `--raw-shell-pipes` makes a closed adb session leave them running.

import { parseArgs } from 'node:util';
import { EmulatedPhone } from '../test/peers/adb-phone/index.js';
import { adbCli, isListening, startAdbServer, type AdbServer } from '../test/peers/adb-phone/adb-server.js';

function fail(message: string): never {
  process.stderr.write(`phone: ${message}\n`);
  process.exit(2);
}

function number(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n)) fail(`--${name} wants a number, got '${value}'`);
  return n;
}

async function main(): Promise<void> {
  let args;
  try {
    args = parseArgs({
      options: {
        port: { type: 'string' },
        'time-scale': { type: 'string' },
        seed: { type: 'string' },
        model: { type: 'string' },
        rooted: { type: 'boolean' },
        'benchmark-flavor': { type: 'string' },
        'no-benchmark-model': { type: 'boolean' },
        ambient: { type: 'string' },
        'power-file': { type: 'string' },
        'benchmark-hangs': { type: 'string' },
        'raw-shell-pipes': { type: 'boolean' },
      },
      strict: true,
    }).values;
  } catch (err) {
    fail((err as Error).message);
  }
  const model = args.model ?? 'Pixel';
  if (model !== 'Pixel' && model !== 'Pixel 2') fail(`--model is 'Pixel' or 'Pixel 2', not '${model}'`);
  const flavor = args['benchmark-flavor'] ?? 'classic';
  if (flavor !== 'classic' && flavor !== 'modern') fail(`--benchmark-flavor is 'classic' or 'modern', not '${flavor}'`);
  const port = number(args.port, 'port', 0);
  if (port >= 5555 && port <= 5585) fail('keep --port outside 5555-5585: the adb server scans that range for emulators by itself');
  const timeScale = number(args['time-scale'], 'time-scale', 1);
  if (!(timeScale > 0)) fail('--time-scale must be > 0');

  const phone = new EmulatedPhone({
    model,
    timeScale,
    seed: number(args.seed, 'seed', 1),
    rooted: args.rooted ?? false,
    benchmarkFlavor: flavor,
    benchmarkModelInstalled: !args['no-benchmark-model'],
    ambientC: number(args.ambient, 'ambient', 25),
    rawShellPipes: args['raw-shell-pipes'] ?? false,
  });
  const hangs = number(args['benchmark-hangs'], 'benchmark-hangs', 0);
  if (!(hangs >= 0)) fail('--benchmark-hangs must be >= 0');
  phone.faults.benchmarkHangs = hangs;
  const phonePort = await phone.start(port);
  // For demos with an emulated meter: `npm run meter -- --type um34c --load-file PATH` reads
  // the phone's power draw from this file, so the meter sees the phone work.
  const powerFile = args['power-file'];
  if (powerFile) {
    const { writeFileSync, renameSync } = await import('node:fs');
    setInterval(() => {
      writeFileSync(`${powerFile}.tmp`, `${phone.physics.powerW().toFixed(4)}\n`);
      renameSync(`${powerFile}.tmp`, powerFile);
    }, 50).unref();
  }

  const adbPort = number(process.env.ANDROID_ADB_SERVER_PORT, 'ANDROID_ADB_SERVER_PORT', 5037);
  const home = process.env.HOME ?? '/tmp';
  let ownServer: AdbServer | null = null;
  if (!(await isListening(adbPort))) {
    process.stderr.write(`phone: no adb server on port ${adbPort}; starting adb -P ${adbPort} server nodaemon\n`);
    ownServer = await startAdbServer({ port: adbPort, home });
  }
  const connected = await adbCli(adbPort, home, ['connect', `127.0.0.1:${phonePort}`]);
  if (connected.code !== 0 || /unable|failed|cannot/i.test(connected.stdout)) {
    await phone.stop();
    await ownServer?.stop();
    fail(`adb connect failed: ${(connected.stdout + connected.stderr).trim()}`);
  }
  process.stderr.write(`phone: ${model} (${phone.spec.cores.length} cores, timeScale ${timeScale}, benchmark_model ${flavor}) on 127.0.0.1:${phonePort}, adb server port ${adbPort}\n`);
  process.stdout.write(`${phone.serial}\n`);

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`phone: ${signal}, disconnecting\n`);
    await adbCli(adbPort, home, ['disconnect', phone.serial]);
    await phone.stop();
    await ownServer?.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(`phone: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
