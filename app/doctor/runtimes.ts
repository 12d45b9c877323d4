/**
 * The runtimes on this host: onnxruntime-node's execution providers (CUDA detected from its
 * provider library, not assumed) and which tfjs backend training would take, in the order
 * app/train/engine.ts tries them (tfjs-node-gpu with a CUDA GPU, tfjs-node, wasm, cpu). A
 * native package (tfjs-node, tfjs-node-gpu) is loaded in a child process, so that a broken one
 * cannot take the doctor down.
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import type { DoctorCheck } from '../api/doctor.js';
import { cudaProviderPresent, detectNvidiaGpus } from '../devices/local-host.js';

const require = createRequire(import.meta.url);

/** 'loads', 'not installed', or why it failed to load. */
function loads(pkg: string): Promise<string> {
  let entry: string;
  try {
    entry = require.resolve(pkg);
  } catch {
    return Promise.resolve('not installed');
  }
  return new Promise((resolve) => {
    execFile(process.execPath, ['-e', `require(${JSON.stringify(entry)})`], { timeout: 60_000 }, (err, _out, stderr) => {
      if (!err) resolve('loads');
      else resolve(`fails to load: ${stderr.split('\n').find((l) => /Error/.test(l))?.trim() ?? err.message.split('\n')[0]}`);
    });
  });
}

function installed(pkg: string): boolean {
  try {
    require.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

function version(pkg: string): string {
  try {
    return (require(`${pkg}/package.json`) as { version: string }).version;
  } catch {
    return '?';
  }
}

export async function checkRuntimes(): Promise<DoctorCheck[]> {
  const { gpus } = await detectNvidiaGpus();
  const gpu = gpus.length ? `${gpus.length} NVIDIA GPU${gpus.length > 1 ? 's' : ''} (${gpus.map((g) => g.name).join(', ')})` : 'no NVIDIA GPU (nvidia-smi found none)';
  const checks: DoctorCheck[] = [];

  const ortSubject = `onnxruntime-node ${version('onnxruntime-node')}`;
  try {
    const ort = (await import('onnxruntime-node')) as unknown as { listSupportedBackends?: () => { name: string; bundled: boolean }[] };
    const bundled = (ort.listSupportedBackends?.() ?? [{ name: 'cpu', bundled: true }]).filter((b) => b.bundled).map((b) => b.name);
    const cuda = cudaProviderPresent();
    const providers = [...bundled, ...(cuda ? ['cuda'] : [])].join(', ');
    const detail = `execution providers: ${providers}; the CUDA provider library is ${cuda ? 'installed' : 'not installed'}; ${gpu}`;
    if (gpus.length && !cuda) {
      checks.push({
        id: 'ort.providers',
        subject: ortSubject,
        status: 'warn',
        needed: false,
        detail: `${detail}: the GPU cannot be profiled (gpu0)`,
        fix: "with CUDA 12 and its cuDNN installed: ONNXRUNTIME_NODE_INSTALL=true npm rebuild onnxruntime-node (downloads the CUDA provider, which this project's .npmrc skips by default)",
      });
    } else checks.push({ id: 'ort.providers', subject: ortSubject, status: 'ok', needed: false, detail });
  } catch (e) {
    checks.push({ id: 'ort.providers', subject: ortSubject, status: 'fail', needed: true, detail: `onnxruntime-node does not load: ${(e as Error).message.split('\n')[0]}; nothing can be profiled on this host`, fix: 'npm ci (its binding ships with the package for Linux, macOS and Windows on x64 and arm64)' });
  }

  const gpuPkg = gpus.length ? await loads('@tensorflow/tfjs-node-gpu') : 'not tried: no CUDA GPU';
  const nodePkg = await loads('@tensorflow/tfjs-node');
  // The wasm backend is JavaScript and WebAssembly, no native library: installed is loadable.
  const wasm = installed('@tensorflow/tfjs-backend-wasm') ? 'loads' : 'not installed';
  const chosen = gpuPkg === 'loads' ? '@tensorflow/tfjs-node-gpu (CUDA)' : nodePkg === 'loads' ? '@tensorflow/tfjs-node (native TensorFlow on the CPU)' : wasm === 'loads' ? '@tensorflow/tfjs-backend-wasm (with the bench\'s gradient kernels and large products on onnxruntime-node)' : '@tensorflow/tfjs-backend-cpu (pure JavaScript: slow)';
  const detail = `training would use ${chosen}; tfjs-node-gpu: ${gpuPkg}; tfjs-node: ${nodePkg}; wasm: ${wasm}; ${gpu}`;
  const subject = 'training backend (tfjs)';
  if (gpus.length && gpuPkg !== 'loads') {
    checks.push({ id: 'train.backend', subject, status: 'warn', needed: false, detail, fix: 'npm install @tensorflow/tfjs-node-gpu (it needs the CUDA and cuDNN versions its README names); training then runs on the GPU' });
  } else if (gpuPkg !== 'loads' && nodePkg !== 'loads' && wasm !== 'loads') {
    checks.push({ id: 'train.backend', subject, status: 'warn', needed: false, detail, fix: 'npm ci (the wasm backend is a dependency), or npm install @tensorflow/tfjs-node' });
  } else checks.push({ id: 'train.backend', subject, status: 'ok', needed: false, detail });
  return checks;
}
