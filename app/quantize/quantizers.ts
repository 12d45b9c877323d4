/**
 * LightNN weight quantizers (Ding et al., GLSVLSI'17 / TRETS'19; FLightNN, DAC'19) and the
 * BinaryConnect baseline (Courbariaux et al., NIPS'15), as tfjs-core ops.
 *
 * A LightNN-K weight is sign * (2^n1 + ... + 2^nK): a multiply becomes K shifts and K-1 adds.
 * Each term is the nearest signed power of two of what the earlier terms left over
 * (w_q = R(w) + R(w - R(w)) for K = 2), so a term may be negative (0.375 = 0.5 - 0.125) or
 * zero once the residual is below the smallest exponent; exponents are clamped to
 * [minExp, maxExp]. Training keeps full-precision latent weights and quantizes them in the
 * forward pass; the gradient passes straight through (STE) to the latent weights.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { lightnnWasmInMemory, lightnnWasmInto } from './lightnn-wasm.js';
import { tfjsWasmMemory } from '../train/wasm-bytes.js';
import { QUANT_SCHEMES } from '../api/search-requests.js';

export type Scheme = (typeof QUANT_SCHEMES)[number];
/** The request's list (app/api/search-requests.ts), which the CLI and the Search page offer. */
export const SCHEMES: readonly Scheme[] = QUANT_SCHEMES;

/** The weights of a scheme (a -bin scheme and BinaryNet add binary activations to them; XNOR-Net's are alpha * sign, its outputs scaled by the input's K). */
export type WeightScheme = 'conventional' | 'lightnn-1' | 'lightnn-2' | 'flightnn' | 'binaryconnect' | 'xnor';

export function weightScheme(s: Scheme): WeightScheme {
  if (s === 'binarynet') return 'binaryconnect';
  if (s === 'lightnn-1-bin' || s === 'lightnn-2-bin') return s === 'lightnn-1-bin' ? 'lightnn-1' : 'lightnn-2';
  return s;
}

/** Whether the scheme binarizes activations (every conv/fc input but the image). */
export function binaryActivations(s: Scheme): boolean {
  return s === 'binarynet' || s === 'xnor' || s.endsWith('-bin');
}

export interface ExponentRange {
  /** Smallest exponent: weights closer to 0 than to 2^minExp round to 0. */
  readonly minExp: number;
  /** Largest exponent: |w| never exceeds 2^maxExp per term. */
  readonly maxExp: number;
}

/** 2^-8 .. 2^0: a sign bit and a 4-bit exponent per term, enough for trained conv/fc weights. */
export const DEFAULT_RANGE: ExponentRange = { minExp: -8, maxExp: 0 };

/** The nearest signed power of two of each element (0 below half the smallest power), no gradient. */
export function roundPow2(x: tf.Tensor, range: ExponentRange = DEFAULT_RANGE): tf.Tensor {
  return tf.tidy(() => {
    const a = tf.abs(x);
    // floor(log2|x|) then up by one where |x| is past the midpoint 1.5 * 2^e (nearest in value, not in log).
    const e = tf.floor(tf.div(tf.log(tf.maximum(a, 1e-30)), Math.LN2));
    const p = tf.pow(2, e);
    const up = tf.greater(a, tf.mul(p, 1.5));
    const exp = tf.clipByValue(tf.where(up, tf.add(e, 1), e), range.minExp, range.maxExp);
    const mag = tf.pow(2, exp);
    const keep = tf.greaterEqual(a, 2 ** (range.minExp - 1));
    return tf.where(keep, tf.mul(tf.sign(x), mag), tf.zerosLike(x));
  });
}

/**
 * LightNN-K of every value, in float32 arithmetic as roundPow2's ops compute it, on the
 * float's bits: the exponent field is floor(log2|r|), a mantissa past 1.5 (the top bit set
 * and any other) rounds up, and the term is the sign with the clamped exponent. One pass
 * (a WebAssembly function, lightnn-wasm.ts) instead of ~20 elementwise tensor ops per term,
 * which slowed LightNN training steps markedly (docs/decisions/0017-lightnn-quantizer-one-pass.md).
 */
export function lightnnArray(x: Float32Array, k: number, range: ExponentRange = DEFAULT_RANGE): Float32Array {
  return lightnnWasmInto(x, new Float32Array(x.length), k, range);
}

/**
 * The loop lightnnArray runs, in JS: the reference the WebAssembly version (lightnn-wasm.ts)
 * is checked against value for value.
 */
export function lightnnReference(x: Float32Array, out: Float32Array, k: number, range: ExponentRange = DEFAULT_RANGE): Float32Array {
  const { minExp, maxExp } = range;
  // Below 2^(minExp-1) a residual rounds to 0: its biased exponent field is under this.
  const smallest = minExp - 1 + 127;
  const f = new Float32Array(1);
  const bits = new Int32Array(f.buffer);
  for (let i = 0; i < x.length; i++) {
    let r = x[i] as number;
    let q = 0;
    for (let t = 0; t < k; t++) {
      f[0] = r;
      const b = bits[0] as number;
      const field = (b >>> 23) & 0xff;
      if (field < smallest) break;
      let e = field - 127 + ((b & 0x7fffff) > 0x400000 ? 1 : 0);
      e = e < minExp ? minExp : e > maxExp ? maxExp : e;
      bits[0] = (b & -0x80000000) | ((e + 127) << 23);
      const term = f[0] as number;
      q = Math.fround(q + term);
      r = Math.fround(r - term);
    }
    out[i] = q;
  }
  return out;
}

/**
 * lightnnValues of a tensor on the wasm backend, read from and written to the wasm heap in
 * place: dataSync, a fresh output array and tf.tensor each copy or page-fault the whole layer
 * (docs/decisions/0017-lightnn-quantizer-one-pass.md). Other backends go through arrays.
 */
function lightnnTensor(x: tf.Tensor, k: number, range: ExponentRange): tf.Tensor {
  if (tf.getBackend() !== 'wasm' || x.dtype !== 'float32') return lightnnValues(x, k, range);
  const backend = tf.backend() as BackendWasm;
  const info = backend.makeOutput([...x.shape], 'float32');
  const memory = tfjsWasmMemory(backend);
  const offset = (t: tf.TensorInfo): number | undefined => backend.dataIdMap.get(t.dataId)?.memoryOffset;
  const [from, to] = [offset(x), offset(info)];
  if (memory && from !== undefined && to !== undefined) lightnnWasmInMemory(memory, from, to, x.size, k, range);
  // Views taken after the allocation, which may have grown (and moved) the heap.
  else lightnnWasmInto(backend.typedArrayFromHeap(x) as Float32Array, backend.typedArrayFromHeap(info) as Float32Array, k, range);
  return tf.engine().makeTensorFromTensorInfo(info);
}

/** Sum of K greedy power-of-two terms (no gradient). */
export function lightnnValues(x: tf.Tensor, k: number, range: ExponentRange = DEFAULT_RANGE): tf.Tensor {
  return tf.tensor(lightnnArray(x.dataSync() as Float32Array, k, range), x.shape, 'float32');
}

/**
 * LightNN-K values of named weights, remembering the last values of each by the tensor data
 * they came from (tfjs data is immutable; an optimizer step gives a variable new data). An
 * evaluation pass re-quantizes every weight per batch otherwise
 * (docs/decisions/0017-lightnn-quantizer-one-pass.md).
 */
export class LightnnMemo {
  private readonly last = new Map<string, { readonly from: object; readonly values: tf.Tensor }>();

  constructor(
    readonly k: number,
    readonly range: ExponentRange = DEFAULT_RANGE,
  ) {}

  /** The values as a tensor of the caller's (disposing it leaves the memo's handle alone). */
  values(key: string, x: tf.Tensor): tf.Tensor {
    const hit = this.last.get(key);
    // A reshape is a second handle on the same data, not a copy.
    if (hit?.from === x.dataId) return tf.reshape(hit.values, x.shape);
    const y = lightnnTensor(x, this.k, this.range);
    hit?.values.dispose();
    this.last.set(key, { from: x.dataId, values: tf.keep(tf.reshape(y, x.shape)) });
    return y;
  }

  /** The straight-through quantizer of weight `key`. */
  ste(key: string): (w: tf.Tensor) => tf.Tensor {
    return straightThrough((x) => this.values(key, x));
  }

  clear(): void {
    for (const { values } of this.last.values()) values.dispose();
    this.last.clear();
  }
}

/** Wraps a value function so the forward pass uses it and the gradient is the identity (STE). */
function straightThrough(f: (x: tf.Tensor) => tf.Tensor): (x: tf.Tensor) => tf.Tensor {
  return tf.customGrad(((x: tf.Tensor) => ({ value: f(x), gradFunc: (dy: tf.Tensor) => dy })) as Parameters<typeof tf.customGrad>[0]) as (x: tf.Tensor) => tf.Tensor;
}

/** LightNN-K with the straight-through estimator: quantized forward, identity backward. */
export function lightnnSte(k: number, range: ExponentRange = DEFAULT_RANGE): (w: tf.Tensor) => tf.Tensor {
  return straightThrough((x) => lightnnValues(x, k, range));
}

/**
 * BinaryConnect's deterministic binarization to +-H, H being the layer's Glorot bound
 * sqrt(6 / (fanIn + fanOut)) / 2 as in the authors' code (`H = "Glorot"`), with STE.
 * The latent weights are clipped to [-H, H] after each step (`clipLatent`).
 */
export function binaryConnectSte(h: number): (w: tf.Tensor) => tf.Tensor {
  return straightThrough((x) => tf.tidy(() => tf.mul(tf.sign(tf.add(tf.sign(x), 0.5)), h)));
}

export function glorotH(fanIn: number, fanOut: number): number {
  return Math.sqrt(1.5 / (fanIn + fanOut));
}

/**
 * FLightNN: per output filter, the second power-of-two term is kept only where the
 * residual's mean square exceeds a trainable threshold t_f: w_q = R(w) + 1[||r_f||^2 > t_f] R(r).
 * Forward uses the hard indicator; backward uses sigmoid((||r||^2 - t) / temperature), as
 * Single-Path NAS relaxes its kernel choice, so t_f gets a gradient. `keep` is the gate per
 * filter (1 = two terms), for an energy penalty on the number of K = 2 filters. `filterAxis` is the output
 * axis of the weight (3 for an HWIO conv kernel, 1 for an [in, out] dense matrix).
 */
export function flightnnQuantize(w: tf.Tensor, threshold: tf.Tensor, filterAxis: number, temperature: number, range: ExponentRange = DEFAULT_RANGE): { value: tf.Tensor; keep: tf.Tensor } {
  const axes = w.shape.map((_, i) => i).filter((i) => i !== filterAxis);
  const keepShape = w.shape.map((d, i) => (i === filterAxis ? d : 1));
  // Everything that has no gradient of its own (rounding, the hard gate) runs inside custom
  // ops, whose inner ops the tape does not record.
  const parts = (wv: tf.Tensor, tv: tf.Tensor) => {
    const first = roundPow2(wv, range);
    const second = roundPow2(tf.sub(wv, first), range);
    // Mean square of each filter's residual (scale-free across layers of different fan-in).
    const energy = tf.mean(tf.square(tf.sub(wv, first)), axes, true);
    const t = tf.reshape(tv, keepShape);
    const hard = tf.cast(tf.greater(energy, t), 'float32');
    const soft = tf.sigmoid(tf.div(tf.sub(energy, t), temperature));
    // d soft / d t = -soft (1 - soft) / temperature
    const dSoft = tf.div(tf.mul(soft, tf.sub(1, soft)), -temperature);
    return { first, second, hard, dSoft };
  };
  // Tensors the gradient needs are handed to `save`: the rest of the forward pass is freed.
  const quantize = tf.customGrad(((wv: tf.Tensor, tv: tf.Tensor, save: (ts: tf.Tensor[]) => void) => {
    const p = parts(wv, tv);
    save([p.second, p.dSoft]);
    return {
      value: tf.add(p.first, tf.mul(p.second, p.hard)),
      // STE to the weights; to t through the relaxed gate times the term it switches.
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [dy, tf.reshape(tf.sum(tf.mul(tf.mul(dy, saved[0]!), saved[1]!), axes), tv.shape)],
    };
  }) as Parameters<typeof tf.customGrad>[0]) as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;
  const gate = tf.customGrad(((wv: tf.Tensor, tv: tf.Tensor, save: (ts: tf.Tensor[]) => void) => {
    const p = parts(wv, tv);
    save([p.dSoft]);
    return {
      value: tf.reshape(p.hard, [-1]),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.zeros(wv.shape), tf.reshape(tf.mul(tf.reshape(dy, keepShape), saved[0]!), tv.shape)],
    };
  }) as Parameters<typeof tf.customGrad>[0]) as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;
  return { value: quantize(w, threshold), keep: gate(w, threshold) };
}

/** Exponent terms of a LightNN-K value in plain numbers (for the energy model and tests). */
export function powerTerms(value: number, k: number, range: ExponentRange = DEFAULT_RANGE): number[] {
  const terms: number[] = [];
  let r = value;
  for (let i = 0; i < k; i++) {
    const a = Math.abs(r);
    if (a < 2 ** (range.minExp - 1)) break;
    let e = Math.floor(Math.log2(a));
    if (a > 1.5 * 2 ** e) e += 1;
    e = Math.min(Math.max(e, range.minExp), range.maxExp);
    const t = Math.sign(r) * 2 ** e;
    terms.push(t);
    r -= t;
  }
  return terms;
}
