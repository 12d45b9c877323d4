/**
 * Whether a phone is an emulator, from its system properties (`getprop`): the one place the
 * mark is derived for a live phone. The fingerprint, key, label, DB rows and LUT files all
 * carry what this returns (app/api/emulation.ts). Evidence, strongest first:
 * - `ro.labbench.emulated=1`: labbench's emulated phone (test/peers/adb-phone);
 * - `ro.kernel.qemu=1` / `ro.boot.qemu=1`: the Android Emulator's kernel (qemu);
 * - `ro.hardware` (or `ro.boot.hardware`) `goldfish` / `ranchu`: its virtual boards;
 * - a product (`ro.product.name`, or the build fingerprint's) that is an emulator image's.
 * Not evidence: `ro.build.characteristics` (a real Galaxy S8 says `phone,emulator`), and a
 * userdebug or test-keys build (engineering phones and custom ROMs). See fixtures/README.md.
 */
import { emulatorBuild, isEmulatorProduct } from '../../api/emulation.js';

/** Why these properties are an emulator's, or undefined for real hardware as far as they tell. */
export function emulationFromProps(props: Readonly<Record<string, string | undefined>>): string | undefined {
  if (props['ro.labbench.emulated'] === '1') return 'ro.labbench.emulated=1 (the labbench emulated phone)';
  for (const k of ['ro.kernel.qemu', 'ro.boot.qemu']) if (props[k] === '1') return `${k}=1 (the Android Emulator's kernel)`;
  for (const k of ['ro.hardware', 'ro.boot.hardware']) {
    const v = props[k];
    if (v === 'goldfish' || v === 'ranchu') return `${k}=${v} (an Android Emulator board)`;
  }
  const product = props['ro.product.name'];
  if (product !== undefined && isEmulatorProduct(product)) return `ro.product.name=${product} (an emulator image)`;
  const build = props['ro.build.fingerprint'];
  return build === undefined ? undefined : emulatorBuild(build);
}
