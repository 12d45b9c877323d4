// The emulated phone's power depends on what runs, not only on how many cores are busy: a
// conv near peak switches more of a core than an elementwise op that waits on memory, and
// DRAM traffic draws power of its own. Without this, a network's power would be one constant
// and any energy predictor that gets the time right would look right.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EmulatedPhone } from './emulated-phone.js';
import { readTflite } from './tflite-reader.js';
import { opCost } from './op-cost.js';
import { cpuOpPower } from './perf-model.js';
import { convReluModel } from './tflite-builder.js';
import { buildTflite } from '../../../native-runners/android-tflite/tflite-writer.js';
import { everyOpNetwork } from '../../../native-runners/android-tflite/fixtures/every-op-network.js';

test('a conv near peak switches more of a core than elementwise or data-movement ops; a working set past L2 moves DRAM bytes', () => {
  const spec = new EmulatedPhone().spec.cores.find((c) => c.cluster === 'big')!;
  const placement = { cores: [{ spec, khz: spec.maxKHz }], oversubscription: 1 };
  const m = readTflite(Buffer.from(buildTflite(everyOpNetwork()).bytes));
  const activity = (cls: string): number[] => m.operators.map((o) => opCost(m, o)).filter((c) => c.cls === cls).map((c) => cpuOpPower(c, placement, 'xnnpack', 14).activity);
  const conv = Math.max(...activity('conv'));
  assert.ok(conv > 0.85, `conv ${conv}`);
  for (const cls of ['eltwise', 'move', 'pool']) for (const a of activity(cls)) assert.ok(a < conv - 0.2 && a >= 0.45, `${cls} ${a} against conv ${conv}`);

  const big = readTflite(convReluModel({ size: 56, cin: 64, cout: 64, kernel: 3 }));
  const [c, relu] = big.operators.map((o) => cpuOpPower(opCost(big, o), placement, 'xnnpack', 14));
  assert.ok(c!.dramBytes > 1e6 && relu!.dramBytes > 1e6, 'a 56x56x64 layer does not fit in L2');
  assert.ok(c!.activity > 0.95 && relu!.activity < 0.6, `conv ${c!.activity}, relu ${relu!.activity}`);
});

test("a busy core draws its dynamic power times its load's activity; DRAM traffic adds its own", () => {
  const phone = new EmulatedPhone({ seed: 3, screenOn: false, charging: false });
  const physics = phone.physics;
  const big = phone.spec.cores.filter((c) => c.cluster === 'big').map((c) => c.id);
  const idle = physics.powerW();
  const at = (power: { activity?: number; dramW?: number }): number => {
    const release = physics.addLoad(big, 1, 0, power);
    const w = physics.powerW();
    release();
    return w;
  };
  const full = at({});
  const half = at({ activity: 0.5 });
  assert.ok(full - idle > 1, `busy big cores draw watts: ${full - idle}`);
  assert.ok(Math.abs((half - idle) / (full - idle) - 0.5) < 0.02, `half the activity, half the dynamic power: ${half - idle} of ${full - idle}`);
  assert.ok(Math.abs(at({ dramW: 0.25 }) - full - 0.25) < 0.02);
});
