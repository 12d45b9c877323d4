/**
 * The `labbench` command line (DESIGN.md's contract): every command takes `--db` and
 * `--json`; with `--json` stdout carries exactly one JSON document, progress goes to stderr.
 * Exit status: 0 ok, 2 bad input, 1 device or machine failure, 130 cancelled.
 */
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import { basename } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { LabbenchError, exitCodeFor, serializeError } from '../api/errors.js';
import { LocalLabService, defaultDbPath } from '../lab-service.js';
import { ProgressBar } from './progress-bar.js';
import { formatPrune } from '../prune/report.js';
import { formatQuantize, formatQuantizeSweep } from '../quantize/report.js';
import type { QuantizeRequest } from '../api/search.js';
import { watchPhones } from '../devices/adb/phone-watcher.js';
import { createAdbClient } from '../devices/adb/adb-shell.js';
import { adbServerAddress, adbServerSocket, formatAdbServer, isLocalAdbServer } from '../devices/adb/adb-server-address.js';
import { exitStatus, failureLines, parseDeviceList, profileDevices, progressLines } from './profile-devices.js';
import { formatAccuracy, formatDevices, formatFit, formatLut, formatNas, formatNasPoint, formatPrediction, formatProfile } from './format.js';
import { formatPowerAccuracy } from './format-power-accuracy.js';

export interface CliIo {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
}

interface NasCliOptions {
  device?: string;
  lut?: string;
  targetMs: number;
  data: string;
  epochs?: number;
  trainEpochs?: number;
  limit?: number;
  resolution?: number;
  width?: number;
  batchSize?: number;
  randomBaselines?: number;
  baselines?: boolean;
  seed?: number;
  out?: string;
  resume?: number;
}

interface GlobalOpts {
  db?: string;
  json?: boolean;
  adbHost?: string;
  adbPort?: string;
}

function intArg(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new LabbenchError('BAD_INPUT', `${name} must be a whole number, got '${v}'`);
    return n;
  };
}

function numArg(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new LabbenchError('BAD_INPUT', `${name} must be a positive number, got '${v}'`);
    return n;
  };
}

/** Runs one command line; resolves to the exit status instead of exiting, so tests can call it. */
export async function runCli(argv: readonly string[], io: CliIo, signal?: AbortSignal): Promise<number> {
  let json = argv.includes('--json');
  /** A command that ends with a status of its own (several devices, some failed) sets it here. */
  let status = 0;
  let service: LocalLabService | undefined;
  const savedSocket = process.env.ADB_SERVER_SOCKET;
  const svc = (cmd: Command): LocalLabService => {
    const g = cmd.optsWithGlobals<GlobalOpts>();
    json = Boolean(g.json);
    service ??= new LocalLabService(g.db ?? defaultDbPath());
    return service;
  };
  const emit = (cmd: Command, value: unknown, human: string): void => {
    io.stdout(cmd.optsWithGlobals<GlobalOpts>().json ? `${JSON.stringify(value, null, 2)}\n` : `${human}\n`);
  };

  const program = new Command('labbench')
    .description('A lab bench for hardware-aware ML: per-layer latency LUTs, prediction, NAS and pruning')
    .option('--db <path>', 'profiles DB (default $LABBENCH_DB or ~/.labbench/profiles.db)')
    .option('--json', 'print one JSON document on stdout')
    .option('-H, --adb-host <host>', 'adb server host, as adb -H (default $ADB_SERVER_SOCKET, $ANDROID_ADB_SERVER_ADDRESS, localhost): a phone farm\'s server')
    .option('-P, --adb-port <port>', 'adb server port, as adb -P (default $ANDROID_ADB_SERVER_PORT or 5037)')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError(false);

  // -H/-P name the adb server for everything this command does (phones, meters on phones, the
  // server's watcher), as adb's own flags do: they override the environment, for this command only.
  program.hook('preAction', (_program, action) => {
    const g = action.optsWithGlobals<GlobalOpts>();
    if (g.adbHost === undefined && g.adbPort === undefined) return;
    process.env.ADB_SERVER_SOCKET = adbServerSocket(adbServerAddress(process.env, { ...(g.adbHost !== undefined ? { host: g.adbHost } : {}), ...(g.adbPort !== undefined ? { port: g.adbPort } : {}) }));
  });

  const devices = program
    .command('devices')
    .description("list profiling targets: this host's CPU ('local'), NVIDIA GPUs, phones the adb server sees")
    .option('--watch', 'then print phones as they come and go (one JSON object a line with --json), until Ctrl-C')
    .action(async (o: { watch?: boolean }, cmd: Command) => {
      const list = await svc(cmd).listDevices();
      const asJson = Boolean(cmd.optsWithGlobals<GlobalOpts>().json);
      if (!o.watch) return emit(cmd, list, formatDevices(list));
      // Watching streams JSON Lines: the list first, then one event a line.
      io.stdout(asJson ? `${JSON.stringify(list)}\n` : `${formatDevices(list)}\n`);
      const server = adbServerAddress();
      const remote = isLocalAdbServer(server) ? undefined : formatAdbServer(server);
      await new Promise<void>((resolve) => {
        const stop = watchPhones(createAdbClient(server), (c) => {
          io.stdout(asJson ? `${JSON.stringify({ event: c.type, id: c.id, state: c.state, at: new Date().toISOString(), ...(remote ? { adb_server: remote } : {}) })}\n` : `${c.type === 'added' ? '+' : '-'} ${c.id} (${c.state}${remote ? `, via adb server ${remote}` : ''})\n`);
        }, signal ? { signal } : {});
        signal?.addEventListener('abort', () => {
          stop();
          resolve();
        }, { once: true });
      });
    });
  devices
    .command('connect')
    .description('join a remote phone with adb connect (phone farms, emulators)')
    .argument('<host:port>')
    .action(async (hostPort: string, _o, cmd: Command) => {
      const phone = await svc(cmd).connectPhone(hostPort);
      emit(cmd, phone, `connected ${phone.id} (${phone.label})`);
    });

  program
    .command('profile')
    .description('run a network on a device as deployed and time every kernel in place (--per-layer: every layer alone, unfused), into the DB')
    .requiredOption('--device <ids>', "device id from 'labbench devices' (local, gpu0, an adb serial); several, comma-separated, profile at once, one job each")
    .requiredOption('--workload <name>', 'zoo network or NAS space (vgg16, cifar10-6conv, mobilenetv2, spnas-space, ...)')
    .option('--runs <n>', 'measured runs per unit, at least (default 20)', intArg('--runs'))
    .option('--max-runs <n>', 'measured runs per unit, at most (default 500)', intArg('--max-runs'))
    .option('--warmup <n>', 'warm-up runs per unit (default 5)', intArg('--warmup'))
    .option('--threads <n>', 'intra-op threads (default 1)', intArg('--threads'))
    .option('--resolution <px>', 'input height and width (default: the network’s own)', intArg('--resolution'))
    .option('--batch <n>', 'batch size (default 1)', intArg('--batch'))
    .option('--target-ci <fraction>', 'stop a unit once the 95% CI half-width is within this fraction of the median (default 0.02)', numArg('--target-ci'))
    .option('--max-seconds <s>', 'measuring time per unit, at most (default 3)', numArg('--max-seconds'))
    .option('--per-layer', 'research mode: every layer alone and unfused (graph optimization off, XNNPACK off), not the deployed kernels')
    .addOption(new Option('--graph-opt <level>', 'onnxruntime graph optimization level (default all, as deployed; disabled with --per-layer)').choices(['disabled', 'basic', 'extended', 'all']))
    .option('--fresh', 'start a new run instead of resuming an interrupted one')
    .option('--canary-every <n>', 'measure a canary layer every N units; re-measure units when it drifts (default 8 on phones, off here)', intArg('--canary-every'))
    .option('--canary-drift <fraction>', 'canary drift that flags units (default 0.05)', numArg('--canary-drift'))
    .addOption(new Option('--delegate <name>', 'phones: TFLite delegate (default xnnpack; cpu with --per-layer)').choices(['cpu', 'xnnpack', 'gpu', 'nnapi']))
    .option('--cores <mask>', 'phones: taskset core mask in hex (f0 = cores 4-7)')
    .option('--cool-below <celsius>', 'phones: wait before each unit until the hottest zone is below this (default 45)', numArg('--cool-below'))
    .option('--inner-runs <n>', 'phones: benchmark_model runs per sample (default 10)', intArg('--inner-runs'))
    .option('--benchmark-binary <path>', "phones: benchmark_model to push when the phone has none")
    .option('--meter <port:type>', 'power meter, e.g. /dev/ttyUSB0:um34c (um24c, um25c, um34c, ppk2, line): power and energy per layer')
    .option('--unplug-timeout <s>', 'phones: how long to wait for an unplugged phone (default 600)', numArg('--unplug-timeout'))
    .option('--hang-timeout <s>', 'phones: a benchmark_model run with no result after this long (plus 4x its expected time) is killed on the phone and retried, twice at most (default 120)', numArg('--hang-timeout'))
    .action(async (o: Record<string, unknown>, cmd: Command) => {
      const ids = parseDeviceList(o.device as string);
      const req = {
        workload: o.workload as string,
        ...(o.perLayer ? { mode: 'layers' as const } : {}),
        ...pick(o, { runs: 'runs', maxRuns: 'maxRuns', warmup: 'warmup', threads: 'threads', resolution: 'resolution', batch: 'batch', targetCi: 'targetRelCi', maxSeconds: 'maxSecondsPerUnit', graphOpt: 'graphOptimization', fresh: 'fresh', canaryEvery: 'canaryEvery', canaryDrift: 'canaryDrift', delegate: 'delegate', cores: 'coreMask', coolBelow: 'coolBelowC', innerRuns: 'innerRuns', benchmarkBinary: 'benchmarkBinary', unplugTimeout: 'unplugTimeoutS', hangTimeout: 'hangTimeoutS', meter: 'meter' }),
      };
      if (ids.length > 1) {
        // A rack: one job per device at once; the document lists every device's outcome.
        const outcomes = await profileDevices(svc(cmd), ids, req, { onProgress: progressLines(io.stderr), onWarning: (d, m) => io.stderr(`warning: [${d}] ${m}\n`), ...(signal ? { signal } : {}) });
        for (const line of failureLines(outcomes)) io.stderr(`${line}\n`);
        emit(cmd, { profiles: outcomes }, outcomes.map((r) => (r.status === 'done' ? formatProfile(r.result) : `${r.device}: ${r.status}: ${r.error.message}`)).join('\n\n'));
        status = exitStatus(outcomes);
        return;
      }
      const bar = new ProgressBar();
      const result = await svc(cmd).profile(
        { ...req, device: ids[0]! },
        { onProgress: (p) => bar.update(p), onWarning: (m) => io.stderr(`warning: ${m}\n`), ...(signal ? { signal } : {}) },
      );
      emit(cmd, result, formatProfile(result));
    });

  program
    .command('meter')
    .description('power meters')
    .command('read')
    .description('stream readings from a meter: one line per reading (W), then a summary')
    .requiredOption('--meter <port:type>', 'e.g. /dev/ttyUSB0:um34c, /dev/ttyACM0:ppk2,v=3.7, /dev/ttyUSB1:line,cols=ms+mv+ma')
    .option('--seconds <s>', 'how long to read (default 5)', numArg('--seconds'))
    .action(async (o: { meter: string; seconds?: number }, cmd: Command) => {
      const json = Boolean(cmd.optsWithGlobals<GlobalOpts>().json);
      const t0 = performance.timeOrigin + performance.now();
      const r = await svc(cmd).readMeter(o.meter, o.seconds ?? 5, {
        ...(signal ? { signal } : {}),
        onSample: (s) => {
          if (!json) io.stdout(`${((s.t_ms - t0) / 1000).toFixed(3)} s  ${s.watts.toFixed(4)} W${s.volts !== undefined ? `  ${s.volts.toFixed(3)} V` : ''}${s.amps !== undefined ? `  ${s.amps.toFixed(4)} A` : ''}\n`);
        },
      });
      emit(cmd, r, `${r.n} readings at ${r.rate_hz.toFixed(1)}/s: mean ${r.mean_w.toFixed(4)} W, sd ${r.sd_w.toFixed(4)} W; ${r.dropped} dropped${r.errors.length ? `; ${r.errors.join('; ')}` : ''}`);
    });

  program
    .command('fit')
    .description("fit latency models for a device: kernel models from sample networks the fit profiles itself (default), or NeuralPower layer models from per-layer profiles (--per-layer, and for devices that have only those)")
    .requiredOption('--device <id>', 'device id')
    .option('--holdout <workloads>', 'comma-separated workloads kept out of the fit, to measure accuracy on them')
    .option('--sample <n>', 'kernel mode: sample networks profiled before the first fit (default 150); --per-layer: sampled layer configurations (default 150; 0: never)', intArg('--sample'))
    .option('--rounds <n>', 'kernel mode: further sampling rounds where the cross-validated error stays high (default 2)', intArg('--rounds'))
    .option('--per-round <n>', 'kernel mode: sample networks per further round (default 60)', intArg('--per-round'))
    .option('--per-layer', 'NeuralPower on per-layer profiles instead of kernel models')
    .option('--meter <port:type>', 'kernel mode: meter sample networks too, and fit the power of each kind of kernel')
    .option('--meter-networks <n>', 'with --meter: how many sample networks to meter (default 20)', intArg('--meter-networks'))
    .option('--min-rows <n>', '--per-layer: profile the sample only when the LUT has fewer rows than this', intArg('--min-rows'))
    .action(async (o: { device: string; holdout?: string; sample?: number; minRows?: number; rounds?: number; perRound?: number; perLayer?: boolean; meter?: string; meterNetworks?: number }, cmd: Command) => {
      const bar = new ProgressBar();
      const r = await svc(cmd).fit(
        {
          device: o.device,
          ...(o.holdout ? { holdout: o.holdout.split(',').filter(Boolean) } : {}),
          ...(o.perLayer ? { mode: 'layers' as const } : {}),
          ...pick(o, { sample: 'sample', minRows: 'minRows', rounds: 'rounds', perRound: 'perRound', meter: 'meter', meterNetworks: 'meterNetworks' }),
        },
        { onProgress: (p) => bar.update(p), onWarning: (m) => io.stderr(`warning: ${m}\n`), ...(signal ? { signal } : {}) },
      );
      emit(cmd, r, formatFit(r));
    });

  program
    .command('predict')
    .description('predict the runtime of a network on a device: per kernel as its runtime would run them (kernel models), or per layer (NeuralPower: LUT rows where measured, the model elsewhere)')
    .requiredOption('--device <id>', 'device id')
    .requiredOption('--workload <name>', 'zoo network or FILE.onnx')
    .option('--resolution <px>', 'input height and width', intArg('--resolution'))
    .option('--batch <n>', 'batch size', intArg('--batch'))
    .option('--model-only', 'ignore LUT rows: every layer from the model')
    .action(async (o: { device: string; workload: string; resolution?: number; batch?: number; modelOnly?: boolean }, cmd: Command) => {
      const r = await svc(cmd).predict({ device: o.device, workload: o.workload, ...pick(o, { resolution: 'resolution', batch: 'batch', modelOnly: 'modelOnly' }) });
      emit(cmd, r, formatPrediction(r));
    });

  program
    .command('report')
    .description('reports')
    .command('accuracy')
    .description("the device's model against the analytic baseline: cross-validated error per kernel kind (or RMSPE per layer type) and per network it never saw; power and energy too where a meter measured them")
    .requiredOption('--device <id>', 'device id')
    .action(async (o: { device: string }, cmd: Command) => {
      const r = await svc(cmd).reportAccuracy(o.device);
      emit(cmd, r, formatAccuracy(r) + formatPowerAccuracy(r));
    });

  program
    .command('nas')
    .description('Single-Path NAS against a device LUT: search a network that meets --target-ms, train it and baselines at the same latency')
    .option('--device <id>', 'a device whose LUT has the spnas-space rows')
    .option('--lut <file>', 'a LUT file instead (e.g. the public Pixel 1 LUT, or ProxylessNAS’s mobile_trim.yaml)')
    .requiredOption('--target-ms <ms>', 'latency target on the device, ms', numArg('--target-ms'))
    .requiredOption('--data <name>', 'training data: mnist or fashion-mnist')
    .option('--epochs <n>', 'search epochs (default 4)', intArg('--epochs'))
    .option('--train-epochs <n>', 'epochs to train the found network and each baseline (default 4)', intArg('--train-epochs'))
    .option('--limit <n>', 'training images used (default: all)', intArg('--limit'))
    .option('--resolution <px>', 'proxy image size (default 28)', intArg('--resolution'))
    .option('--width <f>', 'proxy channel multiplier (default 0.25)', numArg('--width'))
    .option('--batch-size <n>', 'batch size (default 64)', intArg('--batch-size'))
    .option('--random-baselines <n>', 'random architectures at the same latency to train (default 2)', intArg('--random-baselines'))
    .option('--no-baselines', 'train only the found network')
    .option('--seed <n>', 'seed', intArg('--seed'))
    .option('--out <dir>', 'write the found network at the LUT resolution as ONNX and TFLite here')
    .option('--resume <run>', 'resume a stopped NAS run from its checkpoint', intArg('--resume'))
    .action(async (o: NasCliOptions, cmd: Command) => {
      if (o.data !== 'mnist' && o.data !== 'fashion-mnist') throw new LabbenchError('BAD_INPUT', `--data must be mnist or fashion-mnist, got '${o.data}'`);
      const bar = new ProgressBar();
      const r = await svc(cmd).nas(
        {
          targetMs: o.targetMs,
          data: o.data,
          ...(o.lut ? { lutFile: o.lut } : {}),
          ...pick(o, { device: 'device', epochs: 'epochs', trainEpochs: 'trainEpochs', limit: 'limit', resolution: 'resolution', width: 'width', batchSize: 'batchSize', randomBaselines: 'randomBaselines', seed: 'seed', out: 'outDir', resume: 'resume' }),
          ...(o.baselines === false ? { noBaselines: true } : {}),
        },
        {
          onProgress: (p) => {
            if (p.point) io.stderr(`${formatNasPoint(p.point)}\n`);
            if (p.point || process.stderr.isTTY) bar.update({ phase: p.done >= p.total ? 'done' : 'units', done: Math.floor(p.done), total: p.total, current: p.phase, ...(p.eta_s !== undefined ? { eta_s: p.eta_s } : {}) });
          },
          onWarning: (m) => io.stderr(`warning: ${m}\n`),
          ...(signal ? { signal } : {}),
        },
      );
      emit(cmd, r, formatNas(r));
    });

  const lut = program.command('lut').description('lookup tables: show, export, import');
  lut
    .command('show')
    .description("a device's LUT")
    .requiredOption('--device <ref>', 'device key (local, pixel1) or key@fingerprint')
    .action(async (o: { device: string }, cmd: Command) => {
      const view = await svc(cmd).lutShow(o.device);
      emit(cmd, view, formatLut(view));
    });
  lut
    .command('export')
    .description("write a device's LUT to a file (versioned JSON with a checksum, or CSV)")
    .requiredOption('--device <ref>', 'device key or key@fingerprint')
    .requiredOption('--out <file>', 'file to write')
    .addOption(new Option('--format <fmt>', 'file format').choices(['json', 'csv']).default('json'))
    .action(async (o: { device: string; out: string; format: 'json' | 'csv' }, cmd: Command) => {
      const text = await svc(cmd).lutExport(o.device, o.format);
      // Written beside the target and renamed, so a crash never leaves half a file under its name.
      const tmp = `${o.out}.partial-${process.pid}`;
      writeFileSync(tmp, text);
      renameSync(tmp, o.out);
      emit(cmd, { device: o.device, out: o.out, format: o.format, bytes: Buffer.byteLength(text) }, `wrote ${o.out}`);
    });
  lut
    .command('import')
    .description('import a LUT file (labbench JSON, the Single-Path NAS authors’ runtime-model JSON, or a Once-for-All / ProxylessNAS YAML latency table)')
    .argument('<file>')
    .option('--as <key>', 'device key for a file that does not name its device (default: from the file name)')
    .action(async (file: string, o: { as?: string }, cmd: Command) => {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (e) {
        throw new LabbenchError('BAD_INPUT', `${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      }
      const r = await svc(cmd).lutImport(text, basename(file), o.as ? { deviceKey: o.as } : {});
      const notes = r.notes.map((n) => `\nnote: ${n}`).join('');
      emit(cmd, r, `imported ${r.inserted + r.replaced} entries for ${r.device.key}@${r.device.fingerprint_hash} (${r.inserted} new, ${r.replaced} replaced, ${r.kept_local} local kept)${notes}`);
    });

  program
    .command('serve')
    .description('the lab UI and its API for a browser (127.0.0.1 by default; every API call needs the printed token)')
    .option('--port <n>', 'port (default 0: a free one)', intArg('--port'))
    .option('--host <address>', 'address to bind (default 127.0.0.1; 0.0.0.0 for other machines of the lab)')
    .option('--allow-host <name...>', 'DNS names the server answers to besides IP addresses and localhost')
    .action(async (o: { port?: number; host?: string; allowHost?: string[] }, cmd: Command) => {
      // Loaded on demand: the server's modules (ws, the UI's method table) slow no other command.
      const { serve } = await import('../server/serve.js');
      await serve(svc(cmd), { ...pick(o, { port: 'port', host: 'host', allowHost: 'allowHosts' }) }, io, signal);
    });

  const dataArg = (v: string): 'mnist' | 'fashion-mnist' => {
    if (v !== 'mnist' && v !== 'fashion-mnist') throw new LabbenchError('BAD_INPUT', `--data must be mnist or fashion-mnist, got '${v}'`);
    return v;
  };
  const QUANT_SCHEMES: readonly QuantizeRequest['scheme'][] = ['conventional', 'lightnn-1', 'lightnn-2', 'flightnn', 'binaryconnect'];
  const schemesArg = (v: string): QuantizeRequest['scheme'][] => {
    if (v === 'all') return [...QUANT_SCHEMES];
    const names = v.split(',').map((x) => x.trim()).filter(Boolean);
    const bad = names.filter((n) => !(QUANT_SCHEMES as readonly string[]).includes(n));
    if (!names.length || bad.length) throw new LabbenchError('BAD_INPUT', `--scheme takes ${QUANT_SCHEMES.join(', ')} (comma-separated) or all, got '${v}'`);
    if (new Set(names).size !== names.length) throw new LabbenchError('BAD_INPUT', `--scheme names a scheme twice: '${v}'`);
    return names as QuantizeRequest['scheme'][];
  };
  const searchHooks = (bar: ProgressBar) => ({
    onProgress: (p: { point: { phase: string; epoch: number; epochs: number } }) =>
      bar.update({ phase: p.point.epoch >= p.point.epochs && p.point.phase.startsWith('finetune') ? 'done' : 'units', done: p.point.epoch, total: p.point.epochs, current: p.point.phase }),
    ...(signal ? { signal } : {}),
  });

  program
    .command('prune')
    .description('LeGR: learn one global filter ranking, prune to each budget (FLOPs or device latency), against uniform and global-norm baselines')
    .requiredOption('--model <file|name>', 'a labbench model file, or a zoo name trained first on --data (cached): mnist-vgg, mnist-resnet, mnist-2conv, ...')
    .requiredOption('--budget <fractions>', 'fractions of the cost to keep, comma-separated, e.g. 0.3,0.5,0.7', (v: string) => v.split(',').filter(Boolean).map(Number))
    .addOption(new Option('--metric <metric>', 'what the budget limits').choices(['flops', 'latency']).default('flops'))
    .option('--device <id>', 'device whose LUT and models predict latency (needed for --metric latency; pruned nets are then measured on it)')
    .requiredOption('--data <name>', 'mnist or fashion-mnist', dataArg)
    .option('--epochs <n>', 'epochs to train a zoo model first (default 3)', intArg('--epochs'))
    .option('--finetune-epochs <n>', 'fine-tune epochs of each final pruned net (default 1)', intArg('--finetune-epochs'))
    .option('--finetune-images <n>', 'instead of epochs: fine-tune each final pruned net on this many training images, one pass', intArg('--finetune-images'))
    .option('--generations <n>', 'evolution children after the initial population (default 0)', intArg('--generations'))
    .option('--population <n>', 'evolution population (default 64, as LeGR)', intArg('--population'))
    .option('--sample <n>', 'tournament sample (default 16)', intArg('--sample'))
    .option('--mutate <fraction>', 'fraction of layers mutated per child (default 0.1)', numArg('--mutate'))
    .option('--fitness-images <n>', 'training images of the short fine-tune per candidate (default 1280)', intArg('--fitness-images'))
    .option('--fitness-validation <n>', 'validation images that score a candidate (default 1000)', intArg('--fitness-validation'))
    .option('--limit <n>', 'training images used (default: all)', intArg('--limit'))
    .option('--batch-size <n>', 'batch size (default 64)', intArg('--batch-size'))
    .option('--seed <n>', 'seed', intArg('--seed'))
    .option('--no-baselines', 'LeGR only')
    .option('--out <dir>', 'write every pruned net as ONNX and TFLite here (with --metric latency they are measured on the device either way)')
    .action(async (o: Record<string, unknown>, cmd: Command) => {
      const budgets = o.budget as number[];
      const r = await svc(cmd).prune(
        {
          model: o.model as string, budgets, metric: o.metric as 'flops' | 'latency', data: o.data as 'mnist' | 'fashion-mnist',
          ...pick(o, { device: 'device', epochs: 'epochs', finetuneEpochs: 'finetuneEpochs', finetuneImages: 'finetuneImages', generations: 'generations', population: 'population', sample: 'sample', mutate: 'mutateFraction', fitnessImages: 'fitnessImages', fitnessValidation: 'fitnessValidation', limit: 'limit', batchSize: 'batchSize', seed: 'seed', out: 'outDir' }),
          ...(o.baselines === false ? { noBaselines: true } : {}),
        },
        searchHooks(new ProgressBar()),
      );
      emit(cmd, r, formatPrune(r));
    });

  program
    .command('quantize')
    .description('LightNN: train with power-of-two weights (lightnn-1, lightnn-2, flightnn) or binary ones (binaryconnect); test error and energy per inference')
    .requiredOption('--model <file|name>', 'a zoo name (mnist-1hidden, mnist-2conv, mnist-3hidden, ...) or a labbench model file')
    .requiredOption('--scheme <schemes>', `weight constraint, or several comma-separated (or all), each its own run, with their accuracy-energy Pareto front: ${QUANT_SCHEMES.join(', ')}`, schemesArg)
    .requiredOption('--data <name>', 'mnist or fashion-mnist', dataArg)
    .option('--epochs <n>', 'quantization-aware training epochs (default 3)', intArg('--epochs'))
    .option('--pretrain-epochs <n>', 'full-precision epochs before (zoo names; default 0)', intArg('--pretrain-epochs'))
    .option('--limit <n>', 'training images used (default: all)', intArg('--limit'))
    .option('--batch-size <n>', 'batch size (default 64)', intArg('--batch-size'))
    .option('--lr <rate>', 'Adam learning rate (default 0.001)', numArg('--lr'))
    .option('--lr-schedule <kind>', 'learning rate over the run: cosine (default), exponential or constant')
    .option('--batch-norm', 'batch norm after every conv and fc layer (zoo names from scratch; default for binaryconnect only)')
    .option('--no-batch-norm', 'no batch norm, binaryconnect included')
    .option('--final-lr <fraction>', 'last step\'s learning rate as a fraction of --lr (default 0.01)', numArg('--final-lr'))
    .option('--penalty <weight>', 'FLightNN: weight of the two-term filter penalty (default 0.001)', numArg('--penalty'))
    .option('--seed <n>', 'seed', intArg('--seed'))
    .action(async (o: Record<string, unknown>, cmd: Command) => {
      const schemes = o.scheme as QuantizeRequest['scheme'][];
      const common = {
        model: o.model as string, data: o.data as 'mnist' | 'fashion-mnist',
        ...pick(o, { epochs: 'epochs', pretrainEpochs: 'pretrainEpochs', limit: 'limit', batchSize: 'batchSize', lr: 'learningRate', lrSchedule: 'lrSchedule', finalLr: 'finalLearningRate', batchNorm: 'batchNorm', penalty: 'flightnnPenalty', seed: 'seed' }),
      };
      // One scheme prints its run; several print every run and their Pareto front.
      if (schemes.length === 1) {
        const r = await svc(cmd).quantize({ ...common, scheme: schemes[0]! }, searchHooks(new ProgressBar()));
        emit(cmd, r, formatQuantize(r));
      } else {
        const r = await svc(cmd).quantizeSweep({ ...common, schemes }, searchHooks(new ProgressBar()));
        emit(cmd, r, formatQuantizeSweep(r));
      }
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return status;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version are not errors; everything else commander rejects is a usage error.
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.help' || e.code === 'commander.version') return 0;
      return 2;
    }
    const err = e instanceof Error && 'cause' in e && e.cause instanceof LabbenchError && !(e instanceof LabbenchError) ? e.cause : e;
    const code = exitCodeFor(err);
    io.stderr(`labbench: ${serializeError(err).message}\n`);
    if (json) io.stdout(`${JSON.stringify({ error: serializeError(err) }, null, 2)}\n`);
    if (!(err instanceof LabbenchError) && err instanceof Error && err.stack && process.env.LABBENCH_DEBUG) io.stderr(`${err.stack}\n`);
    return code;
  } finally {
    service?.close();
    if (savedSocket === undefined) delete process.env.ADB_SERVER_SOCKET;
    else process.env.ADB_SERVER_SOCKET = savedSocket;
  }
}

/** Copies the options that were given, renamed to the request's field names. */
function pick(o: object, names: Record<string, string>): Record<string, unknown> {
  const src = o as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [from, to] of Object.entries(names)) if (src[from] !== undefined) out[to] = src[from];
  return out;
}
