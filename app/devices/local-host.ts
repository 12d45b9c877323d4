/**
 * This machine as a profiling target: its CPU (always there) and its NVIDIA GPUs (found with
 * `nvidia-smi` when it exists, never assumed). A GPU is usable for profiling only where
 * onnxruntime-node's CUDA execution provider is installed too; `cudaProviderPresent` checks
 * for its library beside the ORT binding rather than trusting the package's bundled list.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { cpus, release, type as osType, arch, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import type { DeviceFingerprint } from '../api/lut.js';
import type { LocalDeviceInfo, GpuDeviceInfo } from '../api/devices.js';

const require = createRequire(import.meta.url);

export function describeLocalCpu(): LocalDeviceInfo {
  const list = cpus();
  return {
    id: 'local',
    kind: 'local-cpu',
    label: `This machine's CPU (${list[0]?.model.trim() ?? 'unknown'})`,
    cpu_model: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    os: `${osType()} ${release()} ${arch()}`,
    memory_mb: Math.round(totalmem() / 2 ** 20),
    runners: ['onnxruntime'],
    emulated: false,
  };
}

export interface LocalRuntimeConfig {
  readonly runtime: 'onnxruntime-node';
  readonly runtimeVersion: string;
  readonly executionProvider: 'cpu' | 'cuda';
  readonly threads: number;
  readonly graphOptimization: string;
}

/** The identity under which LUT rows measured on this host with this configuration are stored. */
export function localFingerprint(cpu: LocalDeviceInfo, rt: LocalRuntimeConfig, gpu?: Pick<GpuDeviceInfo, 'name' | 'driver'>): DeviceFingerprint {
  return {
    kind: gpu ? 'local-gpu' : 'local-cpu',
    // This host's own CPU or GPU: real hardware, whatever the host is.
    emulated: false,
    cpu_model: cpu.cpu_model,
    cores: cpu.cores,
    os: cpu.os,
    gpu: gpu?.name ?? null,
    gpu_driver: gpu?.driver ?? null,
    runtime: rt.runtime,
    runtime_version: rt.runtimeVersion,
    execution_provider: rt.executionProvider,
    threads: rt.threads,
    graph_optimization: rt.graphOptimization,
  };
}

/** GPUs from `nvidia-smi`; an empty list (and a reason) where there is none. */
export function detectNvidiaGpus(timeoutMs = 5000): Promise<{ gpus: GpuDeviceInfo[]; note?: string }> {
  return new Promise((resolve) => {
    execFile(
      'nvidia-smi',
      ['--query-gpu=index,name,memory.total,driver_version', '--format=csv,noheader,nounits'],
      { timeout: timeoutMs },
      (err, stdout) => {
        if (err) {
          const code = (err as NodeJS.ErrnoException).code;
          resolve({ gpus: [], note: code === 'ENOENT' ? 'no NVIDIA GPU: nvidia-smi is not installed' : `nvidia-smi failed: ${err.message.split('\n')[0]}` });
          return;
        }
        resolve({ gpus: parseNvidiaSmi(stdout, cudaProviderPresent()) });
      },
    );
  });
}

export function parseNvidiaSmi(stdout: string, cudaAvailable: boolean): GpuDeviceInfo[] {
  return stdout
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((line) => {
      const [index, name, mem, driver] = line.split(',').map((s) => s.trim());
      return {
        id: `gpu${index}`,
        kind: 'local-gpu' as const,
        label: name ?? 'NVIDIA GPU',
        name: name ?? 'NVIDIA GPU',
        memory_mb: Number(mem),
        driver: driver ?? 'unknown',
        profiling: cudaAvailable ? ('available' as const) : ('needs onnxruntime-node CUDA provider' as const),
        emulated: false as const,
      };
    });
}

/** Whether onnxruntime-node's CUDA provider library was installed beside its binding. */
export function cudaProviderPresent(): boolean {
  try {
    const pkg = dirname(require.resolve('onnxruntime-node/package.json'));
    const bin = join(pkg, 'bin');
    const stack = [bin];
    while (stack.length) {
      const d = stack.pop()!;
      if (!existsSync(d)) continue;
      for (const e of readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) stack.push(join(d, e.name));
        else if (e.name.startsWith('libonnxruntime_providers_cuda')) return true;
      }
    }
  } catch {
    return false;
  }
  return false;
}
