// What kind of phone the emulator is: identity (props, /proc/cpuinfo), CPU clusters with
// their frequency tables, per-core compute and bandwidth, GPU, battery. Two presets:
// 'Pixel' (sailfish, Snapdragon 821: 2 Kryo "silver" @ 1.59 GHz + 2 "gold" @ 2.15 GHz)
// and 'Pixel 2' (walleye, Snapdragon 835: 4 + 4). Numbers are plausible, not measured.
// The build says it is an emulator, as the Android Emulator's images do: product
// `sdk_labbench_<device>` and a userdebug / test-keys build (plus ro.labbench.emulated=1),
// so nothing measured on it passes for a real Pixel (app/devices/adb/emulation.ts).

export type Cluster = 'little' | 'big';

export interface CoreSpec {
  id: number;
  cluster: Cluster;
  minKHz: number;
  maxKHz: number;
  /** scaling_available_frequencies, ascending, kHz. */
  stepsKHz: number[];
  /** Sustained fp32 FLOPs per cycle a well-tuned kernel reaches (int8 GEMM gets twice). */
  flopsPerCycle: number;
  /** Power of one fully busy core at maxKHz, watts. */
  powerAtMaxW: number;
  /** DRAM bandwidth one core can pull at maxKHz, GB/s. */
  bandwidthGBs: number;
  /** Shared L2 of the cluster, bytes. */
  l2Bytes: number;
  /** /proc/cpuinfo "CPU part". */
  cpuPart: string;
}

export interface GpuSpec {
  name: string;
  /** Sustained GFLOP/s the TFLite GPU delegate reaches on convolutions. */
  gflops: number;
  bandwidthGBs: number;
  powerW: number;
  maxKHz: number;
}

export interface PhoneSpec {
  model: string;
  /** ro.product.name: `sdk_labbench_<device>`, an emulator image's name. */
  productName: string;
  device: string;
  board: string;
  platform: string;
  hardware: string;
  hardwareName: string;
  release: string;
  sdk: number;
  buildId: string;
  /** ro.build.fingerprint: brand/product/device:release/id/incremental:type/tags. */
  fingerprint: string;
  kernel: string;
  cores: CoreSpec[];
  gpu: GpuSpec;
  /** System DRAM bandwidth cap, GB/s. */
  memBandwidthGBs: number;
  memTotalKb: number;
  batteryMah: number;
}

export type PhoneModelName = 'Pixel' | 'Pixel 2';

export interface ClusterLayout {
  count: number;
  maxGHz: number;
}

/** '2+2' (Snapdragon 821 style), '4+4' (835 style), or explicit counts and clocks. */
export type CoreLayout = '2+2' | '4+4' | { little: ClusterLayout; big: ClusterLayout };

/** Frequency steps of 76.8 MHz from 307.2 MHz up to (and ending exactly at) max. */
function steps(maxKHz: number): number[] {
  const out: number[] = [];
  for (let f = 307200; f < maxKHz - 30000; f += 76800) out.push(f);
  out.push(maxKHz);
  return out;
}

function roundKHz(ghz: number): number {
  return Math.round((ghz * 1e6) / 9600) * 9600;
}

function makeCores(layout: { little: ClusterLayout; big: ClusterLayout }, littleFpc: number, littleParts: string, bigParts: string): CoreSpec[] {
  const cores: CoreSpec[] = [];
  const add = (cluster: Cluster, c: ClusterLayout): void => {
    const maxKHz = roundKHz(c.maxGHz);
    for (let i = 0; i < c.count; i++) {
      cores.push({
        id: cores.length,
        cluster,
        minKHz: 307200,
        maxKHz,
        stepsKHz: steps(maxKHz),
        flopsPerCycle: cluster === 'big' ? 8 : littleFpc,
        powerAtMaxW: cluster === 'big' ? 1.55 : 0.5,
        bandwidthGBs: cluster === 'big' ? 5.5 : 3.5,
        l2Bytes: cluster === 'big' ? 1024 * 1024 : 512 * 1024,
        cpuPart: cluster === 'big' ? bigParts : littleParts,
      });
    }
  };
  add('little', layout.little);
  add('big', layout.big);
  return cores;
}

function resolveLayout(layout: CoreLayout): { little: ClusterLayout; big: ClusterLayout } {
  if (layout === '2+2') return { little: { count: 2, maxGHz: 1.5936 }, big: { count: 2, maxGHz: 2.1504 } };
  if (layout === '4+4') return { little: { count: 4, maxGHz: 1.9008 }, big: { count: 4, maxGHz: 2.4576 } };
  return layout;
}

export function buildSpec(model: PhoneModelName = 'Pixel', layout?: CoreLayout): PhoneSpec {
  if (model === 'Pixel 2') {
    return {
      model: 'Pixel 2',
      productName: 'sdk_labbench_walleye',
      device: 'walleye',
      board: 'msm8998',
      platform: 'msm8998',
      hardware: 'walleye',
      hardwareName: 'Qualcomm Technologies, Inc MSM8998',
      release: '11',
      sdk: 30,
      buildId: 'RP1A.201005.004.A1',
      fingerprint: 'google/sdk_labbench_walleye/walleye:11/RP1A.201005.004.A1/6934943:userdebug/test-keys',
      kernel: '4.4.223-g6d8d3b9e6c1a',
      cores: makeCores(resolveLayout(layout ?? '4+4'), 4, '0x801', '0x800'),
      gpu: { name: 'Adreno (TM) 540', gflops: 60, bandwidthGBs: 14, powerW: 2.2, maxKHz: 710000 },
      memBandwidthGBs: 14,
      memTotalKb: 3814016,
      batteryMah: 2700,
    };
  }
  return {
    model: 'Pixel',
    productName: 'sdk_labbench_sailfish',
    device: 'sailfish',
    board: 'msm8996',
    platform: 'msm8996',
    hardware: 'sailfish',
    hardwareName: 'Qualcomm Technologies, Inc MSM8996pro',
    release: '10',
    sdk: 29,
    buildId: 'QP1A.191005.007.A3',
    fingerprint: 'google/sdk_labbench_sailfish/sailfish:10/QP1A.191005.007.A3/5972272:userdebug/test-keys',
    kernel: '3.18.137-g72a7a64494e',
    cores: makeCores(resolveLayout(layout ?? '2+2'), 8, '0x211', '0x205'),
    gpu: { name: 'Adreno (TM) 530', gflops: 45, bandwidthGBs: 12, powerW: 2.0, maxKHz: 624000 },
    memBandwidthGBs: 12,
    memTotalKb: 3855568,
    batteryMah: 2770,
  };
}

/** Thermal zone type of a core, Qualcomm style: cpu0-silver-usr, cpu2-gold-usr. */
export function coreZoneName(core: CoreSpec): string {
  return `cpu${core.id}-${core.cluster === 'big' ? 'gold' : 'silver'}-usr`;
}
