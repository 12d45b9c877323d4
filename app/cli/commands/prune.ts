/** `prune`: LeGR filter pruning; options from the method's request spec. */
import type { Command } from 'commander';
import { PRUNE_REQUEST, type PruneRequest } from '../../api/search-requests.js';
import { ProgressBar } from '../progress-bar.js';
import { formatPrune } from '../../prune/report.js';
import { searchHooks, type CliContext } from '../context.js';
import { searchOptions } from '../search-options.js';

export function registerPrune(program: Command, ctx: CliContext): void {
  const { svc, emit } = ctx;
  const cmd = program.command('prune').description(PRUNE_REQUEST.description);
  const request = searchOptions(cmd, PRUNE_REQUEST, { defaults: { metric: 'flops' } });
  cmd.action(async (o: Record<string, unknown>, c: Command) => {
    const r = await svc(c).prune(request(o) as PruneRequest, searchHooks(new ProgressBar(), ctx.signal));
    emit(c, r, formatPrune(r));
  });
}
