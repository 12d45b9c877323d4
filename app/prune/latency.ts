/**
 * Latency of a (pruned) network on a device, as `predict` computes it: LUT rows where the
 * layer was measured, the device's NeuralPower model elsewhere (a pruned layer's channel
 * count is usually not in the LUT), times the learned network gap. Measured latency goes
 * through the ordinary profile path with the network's ONNX file.
 */
import type { ProfileRequest, ProfileResult } from '../api/profile.js';
import { LabbenchError } from '../api/errors.js';
import type { ProfilesDb } from '../../profiles-db/profiles-db.js';
import { analyzeNetwork } from '../workloads/analyze.js';
import { loadDeviceModel } from '../predict/fit-device.js';
import { predictNetwork } from '../predict/neuralpower.js';
import type { LatencyProvider } from './legr.js';

export function deviceLatency(
  db: ProfilesDb,
  deviceRef: string,
  profile: (req: ProfileRequest, hooks: { signal?: AbortSignal }) => Promise<ProfileResult>,
): LatencyProvider {
  const device = db.resolveDevice(deviceRef);
  const model = loadDeviceModel(db, device);
  const lut = new Map(db.lutEntries(device.id).map((e) => [e.key, e]));
  return {
    predict: (network) => predictNetwork(model.neuralpower, analyzeNetwork(network), lut).total.runtime_ms * model.gap_factor,
    measure: async (onnxPath, signal) => {
      const r = await profile({ device: deviceRef, workload: onnxPath, runs: 10, maxSecondsPerUnit: 1 }, signal ? { signal } : {});
      if (!r.end_to_end) throw new LabbenchError('RUNNER_FAILED', `${onnxPath}: the device measured no end-to-end time`);
      return r.end_to_end.median_ms;
    },
  };
}
