/**
 * A profiling job on this host: plan the workload's units, measure each one that the run
 * has not kept yet, record it in its own transaction, then measure the network end to end.
 * A run is `incomplete` until its last write, so a job killed at any point leaves every
 * finished unit in the DB and the next job with the same settings resumes where it stopped.
 */
import { LabbenchError } from '../api/errors.js';
import type { LatencyStats } from '../api/lut.js';
import type { ProfileProgress, ProfileRequest, ProfileResult, ProfiledLayer } from '../api/profile.js';
import type { ProfilesDb } from '../../profiles-db/profiles-db.js';
import { buildOnnx } from '../../native-runners/onnxruntime/artifact.js';
import { measureOnnx, ortVersion, type MeasureOptions } from '../../native-runners/onnxruntime/runner.js';
import { cudaProviderPresent, describeLocalCpu, detectNvidiaGpus, localFingerprint } from '../devices/local-host.js';
import { planWorkload } from '../workloads/plan.js';
import { summarize } from './stats.js';

export interface ProfileJobHooks {
  readonly onProgress?: (p: ProfileProgress) => void;
  readonly signal?: AbortSignal;
}

const DEFAULTS = { runs: 20, maxRuns: 500, warmup: 5, threads: 1, graphOptimization: 'disabled', targetRelCi: 0.02, maxSecondsPerUnit: 3, batch: 1 } as const;

function positiveInt(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) throw new LabbenchError('BAD_INPUT', `--${name} must be a positive integer, got ${v}`);
  return v;
}

export async function runProfileJob(db: ProfilesDb, req: ProfileRequest, hooks: ProfileJobHooks = {}): Promise<ProfileResult> {
  const started = performance.now();
  const settings = {
    runs: positiveInt('runs', req.runs ?? DEFAULTS.runs),
    max_runs: positiveInt('max-runs', req.maxRuns ?? Math.max(DEFAULTS.maxRuns, req.runs ?? 0)),
    warmup: req.warmup ?? DEFAULTS.warmup,
    threads: positiveInt('threads', req.threads ?? DEFAULTS.threads),
    graph_optimization: req.graphOptimization ?? DEFAULTS.graphOptimization,
    target_rel_ci: req.targetRelCi ?? DEFAULTS.targetRelCi,
    max_seconds_per_unit: req.maxSecondsPerUnit ?? DEFAULTS.maxSecondsPerUnit,
    resolution: req.resolution ?? null,
    batch: positiveInt('batch', req.batch ?? DEFAULTS.batch),
  };
  if (!Number.isInteger(settings.warmup) || settings.warmup < 0) throw new LabbenchError('BAD_INPUT', `--warmup must be 0 or more, got ${settings.warmup}`);
  if (settings.max_runs < settings.runs) throw new LabbenchError('BAD_INPUT', `--max-runs (${settings.max_runs}) is below --runs (${settings.runs})`);

  const plan = planWorkload(req.workload, { resolution: req.resolution, batch: settings.batch });
  const executionProvider = await resolveExecutionProvider(req.device);
  const cpu = describeLocalCpu();
  const gpus = executionProvider === 'cuda' ? (await detectNvidiaGpus()).gpus : [];
  const fingerprint = localFingerprint(
    cpu,
    { runtime: 'onnxruntime-node', runtimeVersion: ortVersion(), executionProvider, threads: settings.threads, graphOptimization: settings.graph_optimization },
    gpus.find((g) => g.id === req.device),
  );
  const device = db.upsertDevice({ key: req.device, label: executionProvider === 'cuda' ? `${req.device} (CUDA)` : cpu.label, fingerprint, origin: 'measured' });
  const existing = req.fresh ? undefined : db.findResumableRun(device.id, plan.workload, settings);
  const run = existing ?? db.startRun({ deviceId: device.id, workload: plan.workload, settings });
  const kept = db.completedUnits(run.id);

  const measure: MeasureOptions = {
    threads: settings.threads,
    graphOptimization: settings.graph_optimization,
    executionProvider,
    warmup: settings.warmup,
    minRuns: settings.runs,
    maxRuns: settings.max_runs,
    targetRelCi: settings.target_rel_ci,
    maxSeconds: settings.max_seconds_per_unit,
    ...(hooks.signal ? { signal: hooks.signal } : {}),
  };
  const todo = plan.units.filter((u) => !kept.has(u.key));
  const total = plan.units.length + 1;
  let done = plan.units.length - todo.length;
  let deviceMs = 0;
  let measuredUnits = 0;
  const unitStart = performance.now();
  const eta = (): number | undefined => {
    if (measuredUnits === 0) return undefined;
    const per = (performance.now() - unitStart) / 1000 / measuredUnits;
    // The end-to-end pass costs about as much as all units together, once.
    return per * (todo.length - measuredUnits) + per * Math.min(todo.length || 1, 5);
  };
  try {
    for (const unit of todo) {
      hooks.onProgress?.({ phase: 'units', done, total, current: unit.layers[0] ?? unit.key, ...optional('eta_s', eta()) });
      const m = await measureOnnx(buildOnnx(unit.network), measure);
      db.recordUnit(run.id, { key: unit.key, op: unit.op, config: { ...unit.config }, layers: [...unit.layers] }, [...m.kernelMs], summarize(m.kernelMs));
      deviceMs += m.kernelMs.reduce((a, b) => a + b, 0);
      measuredUnits++;
      done++;
    }
    hooks.onProgress?.({ phase: 'end_to_end', done, total, current: `${plan.workload} end to end`, ...optional('eta_s', eta()) });
    const e2e = await measureOnnx(buildOnnx(plan.endToEnd), measure);
    deviceMs += e2e.modelRunMs.reduce((a, b) => a + b, 0);
    const e2eStats = summarize(e2e.modelRunMs);
    db.recordEndToEnd(run.id, [...e2e.modelRunMs], e2eStats);
    db.completeRun(run.id);
    hooks.onProgress?.({ phase: 'done', done: total, total });

    const byKey = new Map<string, LatencyStats>(db.runUnits(run.id).map((u) => [u.key, u.stats]));
    const layers: ProfiledLayer[] = plan.parts.map((p) => {
      const s = byKey.get(p.key);
      if (!s) throw new Error(`unit ${p.key} missing from run ${run.id}`);
      return { name: p.name, op: p.op, key: p.key, median_ms: s.median_ms, ci_ms: [s.ci_low_ms, s.ci_high_ms], n: s.n };
    });
    const sum = layers.reduce((a, l) => a + l.median_ms, 0);
    return {
      device: req.device,
      device_fingerprint: device.fingerprint_hash,
      workload: plan.workload,
      run_id: run.id,
      resumed_units: plan.units.length - todo.length,
      measured_units: measuredUnits,
      settings,
      layers,
      end_to_end: {
        median_ms: e2eStats.median_ms,
        ci_ms: [e2eStats.ci_low_ms, e2eStats.ci_high_ms],
        n: e2eStats.n,
        wall_median_ms: summarize(e2e.wallMs).median_ms,
      },
      sum_of_layers_ms: sum,
      sum_gap_pct: ((sum - e2eStats.median_ms) / e2eStats.median_ms) * 100,
      wall_s: (performance.now() - started) / 1000,
      device_s: deviceMs / 1000,
    };
  } catch (e) {
    // The run stays incomplete and resumable; the reason is kept for `labbench runs`.
    db.failRun(run.id, e instanceof Error ? e.message : String(e));
    throw e;
  }
}

function optional<K extends string, V>(key: K, v: V | undefined): { [P in K]?: V } {
  return (v === undefined ? {} : { [key]: v }) as { [P in K]?: V };
}

async function resolveExecutionProvider(device: string): Promise<'cpu' | 'cuda'> {
  if (device === 'local') return 'cpu';
  if (/^gpu\d+$/.test(device)) {
    const { gpus, note } = await detectNvidiaGpus();
    if (!gpus.some((g) => g.id === device)) {
      throw new LabbenchError('DEVICE_NOT_FOUND', `${device}: no such GPU on this machine${note ? ` (${note})` : ''}`);
    }
    if (!cudaProviderPresent()) {
      throw new LabbenchError(
        'DEVICE_UNAVAILABLE',
        `${device}: onnxruntime-node's CUDA execution provider is not installed (reinstall onnxruntime-node without ONNXRUNTIME_NODE_INSTALL=skip on a machine with CUDA 12)`,
      );
    }
    return 'cuda';
  }
  throw new LabbenchError('DEVICE_NOT_FOUND', `${device}: unknown device; this slice profiles 'local' (the CPU) and local GPUs ('gpu0'...). See labbench devices.`);
}
