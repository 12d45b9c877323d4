/**
 * NeuralPower's feature vectors: what a layer's runtime and power are regressed on. A
 * layer is reduced to its type (conv, dwconv, fc, pool, other) and a flat record of named
 * numbers: the hyperparameters of that type (kernel, stride, padding, channels, input and
 * output size, batch) plus the special terms common to every type (FLOPs, bytes moved,
 * parameters and the logs of the first two).
 *
 * A feature record is built from an analyzed layer (analyze.ts) or from a LUT row's
 * `config` (units.ts `layerConfig`: the layer's hyperparameters, `batch` and `inputs`),
 * which is turned back into a layer and analyzed again, so both paths agree exactly.
 *
 * Not here: which terms a model keeps (polynomial.ts chooses by cross-validation).
 */
import { analyzeLayer, convAxis, type AnalyzedLayer } from '../workloads/analyze.js';
import { BYTES_PER_ELEMENT, NETWORK_INPUT, type Layer, type Padding, type Shape } from '../workloads/ir.js';
import { LabbenchError } from '../api/errors.js';
import type { BaseFeature } from './polynomial.js';

/** One measured layer: a training sample of the layer-level models (a LUT row, typically). */
export interface LayerSample {
  /** IR op (`conv`, `pwconv`, `maxpool`, ...); other ops (`mbconv`, `network`) are not layers. */
  readonly op: string;
  /** units.ts `layerConfig`: hyperparameters, `batch` and `inputs` shapes. */
  readonly config: Readonly<Record<string, unknown>>;
  /** Latency of the layer at the config's batch, ms (a LUT row's `median_ms`). */
  readonly runtime_ms: number;
  /** Average power while it ran, W, when a meter was attached. */
  readonly power_w?: number | undefined;
}

/** Model groups: one regression per layer type. */
export type LayerType = 'conv' | 'dwconv' | 'fc' | 'pool' | 'other';
export const LAYER_TYPES: readonly LayerType[] = ['conv', 'dwconv', 'fc', 'pool', 'other'];

const TYPE_OF_OP: Readonly<Record<Layer['op'], LayerType>> = {
  conv: 'conv',
  pwconv: 'conv',
  dwconv: 'dwconv',
  fc: 'fc',
  maxpool: 'pool',
  avgpool: 'pool',
  gap: 'pool',
  bn: 'other',
  relu: 'other',
  relu6: 'other',
  sigmoid: 'other',
  hardsigmoid: 'other',
  hardswish: 'other',
  swish: 'other',
  mul: 'other',
  slice: 'other',
  shuffle: 'other',
  resize: 'other',
  add: 'other',
  concat: 'other',
  flatten: 'other',
  softmax: 'other',
};

/** The model group of an IR op; undefined for what is not a single layer (`mbconv`, `network`, `skip`). */
export function layerTypeOf(op: string): LayerType | undefined {
  return Object.hasOwn(TYPE_OF_OP, op) ? TYPE_OF_OP[op as Layer['op']] : undefined;
}

const b = (name: string, kind: BaseFeature['kind'] = 'positive'): BaseFeature => ({ name, kind });

/**
 * The polynomial's base features per layer type (the talk's "feature space for Conv.").
 *
 * `cin_odd` / `cout_odd`: 1 when the channel count is not a multiple of CHANNEL_QUANTUM. Why:
 * vectorized kernels work on whole SIMD registers of channels, and a ragged count pays for
 * a scalar or masked tail. Without these, nothing told ragged sample layers from the zoo's
 * aligned ones, and the fit priced every real layer as if it were ragged
 * (docs/decisions/0021-layer-sampler-coverage.md).
 */
export const BASE_FEATURES: Readonly<Record<LayerType, readonly BaseFeature[]>> = {
  conv: [b('kernel'), b('stride'), b('pad', 'nonneg'), b('cin'), b('cout'), b('groups'), b('in_h'), b('in_w'), b('out_h'), b('out_w'), b('batch'), b('cin_odd', 'binary'), b('cout_odd', 'binary')],
  dwconv: [b('kernel'), b('stride'), b('pad', 'nonneg'), b('cin'), b('in_h'), b('in_w'), b('out_h'), b('out_w'), b('batch'), b('cin_odd', 'binary')],
  fc: [b('cin'), b('cout'), b('batch'), b('cin_odd', 'binary'), b('cout_odd', 'binary')],
  pool: [b('kernel'), b('stride'), b('pad', 'nonneg'), b('cin'), b('in_h'), b('in_w'), b('out_h'), b('out_w'), b('batch'), b('is_max', 'binary'), b('is_global', 'binary'), b('cin_odd', 'binary')],
  other: [b('cin'), b('in_h'), b('in_w'), b('n_inputs'), b('ops_per_elem', 'nonneg'), b('batch'), b('cin_odd', 'binary')],
};

/** Channels per SIMD register of float32 on AVX2 and (two registers) NEON: the alignment the `_odd` features test. */
export const CHANNEL_QUANTUM = 8;
const odd = (c: number): number => (c % CHANNEL_QUANTUM === 0 ? 0 : 1);

/** Bases of the `generic` model, which covers a layer type that had no training samples. */
export const GENERIC_FEATURES: readonly BaseFeature[] = [b('in_elems'), b('out_elems'), b('params', 'nonneg'), b('ops_per_elem', 'nonneg'), b('batch')];

/** Terms added to every type's polynomial as they are: NeuralPower's "additional terms". */
export const SPECIAL_FEATURES: readonly string[] = ['flops', 'bytes', 'params', 'log_flops', 'log_bytes'];

export interface LayerFeatures {
  readonly type: LayerType;
  readonly op: Layer['op'];
  /**
   * Every feature by name. Always: batch, flops (x batch), macs (x batch), bytes (float32
   * activations x batch + weights), params, log_flops = ln(1 + flops), log_bytes,
   * in_elems, out_elems (x batch), ops_per_elem (FLOPs per output element), n_inputs, cin,
   * in_h, in_w, cin_odd, cout_odd (cout_odd of cin where there is no cout). Per type:
   * kernel, stride, pad (mean per side), cout, groups, out_h, out_w, is_max, is_global.
   */
  readonly values: Readonly<Record<string, number>>;
}

const numel = (s: Shape): number => s.reduce((a, x) => a * x, 1);

function padPerSide(size: number, kernel: number, stride: number, pad: Padding): number {
  const { begin, end } = convAxis(size, kernel, stride, pad);
  return (begin + end) / 2;
}

/** The feature record of an analyzed layer run at `batch`. */
export function layerFeatures(a: AnalyzedLayer, batch = 1): LayerFeatures {
  const l = a.layer;
  const x = a.inputShapes[0]!;
  const out = a.outputShape;
  const inElems = a.inputShapes.reduce((s, sh) => s + numel(sh), 0);
  const outElems = numel(out);
  const flops = a.flops * batch;
  const bytes = (inElems + outElems) * BYTES_PER_ELEMENT * batch + a.params * BYTES_PER_ELEMENT;
  const v: Record<string, number> = {
    batch,
    flops,
    macs: a.macs * batch,
    bytes,
    params: a.params,
    log_flops: Math.log1p(flops),
    log_bytes: Math.log1p(bytes),
    in_elems: inElems * batch,
    out_elems: outElems * batch,
    ops_per_elem: a.flops / outElems,
    n_inputs: a.inputShapes.length,
    cin: x.length === 3 ? x[0]! : numel(x),
    in_h: x.length === 3 ? x[1]! : 1,
    in_w: x.length === 3 ? x[2]! : 1,
  };
  const spatialOut = (): void => {
    v.out_h = out[1]!;
    v.out_w = out[2]!;
  };
  switch (l.op) {
    case 'conv':
    case 'dwconv':
    case 'maxpool':
    case 'avgpool':
      v.kernel = l.kernel;
      v.stride = l.stride;
      v.pad = padPerSide(x[1]!, l.kernel, l.stride, l.pad);
      v.cout = out[0]!;
      v.groups = l.op === 'conv' ? l.groups : l.op === 'dwconv' ? x[0]! : 1;
      v.is_max = l.op === 'maxpool' ? 1 : 0;
      v.is_global = 0;
      spatialOut();
      break;
    case 'pwconv':
      Object.assign(v, { kernel: 1, stride: 1, pad: 0, cout: l.out, groups: 1 });
      spatialOut();
      break;
    case 'gap':
      // One window over the whole map.
      Object.assign(v, { kernel: x[1]!, stride: x[1]!, pad: 0, cout: x[0]!, groups: 1, is_max: 0, is_global: 1 });
      spatialOut();
      break;
    case 'fc':
      // An fc reads its input flattened, whatever its shape.
      v.cin = numel(x);
      v.cout = l.out;
      break;
    default:
      break;
  }
  v.cin_odd = odd(v.cin!);
  v.cout_odd = odd(v.cout ?? v.cin!);
  return { type: TYPE_OF_OP[l.op], op: l.op, values: v };
}

const bad = (op: string, why: string): LabbenchError => new LabbenchError('LUT_INVALID', `LUT config of ${op}: ${why}`);

function readNumber(op: string, config: Readonly<Record<string, unknown>>, field: string): number {
  const x = config[field];
  if (typeof x !== 'number' || !Number.isFinite(x)) throw bad(op, `${field} is ${JSON.stringify(x)}, not a number`);
  return x;
}

function readPad(op: string, config: Readonly<Record<string, unknown>>): Padding {
  const p = config.pad;
  if (p === 'same' || p === 'valid' || (typeof p === 'number' && Number.isFinite(p) && p >= 0)) return p;
  throw bad(op, `pad is ${JSON.stringify(p)}`);
}

/**
 * Rebuilds the layer a LUT row measured from its `config` (units.ts `layerConfig`) and
 * analyzes it on the recorded input shapes. Throws LabbenchError LUT_INVALID on a config
 * that is not a single layer or lacks a field its op needs.
 */
export function layerFromConfig(op: string, config: Readonly<Record<string, unknown>>): { analyzed: AnalyzedLayer; batch: number } {
  if (layerTypeOf(op) === undefined) throw bad(op, 'not a single-layer op');
  const rawInputs = config.inputs;
  if (!Array.isArray(rawInputs) || rawInputs.length === 0) throw bad(op, 'inputs is not a list of shapes');
  const inputs: Shape[] = rawInputs.map((s: unknown) => {
    if (!Array.isArray(s) || s.length === 0 || !s.every((d: unknown) => typeof d === 'number' && Number.isInteger(d) && d > 0)) {
      throw bad(op, `input shape ${JSON.stringify(s)} is not a list of positive integers`);
    }
    return s as number[];
  });
  const batch = config.batch === undefined ? 1 : readNumber(op, config, 'batch');
  const base = { name: `lut:${op}`, inputs: inputs.map((_, i) => (i === 0 ? NETWORK_INPUT : `input${i}`)) };
  const bias = config.bias === true;
  const num = (f: string): number => readNumber(op, config, f);
  let layer: Layer;
  switch (op as Layer['op']) {
    case 'conv':
      layer = { ...base, op: 'conv', out: num('out'), kernel: num('kernel'), stride: num('stride'), pad: readPad(op, config), groups: config.groups === undefined ? 1 : num('groups'), bias };
      break;
    case 'dwconv':
      layer = { ...base, op: 'dwconv', kernel: num('kernel'), stride: num('stride'), pad: readPad(op, config), bias };
      break;
    case 'pwconv':
      layer = { ...base, op: 'pwconv', out: num('out'), bias };
      break;
    case 'fc':
      layer = { ...base, op: 'fc', out: num('out'), bias };
      break;
    case 'maxpool':
    case 'avgpool':
      layer = { ...base, op: op as 'maxpool' | 'avgpool', kernel: num('kernel'), stride: num('stride'), pad: readPad(op, config) };
      break;
    case 'slice':
      layer = { ...base, op: 'slice', start: num('start'), end: num('end') };
      break;
    case 'shuffle':
      layer = { ...base, op: 'shuffle', groups: num('groups') };
      break;
    case 'resize':
      layer = { ...base, op: 'resize', scale: num('scale'), mode: config.mode === 'linear' ? 'linear' : 'nearest' };
      break;
    default:
      layer = { ...base, op: op as 'gap' | 'bn' | 'relu' | 'relu6' | 'sigmoid' | 'hardsigmoid' | 'hardswish' | 'swish' | 'mul' | 'add' | 'concat' | 'flatten' | 'softmax' };
      break;
  }
  try {
    return { analyzed: analyzeLayer(layer, inputs), batch };
  } catch (err) {
    throw new LabbenchError('LUT_INVALID', `LUT config of ${op}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/** The feature record of a LUT row (or any sample carrying a layer config). */
export function configFeatures(op: string, config: Readonly<Record<string, unknown>>): LayerFeatures {
  const { analyzed, batch } = layerFromConfig(op, config);
  return layerFeatures(analyzed, batch);
}
