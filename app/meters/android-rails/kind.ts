/** A Pixel's on-device power rails (ODPM) over adb, as a meter. */
import type { SourceMeterDescriptor } from '../kind.js';
import { ANDROID_RAILS, AndroidRailsMeter, parseAndroidRailsSpec } from './meter.js';

export const androidRailsKind: SourceMeterDescriptor<typeof ANDROID_RAILS> = {
  transport: 'source',
  kinds: [ANDROID_RAILS],
  summary: "a Pixel's ODPM power rails over adb",
  usage: 'SERIAL:rails[,poll=HZ][,only=WORD+WORD]',
  open: (spec) => new AndroidRailsMeter(parseAndroidRailsSpec(spec)),
};
