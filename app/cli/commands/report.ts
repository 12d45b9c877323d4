/** `report accuracy|lut|search`: the device's models against the analytic baseline, a LUT, the search runs; `--html FILE` writes each as one self-contained page. */
import type { Command } from 'commander';
import { formatPowerAccuracy } from '../format-power-accuracy.js';
import { formatAccuracy, formatLut } from '../format.js';
import { formatCompare } from '../format-compare.js';
import { intArg, type CliContext } from '../context.js';
import { LabbenchError } from '../../api/errors.js';
import { keyAnswersTo } from '../../api/emulation.js';
import { accuracyReportHtml } from '../../reports/accuracy-report.js';
import { lutReportHtml } from '../../reports/lut-report.js';
import { runDevice, searchReportHtml } from '../../reports/search-report.js';
import { writeReportFile, type DeviceMark } from '../../reports/html.js';
import { runLabel } from '../../../renderer/src/lib/search-views.js';

export function registerReport(program: Command, ctx: CliContext): void {
  const { svc, emit } = ctx;
  const report = program.command('report').description('reports: accuracy, lut, search (--html FILE: one self-contained page with plots)');
  /** With --html: the page written, and the JSON says where it went. */
  const html = (cmd: Command, file: string, page: string, what: Record<string, unknown>): void => {
    const w = writeReportFile(file, page);
    emit(cmd, { ...what, html: w.path, bytes: w.bytes }, `wrote ${w.path} (${w.bytes} bytes)`);
  };
  report
    .command('accuracy')
    .description("the device's model against the analytic baseline: cross-validated error per kernel kind (or RMSPE per layer type) and per network it never saw; power and energy too where a meter measured them")
    .requiredOption('--device <id>', 'device id')
    .option('--html <file>', 'write an HTML report (predicted against measured) instead')
    .action(async (o: { device: string; html?: string }, cmd: Command) => {
      const r = await svc(cmd).reportAccuracy(o.device);
      if (!o.html) return emit(cmd, r, formatAccuracy(r) + formatPowerAccuracy(r));
      const { device } = await svc(cmd).lutShow(o.device);
      html(cmd, o.html, accuracyReportHtml(r, device), { report: 'accuracy', device: device.key, emulated: device.emulated });
    });
  report
    .command('lut')
    .description("a device's LUT; with --html, the Single-Path NAS space as a heatmap and every op's rows as a curve")
    .requiredOption('--device <ref>', 'device key (local, pixel1) or key@fingerprint')
    .option('--html <file>', 'write an HTML report instead')
    .action(async (o: { device: string; html?: string }, cmd: Command) => {
      const view = await svc(cmd).lutShow(o.device);
      if (!o.html) return emit(cmd, view, formatLut(view));
      html(cmd, o.html, lutReportHtml(view), { report: 'lut', device: view.device.key, emulated: view.device.emulated, entries: view.entries.length });
    });
  report
    .command('search')
    .description('the NAS, pruning and quantization runs; with --html, their curves per epoch, found networks against baselines and Pareto fronts')
    .option('--run <n>', 'one run only', intArg('--run'))
    .option('--html <file>', 'write an HTML report instead')
    .action(async (o: { run?: number; html?: string }, cmd: Command) => {
      const runs = await svc(cmd).listSearchRuns();
      if (o.run !== undefined && !runs.some((r) => r.id === o.run)) throw new LabbenchError('BAD_INPUT', `--run ${o.run}: no such search run (runs: ${runs.map((r) => r.id).join(', ') || 'none'})`);
      const shown = o.run === undefined ? runs : runs.filter((r) => r.id === o.run);
      if (!o.html) return emit(cmd, shown, shown.map((r) => `${r.id}\t${r.kind}\t${r.status}\t${runLabel(r)}\t${r.updated_at}`).join('\n') || 'no search runs');
      // The runs' devices as their requests named them, so an emulated one is marked.
      const known = (await svc(cmd).listLutDevices()).map((d) => d.device);
      const devices = new Map<string, DeviceMark>();
      for (const ref of new Set(shown.map(runDevice).filter((d): d is string => d !== undefined))) {
        const d = known.find((k) => keyAnswersTo(k.key, ref) || `${k.key}@${k.fingerprint_hash}` === ref);
        if (d) devices.set(ref, d);
      }
      html(cmd, o.html, searchReportHtml(runs, { ...(o.run !== undefined ? { only: o.run } : {}), devices }), { report: 'search', runs: shown.map((r) => r.id) });
    });
  report
    .command('compare')
    .description(
      'two devices (or two runs of one device, run:ID): per layer or kernel key the ratio B/A of the medians with a 95% interval and the geometric mean over keys (as lut diff); per network, the ratio of the measured end-to-end medians where both sides measured it, and of the two devices\' model predictions where both have a fitted model (interval from each kernel model\'s calibration error on its own networks, a lower bound). Networks: --workload, else every one either side measured end to end',
    )
    .requiredOption('--a <ref>', 'device (key or key@fingerprint) or run:ID')
    .requiredOption('--b <ref>', 'device (key or key@fingerprint) or run:ID')
    .option('--workload <names>', 'comma-separated networks to predict on both devices (zoo names, spnas:..., ONNX files; name@RES for a resolution)')
    .action(async (o: { a: string; b: string; workload?: string }, cmd: Command) => {
      const workloads = o.workload?.split(',').map((w) => w.trim()).filter(Boolean);
      const r = await svc(cmd).reportCompare({ a: o.a, b: o.b, ...(workloads ? { workloads } : {}) });
      emit(cmd, r, formatCompare(r));
    });
}
