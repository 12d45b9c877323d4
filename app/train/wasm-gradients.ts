/**
 * Convolution gradient kernels for tfjs 4.22's wasm backend, which registers no
 * Conv2DBackpropFilter or depthwise backprop kernels and whose Conv2DBackpropInput is a naive
 * loop. Each one is rewritten as calls to the backend's own fast (XNNPACK) kernels
 * (wasm-conv-gradients.ts, through wasm-kernel-scope.ts); the depthwise filter gradient,
 * small work but awkward data movement, and MaxPoolGrad are direct loops over wasm memory
 * (wasm-depthwise-filter-gradient.ts, wasm-pool-gradient.ts). Choices were made by timing each
 * candidate here (wasm's Slice, StridedSlice, Sum over axis 0, comparisons and transposes of
 * wide rows are slow). Checked against the cpu backend in wasm-gradients.test.ts.
 */
import { getKernel, registerKernel, unregisterKernel, type KernelConfig } from '@tensorflow/tfjs-core';
import { conv2DBackpropFilter, conv2DBackpropInput, depthwiseBackpropInput } from './wasm-conv-gradients.js';
import { depthwiseBackpropFilter } from './wasm-depthwise-filter-gradient.js';
import { maxPoolGrad } from './wasm-pool-gradient.js';

export const WASM_GRADIENT_KERNELS: readonly KernelConfig[] = [
  { kernelName: 'MaxPoolGrad', backendName: 'wasm', kernelFunc: maxPoolGrad },
  { kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: conv2DBackpropFilter },
  { kernelName: 'Conv2DBackpropInput', backendName: 'wasm', kernelFunc: conv2DBackpropInput },
  { kernelName: 'DepthwiseConv2dNativeBackpropInput', backendName: 'wasm', kernelFunc: depthwiseBackpropInput },
  { kernelName: 'DepthwiseConv2dNativeBackpropFilter', backendName: 'wasm', kernelFunc: depthwiseBackpropFilter },
];

let registered = false;

/** Registers the kernels above for 'wasm', replacing its naive Conv2DBackpropInput and MaxPoolGrad. Idempotent. */
export function registerWasmGradients(): void {
  if (registered) return;
  for (const k of WASM_GRADIENT_KERNELS) {
    if (getKernel(k.kernelName, 'wasm')) unregisterKernel(k.kernelName, 'wasm');
    registerKernel(k);
  }
  registered = true;
}
