/**
 * Pure parsers of what a phone prints: sysfs CPU lists, `/proc/cpuinfo`, `dumpsys battery`,
 * `dumpsys power`. Fed captured text in tests (fixtures/README.md names their sources); the
 * live reads are in phone-info.ts.
 */
import type { CoreCluster } from '../../api/devices.js';

/** `0-3`, `0-3,6`, `0,2-4` -> [0, 1, 2, 3] ... */
export function parseCpuList(text: string): number[] {
  const out: number[] = [];
  for (const part of text.trim().split(',')) {
    if (!part) continue;
    const [a, b] = part.split('-').map((x) => Number(x.trim()));
    if (!Number.isInteger(a)) continue;
    const end = b === undefined || !Number.isInteger(b) ? a! : b;
    for (let i = a!; i <= end; i++) out.push(i);
  }
  return out;
}

/**
 * Groups cores with equal (min, max) frequency into clusters, in core order. With core types
 * (from `/proc/cpuinfo`), cores of different types are never grouped, and each cluster says
 * its type.
 */
export function groupClusters(
  cores: readonly { core: number; min_khz: number; max_khz: number }[],
  types: ReadonlyMap<number, string> = new Map(),
): CoreCluster[] {
  const clusters: { cores: number[]; min_khz: number; max_khz: number; core_type?: string }[] = [];
  for (const c of cores) {
    const type = types.get(c.core);
    const same = clusters.find((k) => k.min_khz === c.min_khz && k.max_khz === c.max_khz && k.core_type === type);
    if (same) same.cores.push(c.core);
    else clusters.push({ cores: [c.core], min_khz: c.min_khz, max_khz: c.max_khz, ...(type ? { core_type: type } : {}) });
  }
  return clusters;
}

/** One `processor` block of `/proc/cpuinfo` on ARM. */
export interface CpuinfoCore {
  readonly core: number;
  /** `CPU implementer` (0x41 Arm, 0x51 Qualcomm, 0x48 HiSilicon, 0x53 Samsung...). */
  readonly implementer?: number;
  /** `CPU part`. */
  readonly part?: number;
  readonly variant?: number;
  /** The core's design where the (implementer, part) pair is known, e.g. `Cortex-A55`. */
  readonly type?: string;
}

/**
 * Part numbers as the Arm TRMs and the Linux kernel's arch/arm64/include/asm/cputype.h give
 * them. Qualcomm's Kryo 2xx-4xx are Arm designs under Qualcomm ids, named with the Cortex core.
 */
const CORE_TYPES: Readonly<Record<number, Readonly<Record<number, string>>>> = {
  0x41: {
    0xd01: 'Cortex-A32', 0xd03: 'Cortex-A53', 0xd04: 'Cortex-A35', 0xd05: 'Cortex-A55', 0xd06: 'Cortex-A65',
    0xd07: 'Cortex-A57', 0xd08: 'Cortex-A72', 0xd09: 'Cortex-A73', 0xd0a: 'Cortex-A75', 0xd0b: 'Cortex-A76',
    0xd0c: 'Neoverse-N1', 0xd0d: 'Cortex-A77', 0xd0e: 'Cortex-A76AE', 0xd40: 'Neoverse-V1', 0xd41: 'Cortex-A78',
    0xd44: 'Cortex-X1', 0xd46: 'Cortex-A510', 0xd47: 'Cortex-A710', 0xd48: 'Cortex-X2', 0xd49: 'Neoverse-N2',
    0xd4a: 'Neoverse-E1', 0xd4b: 'Cortex-A78C', 0xd4d: 'Cortex-A715', 0xd4e: 'Cortex-X3', 0xd80: 'Cortex-A520',
    0xd81: 'Cortex-A720', 0xd82: 'Cortex-X4', 0xd85: 'Cortex-X925', 0xd87: 'Cortex-A725',
  },
  0x48: { 0xd40: 'Cortex-A76' }, // Kirin 980's big and middle cores report HiSilicon's id.
  0x51: {
    0x201: 'Kryo', 0x205: 'Kryo', 0x211: 'Kryo',
    0x800: 'Kryo 2xx Gold (Cortex-A73)', 0x801: 'Kryo 2xx Silver (Cortex-A53)',
    0x802: 'Kryo 3xx Gold (Cortex-A75)', 0x803: 'Kryo 3xx Silver (Cortex-A55)',
    0x804: 'Kryo 4xx Gold (Cortex-A76)', 0x805: 'Kryo 4xx Silver (Cortex-A55)',
    0x001: 'Oryon',
  },
  0x53: { 0x001: 'Exynos M1', 0x002: 'Exynos M3', 0x003: 'Exynos M4', 0x004: 'Exynos M5' },
};

/** The design of a core from its implementer and part ids, undefined when not known. */
export function coreType(implementer: number | undefined, part: number | undefined): string | undefined {
  if (implementer === undefined || part === undefined) return undefined;
  return CORE_TYPES[implementer]?.[part];
}

/**
 * `/proc/cpuinfo` of an ARM phone: one block per online core (`processor : N`, then
 * `CPU implementer`, `CPU part`...), in core order. Old 32-bit kernels print the ids once after
 * the last block instead; those then apply to every core. Cores without ids (x86 emulators)
 * come back with no type.
 */
export function parseCpuinfo(text: string): CpuinfoCore[] {
  const hex = (v: string | undefined): number | undefined => {
    const n = v === undefined ? NaN : Number(v.trim());
    return Number.isInteger(n) ? n : undefined;
  };
  const blocks: Map<string, string>[] = [];
  let trailing = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^([A-Za-z][A-Za-z _]*?)\s*:\s*(.*?)\s*$/.exec(line);
    if (!m) continue;
    const key = m[1]!.toLowerCase();
    if (key === 'processor' && /^\d+$/.test(m[2]!)) {
      trailing = new Map([[key, m[2]!]]);
      blocks.push(trailing);
    } else trailing.set(key, m[2]!);
  }
  const shared = blocks.at(-1);
  return blocks.map((b) => {
    const get = (k: string): string | undefined => b.get(k) ?? shared?.get(k);
    const implementer = hex(get('cpu implementer'));
    const part = hex(get('cpu part'));
    const variant = hex(get('cpu variant'));
    const type = coreType(implementer, part);
    return {
      core: Number(b.get('processor')),
      ...(implementer !== undefined ? { implementer } : {}),
      ...(part !== undefined ? { part } : {}),
      ...(variant !== undefined ? { variant } : {}),
      ...(type ? { type } : {}),
    };
  });
}

export interface BatteryState {
  /** `present: false`: no battery (a dev board on wall power); level and temperature are then not reported. */
  readonly present?: boolean;
  /** Charge, percent of full (`level` over `scale`). */
  readonly level?: number;
  readonly temp_c?: number;
  readonly usb_powered?: boolean;
  readonly ac_powered?: boolean;
  /** 2 = charging, 5 = full, per BatteryManager. */
  readonly status?: number;
}

/**
 * `dumpsys battery`: `  level: 85` of `  scale: 100` (level 40 of scale 50 is 80%),
 * `  temperature: 312` (tenths of a degree), `  USB powered: true`, `  present: false` when
 * the board has no battery (its level and temperature are placeholders and are dropped).
 */
export function parseDumpsysBattery(text: string): BatteryState {
  const kv = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Za-z][A-Za-z ]*?):\s*(.*?)\s*$/.exec(line);
    if (m) kv.set(m[1]!.toLowerCase(), m[2]!);
  }
  const num = (k: string): number | undefined => {
    const v = Number(kv.get(k));
    return kv.has(k) && Number.isFinite(v) ? v : undefined;
  };
  const bool = (k: string): boolean | undefined => (kv.has(k) ? kv.get(k) === 'true' : undefined);
  const temp = num('temperature');
  const out: { -readonly [K in keyof BatteryState]: BatteryState[K] } = {};
  const present = bool('present');
  if (present !== undefined) out.present = present;
  const level = num('level');
  const scale = num('scale');
  if (present !== false) {
    if (level !== undefined) out.level = scale !== undefined && scale > 0 && scale !== 100 ? Math.round((level * 1000) / scale) / 10 : level;
    if (temp !== undefined) out.temp_c = temp / 10;
  }
  const usb = bool('usb powered');
  if (usb !== undefined) out.usb_powered = usb;
  const ac = bool('ac powered');
  if (ac !== undefined) out.ac_powered = ac;
  const status = num('status');
  if (status !== undefined) out.status = status;
  return out;
}

/** `dumpsys power`: `mWakefulness=Awake` means the screen is on. */
export function parseScreenOn(text: string): boolean | undefined {
  const m = /mWakefulness=(\w+)/.exec(text);
  if (!m) return undefined;
  return m[1] === 'Awake';
}

/** Thermal zone temperatures are millidegrees on most kernels, degrees on a few. */
export function parseThermalTemp(text: string): number | undefined {
  const v = Number(text.trim());
  if (!Number.isFinite(v)) return undefined;
  return Math.abs(v) >= 1000 ? v / 1000 : v;
}
