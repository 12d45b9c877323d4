/**
 * The Single-Path NAS latency table from a device's kernel model instead of its per-block
 * LUT: the networks of the space are planned whole into the kernels the runtime would run
 * (fused conv+bn+act, as deployed), each kernel is predicted by the model and charged to the
 * block its layers belong to, so that the search's sum of 22 cells is the kernel model's
 * prediction of the fused network. Uniform networks (every layer option o) give the option
 * cells, one with every residual layer skipped gives the skip cells, and the stem, head and
 * classifier kernels with the calibration's offset give the fixed part.
 */
import { LabbenchError } from '../api/errors.js';
import type { DeviceRecord } from '../api/lut.js';
import type { ProfilesDb } from '../../profiles-db/profiles-db.js';
import type { Network } from '../workloads/ir.js';
import type { Kernel } from '../workloads/kernels.js';
import { networkContext, type NetworkContext } from '../workloads/kernels.js';
import { analyzeNetwork } from '../workloads/analyze.js';
import { SPNAS_LAYERS, SPNAS_OPTIONS, spnasNetwork, type SpnasChoice } from '../workloads/zoo/spnas-space.js';
import { calibrated, predictKernel } from './kernel-model.js';
import type { KernelDeviceModel } from './kernel-fit.js';
import { plannedKernels, type PlannedKernels } from './kernel-plan.js';
import { latestKernelModel } from './kernel-predict.js';
import { SKIP, SPNAS_NATIVE_RESOLUTION, spnasLutResolution, type SpnasLatencyTable } from './spnas-lut.js';

const CHOICES = SPNAS_OPTIONS.length + 1;
/** The share of the kernel sum the calibration never goes below, read from `calibrated` itself. */
const FLOOR = calibrated({ scale: 0, per_kernel_ms: 0, offset_ms: 0 }, 1, 0);

/** Block layers are named `L<index>-k<k>e<e>` and `L<index>-k<k>e<e>/<part>` (spnasBlockName); stem and head layers are not. */
const BLOCK_LAYER = /^L(\d+)-k\de\d(?:\/|$)/;

/** The SPNAS layer index whose block a layer name belongs to; undefined for the stem, head and classifier. */
export function spnasLayerOf(layerName: string): number | undefined {
  const m = BLOCK_LAYER.exec(layerName);
  return m ? Number(m[1]) : undefined;
}

/**
 * The block a kernel runs part of: its primary layer's, or for a layout conversion the layer
 * whose output it converts (a conversion of the network's input belongs to the fixed part).
 */
export function spnasKernelLayer(k: Kernel): number | undefined {
  const name = k.layers[0] ?? k.at;
  return name === undefined ? undefined : spnasLayerOf(name);
}

/** How a planned network's kernels split over the blocks: per block and for the fixed part, the summed model ms and the kernel count. */
interface Split {
  readonly blocks: { ms: number; kernels: number }[];
  readonly fixed: { ms: number; kernels: number };
}

function splitPlan(m: KernelDeviceModel, plan: PlannedKernels, context: NetworkContext): Split {
  const blocks = SPNAS_LAYERS.map(() => ({ ms: 0, kernels: 0 }));
  const fixed = { ms: 0, kernels: 0 };
  plan.kernels.forEach((k, i) => {
    // A kernel the runtime removes runs no operator: it costs nothing (as in predictFromPlan).
    if (plan.operators[i] === 0) return;
    const layer = spnasKernelLayer(k);
    const into = layer === undefined ? fixed : blocks[layer]!;
    into.ms += predictKernel(m.model, { ...k.config, context });
    into.kernels += 1;
  });
  return { blocks, fixed };
}

const uniform = (o: number): SpnasChoice[] => SPNAS_LAYERS.map(() => SPNAS_OPTIONS[o]!);
/** Every residual layer skipped; the others (which cannot be) at option 0. */
const allSkipped = (): SpnasChoice[] => SPNAS_LAYERS.map((l) => (l.residual ? 'skip' : SPNAS_OPTIONS[0]!));

/**
 * The network context every kernel of the table is predicted in. The model reads the whole
 * network's weight and activation bytes (whether weights and inputs stay in the caches), which
 * no sum of per-block cells can follow; per field, the geometric mean of the lightest and
 * heaviest uniform networks stands for the architectures a search ends near.
 */
function referenceContext(resolution: number): NetworkContext {
  const lo = networkContext(analyzeNetwork(spnasNetwork(uniform(0), { resolution })));
  const hi = networkContext(analyzeNetwork(spnasNetwork(uniform(SPNAS_OPTIONS.length - 1), { resolution })));
  const mean = (f: (c: NetworkContext) => number | undefined): number => Math.sqrt((f(lo) ?? 0) * (f(hi) ?? 0));
  return { weight_bytes: mean((c) => c.weight_bytes), fc_weight_bytes: mean((c) => c.fc_weight_bytes), act_bytes: mean((c) => c.act_bytes) };
}

export type Planner = (network: Network) => Promise<PlannedKernels>;

/**
 * The table for the networks of the space at input `resolution` on `device` (the record the
 * kernel model was fitted on: its fingerprint says how the runtime runs them). A block's cell
 * is the calibration applied linearly to its kernels, scale x (their ms) + per_kernel_ms x
 * (their count); the fixed part is the stem's and head's kernels the same way plus offset_ms.
 * The calibration never goes below half the kernel sum (kernel-model.ts `calibrated`): where
 * that floor holds for every uniform network (a fit on very few networks can extrapolate
 * so), the cells are half their kernels' ms instead, which is then the model's sum too.
 */
export async function spnasKernelTable(device: DeviceRecord, m: KernelDeviceModel, resolution: number, plan: Planner = (n) => plannedKernels(device.fingerprint, n)): Promise<SpnasLatencyTable> {
  const context = referenceContext(resolution);
  const splits: Split[] = [];
  for (let o = 0; o < SPNAS_OPTIONS.length; o++) splits.push(splitPlan(m, await plan(spnasNetwork(uniform(o), { resolution })), context));
  const skipped = splitPlan(m, await plan(spnasNetwork(allSkipped(), { resolution })), context);
  const fit = m.model.calibration;
  const floored = splits.every((x) => {
    const [ms, kernels] = totals(x);
    return fit.scale * ms + fit.per_kernel_ms * kernels + fit.offset_ms < FLOOR * ms;
  });
  const c = floored ? { scale: FLOOR, per_kernel_ms: 0, offset_ms: 0 } : fit;
  const cost = (p: { ms: number; kernels: number }): number => c.scale * p.ms + c.per_kernel_ms * p.kernels;
  const cells = new Float64Array(SPNAS_LAYERS.length * CHOICES).fill(NaN);
  splits.forEach((split, o) => split.blocks.forEach((b, i) => (cells[i * CHOICES + o] = cost(b))));
  for (const l of SPNAS_LAYERS) if (l.residual) cells[l.index * CHOICES + SKIP] = cost(skipped.blocks[l.index]!);
  return { cells, fixed_ms: cost(splits[0]!.fixed) + c.offset_ms, resolution };
}

/** A split network's kernel ms and kernel count, all parts together. */
function totals(x: Split): [ms: number, kernels: number] {
  const parts = [...x.blocks, x.fixed];
  return [parts.reduce((s, p) => s + p.ms, 0), parts.reduce((s, p) => s + p.kernels, 0)];
}

/** `device`, then the other records of the same device (its key), the most recently used first. */
function sameDevice(db: ProfilesDb, device: DeviceRecord): DeviceRecord[] {
  return [device, ...db.listDevices().filter((d) => d.key === device.key && d.id !== device.id)];
}

/**
 * The kernel model that predicts `device`'s networks as deployed: its own, or else that of
 * the newest record of the same device (the same key) that has one. `profile --workload
 * spnas-space` runs the space's blocks unfused, a record of its own beside the deployed one
 * that `fit` profiled, and `--device KEY` names whichever ran last.
 */
export function deviceKernelModel(db: ProfilesDb, device: DeviceRecord): { device: DeviceRecord; model: KernelDeviceModel } | undefined {
  for (const d of sameDevice(db, device)) {
    const model = latestKernelModel(db, d);
    if (model) return { device: d, model };
  }
  return undefined;
}

/**
 * The resolution a kernel table is planned at: that of the device's spnas-space LUT, where
 * `device` or another record of the same device has one (newest first), so that the kernel
 * table and the LUT predict the same networks; else the space's native 224.
 */
export function spnasTableResolution(db: ProfilesDb, device: DeviceRecord): number {
  for (const d of sameDevice(db, device)) {
    const r = spnasLutResolution(db.lutEntries(d.id));
    if (r !== undefined) return r;
  }
  return SPNAS_NATIVE_RESOLUTION;
}

/** A refusal when kernels are asked for where there is no kernel model. */
export function noKernelModel(device: DeviceRecord): LabbenchError {
  return new LabbenchError('BAD_INPUT', `${device.label} has no kernel model to predict the Single-Path NAS space with: run labbench fit --device ${device.key} first, or search with --latency lut`);
}
