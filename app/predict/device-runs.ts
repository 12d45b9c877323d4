/**
 * Which of a device's runs are networks, and what each ran: the fit's gap and the accuracy
 * report read only network runs (not the micro-benchmark, not the sampler's layer samples),
 * each planned again from its workload name and the settings it ran with.
 */
import type { RunRecord } from '../../profiles-db/profiles-db.js';
import { planWorkload } from '../workloads/plan.js';
import { MICROBENCH } from '../workloads/samples/microbench.js';
import { SAMPLER_PREFIX } from '../workloads/samples/sampler.js';
import type { WorkloadPlan } from '../workloads/units.js';

export const isNetworkRun = (r: RunRecord): boolean => r.workload !== MICROBENCH && !r.workload.startsWith(SAMPLER_PREFIX);

export function planOfRun(run: RunRecord): WorkloadPlan {
  const res = typeof run.settings.resolution === 'number' ? run.settings.resolution : undefined;
  const batch = typeof run.settings.batch === 'number' ? run.settings.batch : undefined;
  return planWorkload(run.workload, { resolution: res, batch });
}
