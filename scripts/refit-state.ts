/**
 * Re-fits a kept unseen-bench DB (`scripts/bench-unseen.ts --keep-db PATH`) offline under
 * several machine-state exponents, the evaluated networks held out, and scores them against
 * each normalization's own reference-state truth (the median of their repeat profiles):
 * within 10%, median |error|, the repeat profiles' spread and the calibration's RMS error.
 * Used for docs/decisions/0023; a DB's evaluated networks are judged, so use a development set.
 *
 *   npx tsx scripts/refit-state.ts PATH [--exponents 0,0.25,0.5,0.75,1]
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openProfilesDb } from '../profiles-db/profiles-db.js';
import { StateNormalizer } from '../app/predict/machine-state.js';
import { isKernelRun, kernelTrainingData, runNetwork } from '../app/predict/kernel-fit.js';
import { fitKernelModel } from '../app/predict/kernel-model.js';
import { predictFromPlan } from '../app/predict/kernel-predict.js';
import { plannedKernels, type PlannedKernels } from '../app/predict/kernel-plan.js';
import { KERNEL_SAMPLER_PREFIX } from '../app/workloads/samples/kernel-sampler.js';
import { median } from '../app/util/stats.js';

const args = process.argv.slice(2);
const src = args[0];
if (!src) {
  process.stderr.write('usage: npx tsx scripts/refit-state.ts DB [--exponents 0,0.25,0.5,0.75,1]\n');
  process.exit(2);
}
const at = args.indexOf('--exponents');
const exponents = (at >= 0 ? args[at + 1]! : '0,0.25,0.5,0.75,1').split(',').map(Number);
const tmp = mkdtempSync(join(tmpdir(), 'labbench-refit-'));
const path = join(tmp, 'refit.db');
copyFileSync(src, path);
const db = openProfilesDb(path);
try {
  const device = db.listDevices().find((d) => d.key === 'local');
  if (!device) throw new Error(`${src}: no local device`);
  const samples = db.canarySamples(device.id);
  const runs = db.listRuns(device.id).filter((r) => r.status === 'complete' && isKernelRun(r) && r.end_to_end);
  const judged = runs.filter((r) => !r.workload.startsWith(KERNEL_SAMPLER_PREFIX));
  const holdout = [...new Set(judged.map((r) => r.workload))];
  const plans = new Map<string, PlannedKernels>();
  for (const r of judged) {
    if (plans.has(r.workload)) continue;
    const network = runNetwork(typeof r.settings.source === 'string' ? r.settings.source : r.workload, r.settings);
    if (!network) throw new Error(`${r.workload}: no network to plan`);
    plans.set(r.workload, await plannedKernels(device.fingerprint, network));
  }
  const variants: [string, StateNormalizer][] = [['run by run (no exponent)', StateNormalizer.fromSamples(samples)], ...exponents.map((g): [string, StateNormalizer] => [`per sample, g = ${g}`, StateNormalizer.fromSamples(samples, undefined, g)])];
  for (const [name, state] of variants) {
    const data = kernelTrainingData(db, device, holdout, state);
    const model = fitKernelModel(data.rows, data.runs);
    const errors: number[] = [];
    const spreads: number[] = [];
    for (const w of holdout) {
      const truths = judged.filter((r) => r.workload === w).map((r) => state.endToEndMs(r.id, r.end_to_end!.median_ms));
      const truth = median(truths);
      spreads.push(((Math.max(...truths) - Math.min(...truths)) / truth) * 100);
      const p = predictFromPlan({ format: 'labbench-kernel-device-model', version: 1, model, training: { rows: 0, networks: 0, holdout: [], workloads: 0 } }, plans.get(w)!);
      errors.push((p.total.runtime_ms / truth - 1) * 100);
    }
    const abs = errors.map(Math.abs);
    process.stdout.write(
      `${name.padEnd(26)} within 10%: ${abs.filter((x) => x <= 10).length}/${abs.length}, median |error| ${median(abs).toFixed(1)}%, repeat spread ${median(spreads).toFixed(1)}%, calibration RMS ${model.calibration.rmspe_pct.toFixed(1)}%\n`,
    );
  }
} finally {
  db.close();
  rmSync(tmp, { recursive: true, force: true });
}
