/** TFLite's benchmark_model on an Android phone over adb: any device id that is an adb serial. */
import type { RunnerDescriptor } from '../target.js';

export const androidTfliteRunner: RunnerDescriptor = {
  name: 'android-tflite',
  summary: 'an Android phone over adb (its serial), TFLite benchmark_model',
  // Listed after the host's runners: any other id is an adb serial.
  accepts: (device) => device.trim() !== '',
  // Phones heat and throttle.
  canaryEvery: 8,
  open: async (req, mode) => {
    // Loaded on demand: adbkit and the phone code slow no local profile.
    const { AndroidTarget } = await import('./target.js');
    return AndroidTarget.open(req, mode);
  },
};
