/** A phone's fuel gauge over adb, as a meter. */
import type { SourceMeterDescriptor } from '../kind.js';
import { ANDROID_BATTERY, AndroidBatteryMeter, parseAndroidBatterySpec } from './meter.js';

export const androidBatteryKind: SourceMeterDescriptor<typeof ANDROID_BATTERY> = {
  transport: 'source',
  kinds: [ANDROID_BATTERY],
  summary: "a phone's fuel gauge (current and voltage) over adb",
  usage: 'SERIAL:battery[,poll=HZ]',
  open: (spec) => {
    const b = parseAndroidBatterySpec(spec);
    return new AndroidBatteryMeter(b.serial, b.pollHz);
  },
};
