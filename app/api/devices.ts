/** Devices as the API reports them (`labbench devices --json`, GET /api/devices). */

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
}

export type DeviceInfo = LocalDeviceInfo | GpuDeviceInfo;

export interface DeviceList {
  readonly devices: readonly DeviceInfo[];
  /** Why a kind of device is missing (no nvidia-smi, ...), so an empty list explains itself. */
  readonly notes: readonly string[];
}
