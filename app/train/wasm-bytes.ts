/**
 * Byte-level encoding of small WebAssembly modules, shared by the hand-assembled kernels
 * (app/quantize/lightnn-wasm.ts, app/train/fused-adam-wasm.ts): they are built from their
 * bytes at run time, so that no wasm toolchain is needed to build labbench.
 */

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
