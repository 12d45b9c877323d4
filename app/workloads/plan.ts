/**
 * From a workload name to what gets measured: zoo networks are measured layer by layer;
 * the Single-Path NAS space is measured block by block (every candidate MBConv of every
 * searchable layer, plus the fixed stem and head), which is what its LUT holds.
 */
import { analyzeNetwork } from './analyze.js';
import { layerPlan, type ProfileUnit, type WorkloadPlan } from './units.js';
import { zooNetwork } from './zoo/index.js';
import { SPNAS_LAYERS, SPNAS_OPTIONS, spnasBlock, spnasNetwork, spnasStemHead, type SpnasChoice } from './zoo/spnas-space.js';
import { mbconvKey, spnasFixedKey, spnasSkipKey } from './spnas-keys.js';
import type { Network } from './ir.js';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { LabbenchError } from '../api/errors.js';
import { importOnnx } from './onnx-import.js';
import { parseSamplerWorkload, samplerPlan } from './samples/sampler.js';
import { MICROBENCH, microbenchPlan } from './samples/microbench.js';
import { kernelSampleNetwork, parseKernelSample } from './samples/kernel-sampler.js';

/** One network of the NAS space by its choices, as `labbench nas` reports it: `spnas:k3e3,k5e6,skip,...` (22 choices). */
export const SPNAS_ARCH_PREFIX = 'spnas:';

export function spnasWorkloadName(choices: readonly string[]): string {
  return `${SPNAS_ARCH_PREFIX}${choices.join(',')}`;
}

function parseSpnasArchitecture(name: string): SpnasChoice[] {
  return name
    .slice(SPNAS_ARCH_PREFIX.length)
    .split(',')
    .map((c) => {
      if (c === 'skip') return 'skip';
      const m = /^k([35])e([36])$/.exec(c);
      if (!m) throw new LabbenchError('INVALID_WORKLOAD', `${name}: '${c}' is not a spnas-space choice (k3e3, k3e6, k5e3, k5e6 or skip)`);
      return { kernel: Number(m[1]) as 3 | 5, expansion: Number(m[2]) as 3 | 6 };
    });
}

export interface PlanOptions {
  readonly resolution?: number | undefined;
  readonly batch?: number | undefined;
}

export function planWorkload(name: string, opts: PlanOptions = {}): WorkloadPlan {
  const o = { ...(opts.resolution ? { resolution: opts.resolution } : {}), ...(opts.batch ? { batch: opts.batch } : {}) };
  if (name === 'spnas-space') return spnasPlan(o);
  if (name.startsWith(SPNAS_ARCH_PREFIX)) return layerPlan(name, spnasNetwork(parseSpnasArchitecture(name), o));
  if (name === MICROBENCH) return microbenchPlan();
  const sample = parseSamplerWorkload(name);
  if (sample) return samplerPlan(sample);
  const kernels = parseKernelSample(name);
  if (kernels) return layerPlan(name, kernelSampleNetwork(kernels.seed, kernels.index, kernels.focus));
  if (/\.onnx$/i.test(name)) return layerPlan(basename(name), loadOnnxWorkload(name, o));
  return layerPlan(name, zooNetwork(name, o));
}

/** A user's ONNX model as the IR; its own input shape stands unless a resolution or batch is asked. */
export function loadOnnxWorkload(path: string, o: { resolution?: number; batch?: number } = {}): Network {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new LabbenchError('BAD_INPUT', `${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const net = importOnnx(bytes, basename(path));
  if (o.resolution && net.input.length !== 3) throw new LabbenchError('BAD_INPUT', `${path}: --resolution needs an image input, the model takes [${net.input.join(',')}]`);
  const input = o.resolution ? [net.input[0]!, o.resolution, o.resolution] : net.input;
  const resized = { ...net, input, batch: o.batch ?? net.batch };
  analyzeNetwork(resized);
  return resized;
}

function spnasPlan(o: { resolution?: number; batch?: number }): WorkloadPlan {
  const units: ProfileUnit[] = [];
  const parts: { name: string; op: string; key: string }[] = [];
  const { stem, head } = spnasStemHead(o);
  for (const [part, net] of [['stem', stem], ['head', head]] as const) {
    const a = analyzeNetwork(net);
    const key = spnasFixedKey(part, a.network.input, net.batch);
    units.push({ key, op: 'network', config: { part, input: [...net.input], batch: net.batch }, network: net, layers: [part] });
  }
  // The reference architecture measured end to end: every layer at kernel 3, expansion 6.
  const reference = SPNAS_OPTIONS.findIndex((opt) => opt.kernel === 3 && opt.expansion === 6);
  parts.push({ name: 'stem', op: 'network', key: units[0]!.key });
  for (const layer of SPNAS_LAYERS) {
    SPNAS_OPTIONS.forEach((opt, optionIndex) => {
      const net = spnasBlock(layer.index, optionIndex, o);
      const spec = { layer: layer.index, ...opt, stride: layer.stride, cin: layer.cin, cout: layer.cout, input: [...net.input], residual: layer.residual, batch: net.batch };
      const key = mbconvKey(spec);
      const name = `L${layer.index}-k${opt.kernel}e${opt.expansion}`;
      units.push({ key, op: 'mbconv', config: { option: optionIndex, ...spec }, network: net, layers: [name] });
      if (optionIndex === reference) parts.push({ name, op: 'mbconv', key });
    });
    if (layer.residual) units.push(skipUnit(layer.index, spnasBlock(layer.index, 0, o)));
  }
  parts.push({ name: 'head', op: 'network', key: units[1]!.key });
  const endToEnd = spnasNetwork(
    SPNAS_LAYERS.map(() => ({ kernel: 3, expansion: 6 }) as const),
    o,
  );
  return { workload: 'spnas-space', units, endToEnd, parts };
}

/**
 * A skipped layer leaves only its residual pass-through: measured as an add of the block's
 * input to itself, at that layer's shape (the published table uses one 0.7 ms constant).
 */
function skipUnit(layer: number, block: Network): ProfileUnit {
  const network: Network = { name: `L${layer}-skip`, input: block.input, batch: block.batch, layers: [{ op: 'add', name: `L${layer}-skip`, inputs: ['input', 'input'] }] };
  return { key: spnasSkipKey(layer, block.input, block.batch), op: 'skip', config: { layer, input: [...block.input], batch: block.batch }, network, layers: [`L${layer}-skip`] };
}
