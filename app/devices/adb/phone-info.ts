/**
 * What a phone is and what state it is in, read over adb: getprop, sysfs CPU frequencies,
 * thermal zones, `dumpsys battery` / `dumpsys power`, and whether `su` exists. The live
 * state (temperatures, frequencies) is read again before each measurement, so it has its
 * own small function.
 */
import type { PhoneDeviceInfo, ThermalZone } from '../../api/devices.js';
import { markedLabel } from '../../api/emulation.js';
import { shell, adbError, type AdbClient } from './adb-shell.js';
import { emulationFromProps } from './emulation.js';
import { groupClusters, parseCpuinfo, parseCpuList, parseDumpsysBattery, parseScreenOn, parseThermalTemp } from './phone-parsers.js';

const CPU = '/sys/devices/system/cpu';

async function readLines(client: AdbClient, serial: string, paths: readonly string[]): Promise<(string | undefined)[]> {
  // One shell per batch: `cat` prints the files in order; a missing one is marked, not fatal.
  const raw = paths.map((p) => `cat '${p}' 2>/dev/null || echo __missing__`).join('; ');
  const r = await shell(client, serial, [], { raw });
  const lines = r.stdout.split('\n');
  return paths.map((_, i) => {
    const l = lines[i]?.trim();
    return l === undefined || l === '__missing__' || l === '' ? undefined : l;
  });
}

export async function listCores(client: AdbClient, serial: string): Promise<number[]> {
  const [present] = await readLines(client, serial, [`${CPU}/present`]);
  return present ? parseCpuList(present) : [];
}

export interface LiveState {
  readonly thermal: readonly ThermalZone[];
  /** Current frequency per core, kHz (0 for an offline core). */
  readonly cpu_khz: readonly number[];
}

export async function thermalZones(client: AdbClient, serial: string): Promise<{ name: string; path: string }[]> {
  const r = await shell(client, serial, ['ls', '/sys/class/thermal']);
  if (r.exitCode !== 0) return [];
  const zones = r.stdout.split(/\s+/).filter((z) => /^thermal_zone\d+$/.test(z));
  const types = await readLines(client, serial, zones.map((z) => `/sys/class/thermal/${z}/type`));
  return zones.map((z, i) => ({ name: types[i] ?? z, path: `/sys/class/thermal/${z}/temp` }));
}

export async function readLiveState(client: AdbClient, serial: string, cores: readonly number[], zones: readonly { name: string; path: string }[]): Promise<LiveState> {
  const values = await readLines(client, serial, [...zones.map((z) => z.path), ...cores.map((c) => `${CPU}/cpu${c}/cpufreq/scaling_cur_freq`)]);
  const thermal: ThermalZone[] = [];
  zones.forEach((z, i) => {
    const t = values[i] === undefined ? undefined : parseThermalTemp(values[i]!);
    if (t !== undefined) thermal.push({ name: z.name, temp_c: t });
  });
  const cpu_khz = cores.map((_, i) => Number(values[zones.length + i] ?? 0) || 0);
  return { thermal, cpu_khz };
}

export async function describePhone(client: AdbClient, serial: string, state: string): Promise<PhoneDeviceInfo> {
  if (state !== 'device') return { id: serial, kind: 'android', state, label: serial, emulated: false, note: `adb reports the phone as ${state}; whether it is emulated is unknown` };
  try {
    const props = (await client.getDevice(serial).getProperties()) as Record<string, string>;
    const cores = await listCores(client, serial);
    const freqs = await readLines(
      client,
      serial,
      cores.flatMap((c) => [`${CPU}/cpu${c}/cpufreq/cpuinfo_min_freq`, `${CPU}/cpu${c}/cpufreq/cpuinfo_max_freq`]),
    );
    const cpuinfo = await shell(client, serial, ['cat', '/proc/cpuinfo']);
    const types = new Map<number, string>();
    if (cpuinfo.exitCode === 0) for (const c of parseCpuinfo(cpuinfo.stdout)) if (c.type) types.set(c.core, c.type);
    const clusters = groupClusters(
      cores.map((core, i) => ({ core, min_khz: Number(freqs[2 * i] ?? 0), max_khz: Number(freqs[2 * i + 1] ?? 0) })),
      types,
    );
    const battery = parseDumpsysBattery((await shell(client, serial, ['dumpsys', 'battery'])).stdout);
    const screen = parseScreenOn((await shell(client, serial, ['dumpsys', 'power'])).stdout);
    const zones = await thermalZones(client, serial);
    const live = await readLiveState(client, serial, [], zones);
    const rooted = (await shell(client, serial, ['which', 'su'])).exitCode === 0;
    const model = props['ro.product.model'];
    const emulation = emulationFromProps(props);
    const info: PhoneDeviceInfo = {
      id: serial,
      kind: 'android',
      state,
      label: markedLabel(`${props['ro.product.manufacturer'] ?? ''} ${model ?? serial}`.trim(), emulation !== undefined),
      emulated: emulation !== undefined,
      ...(emulation ? { emulation } : {}),
      ...(model ? { model } : {}),
      ...(props['ro.product.manufacturer'] ? { manufacturer: props['ro.product.manufacturer'] } : {}),
      ...((props['ro.board.platform'] ?? props['ro.product.board']) ? { soc: props['ro.board.platform'] ?? props['ro.product.board']! } : {}),
      ...(props['ro.build.version.release'] ? { android_version: props['ro.build.version.release'] } : {}),
      ...(props['ro.build.version.sdk'] ? { sdk: Number(props['ro.build.version.sdk']) } : {}),
      ...(props['ro.product.cpu.abi'] ? { abi: props['ro.product.cpu.abi'] } : {}),
      cores: cores.length,
      clusters,
      ...(battery.level !== undefined ? { battery_level: battery.level } : {}),
      ...(battery.temp_c !== undefined ? { battery_temp_c: battery.temp_c } : {}),
      ...(battery.present === false ? { battery_present: false } : {}),
      ...(battery.usb_powered !== undefined ? { usb_charging: battery.usb_powered && battery.status === 2 } : {}),
      ...(screen !== undefined ? { screen_on: screen } : {}),
      thermal: live.thermal,
      rooted,
    };
    return info;
  } catch (e) {
    const err = adbError(serial, e);
    return { id: serial, kind: 'android', state, label: serial, emulated: false, note: `${err.message}; whether it is emulated is unknown` };
  }
}
