/** A hand-made 64-bit little-endian ELF executable header for `machine` (0xb7 aarch64, 0x3e x86-64), padded to 4 KiB: a stand-in benchmark_model build. */
export const EM_AARCH64 = 0xb7;
export const EM_X86_64 = 0x3e;

export function elfHeader(machine: number): Buffer {
  const b = Buffer.alloc(4096);
  b.writeUInt32BE(0x7f454c46, 0);
  b[4] = 2;
  b[5] = 1;
  b[6] = 1;
  b.writeUInt16LE(3, 16);
  b.writeUInt16LE(machine, 18);
  b.writeUInt32LE(1, 20);
  return b;
}
