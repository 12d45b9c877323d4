/**
 * The zod schemas of a LUT file, versions 2 and 1 (LUT-FORMAT.md), and the one-line
 * descriptions of what a file got wrong. Objects are strict: a field the version does not
 * define is an error, because a reader cannot tell a typo from a field it should have
 * understood. Version 2 adds the emulated mark (fingerprint, device, every entry), the
 * device's `created_at` and an entry's `imported_at`; the mark is required, so a file
 * cannot leave it out.
 */
import { z } from 'zod';
import type { Millijoules, Ms, Watts } from '../app/api/units.js';

const FORMAT = 'labbench-lut';

export const CHECKSUM_PATTERN = /^sha256:[0-9a-f]{64}$/;

/** Finite (zod 4 numbers reject Infinity) and non-negative; a checked file's numbers carry the DTO's units (types only). */
const ms = z.number().nonnegative().transform((x) => x as Ms);
const w = (n: z.ZodNumber) => n.transform((x) => x as Watts);

const entryShape = {
  key: z.string().min(1),
  op: z.string().min(1),
  config: z.record(z.string(), z.unknown()),
  n: z.number().int().min(1),
  median_ms: ms,
  ci_low_ms: ms,
  ci_high_ms: ms,
  mad_ms: ms,
  min_ms: ms,
  max_ms: ms,
  measured_at: z.iso.datetime({ offset: true }),
  power: z
    .union([
      z.strictObject({ power_w: w(z.number()), power_sem_w: w(z.number().nonnegative()), energy_mj: z.number().transform((x) => x as Millijoules), samples: z.number().int().min(1), idle_w: w(z.number().nonnegative()) }),
      z.strictObject({ missing: z.string().min(1) }),
    ])
    .optional(),
};

function checkStats(e: { ci_low_ms: number; median_ms: number; ci_high_ms: number; min_ms: number; max_ms: number }, ctx: z.RefinementCtx): void {
  if (!(e.ci_low_ms <= e.median_ms && e.median_ms <= e.ci_high_ms)) {
    ctx.addIssue({ code: 'custom', message: `the interval [${e.ci_low_ms}, ${e.ci_high_ms}] must contain median_ms ${e.median_ms}` });
  }
  if (!(e.min_ms <= e.median_ms && e.median_ms <= e.max_ms)) {
    ctx.addIssue({ code: 'custom', message: `median_ms ${e.median_ms} must lie between min_ms ${e.min_ms} and max_ms ${e.max_ms}` });
  }
}

const entryV1 = z.strictObject(entryShape).superRefine(checkStats);
const entryV2 = z
  .strictObject({ ...entryShape, emulated: z.boolean(), imported_at: z.iso.datetime({ offset: true }).optional() })
  .superRefine(checkStats);

const fingerprintValue = z.union([z.string(), z.number(), z.boolean(), z.null()], { error: 'expected a string, number, boolean or null' });

const KINDS = ['local-cpu', 'local-gpu', 'android', 'imported'] as const;

/** A device fingerprint as files carry it (LUT files, model files): kind and emulated mark required, the rest free-form scalars. */
export const deviceFingerprintSchema = z.object({ kind: z.enum(KINDS), emulated: z.boolean() }).catchall(fingerprintValue);

function uniqueKeys(entries: readonly { key: string }[], ctx: z.RefinementCtx): void {
  const first = new Map<string, number>();
  entries.forEach((e, i) => {
    const j = first.get(e.key);
    if (j === undefined) first.set(e.key, i);
    else ctx.addIssue({ code: 'custom', path: [i, 'key'], message: `duplicate key ${JSON.stringify(e.key)} (also entries[${j}])` });
  });
}

const common = {
  format: z.literal(FORMAT),
  exported_at: z.iso.datetime({ offset: true }),
  exported_by: z.string(),
  provenance: z.record(z.string(), z.unknown()),
  checksum: z.string().regex(CHECKSUM_PATTERN, { error: 'expected "sha256:" and 64 lowercase hex digits' }),
};

export const lutFileSchema = z
  .strictObject({
    ...common,
    version: z.literal(2),
    device: z.strictObject({
      key: z.string().min(1),
      label: z.string(),
      fingerprint: deviceFingerprintSchema,
      emulated: z.boolean(),
      created_at: z.iso.datetime({ offset: true }),
    }),
    entries: z.array(entryV2).superRefine(uniqueKeys),
  })
  .superRefine((f, ctx) => {
    // The mark is stated three times (fingerprint, device, entries): they must agree, so an edit of one shows.
    if (f.device.emulated !== f.device.fingerprint.emulated) {
      ctx.addIssue({ code: 'custom', path: ['device', 'emulated'], message: `is ${f.device.emulated} but device.fingerprint.emulated is ${f.device.fingerprint.emulated}` });
    }
    const i = f.entries.findIndex((e) => e.emulated !== f.device.emulated);
    if (i >= 0) ctx.addIssue({ code: 'custom', path: ['entries', i, 'emulated'], message: `is ${f.entries[i]!.emulated} but the device's is ${f.device.emulated}` });
  });

/** Version 1 (no emulated mark, no device created_at): read and upgraded by lut-file.ts. */
export const lutFileSchemaV1 = z.strictObject({
  ...common,
  version: z.literal(1),
  device: z.strictObject({
    key: z.string().min(1),
    label: z.string(),
    fingerprint: z.object({ kind: z.enum(KINDS) }).catchall(fingerprintValue),
  }),
  entries: z.array(entryV1).superRefine(uniqueKeys),
});

/** `entries[3].median_ms`, `device.fingerprint["os name"]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (typeof seg === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(String(seg))}]`;
  }
  return out;
}

const article = (what: string): string => (what === 'int' ? 'an integer' : /^[aeio]/.test(what) ? `an ${what}` : `a ${what}`);

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'a non-finite number';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v)}`;
  return article(typeof v);
}

/** What is wrong, without the path; for parse calls made with `reportInput: true`. */
export function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type': {
      if (issue.input === undefined) return `missing (expected ${article(issue.expected)})`;
      return `expected ${article(issue.expected)}, got ${kindOf(issue.input)}`;
    }
    case 'too_small':
      if (issue.origin === 'string') return 'must not be empty';
      return `must be ${issue.inclusive ? '>=' : '>'} ${String(issue.minimum)}, got ${kindOf(issue.input)}`;
    case 'invalid_format':
      return issue.format === 'datetime' ? `expected an ISO-8601 date-time with a time zone, got ${kindOf(issue.input)}` : issue.message;
    case 'invalid_value':
      return `expected ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}, got ${kindOf(issue.input)}`;
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')} (not in this version of the format)`;
    default:
      return issue.message;
  }
}
