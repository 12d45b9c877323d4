/**
 * The gap between a network's end-to-end time and its layers, learned from a device's
 * measured network runs (held-out workloads left out): the single factor, the median of
 * end-to-end over the sum of layer medians, and, from runs that timed every operator in
 * place, the rows `fitInPlace` (in-place-gap.ts) fits its per-op factors and evicted-weights
 * floor on. Every timing is first brought to the fit's machine state.
 */
import type { DeviceRecord } from '../api/lut.js';
import type { ProfilesDb } from '../../profiles-db/profiles-db.js';
import { analyzeNetwork } from '../workloads/analyze.js';
import { BYTES_PER_ELEMENT } from '../workloads/ir.js';
import type { WorkloadPlan } from '../workloads/units.js';
import { median } from '../util/stats.js';
import { ownerOf } from '../../native-runners/onnxruntime/node-owner.js';
import { isNetworkRun, planOfRun } from './device-runs.js';
import { fitInPlace, type GapRow, type InNetworkGap } from './in-place-gap.js';
import type { StateNormalizer } from './machine-state.js';

/**
 * A run's in-network total: its parts, plus layers that belong to no part (the NAS space's
 * stem and head batch norms and activations), each counted once.
 */
function inNetworkTotal(parts: readonly { readonly name: string }[], inNet: Readonly<Record<string, number>>): number {
  const names = new Set(parts.map((p) => p.name));
  let sum = 0;
  for (const [k, ms] of Object.entries(inNet)) {
    const owner = ownerOf(k, names);
    if (owner === undefined || owner === k) sum += ms;
  }
  return sum;
}

/** Per part of a plan, the bytes of its layers' weights (float32), and the network's total. */
function partWeightBytes(plan: WorkloadPlan): { perPart: Map<string, number>; total: number } {
  const perPart = new Map<string, number>();
  let total = 0;
  if (!plan.endToEnd) return { perPart, total };
  const names = new Set(plan.parts.map((p) => p.name));
  for (const a of analyzeNetwork(plan.endToEnd).layers) {
    const bytes = a.params * BYTES_PER_ELEMENT;
    total += bytes;
    const owner = ownerOf(a.layer.name, names);
    if (owner !== undefined) perPart.set(owner, (perPart.get(owner) ?? 0) + bytes);
  }
  return { perPart, total };
}

/**
 * Over non-held-out networks: the median of measured end-to-end over the sum of the run's
 * layer medians, and, from runs timed per operator, the per-op gap (InNetworkGap).
 */
export function learnGap(db: ProfilesDb, device: DeviceRecord, holdout: readonly string[], state: StateNormalizer): { factor: number; runs: number; gap?: InNetworkGap } {
  const ratios: number[] = [];
  const residuals: number[] = [];
  const rows: GapRow[] = [];
  for (const run of db.listRuns(device.id)) {
    if (run.status !== 'complete' || !run.end_to_end || !isNetworkRun(run) || holdout.includes(run.workload)) continue;
    const medians = new Map(db.runUnits(run.id).map((u) => [u.key, state.unitMs(run.id, u.key, u.stats.median_ms)]));
    const e2e = state.endToEndMs(run.id, run.end_to_end.median_ms);
    const scale = state.endToEndScale(run.id);
    let plan: WorkloadPlan;
    try {
      plan = planOfRun(run);
    } catch {
      continue;
    }
    const sum = plan.parts.reduce((s, p) => s + (medians.get(p.key) ?? NaN), 0);
    if (!Number.isFinite(sum) || sum <= 0) continue;
    ratios.push(e2e / sum);
    const inNet = run.in_network && Object.fromEntries(Object.entries(run.in_network).map(([k, ms]) => [k, ms * scale]));
    if (!inNet || !plan.parts.every((p) => inNet[p.name] !== undefined)) continue;
    const inNetSum = inNetworkTotal(plan.parts, inNet);
    if (!(inNetSum > 0)) continue;
    residuals.push(e2e / inNetSum);
    const { perPart, total } = partWeightBytes(plan);
    for (const p of plan.parts) rows.push({ op: p.op, iso: medians.get(p.key)!, inNet: inNet[p.name]!, w: perPart.get(p.name) ?? 0, total });
  }
  if (ratios.length === 0) return { factor: 1, runs: 0 };
  const out = { factor: median(ratios), runs: ratios.length };
  if (residuals.length === 0) return out;
  return { ...out, gap: { ...fitInPlace(rows), residual: median(residuals), runs: residuals.length } };
}
