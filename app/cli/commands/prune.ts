/** `prune`: LeGR filter pruning. */
import { Option, type Command } from 'commander';
import { ProgressBar } from '../progress-bar.js';
import { formatPrune } from '../../prune/report.js';
import { intArg, numArg, pick, dataArg, searchHooks, type CliContext } from '../context.js';

export function registerPrune(program: Command, ctx: CliContext): void {
  const { svc, emit } = ctx;
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
    .option('--generations <n>', 'evolution children after the initial population (default: as many as --time-budget allows; 0: the initial population only)', intArg('--generations'))
    .option('--time-budget <s>', 'seconds of evolution, initial population included, when --generations is not given (default 600)', numArg('--time-budget'))
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
          ...pick(o, { device: 'device', epochs: 'epochs', finetuneEpochs: 'finetuneEpochs', finetuneImages: 'finetuneImages', generations: 'generations', timeBudget: 'timeBudget', population: 'population', sample: 'sample', mutate: 'mutateFraction', fitnessImages: 'fitnessImages', fitnessValidation: 'fitnessValidation', limit: 'limit', batchSize: 'batchSize', seed: 'seed', out: 'outDir' }),
          ...(o.baselines === false ? { noBaselines: true } : {}),
        },
        searchHooks(new ProgressBar(), ctx.signal),
      );
      emit(cmd, r, formatPrune(r));
    });
}
