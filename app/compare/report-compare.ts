/**
 * What two sides are, for a diff or a comparison: a device (its LUT, its networks measured
 * end to end, its fitted model), a LUT file's text (its rows, nothing imported), or one
 * profiling run (`run:ID`: its units and its end-to-end time), and `report compare` built on
 * them: the per-key diff, then per network the measured ratio and the predicted one.
 */
import { LabbenchError } from '../api/errors.js';
import type { CompareNetworkRow, CompareReport, CompareRequest, CompareSide, LutDiff, LutRef } from '../api/compare.js';
import type { DeviceRecord, LatencyStats } from '../api/lut.js';
import type { PredictRequest, PredictResult } from '../api/predict.js';
import type { ProfilesDb, RunRecord } from '../../profiles-db/profiles-db.js';
import { readLutText } from '../../profiles-db/importers/read-lut-text.js';
import { fingerprintHash } from '../../profiles-db/devices.js';
import { activeModel } from '../predict/model-file.js';
import { KERNEL_MODEL_KIND, type KernelDeviceModel } from '../predict/kernel-fit.js';
import { diffEntries, logSe, ratioCi, type DiffEntry } from './lut-diff.js';
import { ms } from '../api/units.js';

interface Source {
  readonly side: CompareSide;
  readonly entries: readonly DiffEntry[];
  /** Network label (`workload` or `workload@resolution`) -> its newest end-to-end statistics. */
  readonly networks: ReadonlyMap<string, { readonly workload: string; readonly resolution?: number; readonly stats: LatencyStats }>;
  /** A device side: the device its model predicts for. */
  readonly device?: DeviceRecord;
}

const deviceDto = (d: DeviceRecord): NonNullable<CompareSide['device']> => ({ key: d.key, fingerprint_hash: d.fingerprint_hash, label: d.label, emulated: d.emulated });
const entryOf = (e: { key: string; op: string } & LatencyStats): DiffEntry => ({ key: e.key, op: e.op, n: e.n, median_ms: e.median_ms, ci_low_ms: e.ci_low_ms, ci_high_ms: e.ci_high_ms, mad_ms: e.mad_ms, min_ms: e.min_ms, max_ms: e.max_ms });

function networkOf(run: RunRecord): [string, { workload: string; resolution?: number; stats: LatencyStats }] | undefined {
  if (run.status !== 'complete' || !run.end_to_end) return undefined;
  const resolution = typeof run.settings.resolution === 'number' ? run.settings.resolution : undefined;
  return [`${run.workload}${resolution !== undefined ? `@${resolution}` : ''}`, { workload: run.workload, ...(resolution !== undefined ? { resolution } : {}), stats: run.end_to_end }];
}

/** A device's LUT, or a LUT file's rows (validated as `lut import` validates them; nothing is written). */
export function lutSource(db: ProfilesDb, ref: LutRef): Source {
  if (typeof ref !== 'string') {
    const file = readLutText(ref.text, ref.name);
    return { side: { name: ref.name, device: { key: file.device.key, fingerprint_hash: fingerprintHash(file.device.fingerprint), label: file.device.label, emulated: file.device.emulated }, entries: file.entries.length }, entries: file.entries.map(entryOf), networks: new Map() };
  }
  return deviceSource(db, ref);
}

function deviceSource(db: ProfilesDb, ref: string): Source {
  const device = db.resolveDevice(ref);
  const entries = db.lutEntries(device.id).map(entryOf);
  const networks = new Map<string, { workload: string; resolution?: number; stats: LatencyStats }>();
  // Newest first: the first run of a label is its newest.
  for (const run of db.listRuns(device.id)) {
    const n = networkOf(run);
    if (n && !networks.has(n[0])) networks.set(n[0], n[1]);
  }
  return { side: { name: ref, device: deviceDto(device), entries: entries.length }, entries, networks, device };
}

/** A device, or `run:ID`: one run's units and end-to-end time. */
export function compareSource(db: ProfilesDb, ref: string): Source {
  const m = /^run:(\d+)$/.exec(ref);
  if (!m) return deviceSource(db, ref);
  const run = db.getRun(Number(m[1]));
  if (!run) throw new LabbenchError('BAD_INPUT', `${ref}: no such run in ${db.path}`);
  const device = db.getDevice(run.device_id)!;
  const entries = db.runUnits(run.id).map((u) => entryOf({ key: u.key, op: u.op, ...u.stats }));
  const n = networkOf(run);
  return { side: { name: ref, device: deviceDto(device), entries: entries.length }, entries, networks: new Map(n ? [n] : []) };
}

export function lutDiff(db: ProfilesDb, a: LutRef, b: LutRef): LutDiff {
  const sa = lutSource(db, a);
  const sb = lutSource(db, b);
  return diffEntries(sa.side, sa.entries, sb.side, sb.entries);
}

/** Relative error of a device's predictions where its model states one: a kernel model's calibration error on its own networks. */
function predictionLogSe(db: ProfilesDb, device: DeviceRecord): number | undefined {
  const stored = activeModel(db, device);
  if (stored?.kind !== KERNEL_MODEL_KIND) return undefined;
  const pct = (stored.model as unknown as KernelDeviceModel).model.calibration.rmspe_pct;
  return typeof pct === 'number' && Number.isFinite(pct) ? Math.log1p(pct / 100) : undefined;
}

/**
 * `report compare`: the per-key diff of the two sides, then per network the ratio of the
 * measured end-to-end medians (both sides measured it) and of the predictions (both are
 * devices with a fitted model). `predict` is the service's, so predictions are those `labbench predict` gives.
 */
export async function compareReport(db: ProfilesDb, req: CompareRequest, predict: (r: PredictRequest) => Promise<PredictResult>): Promise<CompareReport> {
  const a = compareSource(db, req.a);
  const b = compareSource(db, req.b);
  const diff = diffEntries(a.side, a.entries, b.side, b.entries);
  const notes: string[] = [];
  const labels = req.workloads ? [...req.workloads] : [...new Set([...a.networks.keys(), ...b.networks.keys()])].sort();
  const failed = new Map<Source, string>();
  const predictOn = async (s: Source, label: string): Promise<number | undefined> => {
    if (!s.device || failed.has(s)) return undefined;
    const known = s.networks.get(label);
    const at = label.lastIndexOf('@');
    const workload = known?.workload ?? (at > 0 && /^\d+$/.test(label.slice(at + 1)) ? label.slice(0, at) : label);
    const resolution = known?.resolution ?? (at > 0 && /^\d+$/.test(label.slice(at + 1)) ? Number(label.slice(at + 1)) : undefined);
    try {
      return (await predict({ device: `${s.device.key}@${s.device.fingerprint_hash}`, workload, ...(resolution !== undefined ? { resolution } : {}) })).total.runtime_ms;
    } catch (err) {
      const message = (err as Error).message;
      // No model: said once per side; a workload the model cannot plan: said per workload.
      if (/no fitted model/.test(message)) failed.set(s, message);
      notes.push(`${s.side.name}: no prediction for ${label} (${message})`);
      return undefined;
    }
  };
  const seA = a.device && predictionLogSe(db, a.device);
  const seB = b.device && predictionLogSe(db, b.device);
  const networks: CompareNetworkRow[] = [];
  for (const label of labels) {
    const ma = a.networks.get(label);
    const mb = b.networks.get(label);
    const measured = ma && mb && ma.stats.median_ms > 0 && mb.stats.median_ms > 0 ? { a_ms: ma.stats.median_ms, b_ms: mb.stats.median_ms, ...ratioCi(ma.stats.median_ms, mb.stats.median_ms, logSe(ma.stats), logSe(mb.stats)) } : undefined;
    const pa = await predictOn(a, label);
    const pb = pa === undefined ? undefined : await predictOn(b, label);
    const withInterval = seA !== undefined && seB !== undefined;
    const predicted = pa !== undefined && pb !== undefined && pa > 0 ? { a_ms: ms(pa), b_ms: ms(pb), ...ratioCi(pa, pb, withInterval ? seA : 0, withInterval ? seB : 0), interval: withInterval ? ('calibration' as const) : ('none' as const) } : undefined;
    networks.push({ workload: label, ...(measured ? { measured } : {}), ...(predicted ? { predicted } : {}) });
  }
  if (labels.length === 0) notes.push('no network to compare: neither side measured one end to end (name some with --workload)');
  return { ...diff, networks, notes };
}
