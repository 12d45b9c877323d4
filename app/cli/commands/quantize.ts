/** `quantize`: LightNN / FLightNN / BinaryConnect / BNN (BinaryNet, XNOR-Net, LightNN-K-bin) training. */
import type { Command } from 'commander';
import { LabbenchError } from '../../api/errors.js';
import { ProgressBar } from '../progress-bar.js';
import { formatQuantize, formatQuantizeSweep } from '../../quantize/report.js';
import type { QuantizeRequest } from '../../api/search.js';
import { intArg, numArg, pick, dataArg, searchHooks, type CliContext } from '../context.js';

export function registerQuantize(program: Command, ctx: CliContext): void {
  const { svc, emit } = ctx;
  const QUANT_SCHEMES: readonly QuantizeRequest['scheme'][] = ['conventional', 'lightnn-1', 'lightnn-2', 'flightnn', 'binaryconnect', 'binarynet', 'xnor', 'lightnn-2-bin', 'lightnn-1-bin'];
  const ACT_REG_TERMS = ['degeneration', 'saturation', 'mismatch'] as const;
  const termsArg = (v: string): NonNullable<QuantizeRequest['actReg']> => {
    const names = v.split(',').map((x) => x.trim()).filter(Boolean);
    const bad = names.filter((n) => !(ACT_REG_TERMS as readonly string[]).includes(n));
    if (!names.length || bad.length) throw new LabbenchError('BAD_INPUT', `--act-reg-terms takes ${ACT_REG_TERMS.join(', ')} (comma-separated), got '${v}'`);
    return names as NonNullable<QuantizeRequest['actReg']>;
  };
  const schemesArg = (v: string): QuantizeRequest['scheme'][] => {
    if (v === 'all') return [...QUANT_SCHEMES];
    const names = v.split(',').map((x) => x.trim()).filter(Boolean);
    const bad = names.filter((n) => !(QUANT_SCHEMES as readonly string[]).includes(n));
    if (!names.length || bad.length) throw new LabbenchError('BAD_INPUT', `--scheme takes ${QUANT_SCHEMES.join(', ')} (comma-separated) or all, got '${v}'`);
    if (new Set(names).size !== names.length) throw new LabbenchError('BAD_INPUT', `--scheme names a scheme twice: '${v}'`);
    return names as QuantizeRequest['scheme'][];
  };

  program
    .command('quantize')
    .description('LightNN: train with power-of-two weights (lightnn-1, lightnn-2, flightnn) or binary ones (binaryconnect), or with binary activations too (binarynet, xnor, lightnn-2-bin, lightnn-1-bin); test error and energy per inference')
    .requiredOption('--model <file|name>', 'a zoo name (mnist-1hidden, mnist-2conv, mnist-3hidden, ...) or a labbench model file')
    .requiredOption('--scheme <schemes>', `weight constraint, or several comma-separated (or all), each its own run, with their accuracy-energy Pareto front: ${QUANT_SCHEMES.join(', ')}`, schemesArg)
    .requiredOption('--data <name>', 'mnist or fashion-mnist', dataArg)
    .option('--epochs <n>', 'quantization-aware training epochs (default 3)', intArg('--epochs'))
    .option('--pretrain-epochs <n>', 'full-precision epochs before (zoo names; default 0)', intArg('--pretrain-epochs'))
    .option('--limit <n>', 'training images used (default: all)', intArg('--limit'))
    .option('--batch-size <n>', 'batch size (default 64)', intArg('--batch-size'))
    .option('--lr <rate>', 'Adam learning rate (default 0.001)', numArg('--lr'))
    .option('--lr-schedule <kind>', 'learning rate over the run: cosine (default), exponential or constant')
    .option('--batch-norm', 'batch norm after every conv and fc layer (zoo names from scratch; default for binaryconnect and the binary-activation schemes)')
    .option('--no-batch-norm', 'no batch norm, binaryconnect and the binary-activation schemes included')
    .option('--final-lr <fraction>', 'last step\'s learning rate as a fraction of --lr (default 0.01)', numArg('--final-lr'))
    .option('--penalty <weight>', 'FLightNN: weight of the two-term filter penalty (default 0.001)', numArg('--penalty'))
    .option('--act-reg', 'binary-activation schemes: add Ding et al.\'s activation-distribution loss, all three terms')
    .option('--act-reg-terms <terms>', 'only these terms of it (comma-separated): degeneration, saturation, mismatch', termsArg)
    .option('--act-reg-weight <w>', 'weight of that loss beside the cross-entropy (default 1)', numArg('--act-reg-weight'))
    .option('--seed <n>', 'seed', intArg('--seed'))
    .action(async (o: Record<string, unknown>, cmd: Command) => {
      const schemes = o.scheme as QuantizeRequest['scheme'][];
      const common = {
        model: o.model as string, data: o.data as 'mnist' | 'fashion-mnist',
        ...(o.actRegTerms || o.actReg ? { actReg: (o.actRegTerms as QuantizeRequest['actReg']) ?? [...ACT_REG_TERMS] } : {}),
        ...pick(o, { actRegWeight: 'actRegWeight', epochs: 'epochs', pretrainEpochs: 'pretrainEpochs', limit: 'limit', batchSize: 'batchSize', lr: 'learningRate', lrSchedule: 'lrSchedule', finalLr: 'finalLearningRate', batchNorm: 'batchNorm', penalty: 'flightnnPenalty', seed: 'seed' }),
      };
      // One scheme prints its run; several print every run and their Pareto front.
      if (schemes.length === 1) {
        const r = await svc(cmd).quantize({ ...common, scheme: schemes[0]! }, searchHooks(new ProgressBar(), ctx.signal));
        emit(cmd, r, formatQuantize(r));
      } else {
        const r = await svc(cmd).quantizeSweep({ ...common, schemes }, searchHooks(new ProgressBar(), ctx.signal));
        emit(cmd, r, formatQuantizeSweep(r));
      }
    });
}
