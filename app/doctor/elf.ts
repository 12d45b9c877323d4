/**
 * Which Android ABI an ELF binary is built for, from its header's class (byte 4) and
 * e_machine (bytes 18-19, little-endian on every Android ABI), and where TFLite's
 * benchmark_model for an ABI comes from.
 */

export type ElfIdentity = { readonly elf: true; readonly abi: string | undefined; readonly machine: number; readonly bits: 32 | 64 } | { readonly elf: false; readonly start: string };

const MACHINES: Readonly<Record<number, { abi: string; name: string }>> = {
  0xb7: { abi: 'arm64-v8a', name: 'AArch64' },
  0x28: { abi: 'armeabi-v7a', name: 'ARM' },
  0x3e: { abi: 'x86_64', name: 'x86-64' },
  0x03: { abi: 'x86', name: 'i386' },
  0xf3: { abi: 'riscv64', name: 'RISC-V' },
};

export function elfIdentity(header: Uint8Array): ElfIdentity {
  const b = Buffer.from(header);
  if (b.length < 20 || b.readUInt32BE(0) !== 0x7f454c46) {
    return { elf: false, start: b.subarray(0, 16).toString('latin1').replace(/[^\x20-\x7e]/g, '.') };
  }
  const machine = b.readUInt16LE(18);
  return { elf: true, abi: MACHINES[machine]?.abi, machine, bits: b[4] === 2 ? 64 : 32 };
}

export function machineName(machine: number): string {
  return MACHINES[machine]?.name ?? `e_machine 0x${machine.toString(16)}`;
}

/** The bytes `od -A n -t x1` printed (hex pairs separated by blanks and lines). */
export function parseOdHex(text: string): Uint8Array {
  return Uint8Array.from((text.match(/\b[0-9a-f]{2}\b/gi) ?? []).map((h) => parseInt(h, 16)));
}

const NIGHTLY = 'https://storage.googleapis.com/tensorflow-nightly-public/prod/tensorflow/release/lite/tools/nightly/latest';
const BUILDS: Readonly<Record<string, { nightly?: string; bazel: string }>> = {
  'arm64-v8a': { nightly: 'android_aarch64_benchmark_model', bazel: 'android_arm64' },
  'armeabi-v7a': { nightly: 'android_arm_benchmark_model', bazel: 'android_arm' },
  x86_64: { bazel: 'android_x86_64' },
  x86: { bazel: 'android_x86' },
};

/** Where to get benchmark_model for a phone of this ABI, and how to put it where the bench runs it. */
export function benchmarkModelSource(abi: string | undefined, serial: string, devicePath: string, adb = 'adb'): string {
  const b = abi ? BUILDS[abi] : undefined;
  const steps: string[] = [];
  if (b?.nightly) {
    steps.push(
      `get TFLite's prebuilt nightly build for ${abi}: curl -LO ${NIGHTLY}/${b.nightly}`,
      `${adb} -s ${serial} push ${b.nightly} ${devicePath}`,
      `${adb} -s ${serial} shell chmod 755 ${devicePath}`,
      `(or keep it on this host and pass 'labbench profile --benchmark-binary ${b.nightly}')`,
    );
  }
  steps.push(`${b?.nightly ? 'or build' : 'build'} it in a TensorFlow checkout set up for the Android NDK: bazel build -c opt --config=${b?.bazel ?? 'android_arm64'} //tensorflow/lite/tools/benchmark:benchmark_model (kernel mode needs TFLite 2.10 or later)`);
  return steps.join('; ');
}
