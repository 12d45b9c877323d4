/**
 * Latency of a (pruned) network on a device, as `predict` computes it: from the device's
 * kernel model, or from NeuralPower (LUT rows where the layer was measured, the model
 * elsewhere, times the learned network gap). Measured latency goes through the ordinary
 * profile path with the network's ONNX file.
 */
import type { ProfileRequest, ProfileResult } from '../api/profile.js';
import { LabbenchError } from '../api/errors.js';
import type { ProfilesDb } from '../../profiles-db/profiles-db.js';
import { analyzeNetwork } from '../workloads/analyze.js';
import { loadDeviceModel, MODEL_KIND } from '../predict/fit-device.js';
import { latestKernelModel, predictFromPlan } from '../predict/kernel-predict.js';
import { plannedKernelsSync } from '../predict/kernel-plan.js';
import type { DeviceRecord } from '../api/lut.js';
import type { Network } from '../workloads/ir.js';
import { predictNetwork } from '../predict/neuralpower.js';
import type { LatencyProvider } from './legr.js';

export function deviceLatency(
  db: ProfilesDb,
  deviceRef: string,
  profile: (req: ProfileRequest, hooks: { signal?: AbortSignal }) => Promise<ProfileResult>,
): LatencyProvider {
  const device = db.resolveDevice(deviceRef);
  return { predict: predictor(db, device), measure: measurer(deviceRef, profile) };
}

/**
 * The device's kernel model where its kernels can be planned here without its runtime (a
 * phone's TFLite artifacts), else its NeuralPower model. Pruning calls it synchronously, for
 * many candidate networks; onnxruntime plans kernels with a session each, too slow for that.
 */
function predictor(db: ProfilesDb, device: DeviceRecord): (network: Network) => number {
  const kernels = latestKernelModel(db, device);
  if (kernels && device.fingerprint.kind === 'android') return (network) => predictFromPlan(kernels, plannedKernelsSync(device.fingerprint, network)!).total.runtime_ms;
  if (kernels && !db.latestModel(device.id, MODEL_KIND)) {
    throw new LabbenchError('BAD_INPUT', `${device.key}: pruning for latency here needs a per-layer NeuralPower model (labbench fit --device ${device.key} --per-layer)`);
  }
  const model = loadDeviceModel(db, device);
  const lut = new Map(db.lutEntries(device.id).map((e) => [e.key, e]));
  return (network) => predictNetwork(model.neuralpower, analyzeNetwork(network), lut).total.runtime_ms * model.gap_factor;
}

function measurer(deviceRef: string, profile: (req: ProfileRequest, hooks: { signal?: AbortSignal }) => Promise<ProfileResult>): LatencyProvider['measure'] {
  return async (onnxPath: string, signal?: AbortSignal) => {
    const r = await profile({ device: deviceRef, workload: onnxPath, runs: 10, maxSecondsPerUnit: 1 }, signal ? { signal } : {});
    if (!r.end_to_end) throw new LabbenchError('RUNNER_FAILED', `${onnxPath}: the device measured no end-to-end time`);
    return r.end_to_end.median_ms;
  };
}
