/** `doctor`: what the rig is missing (adb, phones, benchmark_model, serial ports, meters, runtimes), each with its fix. */
import type { Command } from 'commander';
import type { DoctorReport } from '../../api/doctor.js';
import { numArg, type CliContext } from '../context.js';

const MARK = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL', skip: 'skip' } as const;

export function formatDoctor(r: DoctorReport): string {
  const lines: string[] = [];
  for (const c of r.checks) {
    lines.push(`${MARK[c.status]} ${c.id}  ${c.subject}${c.needed && c.status === 'fail' ? '  (needed)' : ''}`);
    lines.push(`     ${c.detail}`);
    if (c.fix && c.status !== 'ok') lines.push(`     fix: ${c.fix}`);
  }
  lines.push(`${r.counts.ok} ok, ${r.counts.warn} warnings, ${r.counts.fail} failed, ${r.counts.skip} skipped${r.ok ? '' : ': something needed is missing'}`);
  return lines.join('\n');
}

export function registerDoctor(program: Command, ctx: CliContext): void {
  const { svc, emit, signal } = ctx;
  program
    .command('doctor')
    .description("check the rig: adb server, phones (state, benchmark_model and its ABI, heat, battery), serial ports' permissions, meters, ORT providers, training backends; exit 1 when something needed is missing")
    .option('--meter <port[:type]>', 'a meter to check: PORT:TYPE reads it as that kind, a bare PORT probes which kind it is (repeatable)', (v: string, acc: string[] = []) => [...acc, v])
    .option('--benchmark-binary <path>', 'the benchmark_model that profile would push: checked against each phone\'s ABI')
    .option('--cool-below <c>', 'the temperature profile waits for (default 45)', numArg('--cool-below'))
    .option('--meter-seconds <s>', 'how long a meter is read per kind tried (default 1.2)', numArg('--meter-seconds'))
    .action(async (o: { meter?: string[]; benchmarkBinary?: string; coolBelow?: number; meterSeconds?: number }, cmd: Command) => {
      const report = await svc(cmd).doctor(
        {
          ...(o.meter ? { meters: o.meter } : {}),
          ...(o.benchmarkBinary ? { benchmarkBinary: o.benchmarkBinary } : {}),
          ...(o.coolBelow !== undefined ? { coolBelowC: o.coolBelow } : {}),
          ...(o.meterSeconds !== undefined ? { meterSeconds: o.meterSeconds } : {}),
        },
        signal ? { signal } : {},
      );
      emit(cmd, report, formatDoctor(report));
      if (!report.ok) ctx.setStatus(1);
    });
}
