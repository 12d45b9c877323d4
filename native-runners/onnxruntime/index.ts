/** onnxruntime-node on this host: `local` (its CPU) and `gpuN` (an NVIDIA GPU through ORT's CUDA provider, where installed). */
import type { RunnerDescriptor } from '../target.js';
import { LocalOrtTarget } from './target.js';

export const onnxruntimeRunner: RunnerDescriptor = {
  name: 'onnxruntime',
  summary: "this host: 'local' (CPU) and 'gpuN' (ORT's CUDA provider)",
  accepts: (device) => device === 'local' || /^gpu\d+$/.test(device),
  // This host is assumed steady unless asked.
  canaryEvery: 0,
  open: (req, mode) => {
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
  },
};
