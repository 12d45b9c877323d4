/**
 * The mark of an emulated device: a measurement that was not taken on real hardware says so
 * in the device's fingerprint (`emulated: true`, the source every other mark derives from),
 * its key (`emulated:<serial>`), its label (`... (emulated)`), every LUT row and every
 * export. Pure functions over plain values, shared by the DB, the file format and the UI.
 * What counts as evidence on a live phone (its properties) is in app/devices/adb/emulation.ts.
 */

export const EMULATED_KEY_PREFIX = 'emulated:';
export const EMULATED_LABEL_SUFFIX = ' (emulated)';

/** The key a device is stored under: an emulated device's starts with `emulated:`. Idempotent. */
export function markedKey(key: string, emulated: boolean): string {
  return emulated && !key.startsWith(EMULATED_KEY_PREFIX) ? `${EMULATED_KEY_PREFIX}${key}` : key;
}

/** The label shown: an emulated device's ends with ` (emulated)`. Idempotent. */
export function markedLabel(label: string, emulated: boolean): string {
  return emulated && !label.endsWith(EMULATED_LABEL_SUFFIX) ? `${label}${EMULATED_LABEL_SUFFIX}` : label;
}

/** Whether a stored key answers to what a user typed: the key itself, or an emulated device's serial without the prefix. */
export function keyAnswersTo(storedKey: string, typed: string): boolean {
  return storedKey === typed || storedKey === `${EMULATED_KEY_PREFIX}${typed}`;
}

/**
 * Why a build fingerprint (`brand/product/device:release/id/incremental:type/tags`, as in
 * `ro.build.fingerprint`) is an emulator image's, or undefined. Only the product counts:
 * the Android Emulator's images are `sdk`, `google_sdk` or `sdk_*` (sdk_gphone64_arm64,
 * sdk_google_phone_x86_64), and the labbench emulated phone's is `sdk_labbench_*`. A
 * userdebug build with test-keys runs on real phones too (engineering and custom ROMs).
 */
export function emulatorBuild(build: string): string | undefined {
  const product = build.split('/')[1] ?? '';
  return isEmulatorProduct(product) ? `its build ${build} is an emulator image (product ${product})` : undefined;
}

/** Whether a product name (`ro.product.name`, or a build fingerprint's second field) is an emulator image's. */
export function isEmulatorProduct(product: string): boolean {
  return /^(google_)?sdk($|_)/.test(product);
}

/**
 * Why a fingerprint describes an emulated device, or undefined: its own mark, or its build.
 * Used where a fingerprint arrives from elsewhere (a LUT file), so a file whose mark was
 * removed but whose build still names an emulator cannot pass as real hardware.
 */
export function emulationEvidence(fingerprint: { readonly emulated?: unknown; readonly build?: unknown; readonly kind?: unknown }): string | undefined {
  if (fingerprint.emulated === true) return 'its fingerprint is marked emulated';
  if (typeof fingerprint.build === 'string') return emulatorBuild(fingerprint.build);
  return undefined;
}
