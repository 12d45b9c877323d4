import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { emulationFromProps } from './emulation.js';
import { buildProps } from '../../../test/peers/adb-phone/system-image.js';
import { buildSpec } from '../../../test/peers/adb-phone/phone-model.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');

/** `[key]: [value]` lines, as `adb shell getprop` prints them. */
function readGetprop(file: string): Record<string, string> {
  const props: Record<string, string> = {};
  for (const line of readFileSync(join(FIXTURES, file), 'utf8').split('\n')) {
    const m = /^\s*\[([^\]]+)\]: \[(.*)\]\s*$/.exec(line);
    if (m) props[m[1]!] = m[2]!;
  }
  return props;
}

const captures = readdirSync(FIXTURES).filter((f) => f.endsWith('.getprop.txt'));

test('every capture of an Android Emulator is an emulator, every real phone is not', () => {
  assert.equal(captures.length, 5);
  for (const file of captures) {
    const props = readGetprop(file);
    assert.ok(Object.keys(props).length > 20, `${file}: read its properties`);
    const why = emulationFromProps(props);
    if (file.startsWith('emulator-')) assert.ok(why, `${file} is an emulator`);
    else assert.equal(why, undefined, `${file} is a real phone`);
  }
});

test('the evidence names what gave the emulator away', () => {
  assert.match(emulationFromProps(readGetprop('emulator-android9-x86_native-run-43.getprop.txt'))!, /^ro\.hardware=ranchu/);
  assert.match(emulationFromProps(readGetprop('emulator-android9-x86_native-run-38.getprop.txt'))!, /^ro\.kernel\.qemu=1/);
  assert.match(emulationFromProps(readGetprop('emulator-android6-x86_64_nativescript-cli-4952.getprop.txt'))!, /sdk_google_phone_x86_64/);
});

test('the emulated phone gives itself away twice: its own property and its build', () => {
  for (const model of ['Pixel', 'Pixel 2'] as const) {
    const props = Object.fromEntries(buildProps(buildSpec(model), 'EMU0001'));
    assert.match(emulationFromProps(props)!, /ro\.labbench\.emulated=1/);
    const { ['ro.labbench.emulated']: _dropped, ...withoutMark } = props;
    assert.match(emulationFromProps(withoutMark)!, /emulator image/, `${model}: the build alone is enough`);
  }
});

test('real-looking builds that are not emulators', () => {
  assert.equal(emulationFromProps({ 'ro.build.characteristics': 'phone,emulator', 'ro.product.name': 'dreamltexx' }), undefined);
  assert.equal(emulationFromProps({ 'ro.build.fingerprint': 'google/sailfish/sailfish:10/QP1A.191005.007.A3/5972272:user/release-keys' }), undefined);
  assert.equal(emulationFromProps({}), undefined);
});
