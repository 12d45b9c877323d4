/** `fit`: latency (and power) models for a device. */
import type { Command } from 'commander';
import { ProgressBar } from '../progress-bar.js';
import { formatFit } from '../format.js';
import { intArg, pick, type CliContext } from '../context.js';

export function registerFit(program: Command, ctx: CliContext): void {
  const { svc, emit, io, signal } = ctx;
  program
    .command('fit')
    .description("fit latency models for a device: kernel models from sample networks the fit profiles itself (default), or NeuralPower layer models from per-layer profiles (--per-layer, and for devices that have only those)")
    .requiredOption('--device <id>', 'device id')
    .option('--holdout <workloads>', 'comma-separated workloads kept out of the fit, to measure accuracy on them')
    .option('--sample <n>', 'kernel mode: sample networks profiled before the first fit (default 150, plus one large and one tiny-map network per ten); --per-layer: sampled layer configurations (default 150; 0: never)', intArg('--sample'))
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
}
