import { NetworkBuilder } from '../app/workloads/builder.js';
import { layerPlan, type ProfileUnit } from '../app/workloads/units.js';

/**
 * A small fixed conv: cheap, compute-bound, so throttling shows in it first. Phones measure
 * it every few units (profile-job.ts); this host times it beside every run (onnxruntime/runner.ts).
 */
export function canaryUnit(batch: number): ProfileUnit {
  const b = new NetworkBuilder('canary', [32, 28, 28], batch);
  b.conv(32, 3, { name: 'canary' });
  return layerPlan('canary', b.build()).units[0]!;
}
