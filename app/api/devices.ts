/** Devices as the API reports them (`labbench devices --json`, GET /api/devices). */
import { z } from 'zod';

export interface LocalDeviceInfo {
  /** What `--device` takes. */
  readonly id: 'local';
  readonly kind: 'local-cpu';
  readonly label: string;
  readonly cpu_model: string;
  /** Logical cores the OS reports. */
  readonly cores: number;
  readonly os: string;
  readonly memory_mb: number;
  readonly runners: readonly string[];
  /** This host's own CPU: never emulated. */
  readonly emulated: false;
}

export interface GpuDeviceInfo {
  /** `gpu0`, `gpu1`, ... in nvidia-smi's order. */
  readonly id: string;
  readonly kind: 'local-gpu';
  readonly label: string;
  readonly name: string;
  readonly memory_mb: number;
  readonly driver: string;
  /** Whether ORT's CUDA execution provider is installed, without which the GPU cannot be profiled. */
  readonly profiling: 'available' | 'needs onnxruntime-node CUDA provider';
  /** A GPU nvidia-smi reports on this host: never emulated. */
  readonly emulated: false;
}

/** One cluster of identical cores (big.LITTLE phones have two or three). */
export interface CoreCluster {
  /** Core indices, e.g. [2, 3]. */
  readonly cores: readonly number[];
  readonly min_khz: number;
  readonly max_khz: number;
  /** The cores' design from `/proc/cpuinfo` (`Cortex-A55`, `Kryo 3xx Gold (Cortex-A75)`), when known. */
  readonly core_type?: string;
}

export interface ThermalZone {
  readonly name: string;
  readonly temp_c: number;
}

/** An Android phone seen through the adb server. */
export interface PhoneDeviceInfo {
  /** The adb serial (`HT7A1...`, or `host:port` for a phone joined with `adb connect`). */
  readonly id: string;
  readonly kind: 'android';
  /** adb's state: `device` when usable; `offline`, `unauthorized`... otherwise. */
  readonly state: string;
  /**
   * `host:port` of the adb server the phone is reached through (`ADB_SERVER_SOCKET`, `-H`/`-P`):
   * this machine's (`localhost:5037`) or a phone farm's. `remote_adb` is true when that server
   * is on another host, so the phone is too (or is joined to it with `adb connect`).
   */
  readonly adb_server?: string;
  readonly remote_adb?: boolean;
  /** Ends with ` (emulated)` for an emulator. */
  readonly label: string;
  /**
   * An emulator, not a phone (app/devices/adb/emulation.ts): what it measures is stored under
   * the key `emulated:<id>`; `emulation` says what gave it away. False where the phone could
   * not be read (offline, unauthorized): unknown is reported in `note`.
   */
  readonly emulated: boolean;
  readonly emulation?: string;
  readonly model?: string;
  readonly manufacturer?: string;
  /** Board or platform (`msm8996`), the closest getprop gives to the SoC. */
  readonly soc?: string;
  readonly android_version?: string;
  readonly sdk?: number;
  readonly abi?: string;
  readonly cores?: number;
  readonly clusters?: readonly CoreCluster[];
  /** Charge, percent of full (`dumpsys battery`'s level over its scale); absent with no battery. */
  readonly battery_level?: number;
  readonly battery_temp_c?: number;
  /** False for a board with no battery (`dumpsys battery` says `present: false`). */
  readonly battery_present?: boolean;
  /** Plugged in and charging over USB (which distorts power readings). */
  readonly usb_charging?: boolean;
  readonly screen_on?: boolean;
  readonly thermal?: readonly ThermalZone[];
  readonly rooted?: boolean;
  /** Why details are missing (offline, unauthorized, a failed read). */
  readonly note?: string;
}

export type DeviceInfo = LocalDeviceInfo | GpuDeviceInfo | PhoneDeviceInfo;

/** A serial port where a power meter may be (USB serial, Bluetooth SPP). */
export interface SerialPortInfo {
  readonly path: string;
  readonly manufacturer?: string;
  readonly vendorId?: string;
  readonly productId?: string;
  readonly serialNumber?: string;
}

export interface DeviceList {
  readonly devices: readonly DeviceInfo[];
  readonly serial_ports: readonly SerialPortInfo[];
  /** The meter kinds a serial port can be read as (`PORT:TYPE`), from the meters' registry. */
  readonly serial_meter_kinds: readonly string[];
  /** Why a kind of device is missing (no nvidia-smi, ...), so an empty list explains itself. */
  readonly notes: readonly string[];
}

/** `adb connect HOST:PORT` (`labbench devices connect`). */
export const DeviceConnectRequestSchema = z.strictObject({ hostPort: z.string().max(300).regex(/^[\w.-]+:\d{1,5}$/, 'must be HOST:PORT') });
export type DeviceConnectRequest = Readonly<z.infer<typeof DeviceConnectRequestSchema>>;
