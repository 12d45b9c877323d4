/**
 * `npm run bench`: profiles zoo networks on this CPU into a throw-away DB and prints, per
 * network, (a) how far the sum of per-layer medians lies from the end-to-end median, in %,
 * and (b) the profiling overhead: wall time of building the LUT over the device time
 * measured (kernels of measured runs). Both are ratios measured within the same run, so
 * they compare across machines. `--json` prints one JSON document; `--quick` uses smaller
 * inputs; `--only a,b` picks networks.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalLabService } from '../app/lab-service.js';
import { table } from '../app/cli/format.js';
import { describeLocalCpu } from '../app/devices/local-host.js';
import { ortVersion } from '../native-runners/onnxruntime/runner.js';

interface Case {
  readonly workload: string;
  readonly resolution?: number;
  readonly quickResolution?: number;
}

const CASES: readonly Case[] = [
  { workload: 'cifar10-6conv' },
  { workload: 'resnet56' },
  { workload: 'vgg13' },
  { workload: 'mobilenetv2', quickResolution: 96 },
  { workload: 'alexnet', quickResolution: 128 },
  { workload: 'nin', quickResolution: 96 },
  { workload: 'overfeat', resolution: 231, quickResolution: 135 },
  { workload: 'vgg16', resolution: 112, quickResolution: 64 },
  { workload: 'spnas-space', resolution: 128, quickResolution: 64 },
];

const args = process.argv.slice(2);
const json = args.includes('--json');
const quick = args.includes('--quick');
const onlyArg = args.find((a) => a.startsWith('--only='))?.slice('--only='.length) ?? (args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined);
const only = onlyArg?.split(',');

const dir = mkdtempSync(join(tmpdir(), 'labbench-bench-'));
const service = new LocalLabService(join(dir, 'bench.db'));
const results = [];
try {
  for (const c of CASES) {
    if (only && !only.includes(c.workload)) continue;
    const resolution = quick ? c.quickResolution ?? c.resolution : c.resolution;
    if (!json) process.stderr.write(`profiling ${c.workload}${resolution ? ` at ${resolution}px` : ''}...\n`);
    const r = await service.profile({ device: 'local', workload: c.workload, ...(resolution ? { resolution } : {}), runs: 10, maxSecondsPerUnit: 1.5, fresh: true });
    results.push({
      workload: c.workload,
      resolution: resolution ?? null,
      units_measured: r.measured_units,
      layers: r.layers.length,
      end_to_end_median_ms: r.end_to_end?.median_ms ?? NaN,
      sum_of_layers_ms: r.sum_of_layers_ms,
      sum_gap_pct: r.sum_gap_pct ?? NaN,
      wall_s: r.wall_s,
      device_s: r.device_s,
      overhead_ratio: r.wall_s / r.device_s,
    });
  }
} finally {
  service.close();
  rmSync(dir, { recursive: true, force: true });
}

const cpu = describeLocalCpu();
const doc = { machine: { cpu: cpu.cpu_model, cores: cpu.cores, os: cpu.os, onnxruntime: ortVersion(), threads: 1, graph_optimization: 'disabled' }, quick, results };
if (json) {
  process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
} else {
  const rows = [['WORKLOAD', 'PX', 'UNITS', 'E2E ms', 'SUM ms', 'GAP %', 'WALL s', 'DEVICE s', 'OVERHEAD x']];
  for (const r of results) {
    rows.push([r.workload, String(r.resolution ?? 'native'), String(r.units_measured), r.end_to_end_median_ms.toFixed(3), r.sum_of_layers_ms.toFixed(3), r.sum_gap_pct.toFixed(1), r.wall_s.toFixed(1), r.device_s.toFixed(2), r.overhead_ratio.toFixed(1)]);
  }
  process.stdout.write(`${doc.machine.cpu}, ${doc.machine.cores} cores, onnxruntime ${doc.machine.onnxruntime}, 1 thread, graph optimization disabled\n${table(rows)}\n`);
}
