/** `meter read`: stream a power meter. */
import type { Command } from 'commander';
import { numArg, type GlobalOpts, type CliContext } from '../context.js';

export function registerMeter(program: Command, ctx: CliContext): void {
  const { svc, emit, io, signal } = ctx;
  program
    .command('meter')
    .description('power meters')
    .command('read')
    .description('stream readings from a meter: one line per reading (W), then a summary')
    .requiredOption('--meter <port:type>', 'e.g. /dev/ttyUSB0:um34c, /dev/ttyACM0:ppk2,v=3.7, /dev/ttyUSB1:line,cols=ms+mv+ma')
    .option('--seconds <s>', 'how long to read (default 5)', numArg('--seconds'))
    .action(async (o: { meter: string; seconds?: number }, cmd: Command) => {
      const json = Boolean(cmd.optsWithGlobals<GlobalOpts>().json);
      const t0 = performance.timeOrigin + performance.now();
      const r = await svc(cmd).readMeter(o.meter, o.seconds ?? 5, {
        ...(signal ? { signal } : {}),
        onSample: (s) => {
          if (!json) io.stdout(`${((s.t_ms - t0) / 1000).toFixed(3)} s  ${s.watts.toFixed(4)} W${s.volts !== undefined ? `  ${s.volts.toFixed(3)} V` : ''}${s.amps !== undefined ? `  ${s.amps.toFixed(4)} A` : ''}\n`);
        },
      });
      emit(cmd, r, `${r.n} readings at ${r.rate_hz.toFixed(1)}/s: mean ${r.mean_w.toFixed(4)} W, sd ${r.sd_w.toFixed(4)} W; ${r.dropped} dropped${r.errors.length ? `; ${r.errors.join('; ')}` : ''}`);
    });
}
