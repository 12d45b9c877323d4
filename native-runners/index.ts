/**
 * Every runner the bench profiles with: one folder each, one line here, in the order they are
 * asked whether they take a device id. A test fails when a runner folder is not listed, and
 * one conformance suite (test/runners-conformance.test.ts) runs every listed runner.
 */
import type { ProfileRequest } from '../app/api/profile.js';
import type { ProfilingTarget, RunnerDescriptor } from './target.js';
import { onnxruntimeRunner } from './onnxruntime/index.js';
import { androidTfliteRunner } from './android-tflite/index.js';

export const RUNNERS: readonly RunnerDescriptor[] = [onnxruntimeRunner, androidTfliteRunner];

/** The runner that profiles a device id. */
export function runnerFor(device: string): RunnerDescriptor {
  const runner = RUNNERS.find((r) => r.accepts(device));
  if (!runner) throw new Error(`no runner takes device '${device}'`);
  return runner;
}

/** This host's CPU or GPU, not a phone. */
export function isLocalDevice(device: string): boolean {
  return runnerFor(device) === onnxruntimeRunner;
}

export function openTarget(req: ProfileRequest, mode: 'kernels' | 'layers'): Promise<ProfilingTarget> {
  return runnerFor(req.device).open(req, mode);
}

export function defaultCanaryEvery(device: string): number {
  return runnerFor(device).canaryEvery;
}
