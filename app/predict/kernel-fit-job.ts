/**
 * `labbench fit` for a kernel-mode device: profile the fit's own sample networks (each one
 * yields every kernel's time in place and a calibration network), fit, and where the
 * cross-validated error of a kind of kernel that matters stays high, profile more networks
 * built around the blocks that hold that kind, and fit again. Networks already profiled are
 * skipped, so an interrupted fit resumes where it stopped.
 */
import type { KernelKind } from '../workloads/kernels.js';
import { LabbenchError } from '../api/errors.js';
import { type Block, KERNEL_SAMPLER_PREFIX, LARGE, TINY } from '../workloads/samples/kernel-sampler.js';
import type { KernelDeviceModel } from './kernel-fit.js';

/** Blocks of the sampler whose networks hold many kernels of a kind. */
const FOCUS: Readonly<Record<KernelKind, readonly Block[]>> = {
  conv: ['plain', 'basic', 'inception'],
  pwconv: ['mbconv', 'bottleneck', 'dwsep'],
  dwconv: ['mbconv', 'dwsep', 'shuffle'],
  gconv: ['bottleneck'],
  fc: ['plain', 'basic'],
  pool: ['inception', 'dense'],
  gap: ['mbconv', 'bottleneck'],
  eltwise: ['mbconv', 'dense', 'basic'],
  data: ['shuffle', 'dense', 'inception'],
  reorder: ['mbconv', 'shuffle'],
};

export interface KernelFitPlan {
  /** Sample networks profiled before the first fit. */
  readonly initial: number;
  /** Further rounds where errors stay high, and networks per round. */
  readonly rounds: number;
  readonly perRound: number;
  /** A kind whose cross-validated RMSPE is above this (percent) and that holds at least MIN_SHARE of the time gets more samples. */
  readonly targetPct: number;
  readonly seed: number;
}

export const DEFAULT_KERNEL_FIT: KernelFitPlan = { initial: 150, rounds: 2, perRound: 60, targetPct: 10, seed: 1 };
const MIN_SHARE = 0.01;
/** Besides the initial sample networks, one `large` and one `tiny` one (kernel-sampler.ts) per this many. */
const FAMILY_EVERY = 10;

/** The fit's initial sample networks, then `initial / FAMILY_EVERY` large ones and as many tiny ones. */
export function initialSamples(plan: Pick<KernelFitPlan, 'initial' | 'seed'>): string[] {
  const regular = Array.from({ length: plan.initial }, (_, i) => `${KERNEL_SAMPLER_PREFIX}:${plan.seed}:${i}`);
  const family = (f: string): string[] => Array.from({ length: Math.floor(plan.initial / FAMILY_EVERY) }, (_, i) => `${KERNEL_SAMPLER_PREFIX}:${plan.seed}:${i}:${f}`);
  return [...regular, ...family(LARGE), ...family(TINY)];
}

export interface KernelFitDeps {
  /** Profiles one sample network in kernel mode; resolves with the kernels it recorded. */
  profile(workload: string): Promise<{ units: number; wall_s: number }>;
  /** Whether the device already holds a complete kernel-mode run of the workload. */
  profiled(workload: string): boolean;
  /** Fits on what the DB holds now. */
  fit(): KernelDeviceModel;
  /** Share of the training rows' time per kind (what a kind's error costs networks). */
  timeShare(model: KernelDeviceModel): Partial<Record<KernelKind, number>>;
  readonly signal?: AbortSignal;
  readonly onRound?: (round: number, networks: number, model: KernelDeviceModel) => void;
  readonly onNetwork?: (done: number, total: number, workload: string) => void;
}

export interface KernelFitRun {
  readonly model: KernelDeviceModel;
  readonly profiled: { workload: string; units: number; wall_s: number }[];
  /** Kinds each adaptive round sampled more of. */
  readonly rounds: { round: number; focus: readonly KernelKind[]; networks: number }[];
}

/** Which kinds get more samples: above the target, holding a share of the time that matters, worst first. */
export function kindsToSample(model: KernelDeviceModel, share: Partial<Record<KernelKind, number>>, targetPct: number): KernelKind[] {
  return (Object.entries(model.model.kinds) as [KernelKind, NonNullable<KernelDeviceModel['model']['kinds'][KernelKind]>][])
    .filter(([kind, k]) => k.cv.rmspe_pct > targetPct && (share[kind] ?? 0) >= MIN_SHARE)
    .sort(([a, x], [b, y]) => y.cv.rmspe_pct * (share[b] ?? 0) - x.cv.rmspe_pct * (share[a] ?? 0))
    .map(([kind]) => kind)
    .slice(0, 3);
}

export async function runKernelFit(deps: KernelFitDeps, plan: KernelFitPlan): Promise<KernelFitRun> {
  const profiled: KernelFitRun['profiled'] = [];
  const rounds: KernelFitRun['rounds'] = [];
  const profileAll = async (workloads: readonly string[]): Promise<void> => {
    let done = 0;
    for (const w of workloads) {
      if (deps.signal?.aborted) throw new LabbenchError('CANCELED', 'cancelled');
      deps.onNetwork?.(done++, workloads.length, w);
      if (deps.profiled(w)) continue;
      const r = await deps.profile(w);
      profiled.push({ workload: w, units: r.units, wall_s: r.wall_s });
    }
  };
  const initial = initialSamples(plan);
  await profileAll(initial);
  let model = deps.fit();
  deps.onRound?.(0, initial.length, model);
  for (let round = 1; round <= plan.rounds; round++) {
    const focus = kindsToSample(model, deps.timeShare(model), plan.targetPct);
    if (focus.length === 0) break;
    const blocks = [...new Set(focus.flatMap((k) => FOCUS[k]))];
    const workloads = Array.from({ length: plan.perRound }, (_, i) => `${KERNEL_SAMPLER_PREFIX}:${plan.seed}:${round * 10_000 + i}:${blocks[i % blocks.length]}`);
    await profileAll(workloads);
    model = deps.fit();
    rounds.push({ round, focus, networks: workloads.length });
    deps.onRound?.(round, workloads.length, model);
  }
  return { model, profiled, rounds };
}
