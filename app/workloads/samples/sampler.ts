/**
 * Training data that covers the feature space: layer configurations drawn (seeded) across
 * kernel sizes, strides, channel counts and input sizes, for every layer type the models
 * know, not only the zoo's layers. They are profiled through the same path as any
 * workload (`layer-sample` plans), so their rows land in the device's LUT like others.
 * MACs are capped so that one draw stays cheap on a small CPU or a phone.
 */
import { analyzeLayer } from '../analyze.js';
import { NETWORK_INPUT, type Layer, type LayerSpec, type Network, type Shape } from '../ir.js';
import { layerPlan, type ProfileUnit, type WorkloadPlan } from '../units.js';
import { LabbenchError } from '../../api/errors.js';
import { mulberry32 } from '../../util/rng.js';

export const SAMPLER_PREFIX = 'layer-sample';

export interface SamplerOptions {
  readonly count: number;
  readonly seed: number;
  /** Largest layer drawn, in multiply-accumulates (default 120 M). */
  readonly maxMacs?: number;
}

const rng = (seed: number): (() => number) => mulberry32(seed >>> 0 || 1);

const logUniformInt = (r: () => number, lo: number, hi: number): number => Math.round(Math.exp(Math.log(lo) + r() * (Math.log(hi) - Math.log(lo))));
const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

/**
 * Type mix: convolutions dominate real networks and have the most features to cover.
 * `mbdw` is a depthwise conv at the shapes inverted-residual blocks use (below): the general
 * draws left those wide depthwise layers uncovered, and the fit under-priced mobilenetv2's
 * (docs/decisions/0021-layer-sampler-coverage.md).
 */
const KINDS = ['conv', 'conv', 'conv', 'pwconv', 'pwconv', 'dwconv', 'dwconv', 'mbdw', 'mbdw', 'fc', 'maxpool', 'avgpool', 'gap', 'bn', 'relu', 'relu6', 'add', 'concat', 'softmax'] as const;

/**
 * Feature-map sides. 2 and 4 are where CIFAR-sized networks end (vgg13's last 512-channel
 * 3x3 convs run at 2x2): there a conv reads 2.4 M weights for 4 outputs a channel, and
 * without such draws the fit under-priced those layers
 * (docs/decisions/0021-layer-sampler-coverage.md).
 */
const SIDES = [2, 4, 7, 8, 14, 16, 28, 32, 56, 64, 112] as const;

/** Expanded widths of inverted-residual blocks (t x the block's channels, MobileNetV2 and the NAS space). */
const MB_WIDTHS = [16, 32, 48, 64, 96, 144, 192, 240, 288, 384, 480, 576, 672, 960, 1152] as const;

/**
 * A channel count as networks use them: mostly whole multiples of 8, and a ragged count one
 * time in RAGGED_SHARE (first layers' 3, odd widths from pruning). Why: vectorized kernels
 * run ragged counts markedly slower (features.ts `cin_odd`), and with counts drawn uniformly
 * in log space seven in eight samples were ragged, against almost none of a real network's
 * layers, so the fit learned the device's ragged speed and applied it to everything.
 */
const RAGGED_SHARE = 0.25;
function channels(r: () => number, lo: number, hi: number): number {
  const c = logUniformInt(r, lo, hi);
  return r() < RAGGED_SHARE ? c : Math.max(8, Math.round(c / 8) * 8);
}

function drawLayer(r: () => number): { layer: LayerSpec; input: Shape; inputs: number } {
  const kind = pick(r, KINDS);
  // Depthwise and pointwise convs take the wide inputs of expanded blocks (up to 960 in mobilenetv2).
  const c = channels(r, 3, kind === 'dwconv' || kind === 'pwconv' ? 1024 : 512);
  const hw = pick(r, SIDES);
  const fmap: Shape = [c, hw, hw];
  switch (kind) {
    case 'conv': {
      const kernel = pick(r, [1, 3, 3, 5, 7]);
      return { layer: { op: 'conv', out: channels(r, 8, 512), kernel, stride: pick(r, [1, 1, 2]), pad: Math.floor(kernel / 2), groups: 1, bias: r() < 0.5 }, input: fmap, inputs: 1 };
    }
    case 'pwconv':
      return { layer: { op: 'pwconv', out: channels(r, 8, 1024), bias: false }, input: fmap, inputs: 1 };
    case 'dwconv': {
      const kernel = pick(r, [3, 3, 5, 7]);
      return { layer: { op: 'dwconv', kernel, stride: pick(r, [1, 1, 2]), pad: Math.floor(kernel / 2), bias: false }, input: fmap, inputs: 1 };
    }
    case 'mbdw': {
      const side = pick(r, [7, 14, 28, 56, 112]);
      const kernel = pick(r, [3, 3, 3, 5]);
      return { layer: { op: 'dwconv', kernel, stride: pick(r, [1, 1, 2]), pad: Math.floor(kernel / 2), bias: false }, input: [pick(r, MB_WIDTHS), side, side], inputs: 1 };
    }
    case 'fc': {
      // Weights log-uniform from 1 K to 120 M (the MAC cap): the product of two log-uniform
      // widths piles up in the middle and left the big, memory-bound classifier layers
      // (weights past the caches cost more per weight) with no samples
      // (docs/decisions/0021-layer-sampler-coverage.md).
      const params = logUniformInt(r, 1e3, 1.2e8);
      const cin = Math.min(Math.max(Math.round(Math.sqrt(params) * Math.exp((r() - 0.5) * 2)), 16), 36864);
      return { layer: { op: 'fc', out: Math.max(2, Math.round(params / cin)), bias: true }, input: [cin], inputs: 1 };
    }
    case 'maxpool':
    case 'avgpool': {
      const kernel = pick(r, [2, 3]);
      return { layer: { op: kind, kernel, stride: 2, pad: 0 }, input: fmap, inputs: 1 };
    }
    case 'softmax':
      return { layer: { op: 'softmax' }, input: [logUniformInt(r, 10, 4096)], inputs: 1 };
    case 'add':
    case 'concat':
      return { layer: { op: kind }, input: fmap, inputs: 2 };
    default:
      return { layer: { op: kind }, input: fmap, inputs: 1 };
  }
}

/** `count` distinct single-layer networks, each within the MAC cap. */
export function sampleLayerNetworks(o: SamplerOptions): Network[] {
  const r = rng(o.seed);
  const maxMacs = o.maxMacs ?? 120e6;
  const out: Network[] = [];
  const seen = new Set<string>();
  for (let tries = 0; out.length < o.count && tries < o.count * 50; tries++) {
    const d = drawLayer(r);
    const name = `s${out.length}`;
    const inputs = d.inputs === 1 ? [NETWORK_INPUT] : [NETWORK_INPUT, 'input1'];
    const layer = { ...d.layer, name, inputs } as Layer;
    let a;
    try {
      a = analyzeLayer(layer, inputs.map(() => d.input));
    } catch {
      continue;
    }
    if (a.macs > maxMacs) continue;
    const sig = JSON.stringify([d.layer, d.input]);
    if (seen.has(sig)) continue;
    seen.add(sig);
    out.push({ name, input: d.input, ...(d.inputs > 1 ? { extraInputs: { input1: d.input } } : {}), batch: 1, layers: [layer] });
  }
  return out;
}

/** `layer-sample`, `layer-sample:200`, `layer-sample:200:7` (count, seed). */
export function parseSamplerWorkload(name: string): SamplerOptions | undefined {
  if (name !== SAMPLER_PREFIX && !name.startsWith(`${SAMPLER_PREFIX}:`)) return undefined;
  const [, count = '120', seed = '1'] = name.split(':');
  const o = { count: Number(count), seed: Number(seed) };
  if (!Number.isInteger(o.count) || o.count < 1 || o.count > 5000 || !Number.isInteger(o.seed)) {
    throw new LabbenchError('BAD_INPUT', `${name}: expected ${SAMPLER_PREFIX}[:COUNT[:SEED]] with COUNT 1..5000`);
  }
  return o;
}

/** A plan of sampled layers: units only; there is no network to run end to end. */
export function samplerPlan(o: SamplerOptions): WorkloadPlan {
  const units: ProfileUnit[] = [];
  const parts: { name: string; op: string; key: string }[] = [];
  const seen = new Set<string>();
  for (const net of sampleLayerNetworks(o)) {
    const p = layerPlan(net.name, net);
    for (const u of p.units) {
      if (seen.has(u.key)) continue;
      seen.add(u.key);
      units.push(u);
      parts.push({ name: u.layers[0]!, op: u.op, key: u.key });
    }
  }
  return { workload: `${SAMPLER_PREFIX}:${o.count}:${o.seed}`, units, parts };
}
