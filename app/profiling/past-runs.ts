/**
 * Past profiling runs as the API shows them (the Profile page's list, a run reopened): read
 * from the DB's runs, their device and their recorded units; nothing is measured here.
 */
import { LabbenchError } from '../api/errors.js';
import type { ProfileRunDetail, ProfileRunSummary, ProfileRunUnit } from '../api/profile.js';
import type { ProfilesDb } from '../../profiles-db/profiles-db.js';
import type { RunRecord } from '../../profiles-db/runs.js';
import { ms } from '../api/units.js';

function summary(db: ProfilesDb, run: RunRecord, units: number): ProfileRunSummary {
  const device = db.getDevice(run.device_id);
  if (!device) throw new Error(`run ${run.id}: no device ${run.device_id} in ${db.path}`);
  const e = run.end_to_end;
  return {
    run_id: run.id,
    device: device.key,
    device_ref: `${device.key}@${device.fingerprint_hash}`,
    device_label: device.label,
    emulated: device.emulated,
    workload: run.workload,
    status: run.status,
    mode: run.settings.mode === 'kernels' ? 'kernels' : 'layers',
    started_at: run.started_at,
    finished_at: run.finished_at,
    error: run.error,
    settings: run.settings,
    units,
    ...(e ? { end_to_end: { median_ms: e.median_ms, ci_ms: [e.ci_low_ms, e.ci_high_ms] as const, n: e.n } } : {}),
  };
}

/** Every profiling run, newest first. */
export function listProfileRuns(db: ProfilesDb): ProfileRunSummary[] {
  return db.listRuns().map((r) => summary(db, r, db.runUnits(r.id).length));
}

/** One run with its units (the id checked by ProfileRunRefSchema at the service's door); an id the DB does not hold is BAD_INPUT. */
export function profileRunDetail(db: ProfilesDb, runId: number): ProfileRunDetail {
  const run = db.getRun(runId);
  if (!run) throw new LabbenchError('BAD_INPUT', `no profiling run ${runId} in ${db.path}`);
  const rows: ProfileRunUnit[] = db.runUnits(run.id).map((u) => ({
    key: u.key,
    op: u.op,
    layers: u.layers,
    median_ms: u.stats.median_ms,
    ci_ms: [u.stats.ci_low_ms, u.stats.ci_high_ms] as const,
    n: u.stats.n,
    recorded_at: u.recorded_at,
    ...(u.power ? ('missing' in u.power ? { power_missing: u.power.missing } : { power_w: u.power.power_w, energy_mj: u.power.energy_mj }) : {}),
  }));
  const sum = rows.reduce((a, r) => a + r.median_ms * Math.max(1, r.layers.length), 0);
  return { ...summary(db, run, rows.length), rows, sum_of_layers_ms: ms(sum), ...(run.in_network ? { in_network: Object.fromEntries(Object.entries(run.in_network).map(([part, t]) => [part, ms(t)])) } : {}) };
}
