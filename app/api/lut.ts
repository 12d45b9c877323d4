/**
 * LUT and device DTOs shared by the CLI, the HTTP server, IPC and the profiles DB.
 * Plain JSON values only: they cross process boundaries and land in export files.
 * Units are in field names (`_ms`), as the command-line contract asks.
 */
import { z } from 'zod';
import { deviceId, name } from './parse.js';
import type { Millijoules, Ms, Watts } from './units.js';

/** Summary of repeated latency measurements of one thing (a layer, a block, a network). */
export interface LatencyStats {
  /** Number of measured runs (warm-up runs excluded). */
  readonly n: number;
  readonly median_ms: Ms;
  /** Distribution-free confidence interval of the median (95 %, order statistics). */
  readonly ci_low_ms: Ms;
  readonly ci_high_ms: Ms;
  /** Spread: median absolute deviation, unscaled. */
  readonly mad_ms: Ms;
  readonly min_ms: Ms;
  readonly max_ms: Ms;
}

/**
 * What a device is, precisely enough that two LUTs measured under the same fingerprint are
 * comparable: hardware, OS, runtime and how it was configured. Free-form beyond `kind`,
 * because phones, hosts and GPUs report different things; hashed canonically.
 */
export interface DeviceFingerprint {
  readonly kind: 'local-cpu' | 'local-gpu' | 'android' | 'imported';
  /**
   * Not real hardware (the emulated phone, the Android Emulator): set where the fingerprint
   * is made (app/devices/adb/emulation.ts for phones) and never dropped. The device's key,
   * label, DB row, LUT rows and exports all derive their mark from it. Left out of the
   * fingerprint hash when false, so real devices keep the identity they had before the field.
   */
  readonly emulated: boolean;
  readonly [field: string]: string | number | boolean | null | undefined;
}

export interface DeviceRecord {
  /** Row id, local to one DB. */
  readonly id: number;
  /** The name a user types: `local`, an adb serial, `pixel1`. Several fingerprints may share it. */
  readonly key: string;
  readonly label: string;
  readonly fingerprint: DeviceFingerprint;
  /** sha256 of the canonical fingerprint JSON, first 16 hex digits. */
  readonly fingerprint_hash: string;
  /** `measured` for a device profiled by this bench, `imported` for one from a LUT file. */
  readonly origin: 'measured' | 'imported';
  /** Emulated, not real hardware: the fingerprint's mark (a DB column generated from it). Key and label say so too. */
  readonly emulated: boolean;
  /** When the device was first measured: here, or for an imported device, on the bench that measured it. */
  readonly created_at: string;
  /** When a LUT of it was first imported into this DB; null for a device only ever measured here. */
  readonly imported_at: string | null;
}

/**
 * Power while a unit ran, from a meter: the loop's mean less the idle baseline measured
 * before and after, and energy per inference. `missing` says why a unit that should have
 * power has none (a silent or unplugged meter): never stored as zero.
 */
export type UnitPower =
  | {
      /** Average power above idle while the unit ran, W. */
      readonly power_w: Watts;
      /** Standard error of that mean, W. */
      readonly power_sem_w: Watts;
      /** power_w x median_ms: energy per inference above idle, mJ. */
      readonly energy_mj: Millijoules;
      /** Meter samples averaged. */
      readonly samples: number;
      /** The idle baseline subtracted, W. */
      readonly idle_w: Watts;
    }
  | { readonly missing: string };

/** One LUT row: the latency of one layer (or block) configuration on one device. */
export interface LutEntry extends LatencyStats {
  /** Canonical configuration key, e.g. `conv k3 s1 p1 g1 b 3x32x32>64`. */
  readonly key: string;
  /** IR op, or `mbconv` / `network` for blocks and fixed parts. */
  readonly op: string;
  /** The configuration the key encodes, as JSON (hyperparameters and input shapes). */
  readonly config: Readonly<Record<string, unknown>>;
  /** ISO-8601 time of the measurement. */
  readonly measured_at: string;
  /** Present where a meter ran with the profile. */
  readonly power?: UnitPower;
}

/** A LUT row as the DB keeps it and files carry it: the measurement and where it comes from. */
export interface LutRecord extends LutEntry {
  /** Measured on an emulated device: derived from the device's fingerprint, on every row so no consumer can miss it. */
  readonly emulated: boolean;
  /** When this bench imported the row from a LUT file; absent for a row measured here. `measured_at` stays the measurement's. */
  readonly imported_at?: string;
}

export interface LutView {
  readonly device: DeviceRecord;
  readonly entries: readonly LutRecord[];
}

/** A device the DB keeps a LUT for, with its LUT's size (0 where a profile measured nothing yet). */
export interface LutDeviceSummary {
  readonly device: DeviceRecord;
  /** LUT rows of this device. */
  readonly entries: number;
}

/** 64 MiB of LUT text at most: a LUT of every layer of every zoo network is a few MB. */
export const LUT_TEXT_MAX = 64 * 1024 * 1024;

export const LutExportRequestSchema = z.strictObject({ device: deviceId, format: z.enum(['json', 'csv']) });
export type LutExportRequest = Readonly<z.infer<typeof LutExportRequestSchema>>;

export const LutImportRequestSchema = z.strictObject({
  /** The file's text, in any format `lut import` reads. */
  text: z.string().max(LUT_TEXT_MAX),
  /** The file's name: it names the device when the file does not. */
  sourceName: name(),
  /** The device key for a file that does not name its device (`lut import --as`). */
  deviceKey: name().optional(),
});
export type LutImportRequest = Readonly<z.infer<typeof LutImportRequestSchema>>;
/** What a UI imports: the file's text and name (the device is the file's). */
export const UiLutImportRequestSchema = LutImportRequestSchema.omit({ deviceKey: true });
