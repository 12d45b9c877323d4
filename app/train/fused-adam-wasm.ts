/**
 * One Adam step over a variable as a single WebAssembly loop on tfjs-wasm's heap, assembled
 * here from its bytes (no toolchain), in the manner of app/quantize/lightnn-wasm.ts. tfjs's
 * AdamOptimizer makes ~10 elementwise tensors per variable, each a full pass and an
 * allocation; this reads w, g, m, v once and writes w', m', v' once.
 *
 * The arithmetic is tfjs's, operation for operation, in float32 (wasm's f32 ops are IEEE
 * single, as the wasm backend's kernels are): m' = m b1 + g (1-b1); v' = v b2 + (g g)(1-b2);
 * w' = ((m' / c1) / (sqrt(v' / c2) + eps)) (-lr) + w, with c1 = 1 - beta1^t and
 * c2 = 1 - beta2^t as tfjs keeps them (float32 products, one per step). The SIMD variant does
 * the same per lane (f32x4 ops are IEEE single too), four values at a time, with a scalar
 * tail.
 */

import { baseOps, F32, I32, instantiate, name, section, uleb, V128, validates, vec, type WasmMemory } from './wasm-bytes.js';

const simd = (code: number): number[] => [0xfd, ...uleb(code)];
const op = {
  ...baseOps,
  f32Mul: [0x94],
  f32Div: [0x95],
  f32Sqrt: [0x91],
  // Alignment hint 4 bytes, as for f32: tfjs's heap offsets are not always multiples of 16.
  v128Load: [...simd(0x00), 0x02, 0x00],
  v128Store: [...simd(0x0b), 0x02, 0x00],
  f32x4Splat: simd(0x13),
  f32x4Sqrt: simd(0xe3),
  f32x4Add: simd(0xe4),
  f32x4Mul: simd(0xe6),
  f32x4Div: simd(0xe7),
};

// adam(w, g, m, v, wOut, mOut, vOut, n, b1, oneMinusB1, b2, oneMinusB2, c1, c2, eps, negLr):
// byte offsets, a count, then the step's float32 coefficients.
const [W, G, M, V, WO, MO, VO, N, B1, OMB1, B2, OMB2, C1, C2, EPS, NEGLR] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15] as const;
const PARAMS = [I32, I32, I32, I32, I32, I32, I32, I32, F32, F32, F32, F32, F32, F32, F32, F32];
// Locals after the parameters: the byte position and its end; g, m', v' (f32); then, in the
// SIMD variant, the coefficients splatted and g, m', v' as f32x4.
const [O, END, GS, MS, VS] = [16, 17, 18, 19, 20] as const;
const SPLAT_FIRST = 21; // b1, oneMinusB1, b2, oneMinusB2, c1, c2, eps, negLr in that order
const [GV, MV, VV] = [29, 30, 31] as const;

type Ops = { load: number[]; store: number[]; add: number[]; mul: number[]; div: number[]; sqrt: number[] };
const SCALAR: Ops = { load: op.f32Load, store: op.f32Store, add: op.f32Add, mul: op.f32Mul, div: op.f32Div, sqrt: op.f32Sqrt };
const VECTOR: Ops = { load: op.v128Load, store: op.v128Store, add: op.f32x4Add, mul: op.f32x4Mul, div: op.f32x4Div, sqrt: op.f32x4Sqrt };

/** One element (or four): `k(i)` names coefficient i (a parameter, or its splat), `g/m/v` the temporaries. */
function step(x: Ops, k: (p: number) => number, g: number, m: number, v: number): number[] {
  const at = (base: number): number[] => [...op.get(base), ...op.get(O), ...op.i32Add];
  return [
    ...at(G), ...x.load, ...op.set(g),
    // m' = m b1 + g (1 - b1), stored and kept
    ...at(MO),
    ...at(M), ...x.load, ...op.get(k(B1)), ...x.mul,
    ...op.get(g), ...op.get(k(OMB1)), ...x.mul, ...x.add, ...op.tee(m), ...x.store,
    // v' = v b2 + (g g)(1 - b2), stored and kept
    ...at(VO),
    ...at(V), ...x.load, ...op.get(k(B2)), ...x.mul,
    ...op.get(g), ...op.get(g), ...x.mul, ...op.get(k(OMB2)), ...x.mul, ...x.add, ...op.tee(v), ...x.store,
    // w' = ((m' / c1) / (sqrt(v' / c2) + eps)) (-lr) + w
    ...at(WO),
    ...op.get(m), ...op.get(k(C1)), ...x.div,
    ...op.get(v), ...op.get(k(C2)), ...x.div, ...x.sqrt, ...op.get(k(EPS)), ...x.add,
    ...x.div, ...op.get(k(NEGLR)), ...x.mul,
    ...at(W), ...x.load, ...x.add, ...x.store,
  ];
}

/** A loop while `o + width` fits before END, running `body` and moving o on by `width` bytes. */
function loop(width: number, body: number[]): number[] {
  return [
    ...op.block, ...op.loop,
    ...op.get(O), ...op.i32(width), ...op.i32Add, ...op.get(END), ...op.i32GtU, ...op.brIf(1),
    ...body,
    ...op.get(O), ...op.i32(width), ...op.i32Add, ...op.set(O),
    ...op.br(0),
    ...op.end, ...op.end,
  ];
}

function moduleBytes(withSimd: boolean): Uint8Array {
  const scalarK = (p: number): number => p;
  const splatK = (p: number): number => SPLAT_FIRST + (p - B1);
  const locals = withSimd ? [[2, I32], [3, F32], [11, V128]] : [[2, I32], [3, F32]];
  const body = [
    ...vec(locals),
    ...op.get(N), ...op.i32(2), ...op.i32Shl, ...op.set(END),
    ...(withSimd
      ? [
          ...[B1, OMB1, B2, OMB2, C1, C2, EPS, NEGLR].flatMap((p) => [...op.get(p), ...op.f32x4Splat, ...op.set(splatK(p))]),
          ...loop(16, step(VECTOR, splatK, GV, MV, VV)),
        ]
      : []),
    ...loop(4, step(SCALAR, scalarK, GS, MS, VS)),
    ...op.end,
  ];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, ...vec(PARAMS.map((t) => [t])), 0x00]])),
    // The memory of tfjs's wasm module, updated where its tensors live.
    ...section(2, vec([[...name('env'), ...name('memory'), 0x02, 0x00, 0x00]])),
    ...section(3, vec([[0x00]])),
    ...section(7, vec([[...name('adam'), 0x00, 0x00]])),
    ...section(10, vec([[...uleb(body.length), ...body]])),
  ]);
}

type AdamFn = (w: number, g: number, m: number, v: number, wOut: number, mOut: number, vOut: number, n: number, ...k: number[]) => void;

/** The step's float32 coefficients, as tfjs rounds them (see the file comment). */
export interface AdamCoefficients {
  readonly beta1: number;
  readonly beta2: number;
  /** 1 - beta1^t, float32 (tfjs: sub(1, accBeta1)). */
  readonly c1: number;
  /** 1 - beta2^t, float32. */
  readonly c2: number;
  readonly epsilon: number;
  readonly learningRate: number;
}

/** Byte offsets in the memory: the inputs (w, g, m, v) and where w', m', v' go (distinct from the inputs). */
export interface AdamBuffers {
  readonly w: number;
  readonly g: number;
  readonly m: number;
  readonly v: number;
  readonly wOut: number;
  readonly mOut: number;
  readonly vOut: number;
}

let simdValid: boolean | undefined;
/** Whether this runtime's WebAssembly has fixed-width SIMD (Node 16.4+ does). */
export function wasmSimdSupported(): boolean {
  simdValid ??= validates(moduleBytes(true));
  return simdValid;
}

/** One instance per (memory, variant). */
const instances = new WeakMap<WasmMemory, Map<boolean, AdamFn>>();

function adamFn(memory: WasmMemory, withSimd: boolean): AdamFn {
  let byVariant = instances.get(memory);
  if (!byVariant) instances.set(memory, (byVariant = new Map()));
  let fn = byVariant.get(withSimd);
  if (!fn) {
    fn = instantiate<{ adam: AdamFn }>(moduleBytes(withSimd), { env: { memory } }).adam;
    byVariant.set(withSimd, fn);
  }
  return fn;
}

const f32 = Math.fround;

/** One Adam step over n float32 values at the given byte offsets of `memory`. */
export function adamStepInMemory(memory: WasmMemory, at: AdamBuffers, n: number, k: AdamCoefficients, withSimd: boolean): void {
  // Each coefficient as tfjs makes its scalar: a JS double (1 - beta1 included) rounded to float32 at the boundary.
  adamFn(memory, withSimd)(at.w, at.g, at.m, at.v, at.wOut, at.mOut, at.vOut, n,
    f32(k.beta1), f32(1 - k.beta1), f32(k.beta2), f32(1 - k.beta2), f32(k.c1), f32(k.c2), f32(k.epsilon), f32(-k.learningRate));
}
