/**
 * The analytic baseline's peaks, measured on the device: a big pointwise conv reaches the
 * compute peak, a ReLU over a large map the memory bandwidth. Profiled as a workload like
 * any other, so phones and this host measure them the same way.
 */
import { NetworkBuilder } from '../builder.js';
import { layerPlan, type WorkloadPlan } from '../units.js';

export const MICROBENCH = 'microbench';

export function microbenchPlan(): WorkloadPlan {
  const b = new NetworkBuilder(MICROBENCH, [256, 28, 28]);
  b.pwconv(256, { name: 'peak-compute' });
  b.relu({ name: 'peak-memory', from: 'input' });
  const p = layerPlan(MICROBENCH, b.build());
  return { workload: MICROBENCH, units: p.units, parts: p.parts };
}
