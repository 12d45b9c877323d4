/** `profile`: time a network's kernels (or layers) on one device or several at once. */
import { Option, type Command } from 'commander';
import { ProgressBar } from '../progress-bar.js';
import { formatProfile } from '../format.js';
import { intArg, numArg, pick, type CliContext } from '../context.js';
import { METER_KINDS, SOURCE_METER_KINDS } from '../../meters/spec.js';

export function registerProfile(program: Command, ctx: CliContext): void {
  const { svc, emit, io, signal } = ctx;
  program
    .command('profile')
    .description('run a network on a device as deployed and time every kernel in place (--per-layer: every layer alone, unfused), into the DB')
    .requiredOption('--device <ids>', "device id from 'labbench devices' (local, gpu0, an adb serial); several, comma-separated, profile at once, one job each")
    .requiredOption('--workload <name>', 'zoo network or NAS space (vgg16, cifar10-6conv, mobilenetv2, spnas-space, ...)')
    .option('--runs <n>', 'measured runs per unit, at least (default 20)', intArg('--runs'))
    .option('--max-runs <n>', 'measured runs per unit, at most (default 500; on this CPU, kernel mode may run the network past it, unprofiled, for up to twice --max-seconds, to keep its overhead small)', intArg('--max-runs'))
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
    .option('--meter <port:type>', `power meter, e.g. /dev/ttyUSB0:um34c (${[...METER_KINDS, ...SOURCE_METER_KINDS].join(', ')}): power and energy per layer`)
    .option('--unplug-timeout <s>', 'phones: how long to wait for an unplugged phone (default 600)', numArg('--unplug-timeout'))
    .option('--hang-timeout <s>', 'phones: a benchmark_model run with no result after this long (plus 4x its expected time) is killed on the phone and retried, twice at most (default 120)', numArg('--hang-timeout'))
    .action(async (o: Record<string, unknown>, cmd: Command) => {
      // Loaded here, where the service has loaded the runners it names: `profile --help` loads neither.
      const { exitStatus, failureLines, parseDeviceList, profileDevices, progressLines } = await import('../profile-devices.js');
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
        ctx.setStatus(exitStatus(outcomes));
        return;
      }
      const bar = new ProgressBar();
      const result = await svc(cmd).profile(
        { ...req, device: ids[0]! },
        { onProgress: (p) => bar.update(p), onWarning: (m) => io.stderr(`warning: ${m}\n`), ...(signal ? { signal } : {}) },
      );
      emit(cmd, result, formatProfile(result));
    });
}
