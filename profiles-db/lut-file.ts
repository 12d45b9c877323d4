/**
 * The LUT exchange file (LUT-FORMAT.md): versioned JSON with the device, provenance, the
 * entries and a sha256 over the canonical form, so a teammate's bench can tell a LUT that
 * was edited or cut short from one that was exported. Export reads the DB; parse validates
 * a file's text and owns every LUT_INVALID message; import checks the file again and writes
 * it in one transaction. An emulated device is marked in the file three times (fingerprint,
 * device, every entry); a version 1 file, which had no mark, is upgraded and marked by what
 * its fingerprint shows, and a file that says "real" over an emulator's build is refused.
 */
import { emulatorBuild } from '../app/api/emulation.js';
import { LabbenchError } from '../app/api/errors.js';
import type { DeviceFingerprint, LutRecord } from '../app/api/lut.js';
import pkg from '../package.json' with { type: 'json' };
import { sealedChecksum } from './canonical-json.js';
import { CHECKSUM_PATTERN, describeIssue, formatPath, lutFileSchema, lutFileSchemaV1 } from './lut-file-schema.js';
import type { LutImportResult } from './lut-table.js';
import { legacyEmulated } from './migrations/0090-provenance.js';
import type { ProfilesDb } from './profiles-db.js';

export { lutToCsv } from './lut-csv.js';

export const LUT_FILE_FORMAT = 'labbench-lut';
export const LUT_FILE_VERSION = 2;
export const EXPORTED_BY = `labbench ${pkg.version}`;

export interface LutFile {
  readonly format: typeof LUT_FILE_FORMAT;
  readonly version: typeof LUT_FILE_VERSION;
  readonly exported_at: string;
  readonly exported_by: string;
  /** `emulated` repeats the fingerprint's; `created_at`: when the device was first measured. */
  readonly device: { readonly key: string; readonly label: string; readonly fingerprint: DeviceFingerprint; readonly emulated: boolean; readonly created_at: string };
  /** Free-form: the runs (workload, settings) and earlier imports the entries come from. */
  readonly provenance: Readonly<Record<string, unknown>>;
  /** Sorted by key on export; keys are unique; each carries the device's emulated mark. */
  readonly entries: readonly LutRecord[];
  /** `sha256:<hex>` of the canonical JSON of the file without this field. */
  readonly checksum: string;
}

export type LutFileBody = Omit<LutFile, 'checksum'>;

/** The checksum of a file's body (a `checksum` field present in the argument is left out). */
export function lutChecksum(body: LutFileBody | LutFile): string {
  return sealedChecksum(body);
}

/** Adds the checksum to a file's body: how an exporter or a converter finishes a file. */
export function sealLutFile(body: LutFileBody): LutFile {
  return { ...body, checksum: lutChecksum(body) };
}

/**
 * A converter's file for a table that its authors measured on a real phone: the device is
 * marked real wherever the file carries the mark, and, with no measurement times given, the
 * publication date stands for when it was measured and exported. Entries are sorted by key.
 */
export function publishedPhoneLut(o: {
  readonly key: string;
  readonly label: string;
  readonly fingerprint: Readonly<Record<string, string>>;
  readonly publishedAt: string;
  readonly sourceName: string;
  readonly provenance: Readonly<Record<string, unknown>>;
  readonly entries: readonly LutRecord[];
}): LutFile {
  return sealLutFile({
    format: LUT_FILE_FORMAT,
    version: LUT_FILE_VERSION,
    exported_at: o.publishedAt,
    exported_by: `labbench import of ${o.sourceName}`,
    device: { key: o.key, label: o.label, fingerprint: { kind: 'android', emulated: false, ...o.fingerprint }, emulated: false, created_at: o.publishedAt },
    provenance: o.provenance,
    entries: [...o.entries].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)),
  });
}

/** The device `deviceRef` names and its whole LUT. LUT_NOT_FOUND when the device has no entries. */
export function exportLut(db: ProfilesDb, deviceRef: string, options: { now?: Date } = {}): LutFile {
  const { device, entries } = db.lutView(deviceRef);
  if (entries.length === 0) {
    throw new LabbenchError('LUT_NOT_FOUND', `device ${device.key}@${device.fingerprint_hash} has no LUT entries in ${db.path}; profile it first`);
  }
  const sources = db.lutSources(device.id);
  const body: LutFileBody = {
    format: LUT_FILE_FORMAT,
    version: LUT_FILE_VERSION,
    exported_at: (options.now ?? new Date()).toISOString(),
    exported_by: EXPORTED_BY,
    device: { key: device.key, label: device.label, fingerprint: device.fingerprint, emulated: device.emulated, created_at: device.created_at },
    provenance: {
      fingerprint_hash: device.fingerprint_hash,
      runs: sources.runs,
      imports: sources.imports,
    },
    entries,
  };
  return sealLutFile(body);
}

/** Pretty JSON with a trailing newline (the checksum does not depend on the layout). */
export function serializeLutFile(file: LutFile): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}

function invalid(sourceName: string, what: string): LabbenchError {
  return new LabbenchError('LUT_INVALID', `${sourceName}: ${what}`.replace(/\s+/g, ' ').trim());
}

/**
 * Validates a LUT file's text and verifies its checksum (before the schema, so an edited
 * file says so). Every failure is one
 * LabbenchError('LUT_INVALID') with a one-line message starting with `sourceName: `.
 */
export function parseLutFile(text: string, sourceName: string): LutFile {
  let doc: unknown;
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw invalid(sourceName, `not valid JSON (${why.length > 120 ? `${why.slice(0, 120)}...` : why})`);
  }
  return validateLutDocument(doc, sourceName);
}

/** The checks of parseLutFile after JSON parsing: format, version, checksum, schema. */
export function validateLutDocument(doc: unknown, sourceName: string): LutFile {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw invalid(sourceName, 'not a labbench LUT file (expected a JSON object)');
  const { format, version } = doc as { format?: unknown; version?: unknown };
  if (format !== LUT_FILE_FORMAT) {
    throw invalid(sourceName, `not a labbench LUT file (format is ${format === undefined ? 'missing' : JSON.stringify(format)}, expected "${LUT_FILE_FORMAT}")`);
  }
  if (typeof version === 'number' && Number.isInteger(version) && version > LUT_FILE_VERSION) {
    throw invalid(sourceName, `format version ${version} is newer than this labbench reads (up to ${LUT_FILE_VERSION}); upgrade labbench`);
  }
  // The checksum before the schema: an edited value is reported as an edit, even where the
  // edit also breaks the schema. A number JSON cannot hash (1e999 parses as Infinity) and a
  // missing or malformed checksum are left to the schema, which names them.
  const claimed = (doc as { checksum?: unknown }).checksum;
  const actual = typeof claimed === 'string' && CHECKSUM_PATTERN.test(claimed) ? checksumOrUndefined(doc as LutFile) : undefined;
  if (actual !== undefined && actual !== claimed) throw invalid(sourceName, 'checksum mismatch: the file was changed after export');
  if (version === 1) {
    const v1 = lutFileSchemaV1.safeParse(doc, { reportInput: true });
    if (!v1.success) throw schemaError(sourceName, v1.error.issues);
    return upgradeVersion1(v1.data);
  }
  const parsed = lutFileSchema.safeParse(doc, { reportInput: true });
  if (!parsed.success) throw schemaError(sourceName, parsed.error.issues);
  const file: LutFile = parsed.data;
  const build = file.device.fingerprint.build;
  const emulator = typeof build === 'string' ? emulatorBuild(build) : undefined;
  if (emulator && !file.device.emulated) {
    throw invalid(sourceName, `device.fingerprint: ${emulator}, but the file marks the device real (emulated: false); a LUT measured on an emulator is not imported as real hardware`);
  }
  return file;
}

function schemaError(sourceName: string, issues: readonly Parameters<typeof describeIssue>[0][]): LabbenchError {
  const [first, ...rest] = issues;
  if (!first) return invalid(sourceName, 'invalid');
  const where = formatPath(first.path);
  const more = rest.length > 0 ? ` (and ${rest.length} more problem${rest.length > 1 ? 's' : ''})` : '';
  return invalid(sourceName, `${where ? `${where}: ` : ''}${describeIssue(first)}${more}`);
}

type LutFileV1 = ReturnType<typeof lutFileSchemaV1.parse>;

/**
 * A version 1 file as version 2: marked emulated where its fingerprint shows it (migration
 * 0090's rule), the device's created_at its earliest entry, and sealed again; the original
 * checksum stays under `provenance.upgraded_from`.
 */
function upgradeVersion1(v1: LutFileV1): LutFile {
  const emulated = legacyEmulated(v1.device.fingerprint, v1.device.key);
  const times = v1.entries.map((e) => new Date(e.measured_at).toISOString()).sort();
  return sealLutFile({
    format: LUT_FILE_FORMAT,
    version: LUT_FILE_VERSION,
    exported_at: v1.exported_at,
    exported_by: v1.exported_by,
    device: { ...v1.device, fingerprint: { ...v1.device.fingerprint, emulated }, emulated, created_at: times[0] ?? v1.exported_at },
    provenance: { ...v1.provenance, upgraded_from: { version: 1, checksum: v1.checksum } },
    entries: v1.entries.map((e) => ({ ...e, emulated })),
  });
}

function checksumOrUndefined(doc: LutFile): string | undefined {
  try {
    return lutChecksum(doc);
  } catch {
    return undefined; // a non-finite number, named by the schema
  }
}

/**
 * Imports a file in one transaction: the device by fingerprint hash, then the entries. Rows
 * imported earlier for the device are replaced, rows measured here are kept, other devices
 * are untouched; on any error nothing changes. The file is validated again (as its JSON
 * form) first, since converters build LutFile objects without parseLutFile: a file with
 * duplicate keys or a stale checksum is LUT_INVALID rather than half-collapsed rows.
 */
export function importLut(db: ProfilesDb, file: LutFile, sourceName = `LUT file for ${file.device.key}`): LutFileImportResult {
  const checked = validateLutDocument(JSON.parse(JSON.stringify(file)) as unknown, sourceName);
  const { key, label, fingerprint, created_at } = checked.device;
  const r = db.importLutEntries({
    device: { key, label, fingerprint, created_at: new Date(created_at).toISOString() },
    // Rows are marked by their device in the DB; `imported_at` is this import's.
    entries: checked.entries.map(({ emulated: _e, imported_at: _i, ...e }) => e),
    checksum: checked.checksum,
    exported_at: checked.exported_at,
    exported_by: checked.exported_by,
    provenance: checked.provenance,
  });
  const notes: string[] = [];
  if (r.device.emulated) {
    const build = typeof fingerprint.build === 'string' ? emulatorBuild(fingerprint.build) : undefined;
    notes.push(`${r.device.key} is an emulated device (${build ?? 'the file marks it so'}): these rows are not measurements of real hardware`);
  }
  return { ...r, notes };
}

export interface LutFileImportResult extends LutImportResult {
  /** What a user should know about the import (an emulated device), one sentence each. */
  readonly notes: readonly string[];
}
