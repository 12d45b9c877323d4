// The emulated phone peer: a device-side ADB implementation with a shell, a filesystem, a
// physics model and TFLite's benchmark_model, for tests that drive the real adb server.

export { EmulatedPhone, type EmulatedPhoneOptions } from './emulated-phone.js';
export type { BenchmarkFlavor } from './phone-host.js';
export type { CoreLayout, PhoneModelName } from './phone-model.js';
export type { ThrottleParams } from './thermal.js';
export { buildTflite, convReluModel, tinyCnnModel, type ModelSpec, type OpSpec, type TensorSpec } from './tflite-builder.js';
export { readTflite, type TfliteModel } from './tflite-reader.js';
