/** `nas`: Single-Path NAS against a device's kernel model or LUT; options from the method's request spec. */
import type { Command } from 'commander';
import { NAS_REQUEST, type NasRequest } from '../../api/search-requests.js';
import { ProgressBar } from '../progress-bar.js';
import { formatNas, formatNasPoint } from '../format.js';
import type { CliContext } from '../context.js';
import { searchOptions } from '../search-options.js';

export function registerNas(program: Command, ctx: CliContext): void {
  const { svc, emit, io, signal } = ctx;
  const cmd = program.command('nas').description(NAS_REQUEST.description);
  const request = searchOptions(cmd, NAS_REQUEST);
  cmd.action(async (o: Record<string, unknown>, c: Command) => {
    const bar = new ProgressBar();
    const r = await svc(c).nas(request(o) as NasRequest, {
      onProgress: (p) => {
        if (p.point) io.stderr(`${formatNasPoint(p.point)}\n`);
        bar.update({ phase: p.done >= p.total ? 'done' : 'units', done: p.done, total: p.total, current: p.phase, ...(p.eta_s !== undefined ? { eta_s: p.eta_s } : {}) }, { partial: !p.point });
      },
      onWarning: (m) => io.stderr(`warning: ${m}\n`),
      ...(signal ? { signal } : {}),
    });
    emit(c, r, formatNas(r));
  });
}
