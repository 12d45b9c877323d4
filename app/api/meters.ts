/** A meter read on its own (`labbench meter read`): what came and how clean it was. */
import { z } from 'zod';
import type { Seconds, Watts } from './units.js';

export interface MeterReading {
  readonly meter: string;
  readonly kind: string;
  readonly path: string;
  readonly seconds: Seconds;
  /** Readings kept. */
  readonly n: number;
  readonly mean_w: Watts;
  readonly sd_w: Watts;
  readonly rate_hz: number;
  /** Frames or lines dropped as bad (wrong length, unknown model, garbled), by reason. */
  readonly dropped: number;
  readonly drop_reasons: Readonly<Record<string, number>>;
  /** Silences and disconnects seen while reading. */
  readonly errors: readonly string[];
}

/** A meter to stream to the UI, `PORT:TYPE[,options]` as `--meter` takes it. */
export const MeterStartRequestSchema = z.strictObject({ spec: z.string().min(3).max(500) });
export type MeterStartRequest = Readonly<z.infer<typeof MeterStartRequestSchema>>;
