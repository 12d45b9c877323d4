/** `nas`: Single-Path NAS against a device LUT. */
import type { Command } from 'commander';
import { LabbenchError } from '../../api/errors.js';
import { ProgressBar } from '../progress-bar.js';
import { formatNas, formatNasPoint } from '../format.js';
import { intArg, numArg, pick, type CliContext } from '../context.js';

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
  seeds?: number;
  out?: string;
  resume?: number;
}

export function registerNas(program: Command, ctx: CliContext): void {
  const { svc, emit, io, signal } = ctx;
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
    .option('--seeds <n>', 'train the found network and each baseline with this many seeds (seed, seed + 1, ...): mean, spread, and whether a difference is outside the noise (default 1)', intArg('--seeds'))
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
          ...pick(o, { device: 'device', epochs: 'epochs', trainEpochs: 'trainEpochs', limit: 'limit', resolution: 'resolution', width: 'width', batchSize: 'batchSize', randomBaselines: 'randomBaselines', seed: 'seed', seeds: 'seeds', out: 'outDir', resume: 'resume' }),
          ...(o.baselines === false ? { noBaselines: true } : {}),
        },
        {
          onProgress: (p) => {
            if (p.point) io.stderr(`${formatNasPoint(p.point)}\n`);
            bar.update({ phase: p.done >= p.total ? 'done' : 'units', done: p.done, total: p.total, current: p.phase, ...(p.eta_s !== undefined ? { eta_s: p.eta_s } : {}) }, { partial: !p.point });
          },
          onWarning: (m) => io.stderr(`warning: ${m}\n`),
          ...(signal ? { signal } : {}),
        },
      );
      emit(cmd, r, formatNas(r));
    });
}
