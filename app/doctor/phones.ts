/**
 * Each phone the adb server lists: its state (with what to do about `unauthorized`, `offline`,
 * `no permissions`), and for a usable one whether the bench can run benchmark_model there
 * (present where the Android target looks, executable, built for the phone's ABI), and
 * whether it is ready to measure (temperature against --cool-below, battery, charging).
 */
import { open } from 'node:fs/promises';
import type { PhoneDeviceInfo } from '../api/devices.js';
import type { DoctorCheck } from '../api/doctor.js';
import { listPhones, shell, tcpSerial, type AdbClient } from '../devices/adb/adb-shell.js';
import { describePhone } from '../devices/adb/phone-info.js';
import { BENCHMARK_MODEL_PATHS, DEFAULT_BENCHMARK_MODEL, DEFAULT_COOL_BELOW_C, PUSHED_BENCHMARK_MODEL } from '../../native-runners/android-tflite/target.js';
import { benchmarkModelSource, elfIdentity, machineName, parseOdHex, type ElfIdentity } from './elf.js';

export interface PhoneCheckOptions {
  readonly coolBelowC?: number;
  readonly benchmarkBinary?: string;
  /** How the user's own adb reaches the server: `adb`, or `adb -H HOST -P PORT` where labbench was given -H/-P. */
  readonly adb?: string;
}

const NO_PHONE_FIX =
  "on the phone: Settings > About phone, tap Build number seven times, then Developer options > USB debugging on; plug it in with a data cable (a charge-only cable shows nothing) and accept the prompt; a phone farm's phone joins with 'labbench devices connect HOST:PORT'";

/** What to do about a phone adb lists but cannot use. */
export function stateCheck(serial: string, state: string, adb = 'adb'): DoctorCheck {
  const base = { id: 'phone.state', subject: serial, needed: true } as const;
  const tcp = tcpSerial(serial) !== undefined;
  const reconnect = tcp ? `'${adb} disconnect ${serial}' then '${adb} connect ${serial}'` : 'unplug the cable and plug it back in';
  if (state === 'device') return { ...base, status: 'ok', detail: 'listed as device: usable' };
  if (state === 'unauthorized') {
    return {
      ...base,
      status: 'fail',
      detail: "adb lists it as unauthorized: the phone has not accepted this computer's RSA key, so nothing can run on it",
      fix: `unlock the phone and accept the 'Allow USB debugging?' prompt, ticking 'Always allow from this computer'. No prompt? In Developer options tap 'Revoke USB debugging authorizations', then ${reconnect} and accept the new prompt; if it still shows unauthorized, run 'adb kill-server' (the server re-reads its key, ~/.android/adbkey) and try again`,
    };
  }
  if (state === 'offline') {
    return {
      ...base,
      status: 'fail',
      detail: 'adb lists it as offline: the connection is there but the phone does not answer',
      fix: `${reconnect} (a data cable, not a charge-only one; the phone unlocked); or 'adb reconnect offline'; if it stays offline, 'adb kill-server' and replug; an old adb with a new Android also stays offline: update platform-tools`,
    };
  }
  if (/no permissions/i.test(state)) {
    return {
      ...base,
      status: 'fail',
      detail: `adb cannot open the USB device (${state})`,
      fix: `Linux: the udev rules for Android phones (Debian/Ubuntu: 'sudo apt-get install android-sdk-platform-tools-common'), or a rule of your own: SUBSYSTEM=="usb", ATTR{idVendor}=="18d1", MODE="0660", GROUP="plugdev" (the phone's vendor id from 'lsusb') in /etc/udev/rules.d/51-android.rules; 'sudo usermod -aG plugdev $USER', log out and in, 'sudo udevadm control --reload-rules', replug, then 'adb kill-server'`,
    };
  }
  if (state === 'authorizing' || state === 'connecting') {
    return { ...base, status: 'warn', detail: `adb lists it as ${state}`, fix: 'wait a few seconds and check again; if it stays so, accept the prompt on the phone' };
  }
  return { ...base, status: 'fail', detail: `adb lists it as ${state}`, fix: 'boot the phone into Android (not recovery, sideload or the bootloader) with USB debugging on' };
}

async function hostBinaryIdentity(path: string): Promise<ElfIdentity | string> {
  try {
    const fh = await open(path, 'r');
    try {
      const { buffer, bytesRead } = await fh.read(Buffer.alloc(20), 0, 20, 0);
      return elfIdentity(buffer.subarray(0, bytesRead));
    } finally {
      await fh.close();
    }
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
  }
}

function abiVerdict(id: ElfIdentity, what: string, abi: string | undefined, abilist: readonly string[]): { status: 'ok' | 'warn' | 'fail'; detail: string } {
  if (!id.elf) return { status: 'fail', detail: `${what} is not an ELF binary (it starts '${id.start}'): a download that saved an error page?` };
  const built = `${machineName(id.machine)}, ${id.bits}-bit${id.abi ? ` (${id.abi})` : ''}`;
  if (abi === undefined) return { status: 'warn', detail: `${what} is built for ${built}; the phone's ABI (ro.product.cpu.abi) is unknown` };
  if (id.abi === abi) return { status: 'ok', detail: `${what} is built for ${built}, the phone's ABI` };
  if (id.abi && abilist.includes(id.abi)) {
    return { status: 'warn', detail: `${what} is built for ${built}; the phone runs ${abi} and also runs ${id.abi} binaries, but not at the speed of a ${abi} build (what apps on it run)` };
  }
  return { status: 'fail', detail: `${what} is built for ${built}, but the phone runs ${abi} (${abilist.join(', ') || abi}): it cannot execute it` };
}

async function benchmarkCheck(client: AdbClient, serial: string, subject: string, abi: string | undefined, abilist: readonly string[], o: PhoneCheckOptions): Promise<DoctorCheck> {
  const base = { id: 'phone.benchmark_model', subject, needed: true } as const;
  const source = benchmarkModelSource(abi, serial, DEFAULT_BENCHMARK_MODEL, o.adb);
  // The build profile runs, in its order: the one --benchmark-binary names (pushed), the phone's own, one pushed before.
  if (o.benchmarkBinary) {
    const id = await hostBinaryIdentity(o.benchmarkBinary);
    if (typeof id === 'string') return { ...base, status: 'fail', detail: `--benchmark-binary ${o.benchmarkBinary} cannot be read here (${id})`, fix: source };
    const v = abiVerdict(id, o.benchmarkBinary, abi, abilist);
    return { ...base, status: v.status, detail: `profile pushes --benchmark-binary to ${PUSHED_BENCHMARK_MODEL}: ${v.detail}`, ...(v.status === 'ok' ? {} : { fix: source }) };
  }
  let path: string | undefined;
  let ls = { exitCode: 1, stdout: '' };
  for (const candidate of BENCHMARK_MODEL_PATHS) {
    ls = await shell(client, serial, ['ls', '-l', candidate], { timeoutMs: 15_000 });
    if (ls.exitCode === 0) {
      path = candidate;
      break;
    }
  }
  if (!path) {
    return {
      ...base,
      status: 'fail',
      detail: `no ${DEFAULT_BENCHMARK_MODEL}: profiling runs TFLite's benchmark_model from there (or pushes the one 'labbench profile --benchmark-binary PATH' names to ${PUSHED_BENCHMARK_MODEL})`,
      fix: source,
    };
  }
  const mode = ls.stdout.trim().split(/\s+/)[0] ?? '';
  if (/^-/.test(mode) && !/x/.test(mode)) {
    return { ...base, status: 'fail', detail: `${path} is there but not executable (${mode})`, fix: `${o.adb ?? 'adb'} -s ${serial} shell chmod 755 ${path}` };
  }
  const od = await shell(client, serial, ['od', '-A', 'n', '-t', 'x1', '-N', '20', path], { timeoutMs: 15_000 });
  const header = parseOdHex(od.stdout);
  if (od.exitCode !== 0 || header.length < 20) {
    return { ...base, status: 'warn', detail: `${path} is there; its ELF header could not be read ('od' said: ${od.stdout.trim().slice(0, 200) || `exit ${od.exitCode}`})`, fix: `check it by hand: ${o.adb ?? 'adb'} -s ${serial} shell file ${path}` };
  }
  const v = abiVerdict(elfIdentity(header), path, abi, abilist);
  return { ...base, ...v, ...(v.status === 'ok' ? {} : { fix: `replace it with a ${abi ?? 'matching'} build: ${source}` }) };
}

function thermalCheck(info: PhoneDeviceInfo, subject: string, coolBelowC: number): DoctorCheck {
  const base = { id: 'phone.thermal', subject, needed: false } as const;
  const zones = info.thermal ?? [];
  if (!zones.length) return { ...base, status: 'skip', detail: 'no thermal zone could be read: profiling cannot wait for the phone to cool' };
  const hot = zones.reduce((a, z) => (z.temp_c > a.temp_c ? z : a));
  const screen = info.screen_on ? '; the screen is on, which heats the phone and competes for the CPU' : '';
  const line = `hottest zone ${hot.name} at ${hot.temp_c.toFixed(1)} C, ${hot.temp_c < coolBelowC ? 'below' : 'above'} the ${coolBelowC} C profiling waits for before each unit${screen}`;
  if (hot.temp_c < coolBelowC && !info.screen_on) return { ...base, status: 'ok', detail: line };
  const fixes = [...(hot.temp_c >= coolBelowC ? ['let it cool (screen off, out of its case, off the charger), or profile with a higher --cool-below'] : []), ...(info.screen_on ? ['turn the screen off (power button) before measuring'] : [])];
  return { ...base, status: 'warn', detail: line, fix: fixes.join('; ') };
}

function batteryCheck(info: PhoneDeviceInfo, subject: string): DoctorCheck {
  const base = { id: 'phone.battery', subject, needed: false } as const;
  if (info.battery_present === false) return { ...base, status: 'ok', detail: 'no battery (a board on a bench supply)' };
  if (info.battery_level === undefined) return { ...base, status: 'skip', detail: "'dumpsys battery' gave no level" };
  const problems: string[] = [];
  const fixes: string[] = [];
  if (info.battery_level < 20) {
    problems.push(`battery at ${info.battery_level} %: low batteries throttle`);
    fixes.push('charge it above 20 % first');
  }
  if (info.usb_charging) {
    problems.push('charging over USB: charging heats the phone, and a USB meter between charger and phone reads the charge current too');
    fixes.push('let it charge full before measuring power (a full battery draws little), or use a charge-only setup the meter does not see');
  }
  if (!problems.length) return { ...base, status: 'ok', detail: `battery at ${info.battery_level} %, not charging` };
  return { ...base, status: 'warn', detail: problems.join('; '), fix: fixes.join('; ') };
}

export async function checkPhones(client: AdbClient, o: PhoneCheckOptions = {}): Promise<DoctorCheck[]> {
  let phones: { id: string; type: string }[];
  try {
    phones = await listPhones(client);
  } catch (e) {
    return [{ id: 'phone.state', subject: 'phones', status: 'fail', needed: false, detail: `the adb server did not list devices: ${(e as Error).message}`, fix: "'adb kill-server', then check again" }];
  }
  if (!phones.length) return [{ id: 'phone.state', subject: 'phones', status: 'skip', needed: false, detail: 'the adb server lists no phone', fix: NO_PHONE_FIX }];
  const checks: DoctorCheck[] = [];
  for (const p of phones) {
    if (p.type !== 'device') {
      checks.push(stateCheck(p.id, p.type, o.adb));
      continue;
    }
    const info = await describePhone(client, p.id, p.type);
    const subject = info.label === p.id ? p.id : `${p.id} (${info.label})`;
    if (info.note) {
      checks.push({ id: 'phone.state', subject, status: 'fail', needed: true, detail: `listed as device, but reading it failed: ${info.note}`, fix: stateCheck(p.id, 'offline', o.adb).fix! });
      continue;
    }
    checks.push({ ...stateCheck(p.id, p.type, o.adb), subject, detail: `listed as device: ${info.model ?? ''} Android ${info.android_version ?? '?'}, ${info.abi ?? 'ABI unknown'}, ${info.cores ?? '?'} cores${info.emulated ? `; emulated (${info.emulation ?? 'an emulator'})` : ''}` });
    const abilist = (await shell(client, p.id, ['getprop', 'ro.product.cpu.abilist'], { timeoutMs: 15_000 })).stdout.trim().split(',').filter(Boolean);
    checks.push(await benchmarkCheck(client, p.id, subject, info.abi, abilist, o));
    checks.push(thermalCheck(info, subject, o.coolBelowC ?? DEFAULT_COOL_BELOW_C));
    checks.push(batteryCheck(info, subject));
  }
  return checks;
}
