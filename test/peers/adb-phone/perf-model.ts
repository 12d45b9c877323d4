// The phone's performance model: how long one operator takes on the cores it runs on.
//   t_op = max(t_compute, t_memory) + 0.2 * min(t_compute, t_memory) + overhead
//   t_compute = FLOPs / (sum over threads of f_core * flops_per_cycle * efficiency(op, backend))
//   t_memory  = bytes / min(system bandwidth, sum of per-core bandwidths)  (x3.5 when it fits L2)
// XNNPACK balances work across threads (sum of core rates); the builtin kernels split it
// evenly (threads x the slowest core) and only conv/depthwise/FC run multi-threaded.
// The GPU delegate has its own rate, bandwidth, per-op dispatch and per-invoke sync cost.
// Power: a busy core draws its dynamic power scaled by how much of the op's time it computes
// (and how wide its loops are) rather than waits on memory; DRAM traffic draws on the DDR rail.

import type { OpClass, OpCost } from './op-cost.js';
import type { CoreSpec, GpuSpec } from './phone-model.js';

export type CpuBackend = 'builtin' | 'xnnpack';

/** Fraction of a core's peak FLOP rate each kind of op reaches. */
export const EFFICIENCY: Record<CpuBackend, Record<OpClass, number>> = {
  xnnpack: { conv: 0.75, dwconv: 0.35, fc: 0.55, pool: 0.25, eltwise: 0.25, act: 0.3, softmax: 0.12, reduce: 0.25, move: 1, other: 0.2 },
  builtin: { conv: 0.55, dwconv: 0.28, fc: 0.45, pool: 0.2, eltwise: 0.2, act: 0.25, softmax: 0.1, reduce: 0.15, move: 1, other: 0.15 },
};

const GPU_EFFICIENCY: Record<OpClass, number> = { conv: 1, dwconv: 0.35, fc: 0.3, pool: 0.5, eltwise: 0.4, act: 0.5, softmax: 0.2, reduce: 0.3, move: 0.6, other: 0.3 };

/** Fixed cost per op dispatch at the big cores' max clock, microseconds. */
export const OP_OVERHEAD_US: Record<CpuBackend, number> = { builtin: 4, xnnpack: 1 };
export const THREAD_SYNC_US = 2;
export const GPU_OP_US = 12;
/** One GPU delegate invoke: upload, enqueue, clFinish, download. */
export const GPU_INVOKE_US = 450;
export const XNNPACK_NODE_US = 3;
export const INVOKE_US = 12;

/** A core a thread runs on, at the frequency it runs at now. */
export interface PlacedCore {
  spec: CoreSpec;
  khz: number;
}

export interface CpuPlacement {
  cores: PlacedCore[];
  /** Threads per core when more threads than allowed cores (1 otherwise). */
  oversubscription: number;
}

function coreRate(c: PlacedCore, cost: OpCost, backend: CpuBackend): number {
  let eff = EFFICIENCY[backend][cost.cls];
  if (cost.cls === 'conv' && cost.reduction < 64) eff *= Math.max(0.35, Math.sqrt(cost.reduction / 64));
  if (c.spec.cluster === 'little') eff *= 0.85;
  const int8 = cost.quantized && (cost.cls === 'conv' || cost.cls === 'dwconv' || cost.cls === 'fc') ? (backend === 'xnnpack' ? 1.8 : 2) : 1;
  return c.khz * 1e3 * c.spec.flopsPerCycle * eff * int8;
}

function coreBandwidth(c: PlacedCore, bytes: number): number {
  const gbs = c.spec.bandwidthGBs * Math.pow(c.khz / c.spec.maxKHz, 0.4);
  return (bytes <= c.spec.l2Bytes ? gbs * 3.5 : gbs) * 1e9;
}

function threaded(cls: OpClass, backend: CpuBackend): boolean {
  if (backend === 'xnnpack') return cls !== 'move';
  return cls === 'conv' || cls === 'dwconv' || cls === 'fc';
}

/** Time of one op on the CPU, microseconds (noise-free). */
export function cpuOpTimeUs(cost: OpCost, placement: CpuPlacement, backend: CpuBackend, systemBandwidthGBs: number): number {
  return cpuOpParts(cost, placement, backend, systemBandwidthGBs).us;
}

/** Dynamic power of a fully switching cycle scaled by this; a cycle stalled on memory switches about half as much. */
const STALLED_ACTIVITY = 0.45;
/** DRAM energy per byte moved (LPDDR4 plus the controller), joules. */
export const DRAM_J_PER_BYTE = 90e-12;

/**
 * How an op loads the phone besides its time: the switching activity of its cycles (the share
 * of its time the cores compute rather than wait on memory) and the DRAM bytes it moves (none
 * when its working set fits in L2).
 */
export function cpuOpPower(cost: OpCost, placement: CpuPlacement, backend: CpuBackend, systemBandwidthGBs: number): { us: number; activity: number; dramBytes: number } {
  const p = cpuOpParts(cost, placement, backend, systemBandwidthGBs);
  const computing = p.tCompute / (p.tCompute + p.tMemory || 1);
  // Wide FMA loops (a conv near peak) switch more of the core than load/store-bound ones.
  const width = Math.sqrt(Math.min(1, EFFICIENCY[backend][cost.cls] / EFFICIENCY[backend].conv));
  return { us: p.us, activity: STALLED_ACTIVITY + (1 - STALLED_ACTIVITY) * computing * width, dramBytes: p.fitsCache ? 0 : p.bytes };
}

function cpuOpParts(cost: OpCost, placement: CpuPlacement, backend: CpuBackend, systemBandwidthGBs: number): { us: number; tCompute: number; tMemory: number; bytes: number; fitsCache: boolean } {
  const lead = placement.cores[0];
  if (!lead) throw new Error('no core to run on');
  const cores = threaded(cost.cls, backend) ? placement.cores : [lead];
  const n = cores.length;
  const rates = cores.map((c) => coreRate(c, cost, backend));
  const parallel = 1 / (1 + 0.07 * (n - 1));
  const over = n > 1 ? 1 / (1 + 0.25 * (placement.oversubscription - 1)) : 1 / placement.oversubscription;
  const rate = (backend === 'xnnpack' ? rates.reduce((a, b) => a + b, 0) : n * Math.min(...rates)) * parallel * over;
  const bytes = cost.actBytes + cost.weightBytes;
  const fitsCache = bytes <= lead.spec.l2Bytes;
  const perCore = cores.reduce((a, c) => a + coreBandwidth(c, bytes), 0);
  const bw = fitsCache ? perCore : Math.min(perCore, systemBandwidthGBs * 1e9);
  // The builtin kernels clamp in a pass after the op; XNNPACK clamps as it stores.
  const tCompute = (cost.flops + (backend === 'builtin' ? cost.activationFlops : 0)) / rate;
  const tMemory = bytes / bw;
  const seconds = Math.max(tCompute, tMemory) + 0.2 * Math.min(tCompute, tMemory);
  const clockScale = 2.15e6 / lead.khz;
  const overhead = OP_OVERHEAD_US[backend] * clockScale + (n > 1 ? THREAD_SYNC_US * (n - 1) * placement.oversubscription : 0);
  return { us: seconds * 1e6 + overhead, tCompute, tMemory, bytes, fitsCache };
}

/** Time of one op inside the GPU delegate, microseconds (noise-free). */
export function gpuOpTimeUs(cost: OpCost, gpu: GpuSpec, clockFraction: number): number {
  const rate = gpu.gflops * 1e9 * clockFraction * GPU_EFFICIENCY[cost.cls];
  const bytes = cost.actBytes + cost.weightBytes;
  const tCompute = cost.flops / rate;
  const tMemory = bytes / (gpu.bandwidthGBs * 1e9);
  return (Math.max(tCompute, tMemory) + 0.2 * Math.min(tCompute, tMemory)) * 1e6 + GPU_OP_US;
}

/**
 * Cores the threads land on: the allowed set, big cores first (what the EAS scheduler does
 * with busy threads), one thread per core; extra threads share cores.
 */
export function placeThreads(threads: number, allowed: CoreSpec[]): CoreSpec[] {
  const sorted = [...allowed].sort((a, b) => (a.cluster === b.cluster ? a.id - b.id : a.cluster === 'big' ? -1 : 1));
  return sorted.slice(0, Math.max(1, Math.min(threads, sorted.length)));
}
