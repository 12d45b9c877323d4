// The phone's software image: directories and their owners, /system/bin applets, the
// preinstalled benchmark binary, /proc and /sys files computed from the physics model,
// system properties and `dumpsys` texts. Formats follow Android 10 on a Pixel.

import { SHELL_UID, SYSTEM_UID, type PhoneFs } from './fs.js';
import { coreZoneName, type PhoneSpec } from './phone-model.js';
import type { PhonePhysics } from './thermal.js';

export const PATH = '/product/bin:/apex/com.android.runtime/bin:/apex/com.android.art/bin:/system_ext/bin:/system/bin:/system/xbin:/odm/bin:/vendor/bin:/vendor/xbin';
export const BENCHMARK_PATH = '/data/local/tmp/benchmark_model';

/** A minimal AArch64 ELF header followed by filler: what `adb pull` of the binary gives. */
export function fakeElf(size = 16384): Buffer {
  const b = Buffer.alloc(size);
  b.writeUInt32BE(0x7f454c46, 0);
  b[4] = 2; // 64-bit
  b[5] = 1; // little endian
  b[6] = 1;
  b.writeUInt16LE(3, 16); // ET_DYN (PIE)
  b.writeUInt16LE(0xb7, 18); // EM_AARCH64
  b.writeUInt32LE(1, 20);
  for (let i = 64; i < size; i++) b[i] = (i * 131) & 0xff;
  return b;
}

export interface ImageOptions {
  rooted: boolean;
  benchmarkModelInstalled: boolean;
  applets: string[];
  serialNo: string;
}

export function buildProps(spec: PhoneSpec, serialNo: string): Map<string, string> {
  const cores = spec.cores.length;
  const entries: Array<[string, string]> = [
    ['ro.product.model', spec.model],
    ['ro.product.name', spec.productName],
    ['ro.product.device', spec.device],
    ['ro.product.brand', 'google'],
    ['ro.product.manufacturer', 'Google'],
    ['ro.product.board', spec.board],
    ['ro.board.platform', spec.platform],
    ['ro.hardware', spec.hardware],
    ['ro.product.cpu.abi', 'arm64-v8a'],
    ['ro.product.cpu.abilist', 'arm64-v8a,armeabi-v7a,armeabi'],
    ['ro.product.cpu.abilist64', 'arm64-v8a'],
    ['ro.build.version.release', spec.release],
    ['ro.build.version.sdk', String(spec.sdk)],
    ['ro.build.id', spec.buildId],
    ['ro.build.display.id', spec.buildId],
    ['ro.build.fingerprint', spec.fingerprint],
    ['ro.build.type', 'userdebug'],
    ['ro.build.tags', 'test-keys'],
    ['ro.build.characteristics', 'nosdcard'],
    ['ro.serialno', serialNo],
    ['ro.boot.serialno', serialNo],
    ['ro.boot.hardware', spec.hardware],
    ['ro.debuggable', '0'],
    ['ro.secure', '1'],
    ['ro.adb.secure', '1'],
    ['ro.kernel.version', spec.kernel],
    ['ro.product.first_api_level', '25'],
    ['ro.vendor.qti.core_ctl_max_cpu', String(cores)],
    ['ro.opengles.version', '196610'],
    // Read by the bench (app/devices/adb/emulation.ts): this phone is an emulator.
    ['ro.labbench.emulated', '1'],
    ['sys.boot_completed', '1'],
    ['dev.bootcomplete', '1'],
    ['init.svc.adbd', 'running'],
    ['persist.sys.usb.config', 'adb'],
    ['sys.usb.state', 'adb'],
    ['persist.sys.timezone', 'GMT'],
    ['gsm.version.baseband', '8996-130091-1802061512'],
  ];
  return new Map(entries);
}

function cpuinfo(spec: PhoneSpec): string {
  let s = 'Processor\t: AArch64 Processor rev 2 (aarch64)\n';
  for (const c of spec.cores) {
    s += `processor\t: ${c.id}\nBogoMIPS\t: 38.40\nFeatures\t: fp asimd evtstrm aes pmull sha1 sha2 crc32\nCPU implementer\t: 0x51\nCPU architecture: 8\nCPU variant\t: 0x2\nCPU part\t: ${c.cpuPart}\nCPU revision\t: 1\n\n`;
  }
  return `${s}Hardware\t: ${spec.hardwareName}\n`;
}

function range(n: number): string {
  return n <= 1 ? '0' : `0-${n - 1}`;
}

/** Populates the filesystem; physics-backed files read the model on every read. */
export function installImage(fs: PhoneFs, spec: PhoneSpec, physics: PhonePhysics, opts: ImageOptions, clock: { uptimeS(): number }): void {
  fs.putDir('/system/bin');
  fs.putDir('/system/xbin');
  fs.putDir('/vendor/bin');
  fs.putDir('/product/bin');
  fs.putDir('/data', { mode: 0o771, uid: SYSTEM_UID, gid: SYSTEM_UID });
  fs.putDir('/data/local', { mode: 0o751 });
  fs.putDir('/data/local/tmp', { mode: 0o771, uid: SHELL_UID, gid: SHELL_UID });
  fs.putDir('/storage/emulated/0', { mode: 0o771, uid: 0, gid: 1015 });
  fs.putDir('/storage/emulated/0/Download', { mode: 0o771, uid: 0, gid: 1015 });
  fs.putDir('/dev');
  fs.putDev('/dev/null', () => '', { mode: 0o666, write: () => undefined });
  fs.putDev('/dev/zero', () => '', { mode: 0o666, write: () => undefined });

  for (const name of opts.applets) {
    if (name === 'su') continue;
    fs.putFile(`/system/bin/${name}`, 'toybox', { mode: 0o755, uid: 0, gid: 2000, exec: { kind: 'applet', name } });
  }
  if (opts.rooted) fs.putFile('/system/xbin/su', 'su', { mode: 0o6755, exec: { kind: 'applet', name: 'su' } });
  if (opts.benchmarkModelInstalled) fs.putFile(BENCHMARK_PATH, fakeElf(), { mode: 0o755, uid: SHELL_UID, gid: SHELL_UID });

  const props = buildProps(spec, opts.serialNo);
  fs.putFile('/system/build.prop', [...props].filter(([k]) => k.startsWith('ro.')).map(([k, v]) => `${k}=${v}\n`).join(''));

  // /proc
  fs.putDev('/proc/cpuinfo', () => cpuinfo(spec));
  fs.putDev('/proc/version', () => `Linux version ${spec.kernel} (android-build@abfarm) (gcc version 4.9.x 20150123 (prerelease) (GCC) ) #1 SMP PREEMPT Mon Sep 30 21:12:16 UTC 2019\n`);
  fs.putDev('/proc/meminfo', () => `MemTotal:        ${spec.memTotalKb} kB\nMemFree:          184316 kB\nMemAvailable:    1632180 kB\nBuffers:           87420 kB\nCached:          1460932 kB\n`);
  fs.putDev('/proc/uptime', () => `${clock.uptimeS().toFixed(2)} ${(clock.uptimeS() * spec.cores.length * 0.8).toFixed(2)}\n`);
  fs.putDev('/proc/loadavg', () => {
    const busy = spec.cores.reduce((a, c) => a + physics.coreUtil(c.id), 0);
    return `${busy.toFixed(2)} ${(busy * 0.7).toFixed(2)} ${(busy * 0.4).toFixed(2)} 1/1024 12345\n`;
  });

  // /sys/devices/system/cpu
  const cpu = '/sys/devices/system/cpu';
  const n = spec.cores.length;
  fs.putDev(`${cpu}/present`, () => `${range(n)}\n`);
  fs.putDev(`${cpu}/possible`, () => `${range(n)}\n`);
  fs.putDev(`${cpu}/online`, () => `${range(n)}\n`);
  fs.putDev(`${cpu}/offline`, () => '\n');
  fs.putDev(`${cpu}/kernel_max`, () => `${n - 1}\n`);
  for (const c of spec.cores) {
    const dir = `${cpu}/cpu${c.id}`;
    const peers = spec.cores.filter((p) => p.cluster === c.cluster).map((p) => p.id);
    const rw = (what: 'max' | 'min' | 'governor') => ({
      mode: 0o664,
      uid: SYSTEM_UID,
      gid: SYSTEM_UID,
      write: (text: string) => (physics.setPolicy(c, what, text.trim()) ? undefined : ('EINVAL' as const)),
    });
    fs.putDev(`${dir}/online`, () => '1\n', { mode: 0o644 });
    fs.putDev(`${dir}/cpufreq/cpuinfo_min_freq`, () => `${c.minKHz}\n`);
    fs.putDev(`${dir}/cpufreq/cpuinfo_max_freq`, () => `${c.maxKHz}\n`);
    fs.putDev(`${dir}/cpufreq/cpuinfo_cur_freq`, () => `${physics.curKHz(c)}\n`, { mode: 0o400 });
    fs.putDev(`${dir}/cpufreq/scaling_cur_freq`, () => `${physics.curKHz(c)}\n`);
    fs.putDev(`${dir}/cpufreq/scaling_max_freq`, () => `${physics.maxKHz(c)}\n`, rw('max'));
    fs.putDev(`${dir}/cpufreq/scaling_min_freq`, () => `${c.minKHz}\n`, rw('min'));
    fs.putDev(`${dir}/cpufreq/scaling_governor`, () => `${physics.governor(c)}\n`, rw('governor'));
    fs.putDev(`${dir}/cpufreq/scaling_available_governors`, () => 'schedutil performance powersave\n');
    fs.putDev(`${dir}/cpufreq/scaling_available_frequencies`, () => `${c.stepsKHz.join(' ')} \n`);
    fs.putDev(`${dir}/cpufreq/related_cpus`, () => `${peers.join(' ')}\n`);
    fs.putDev(`${dir}/cpufreq/affected_cpus`, () => `${peers.join(' ')}\n`);
    fs.putDev(`${dir}/topology/physical_package_id`, () => `${c.cluster === 'big' ? 1 : 0}\n`);
    fs.putDev(`${dir}/topology/core_siblings_list`, () => `${peers[0]}-${peers[peers.length - 1]}\n`);
  }

  // /sys/class/thermal
  const zoneTypes = [...spec.cores.map(coreZoneName), 'gpu-usr', 'battery', 'skin', 'xo-therm'];
  zoneTypes.forEach((type, i) => {
    const dir = `/sys/class/thermal/thermal_zone${i}`;
    fs.putDev(`${dir}/type`, () => `${type}\n`);
    fs.putDev(`${dir}/temp`, () => `${Math.round((physics.zones()[i]?.tempC ?? 0) * 1000)}\n`);
    fs.putDev(`${dir}/mode`, () => 'enabled\n');
  });

  // /sys/class/power_supply
  const bat = '/sys/class/power_supply/battery';
  const status = (): string => (physics.charging ? (physics.batteryLevel >= 100 ? 'Full' : 'Charging') : 'Discharging');
  fs.putDev(`${bat}/capacity`, () => `${Math.floor(physics.batteryLevel)}\n`);
  fs.putDev(`${bat}/status`, () => `${status()}\n`);
  fs.putDev(`${bat}/temp`, () => `${Math.round((physics.zones().find((z) => z.type === 'battery')?.tempC ?? 30) * 10)}\n`);
  fs.putDev(`${bat}/current_now`, () => `${physics.batteryCurrentUa()}\n`);
  fs.putDev(`${bat}/voltage_now`, () => `${physics.batteryVoltageUv()}\n`);
  fs.putDev(`${bat}/present`, () => '1\n');
  fs.putDev(`${bat}/health`, () => 'Good\n');
  fs.putDev(`${bat}/technology`, () => 'Li-ion\n');
  fs.putDev(`${bat}/charge_full_design`, () => `${spec.batteryMah * 1000}\n`);
  fs.putDev('/sys/class/power_supply/usb/online', () => `${physics.charging ? 1 : 0}\n`);
  fs.putDev('/sys/class/power_supply/usb/present', () => `${physics.charging ? 1 : 0}\n`);

  // GPU (kgsl)
  const kgsl = '/sys/class/kgsl/kgsl-3d0';
  fs.putDev(`${kgsl}/gpu_model`, () => `${spec.gpu.name}\n`);
  fs.putDev(`${kgsl}/max_gpuclk`, () => `${spec.gpu.maxKHz * 1000}\n`);
  fs.putDev(`${kgsl}/gpuclk`, () => `${Math.round(spec.gpu.maxKHz * 1000 * (physics.gpuUtil() > 0 ? physics.gpuFraction() : 0.21))}\n`);
  fs.putDev(`${kgsl}/gpu_busy_percentage`, () => `${Math.round(physics.gpuUtil() * 97)} %\n`);
}

/** `dumpsys battery|power|thermalservice|cpuinfo` in Android 10's formats. */
export function dumpsys(service: string, spec: PhoneSpec, physics: PhonePhysics, uptimeS: number): string | null {
  const level = Math.floor(physics.batteryLevel);
  const charging = physics.charging;
  switch (service) {
    case 'battery': {
      const status = charging ? (level >= 100 ? 5 : 2) : 3;
      const temp = Math.round((physics.zones().find((z) => z.type === 'battery')?.tempC ?? 30) * 10);
      return [
        'Current Battery Service state:',
        '  AC powered: false',
        `  USB powered: ${charging}`,
        '  Wireless powered: false',
        `  Max charging current: ${charging ? 500000 : 0}`,
        `  Max charging voltage: ${charging ? 5000000 : 0}`,
        `  Charge counter: ${Math.round((spec.batteryMah * 1000 * level) / 100)}`,
        `  status: ${status}`,
        '  health: 2',
        '  present: true',
        `  level: ${level}`,
        '  scale: 100',
        `  voltage: ${Math.round(physics.batteryVoltageUv() / 1000)}`,
        `  temperature: ${temp}`,
        '  technology: Li-ion',
        '',
      ].join('\n');
    }
    case 'power': {
      const awake = physics.screenOn;
      const ms = Math.round(uptimeS * 1000);
      return [
        'POWER MANAGER (dumpsys power)',
        '',
        'Power Manager State:',
        '  Settings power_manager_constants:',
        '    no_cached_wake_locks=true',
        '  mDirty=0x0',
        `  mWakefulness=${awake ? 'Awake' : 'Asleep'}`,
        '  mWakefulnessChanging=false',
        `  mIsPowered=${charging}`,
        `  mPlugType=${charging ? 2 : 0}`,
        `  mBatteryLevel=${level}`,
        '  mDockState=0',
        '  mStayOn=false',
        '  mProximityPositive=false',
        '  mBootCompleted=true',
        '  mSystemReady=true',
        `  mHalAutoSuspendModeEnabled=${!awake}`,
        `  mHalInteractiveModeEnabled=${awake}`,
        '  mWakeLockSummary=0x0',
        `  mUserActivitySummary=${awake ? '0x1' : '0x0'}`,
        '  mDeviceIdleMode=false',
        `  mLastWakeTime=${ms - 60000} (60000 ms ago)`,
        `  mLastSleepTime=${ms - 120000} (120000 ms ago)`,
        `  mHoldingWakeLockSuspendBlocker=false`,
        `  mHoldingDisplaySuspendBlocker=${awake}`,
        '',
        `Display Power: state=${awake ? 'ON' : 'OFF'}`,
        '',
      ].join('\n');
    }
    case 'thermalservice': {
      const zones = physics.zones();
      const type = (t: string): number => (t.startsWith('cpu') ? 0 : t.startsWith('gpu') ? 1 : t === 'battery' ? 2 : t === 'skin' ? 3 : 9);
      const st = physics.thermalStatus();
      const temp = (z: { type: string; tempC: number }): string => `\tTemperature{mValue=${z.tempC.toFixed(1)}, mType=${type(z.type)}, mName=${z.type}, mStatus=${type(z.type) === 0 ? st : 0}}`;
      return [
        'IsStatusOverride: false',
        'ThermalEventListeners:',
        '\tcallbacks: 1',
        '\tkilled: false',
        '\tbroadcasts count: -1',
        'ThermalStatusListeners:',
        '\tcallbacks: 1',
        '\tkilled: false',
        '\tbroadcasts count: -1',
        `Thermal Status: ${st}`,
        'Cached temperatures:',
        ...zones.filter((z) => z.type === 'battery' || z.type === 'skin').map(temp),
        'HAL Ready: true',
        'HAL connection:',
        '\tThermalHAL 2.0 connected: yes',
        'Current temperatures from HAL:',
        ...zones.filter((z) => z.type !== 'xo-therm').map(temp),
        '',
      ].join('\n');
    }
    case 'cpuinfo': {
      const busy = spec.cores.reduce((a, c) => a + physics.coreUtil(c.id), 0) / spec.cores.length;
      return `Load: ${(busy * spec.cores.length).toFixed(2)} / ${(busy * 2).toFixed(2)} / ${busy.toFixed(2)}\nCPU usage from 5000ms to 0ms ago:\n  ${(busy * 100).toFixed(0)}% TOTAL: ${(busy * 97).toFixed(0)}% user + ${(busy * 3).toFixed(0)}% kernel\n`;
    }
    default:
      return null;
  }
}
