/**
 * Test support, not part of the bench: a hidden "device" for the predictors' tests. Its
 * latency is roofline-like (compute and memory time overlap partly, efficiency drops for
 * narrow layers and depthwise convolutions, a fixed per-layer cost) with multiplicative
 * noise, and it draws random conv / pwconv / dwconv / fc / pool / elementwise
 * configurations the way a LUT of many networks would hold them. Nothing here is used
 * outside tests.
 */
import { analyzeLayer, type AnalyzedLayer } from '../../workloads/analyze.js';
import type { Layer, Shape } from '../../workloads/ir.js';
import { layerConfig } from '../../workloads/units.js';
import { layerFeatures, type LayerSample } from '../features.js';
import { gaussian, pick } from '../../util/rng.js';

export interface DeviceSpec {
  /** FLOP/s at full efficiency. */
  readonly peak_flops: number;
  /** Bytes/s. */
  readonly bandwidth: number;
  /** Relative noise (sd of the log). */
  readonly noise: number;
}

export const HIDDEN_DEVICE: DeviceSpec = { peak_flops: 40e9, bandwidth: 6e9, noise: 0.03 };

const OVERHEAD_MS: Readonly<Record<string, number>> = { conv: 0.012, dwconv: 0.009, fc: 0.006, pool: 0.005, other: 0.004 };

/** The device's true (noise-free) latency of a layer at `batch`, ms. */
export function trueLatencyMs(spec: DeviceSpec, a: AnalyzedLayer, batch: number): number {
  const f = layerFeatures(a, batch);
  const v = f.values;
  let eff = 1;
  if (f.type === 'conv') eff = Math.sqrt(Math.min(v.cin!, 32) / 32) * Math.pow(Math.min(v.cout!, 64) / 64, 0.3) * (v.kernel === 1 ? 0.8 : 1);
  else if (f.type === 'dwconv') eff = 0.12;
  else if (f.type === 'fc') eff = Math.min(1, 0.3 * batch);
  else eff = 0.25;
  const compute = (1000 * v.flops!) / (spec.peak_flops * eff);
  const memory = (1000 * v.bytes!) / spec.bandwidth;
  return Math.max(compute, memory) + 0.4 * Math.min(compute, memory) + OVERHEAD_MS[f.type]!;
}

/** Average power of the device while running a layer, W: busier layers draw more. */
export function truePowerW(spec: DeviceSpec, a: AnalyzedLayer, batch: number): number {
  const v = layerFeatures(a, batch).values;
  const t = trueLatencyMs(spec, a, batch);
  const computeShare = Math.min(1, (1000 * v.flops!) / spec.peak_flops / t);
  const memShare = Math.min(1, (1000 * v.bytes!) / spec.bandwidth / t);
  return 2 + 3 * computeShare + 1.5 * memShare;
}

const CHANNELS = [3, 8, 16, 24, 32, 48, 64, 96, 128, 160, 192, 256, 320, 384, 512];
const SIZES = [7, 14, 28, 56, 112];

/** A random single-layer configuration of the given kind, with its input shape. */
export function randomLayer(kind: 'conv' | 'pwconv' | 'dwconv' | 'fc' | 'pool' | 'other', u: () => number): { layer: Layer; inputs: Shape[] } {
  const name = 'x';
  const inputs1 = ['input'];
  const h = pick(SIZES, u);
  const c = pick(CHANNELS, u);
  switch (kind) {
    case 'conv': {
      const k = pick([1, 3, 5, 7], u);
      return { layer: { op: 'conv', name, inputs: inputs1, out: pick(CHANNELS.slice(1), u), kernel: k, stride: pick([1, 2], u), pad: Math.floor(k / 2), groups: 1, bias: u() < 0.5 }, inputs: [[c, h, h]] };
    }
    case 'pwconv':
      return { layer: { op: 'pwconv', name, inputs: inputs1, out: pick(CHANNELS.slice(1), u), bias: false }, inputs: [[c, h, h]] };
    case 'dwconv':
      return { layer: { op: 'dwconv', name, inputs: inputs1, kernel: pick([3, 5, 7], u), stride: pick([1, 2], u), pad: 'same', bias: false }, inputs: [[pick([16, 32, 64, 96, 144, 192, 384, 576, 960], u), h, h]] };
    case 'fc':
      return { layer: { op: 'fc', name, inputs: inputs1, out: pick([10, 100, 256, 512, 1000, 1024, 2048, 4096], u), bias: true }, inputs: [[pick([256, 512, 1024, 1280, 2048, 4096, 9216, 25088], u)]] };
    case 'pool': {
      const op = pick(['maxpool', 'avgpool', 'gap'] as const, u);
      if (op === 'gap') return { layer: { op, name, inputs: inputs1 }, inputs: [[c, h, h]] };
      const k = pick([2, 3], u);
      return { layer: { op, name, inputs: inputs1, kernel: k, stride: 2, pad: 0 }, inputs: [[c, h, h]] };
    }
    case 'other': {
      const op = pick(['bn', 'relu', 'relu6', 'add', 'concat', 'softmax'] as const, u);
      const shape: Shape = op === 'softmax' ? [pick([10, 100, 1000], u)] : [c, h, h];
      const n = op === 'add' || op === 'concat' ? 2 : 1;
      return { layer: { op, name, inputs: Array.from({ length: n }, (_, i) => (i === 0 ? 'input' : `input${i}`)) }, inputs: Array.from({ length: n }, () => shape) };
    }
  }
}

/** A measured sample of a random layer on the device: config as a LUT row holds it, noisy runtime and power. */
export function measure(spec: DeviceSpec, layer: Layer, inputs: readonly Shape[], batch: number, u: () => number): LayerSample & { analyzed: AnalyzedLayer } {
  const g = gaussian(u);
  const a = analyzeLayer(layer, inputs);
  return {
    op: layer.op,
    config: layerConfig(a, batch),
    runtime_ms: trueLatencyMs(spec, a, batch) * Math.exp(spec.noise * g()),
    power_w: truePowerW(spec, a, batch) * Math.exp(0.5 * spec.noise * g()),
    analyzed: a,
  };
}
