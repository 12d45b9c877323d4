/**
 * From a device id to its profiling target: `local` and `gpuN` are this host (ORT);
 * anything else is an adb serial. One line per kind of target.
 */
import type { ProfileRequest } from '../../api/profile.js';
import type { ProfilingTarget } from '../target.js';
import { LocalOrtTarget } from './local-ort.js';

export function isLocalDevice(device: string): boolean {
  return device === 'local' || /^gpu\d+$/.test(device);
}

/** `mode` decides defaults: deployed settings (ORT's graph optimizations on) for kernels, unfused single layers otherwise. */
export async function openTarget(req: ProfileRequest, mode: 'kernels' | 'layers'): Promise<ProfilingTarget> {
  if (isLocalDevice(req.device)) {
    const runs = req.runs ?? 20;
    return LocalOrtTarget.open(req.device, {
      runs,
      maxRuns: req.maxRuns ?? Math.max(500, runs),
      warmup: req.warmup ?? 5,
      threads: req.threads ?? 1,
      graphOptimization: req.graphOptimization ?? (mode === 'kernels' ? 'all' : 'disabled'),
      targetRelCi: req.targetRelCi ?? 0.02,
      maxSecondsPerUnit: req.maxSecondsPerUnit ?? 3,
      kernels: mode === 'kernels',
      ...(req.setupRatio !== undefined ? { setupRatio: req.setupRatio } : {}),
    });
  }
  const { AndroidTarget } = await import('./android-adb.js');
  return AndroidTarget.open(req, mode);
}

/** Canary default: phones heat and throttle, this host is assumed steady unless asked. */
export function defaultCanaryEvery(device: string): number {
  return isLocalDevice(device) ? 0 : 8;
}
