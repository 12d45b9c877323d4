/**
 * The kernels a device's runtime would run for a network it has not run: the same grouping
 * kernel-mode profiling reads from a run, obtained without running. For onnxruntime, ORT
 * optimizes the network's artifact (a session is created, nothing is run) and its graph is
 * mapped as a profile would be; the device's fingerprint says which settings it ran with.
 */
import { LabbenchError } from '../api/errors.js';
import type { DeviceFingerprint } from '../api/lut.js';
import type { Network } from '../workloads/ir.js';
import type { Kernel } from '../workloads/kernels.js';
import { buildOnnx } from '../../native-runners/onnxruntime/artifact.js';
import { optimizedGraph, type GraphOptimization } from '../../native-runners/onnxruntime/runner.js';
import { mapOrtKernels, readOrtNodes } from '../../native-runners/onnxruntime/kernel-map.js';
import { buildTflite } from '../../native-runners/android-tflite/tflite-writer.js';
import { groupKind, groupVariant, plannedGroups } from '../../native-runners/android-tflite/kernel-groups.js';
import { analyzeNetwork } from '../workloads/analyze.js';
import { layerKernel } from '../workloads/kernels.js';

export interface PlannedKernels {
  readonly kernels: readonly Kernel[];
  /** Per kernel, how many runtime operators run it (0: the runtime removes it; it costs nothing). */
  readonly operators: readonly number[];
}

export async function plannedKernels(fingerprint: DeviceFingerprint, network: Network): Promise<PlannedKernels> {
  if (fingerprint.runtime === 'onnxruntime-node') {
    const bytes = await optimizedGraph(buildOnnx(network), {
      threads: typeof fingerprint.threads === 'number' ? fingerprint.threads : 1,
      graphOptimization: (fingerprint.graph_optimization ?? 'all') as GraphOptimization,
      executionProvider: fingerprint.execution_provider === 'cuda' ? 'cuda' : 'cpu',
    });
    const map = mapOrtKernels(network, readOrtNodes(bytes));
    return { kernels: map.kernels, operators: map.nodeCount };
  }
  const sync = plannedKernelsSync(fingerprint, network);
  if (sync) return sync;
  throw new LabbenchError('BAD_INPUT', `no kernel plan for runtime '${String(fingerprint.runtime)}'`);
}

/** The plan where it needs no runtime on this machine (TFLite: the artifact's own operators); undefined for onnxruntime. */
export function plannedKernelsSync(fingerprint: DeviceFingerprint, network: Network): PlannedKernels | undefined {
  if (fingerprint.kind !== 'android') return undefined;
  const a = buildTflite(network);
  const analysis = analyzeNetwork(network);
  const kernels = plannedGroups(a).map((g) => layerKernel(analysis, g.layers, groupVariant(a.opTypes, g.ops), groupKind(a.opTypes, g.ops)));
  return { kernels, operators: kernels.map(() => 1) };
}
