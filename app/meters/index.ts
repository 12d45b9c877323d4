/**
 * Every meter kind the bench reads: one folder each, one line here. A kind's descriptor
 * (`<kind>/kind.ts`) is all that `--meter`, `meter read`, profiling, the doctor and the UI know
 * of it. A test fails when a folder with a `kind.ts` is not listed.
 */
import { umKind } from './um/kind.js';
import { ppk2Kind } from './ppk2/kind.js';
import { lineKind } from './line/kind.js';
import { androidBatteryKind } from './android-battery/kind.js';
import { androidRailsKind } from './android-rails/kind.js';
import { nvidiaSmiKind } from './nvidia-smi/kind.js';

/** Meters on a serial port: `PORT:TYPE[,KEY=VALUE...]`. */
export const SERIAL_METERS = [umKind, ppk2Kind, lineKind] as const;
/** Meters that are no serial port (a phone over adb, a GPU's driver). */
export const SOURCE_METERS = [androidBatteryKind, androidRailsKind, nvidiaSmiKind] as const;
