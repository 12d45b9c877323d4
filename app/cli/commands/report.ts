/** `report accuracy`: the device's models against the analytic baseline. */
import type { Command } from 'commander';
import { formatPowerAccuracy } from '../format-power-accuracy.js';
import { formatAccuracy } from '../format.js';
import { type CliContext } from '../context.js';

export function registerReport(program: Command, ctx: CliContext): void {
  const { svc, emit } = ctx;
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
}
