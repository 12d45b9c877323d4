/**
 * The LUT exchange file (LUT-FORMAT.md): versioned JSON with the device, provenance, the
 * entries and a sha256 over the canonical form, so a teammate's bench can tell a LUT that
 * was edited or cut short from one that was exported. Export reads the DB; parse validates
 * a file's text and owns every LUT_INVALID message; import checks the file again and writes
 * it in one transaction.
 */
import { LabbenchError } from '../app/api/errors.js';
import type { DeviceFingerprint, LutEntry } from '../app/api/lut.js';
import pkg from '../package.json' with { type: 'json' };
import { canonicalJson, sha256Hex } from './canonical-json.js';
import { CHECKSUM_PATTERN, describeIssue, formatPath, lutFileSchema } from './lut-file-schema.js';
import type { LutImportResult } from './lut-table.js';
import type { ProfilesDb } from './profiles-db.js';

export { lutToCsv } from './lut-csv.js';

export const LUT_FILE_FORMAT = 'labbench-lut';
export const LUT_FILE_VERSION = 1;
export const EXPORTED_BY = `labbench ${pkg.version}`;

export interface LutFile {
  readonly format: typeof LUT_FILE_FORMAT;
  readonly version: typeof LUT_FILE_VERSION;
  readonly exported_at: string;
  readonly exported_by: string;
  readonly device: { readonly key: string; readonly label: string; readonly fingerprint: DeviceFingerprint };
  /** Free-form: the runs (workload, settings) and earlier imports the entries come from. */
  readonly provenance: Readonly<Record<string, unknown>>;
  /** Sorted by key on export; keys are unique. */
  readonly entries: readonly LutEntry[];
  /** `sha256:<hex>` of the canonical JSON of the file without this field. */
  readonly checksum: string;
}

export type LutFileBody = Omit<LutFile, 'checksum'>;

/** The checksum of a file's body (a `checksum` field present in the argument is left out). */
export function lutChecksum(body: LutFileBody | LutFile): string {
  const { checksum: _ignored, ...rest } = body as LutFile;
  return `sha256:${sha256Hex(canonicalJson(rest))}`;
}

/** Adds the checksum to a file's body: how an exporter or a converter finishes a file. */
export function sealLutFile(body: LutFileBody): LutFile {
  return { ...body, checksum: lutChecksum(body) };
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
    device: { key: device.key, label: device.label, fingerprint: device.fingerprint },
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
  const parsed = lutFileSchema.safeParse(doc, { reportInput: true });
  if (!parsed.success) {
    const [first, ...rest] = parsed.error.issues;
    if (!first) throw invalid(sourceName, 'invalid');
    const where = formatPath(first.path);
    const more = rest.length > 0 ? ` (and ${rest.length} more problem${rest.length > 1 ? 's' : ''})` : '';
    throw invalid(sourceName, `${where ? `${where}: ` : ''}${describeIssue(first)}${more}`);
  }
  const file: LutFile = parsed.data;
  return file;
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
export function importLut(db: ProfilesDb, file: LutFile, sourceName = `LUT file for ${file.device.key}`): LutImportResult {
  validateLutDocument(JSON.parse(JSON.stringify(file)) as unknown, sourceName);
  return db.importLutEntries({
    device: file.device,
    entries: file.entries,
    checksum: file.checksum,
    exported_at: file.exported_at,
    exported_by: file.exported_by,
    provenance: file.provenance,
  });
}
