/**
 * lightnnReference's loop (quantizers.ts) as a small WebAssembly function, assembled here from
 * its bytes (no toolchain needed), branch-free: several times faster than the JS loop once
 * tiered up (docs/decisions/0017-lightnn-quantizer-one-pass.md). On tfjs's wasm heap it runs
 * in place (lightnnWasmInMemory: the module imports that memory); for JS arrays it keeps its
 * own memory (input then output), grown to the largest array seen. Same arithmetic as the JS
 * loop, value for value: the exponent field of the residual, a mantissa past 1.5 rounding up,
 * the exponent clamped in biased form, f32 adds and subtracts (wasm's f32.add is IEEE single,
 * as Math.fround(a + b) of two singles).
 */
import type { ExponentRange } from './quantizers.js';
import { baseOps, F32, I32, instantiate, name, section, uleb, vec, type WasmMemory } from '../train/wasm-bytes.js';

const op = {
  ...baseOps,
  select: [0x1b],
  f32Zero: [0x43, 0, 0, 0, 0],
  i32LtS: [0x48],
  i32GtS: [0x4a],
  i32GeS: [0x4e],
  i32And: [0x71],
  i32Or: [0x72],
  i32ShrU: [0x76],
  f32Sub: [0x93],
  i32FromF32: [0xbc],
  f32FromI32: [0xbe],
};

/**
 * quantize(in, out, n, k, lo, hi, smallest): byte offsets in, out; lo/hi the clamped
 * exponent range in biased form (minExp + 127, maxExp + 127); smallest the biased exponent
 * field below which a residual rounds to 0 (minExp - 1 + 127).
 */
function moduleBytes(importedMemory: boolean): Uint8Array {
  // Parameters 0-6, then locals: i, b, field, e, t (i32) and r, q, term (f32).
  const [IN, OUT, N, K, LO, HI, SMALLEST, I, B, FIELD, E, T, R, Q, TERM] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14] as const;
  const addr = (base: number): number[] => [...op.get(base), ...op.get(I), ...op.i32(2), ...op.i32Shl, ...op.i32Add];
  const body = [
    ...vec([[5, I32], [3, F32]]),
    ...op.i32(0), ...op.set(I),
    ...op.block,
    ...op.loop,
    ...op.get(I), ...op.get(N), ...op.i32GeU, ...op.brIf(1),
    ...addr(IN), ...op.f32Load, ...op.set(R),
    ...op.f32Zero, ...op.set(Q),
    ...op.i32(0), ...op.set(T),
    ...op.block,
    ...op.loop,
    ...op.get(T), ...op.get(K), ...op.i32GeS, ...op.brIf(1),
    // field = (bits(r) >>> 23) & 0xff
    ...op.get(R), ...op.i32FromF32, ...op.tee(B),
    ...op.i32(23), ...op.i32ShrU, ...op.i32(0xff), ...op.i32And, ...op.set(FIELD),
    // e = field + (mantissa > 0x400000), clamped to [lo, hi]
    ...op.get(FIELD), ...op.get(B), ...op.i32(0x7fffff), ...op.i32And, ...op.i32(0x400000), ...op.i32GtU, ...op.i32Add, ...op.set(E),
    ...op.get(LO), ...op.get(E), ...op.get(E), ...op.get(LO), ...op.i32LtS, ...op.select, ...op.set(E),
    ...op.get(HI), ...op.get(E), ...op.get(E), ...op.get(HI), ...op.i32GtS, ...op.select, ...op.set(E),
    // term = sign(r) * 2^e, or +0 where the residual is below the smallest term. Without a
    // branch: JS breaks out there, but adding +0 leaves q and r as they are (q is never -0),
    // and later terms of an unchanged residual are +0 again. Data-dependent branches cost
    // more than the extra terms (N(0, 0.02) weights cross that line all the time).
    ...op.get(B), ...op.i32(-0x80000000), ...op.i32And, ...op.get(E), ...op.i32(23), ...op.i32Shl, ...op.i32Or,
    ...op.i32(0), ...op.get(FIELD), ...op.get(SMALLEST), ...op.i32GeS, ...op.select,
    ...op.f32FromI32, ...op.set(TERM),
    ...op.get(Q), ...op.get(TERM), ...op.f32Add, ...op.set(Q),
    ...op.get(R), ...op.get(TERM), ...op.f32Sub, ...op.set(R),
    ...op.get(T), ...op.i32(1), ...op.i32Add, ...op.set(T),
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...addr(OUT), ...op.get(Q), ...op.f32Store,
    ...op.get(I), ...op.i32(1), ...op.i32Add, ...op.set(I),
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...op.end,
  ];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, ...vec(Array.from({ length: 7 }, () => [I32])), 0x00]])),
    // Its own memory (min one page), or env.memory: another module's, quantized in place.
    ...(importedMemory ? section(2, vec([[...name('env'), ...name('memory'), 0x02, 0x00, 0x00]])) : []),
    ...section(3, vec([[0x00]])),
    ...(importedMemory ? [] : section(5, vec([[0x00, 0x01]]))),
    ...section(7, vec([[...name('quantize'), 0x00, 0x00], ...(importedMemory ? [] : [[...name('memory'), 0x02, 0x00]])])),
    ...section(10, vec([[...uleb(body.length), ...body]])),
  ]);
}

type QuantizeFn = (input: number, output: number, n: number, k: number, lo: number, hi: number, smallest: number) => void;

let own: { quantize: QuantizeFn; memory: WasmMemory } | undefined;
/** One instance per foreign memory it quantizes in. */
const inPlace = new WeakMap<WasmMemory, QuantizeFn>();

/** LightNN-K of x into out (same length) on the wasm function; same values as lightnnReference. */
export function lightnnWasmInto(x: Float32Array, out: Float32Array, k: number, range: ExponentRange): Float32Array {
  if (!own) {
    const exports = instantiate<{ quantize: QuantizeFn; memory: WasmMemory }>(moduleBytes(false));
    own = { quantize: exports.quantize, memory: exports.memory };
  }
  const { quantize, memory } = own;
  const n = x.length;
  const pages = Math.ceil((8 * n) / 65536);
  if (memory.buffer.byteLength < pages * 65536) memory.grow(pages - memory.buffer.byteLength / 65536);
  const heap = new Float32Array(memory.buffer, 0, 2 * n);
  heap.set(x);
  quantize(0, 4 * n, n, k, range.minExp + 127, range.maxExp + 127, range.minExp - 1 + 127);
  out.set(heap.subarray(n, 2 * n));
  return out;
}

/**
 * The same, in place in another module's memory (tfjs's wasm heap): n values at byte offset
 * `from` quantized into byte offset `to`, no copies.
 */
export function lightnnWasmInMemory(memory: WasmMemory, from: number, to: number, n: number, k: number, range: ExponentRange): void {
  let quantize = inPlace.get(memory);
  if (!quantize) {
    quantize = instantiate<{ quantize: QuantizeFn }>(moduleBytes(true), { env: { memory } }).quantize;
    inPlace.set(memory, quantize);
  }
  quantize(from, to, n, k, range.minExp + 127, range.maxExp + 127, range.minExp - 1 + 127);
}
