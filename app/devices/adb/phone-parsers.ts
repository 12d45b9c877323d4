/**
 * Pure parsers of what a phone prints: sysfs CPU lists, `dumpsys battery`, `dumpsys power`.
 * Fed captured text in tests; the live reads are in phone-info.ts.
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

/** Groups cores with equal (min, max) frequency into clusters, in core order. */
export function groupClusters(cores: readonly { core: number; min_khz: number; max_khz: number }[]): CoreCluster[] {
  const clusters: { cores: number[]; min_khz: number; max_khz: number }[] = [];
  for (const c of cores) {
    const same = clusters.find((k) => k.min_khz === c.min_khz && k.max_khz === c.max_khz);
    if (same) same.cores.push(c.core);
    else clusters.push({ cores: [c.core], min_khz: c.min_khz, max_khz: c.max_khz });
  }
  return clusters;
}

export interface BatteryState {
  readonly level?: number;
  readonly temp_c?: number;
  readonly usb_powered?: boolean;
  readonly ac_powered?: boolean;
  /** 2 = charging, 5 = full, per BatteryManager. */
  readonly status?: number;
}

/** `dumpsys battery`: `  level: 85`, `  temperature: 312` (tenths of a degree), `  USB powered: true`. */
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
  const level = num('level');
  if (level !== undefined) out.level = level;
  if (temp !== undefined) out.temp_c = temp / 10;
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
