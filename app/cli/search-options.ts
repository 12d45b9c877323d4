/**
 * A search method's CLI options, derived from its request spec (app/api/search-method.ts):
 * one option per field, named by its flag, parsed by its type, and the parsed options mapped
 * back to the request's keys. A command takes over the fields it shows otherwise (quantize's
 * list of schemes) and keeps its own formatting of the result.
 */
import { Option, type Command } from 'commander';
import { LabbenchError } from '../api/errors.js';
import { searchFields, type SearchField, type SearchRequestSpec } from '../api/search-method.js';
import { intArg, numArg } from './context.js';

function parser(f: SearchField): ((v: string) => unknown) | undefined {
  const flag = `--${f.flag}`;
  const choices = f.choices ?? [];
  switch (f.type) {
    case 'int':
      return intArg(flag);
    case 'number':
      return numArg(flag);
    case 'choice':
      return (v) => {
        if (!choices.includes(v)) throw new LabbenchError('BAD_INPUT', `${flag} must be ${choices.length === 2 ? choices.join(' or ') : `one of ${choices.join(', ')}`}, got '${v}'`);
        return v;
      };
    case 'choices':
      return (v) => {
        const names = v.split(',').map((x) => x.trim()).filter(Boolean);
        if (!names.length || names.some((n) => !choices.includes(n))) throw new LabbenchError('BAD_INPUT', `${flag} takes ${choices.join(', ')} (comma-separated), got '${v}'`);
        return names;
      };
    case 'numbers':
      return (v) => {
        const xs = v.split(',').filter(Boolean).map(Number);
        if (xs.some((x) => !Number.isFinite(x))) throw new LabbenchError('BAD_INPUT', `${flag} takes numbers, comma-separated, got '${v}'`);
        return xs;
      };
    default:
      return undefined;
  }
}

/**
 * Adds an option per field of `spec` (but those in `skip`) to `cmd`; returns the function that
 * turns the parsed options into the request's fields that were given. `defaults` are the CLI's
 * own defaults of required fields (prune's `--metric flops`).
 */
export function searchOptions(cmd: Command, spec: SearchRequestSpec, o: { skip?: readonly string[]; defaults?: Readonly<Record<string, string>> } = {}): (opts: Record<string, unknown>) => Record<string, unknown> {
  const taken: { key: string; attr: string; negated: boolean }[] = [];
  for (const f of searchFields(spec)) {
    if (o.skip?.includes(f.key)) continue;
    const flags = f.type === 'boolean' ? `--${f.flag}` : `--${f.flag} <${f.arg ?? 'value'}>`;
    const option = new Option(flags, f.help);
    const parse = parser(f);
    if (parse) option.argParser(parse);
    const fallback = o.defaults?.[f.key];
    if (fallback !== undefined) option.default(fallback);
    else if (f.required) option.makeOptionMandatory();
    cmd.addOption(option);
    // `--no-baselines` sets `baselines` false; the request says `noBaselines: true`.
    taken.push({ key: f.key, attr: option.attributeName(), negated: option.negate && f.key !== option.attributeName() });
  }
  return (opts) => {
    const req: Record<string, unknown> = {};
    for (const t of taken) {
      const v = opts[t.attr];
      if (t.negated) {
        if (v === false) req[t.key] = true;
      } else if (v !== undefined) req[t.key] = v;
    }
    return req;
  };
}
