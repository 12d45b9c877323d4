/**
 * `labbench <kind>` for every registered search method without a command file of its own (nas,
 * prune and quantize have theirs: they say `ownCommand` and are registered before this one):
 * its options from its request's fields, a progress bar over its run's points, and its result,
 * one JSON document with `--json`.
 */
import type { Command } from 'commander';
import { ProgressBar } from '../progress-bar.js';
import { searchHooks, type CliContext } from '../context.js';
import { searchOptions } from '../search-options.js';
import { SEARCH_METHODS } from '../../search-methods.js';

/** A result's fields, one a line; a nested value as compact JSON. */
export function formatSearchResult(r: object): string {
  return Object.entries(r)
    .map(([k, v]) => `${k}: ${typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}`)
    .join('\n');
}

export function registerSearchMethods(program: Command, ctx: CliContext): void {
  const { svc, emit } = ctx;
  for (const m of ctx.methods ?? SEARCH_METHODS) {
    const { kind, description } = m.request;
    const taken = program.commands.find((c) => c.name() === kind);
    if (m.request.ownCommand) {
      if (!taken) throw new Error(`search method '${kind}' has a command file of its own (ownCommand), but no command '${kind}' is registered before this one`);
      continue;
    }
    if (taken) throw new Error(`search method '${kind}' has the name of the command '${kind}': rename the method`);
    const cmd = program.command(kind).description(description);
    const request = searchOptions(cmd, m.request);
    cmd.action(async (o: Record<string, unknown>, c: Command) => {
      const r = await svc(c).runSearch(kind, request(o), searchHooks(new ProgressBar(), ctx.signal));
      emit(c, r, formatSearchResult(r));
    });
  }
}
