/**
 * Small WebAssembly modules assembled from their bytes, shared by the hand-assembled kernels
 * (app/quantize/lightnn-wasm.ts, app/train/fused-adam-wasm.ts): byte-level encoding,
 * instantiation, and the tfjs-wasm heap they run on in place. Built at run time, so that no
 * wasm toolchain is needed to build labbench.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** Signed LEB128, as wasm encodes i32 immediates. */
export function sleb(v: number): number[] {
  const out: number[] = [];
  let x = v | 0;
  for (;;) {
    const byte = x & 0x7f;
    x >>= 7;
    if ((x === 0 && (byte & 0x40) === 0) || (x === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

/** Unsigned LEB128, as wasm encodes sizes, indices and SIMD opcodes. */
export function uleb(v: number): number[] {
  const out: number[] = [];
  let x = v >>> 0;
  do {
    const byte = x & 0x7f;
    x >>>= 7;
    out.push(x ? byte | 0x80 : byte);
  } while (x);
  return out;
}

/** A module section: its id, then its body's size and bytes. */
export const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
/** A vector: its length, then its items. */
export const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
/** A name (ASCII here): its length, then its bytes. */
export const name = (s: string): number[] => [...uleb(s.length), ...[...s].map((c) => c.charCodeAt(0))];

/** Value types. */
export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;

/**
 * The instructions both kernels use: control flow, locals, i32 arithmetic and compares, f32
 * loads and stores (alignment hint 4 bytes, offset 0: tfjs's heap offsets are multiples of
 * 4, not always of 16) and f32 add.
 */
export const baseOps: Readonly<Record<'block' | 'loop' | 'end' | 'i32Add' | 'i32Shl' | 'i32GtU' | 'i32GeU' | 'f32Load' | 'f32Store' | 'f32Add', number[]> & Record<'br' | 'brIf' | 'get' | 'set' | 'tee' | 'i32', (v: number) => number[]>> = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  br: (d: number) => [0x0c, d],
  brIf: (d: number) => [0x0d, d],
  get: (i: number) => [0x20, i],
  set: (i: number) => [0x21, i],
  tee: (i: number) => [0x22, i],
  i32: (v: number) => [0x41, ...sleb(v)],
  i32Add: [0x6a],
  i32Shl: [0x74],
  i32GtU: [0x4b],
  i32GeU: [0x4f],
  f32Load: [0x2a, 0x02, 0x00],
  f32Store: [0x38, 0x02, 0x00],
  f32Add: [0x92],
};

/** The little of the WebAssembly API used here (the ES2023 lib this project compiles against has no types for it). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports?: object) => { readonly exports: unknown };
  validate(bytes: Uint8Array): boolean;
}
const api = (): WasmApi => (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** Compiles and instantiates module bytes; `E` names the exports the caller assembled. */
export function instantiate<E>(bytes: Uint8Array, imports?: object): E {
  return new (api().Instance)(new (api().Module)(bytes), imports).exports as E;
}

/** Whether this runtime accepts the bytes (a SIMD module where wasm has no SIMD does not). */
export function validates(bytes: Uint8Array): boolean {
  return api().validate(bytes);
}

/** tfjs-wasm's WebAssembly.Memory (Emscripten's asm.memory), where the kernels run in place; undefined where it is not reachable. */
export function tfjsWasmMemory(backend: BackendWasm): WasmMemory | undefined {
  return (backend.wasm as unknown as { asm?: { memory?: WasmMemory } }).asm?.memory;
}
