/**
 * `quantize`: LightNN / FLightNN / BinaryConnect / BNN (BinaryNet, XNOR-Net, LightNN-K-bin)
 * training; options from the method's request spec, but `--scheme`, which takes several
 * schemes (a sweep), and `--act-reg`, all of the activation loss's terms.
 */
import type { Command } from 'commander';
import { LabbenchError } from '../../api/errors.js';
import { ProgressBar } from '../progress-bar.js';
import { formatQuantize, formatQuantizeSweep } from '../../quantize/report.js';
import { ACT_REG_TERMS, QUANT_SCHEMES, QUANTIZE_REQUEST, type QuantizeRequest } from '../../api/search-requests.js';
import { searchHooks, type CliContext } from '../context.js';
import { searchOptions } from '../search-options.js';

type Scheme = QuantizeRequest['scheme'];

function schemesArg(v: string): Scheme[] {
  if (v === 'all') return [...QUANT_SCHEMES];
  const names = v.split(',').map((x) => x.trim()).filter(Boolean);
  const bad = names.filter((n) => !(QUANT_SCHEMES as readonly string[]).includes(n));
  if (!names.length || bad.length) throw new LabbenchError('BAD_INPUT', `--scheme takes ${QUANT_SCHEMES.join(', ')} (comma-separated) or all, got '${v}'`);
  if (new Set(names).size !== names.length) throw new LabbenchError('BAD_INPUT', `--scheme names a scheme twice: '${v}'`);
  return names as Scheme[];
}

export function registerQuantize(program: Command, ctx: CliContext): void {
  const { svc, emit } = ctx;
  const cmd = program
    .command('quantize')
    .description(QUANTIZE_REQUEST.description)
    .requiredOption(`--scheme <schemes>`, QUANTIZE_REQUEST.fields.scheme.help, schemesArg);
  const request = searchOptions(cmd, QUANTIZE_REQUEST, { skip: ['scheme'] });
  cmd
    .option('--no-batch-norm', 'no batch norm, binaryconnect and the binary-activation schemes included')
    .option('--act-reg', 'binary-activation schemes: add Ding et al.\'s activation-distribution loss, all three terms')
    .action(async (o: Record<string, unknown>, c: Command) => {
      const schemes = o.scheme as Scheme[];
      const fields = request(o) as Omit<QuantizeRequest, 'scheme'>;
      const common = { ...fields, ...(o.actReg && !fields.actReg ? { actReg: [...ACT_REG_TERMS] } : {}) };
      // One scheme prints its run; several print every run and their Pareto front.
      if (schemes.length === 1) {
        const r = await svc(c).quantize({ ...common, scheme: schemes[0]! }, searchHooks(new ProgressBar(), ctx.signal));
        emit(c, r, formatQuantize(r));
      } else {
        const r = await svc(c).quantizeSweep({ ...common, schemes }, searchHooks(new ProgressBar(), ctx.signal));
        emit(c, r, formatQuantizeSweep(r));
      }
    });
}
