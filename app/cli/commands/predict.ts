/** `predict`: a network's runtime on a device without running it. */
import type { Command } from 'commander';
import { formatPrediction } from '../format.js';
import { intArg, pick, type CliContext } from '../context.js';

export function registerPredict(program: Command, ctx: CliContext): void {
  const { svc, emit } = ctx;
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
}
