/**
 * Kernels: what a runtime actually executes. A deployed runtime does not run a network's
 * layers one by one: it folds batch norm into the convolution before it, fuses activations
 * (and a residual add) into their producer, and inserts layout conversions of its own. A
 * kernel is one such unit: one or more IR layers run as one (a conv with its bn and relu),
 * or a layout conversion that belongs to no layer. Backends decide the grouping (the ORT
 * runner reads it from ORT's optimized graph, the TFLite writer from how it fuses ops); this
 * file only names and describes kernels, so that LUT rows and predictions are per kernel.
 */
import type { AnalyzedLayer, NetworkAnalysis } from './analyze.js';
import { BYTES_PER_ELEMENT, type Layer, type Shape } from './ir.js';
import { layerConfig, layerKey } from './units.js';

/** Model groups of kernels: kernels of one kind share a latency model. */
export type KernelKind = 'conv' | 'pwconv' | 'dwconv' | 'gconv' | 'fc' | 'pool' | 'gap' | 'eltwise' | 'data' | 'reorder';
export const KERNEL_KINDS: readonly KernelKind[] = ['conv', 'pwconv', 'dwconv', 'gconv', 'fc', 'pool', 'gap', 'eltwise', 'data', 'reorder'];

/** The LUT key prefix of kernel rows: they never collide with per-layer rows. */
export const KERNEL_KEY_PREFIX = 'kernel ';

/** A kernel as stored in a LUT row's config: plain JSON, enough to rebuild its features. */
export interface KernelConfig extends Record<string, unknown> {
  readonly kind: KernelKind;
  /** The primary layer's op (`conv`, `add`, ...) or `reorder`. */
  readonly op: string;
  /** Ops of the layers fused after the primary, in order (`['bn', 'relu']`, `['add', 'relu6']`). */
  readonly fused: readonly string[];
  /** The primary layer's hyperparameters (units.ts layerConfig without inputs), or the reorder's direction. */
  readonly hyper: Readonly<Record<string, unknown>>;
  /** Shapes of the primary's inputs (batch dropped), plus the residual's for a fused add. */
  readonly inputs: readonly Shape[];
  /** Shape of what the kernel writes. */
  readonly output: Shape;
  readonly batch: number;
  /** How the runtime runs it where that matters to speed (ORT's blocked `nchwc` layout); absent: plain. */
  readonly variant?: string;
  /**
   * The network around the kernel, where it changes the kernel's speed: the weight bytes of
   * the whole network, those of its fc layers, and the bytes its layers write per inference.
   * Run after run, a kernel finds its weights and inputs in the caches only when what the
   * rest of the network streams through them leaves them there. The last two are absent in
   * rows profiled before they were recorded (kernel-fit.ts fills them from the run's network).
   */
  readonly context: NetworkContext;
  /** Work of all its layers at batch 1 (analyze.ts conventions); a reorder reads and writes its tensor. */
  readonly cost: { readonly macs: number; readonly flops: number; readonly params: number; readonly bytes: number };
}

export interface Kernel {
  readonly key: string;
  readonly kind: KernelKind;
  /** IR layers the kernel runs, primary first; empty for a layout conversion. */
  readonly layers: readonly string[];
  readonly config: KernelConfig;
  /** A layout conversion: the tensor it converts (a layer's output or a graph input). */
  readonly at?: string;
}

/**
 * A kernel's name in reports: its layers joined (with the runtime's operator for a helper,
 * such as a conv's PAD on a phone), or what a layout conversion converts.
 */
export function kernelName(k: Kernel): string {
  if (!k.layers.length) return `reorder ${String(k.config.hyper.direction)} ${k.at ?? ''}`.trim();
  const helper = k.kind === 'data' && kernelKind({ op: k.config.op, ...k.config.hyper } as Layer, k.config.inputs[0] ?? []) !== 'data';
  return `${k.layers.join('+')}${helper && k.config.variant ? `/${k.config.variant.toLowerCase()}` : ''}`;
}

const ELTWISE_OPS: ReadonlySet<string> = new Set(['bn', 'relu', 'relu6', 'sigmoid', 'hardsigmoid', 'hardswish', 'swish', 'add', 'mul']);

/** The model group of a kernel whose primary layer is `l` with input shape `x`. */
export function kernelKind(l: Layer, x: Shape): KernelKind {
  switch (l.op) {
    case 'conv':
      if (l.groups === 1) return l.kernel === 1 && l.stride === 1 && l.pad === 0 ? 'pwconv' : 'conv';
      return l.groups === x[0] && l.out === x[0] ? 'dwconv' : 'gconv';
    case 'pwconv':
      return 'pwconv';
    case 'dwconv':
      return 'dwconv';
    case 'fc':
      return 'fc';
    case 'maxpool':
    case 'avgpool':
      return 'pool';
    case 'gap':
      return 'gap';
    default:
      return ELTWISE_OPS.has(l.op) ? 'eltwise' : 'data';
  }
}

const dims = (s: Shape): string => s.join('x');

/**
 * The kernel that runs `layers` (primary first) of an analyzed network. `extraInputs` are
 * shapes the fused layers read besides the chain (a fused add's residual).
 */
export function layerKernel(analysis: NetworkAnalysis, layers: readonly string[], variant?: string, kind?: KernelKind): Kernel {
  const byName = new Map(analysis.layers.map((a) => [a.layer.name, a]));
  const parts = layers.map((n) => byName.get(n) ?? fail(`kernel names layer ${n}, which the network lacks`));
  const primary = parts[0] ?? fail('a kernel needs at least one layer');
  const batch = analysis.network.batch;
  const { inputs: _inputs, batch: _batch, ...hyper } = layerConfig(primary, batch);
  const inside = new Set(layers);
  // What the fused layers read from outside the kernel (a residual), beyond the chain itself.
  const residuals = parts.slice(1).flatMap((a) => a.layer.inputs.map((n, i) => ({ n, s: a.inputShapes[i]! })).filter(({ n }) => !inside.has(n)));
  const inputs = [...primary.inputShapes, ...residuals.map((r) => r.s)];
  const last = parts[parts.length - 1]!;
  const config: KernelConfig = {
    kind: kind ?? kernelKind(primary.layer, primary.inputShapes[0]!),
    op: primary.layer.op,
    fused: parts.slice(1).map((a) => a.layer.op),
    hyper,
    inputs: inputs.map((s) => [...s]),
    output: [...last.outputShape],
    batch,
    ...(variant ? { variant } : {}),
    context: networkContext(analysis),
    cost: fusedCost(parts),
  };
  return { key: kernelKey(primary, config), kind: config.kind, layers: [...layers], config };
}

export interface NetworkContext {
  readonly weight_bytes: number;
  readonly fc_weight_bytes?: number;
  readonly act_bytes?: number;
}

/** What a kernel's context features read from its network (KernelConfig.context). */
export function networkContext(analysis: NetworkAnalysis): NetworkContext {
  let params = 0;
  let fc = 0;
  let acts = 0;
  for (const a of analysis.layers) {
    // Batch norm's scale and shift fold into the conv before it: only the deployed weights count.
    if (a.layer.op !== 'bn') params += a.params;
    if (a.layer.op === 'fc') fc += a.params;
    acts += a.outputShape.reduce((x, y) => x * y, 1);
  }
  return { weight_bytes: params * BYTES_PER_ELEMENT, fc_weight_bytes: fc * BYTES_PER_ELEMENT, act_bytes: acts * BYTES_PER_ELEMENT };
}

/** A layout conversion of a tensor of shape `shape` (a layer output or a graph input) of the network `analysis`. */
export function reorderKernel(direction: 'in' | 'out', shape: Shape, analysis: NetworkAnalysis, at?: string): Kernel {
  const batch = analysis.network.batch;
  const elems = shape.reduce((a, b) => a * b, 1);
  const cost = { macs: 0, flops: 0, params: 0, bytes: 2 * elems * BYTES_PER_ELEMENT };
  const config: KernelConfig = { kind: 'reorder', op: 'reorder', fused: [], hyper: { direction }, inputs: [[...shape]], output: [...shape], batch, context: networkContext(analysis), cost };
  return { key: `${KERNEL_KEY_PREFIX}reorder ${direction} in=${dims(shape)}${batch !== 1 ? ` n${batch}` : ''}`, kind: 'reorder', layers: [], config, ...(at ? { at } : {}) };
}

/**
 * Work of layers run as one kernel: MACs, FLOPs and weights add up; bytes are what crosses
 * the kernel's boundary (its inputs from outside, its output, its weights), not the tensors
 * passed between the fused layers, which stay in registers.
 */
function fusedCost(parts: readonly AnalyzedLayer[]): KernelConfig['cost'] {
  const inside = new Set(parts.map((a) => a.layer.name));
  const numel = (s: Shape): number => s.reduce((a, b) => a * b, 1);
  let macs = 0;
  let flops = 0;
  let params = 0;
  let elems = numel(parts[parts.length - 1]!.outputShape);
  for (const a of parts) {
    macs += a.macs;
    flops += a.flops;
    // Batch norm folds into its convolution's weights: no weights of its own at run time.
    if (!(a.layer.op === 'bn' && a !== parts[0])) params += a.params;
    a.layer.inputs.forEach((n, i) => {
      if (!inside.has(n)) elems += numel(a.inputShapes[i]!);
    });
  }
  return { macs, flops, params, bytes: (elems + params) * BYTES_PER_ELEMENT };
}

function kernelKey(primary: AnalyzedLayer, c: KernelConfig): string {
  const base = layerKey(primary, c.batch);
  const fused = c.fused.length ? ` +${c.fused.join('+')}` : '';
  const residual = c.inputs.length > primary.inputShapes.length ? ` res=${c.inputs.slice(primary.inputShapes.length).map(dims).join('+')}` : '';
  return `${KERNEL_KEY_PREFIX}${base}${fused}${residual}${c.variant ? ` @${c.variant}` : ''}`;
}

function fail(why: string): never {
  throw new Error(`kernels: ${why}`);
}

/** Every layer as a kernel of its own: the unfused view (per-layer research mode). */
export function unfusedKernels(analysis: NetworkAnalysis): Kernel[] {
  return analysis.layers.map((a) => layerKernel(analysis, [a.layer.name]));
}
