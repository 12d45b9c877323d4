/**
 * Canonical JSON and the hashes built on it: object keys sorted (by UTF-16 code units, as
 * `Array.prototype.sort` and RFC 8785 do), no whitespace, `undefined` members dropped, numbers
 * as `JSON.stringify` writes them. For the plain JSON values labbench hashes (fingerprints,
 * run settings, LUT files) this is RFC 8785 (JCS), so another tool can recompute a hash.
 * Not a general serializer: non-finite numbers, bigints and class instances other than
 * `Date` are bugs at the call site and throw a TypeError.
 */
import { createHash } from 'node:crypto';

export function canonicalJson(value: unknown): string {
  const text = encode(value, '$');
  if (text === undefined) throw new TypeError('canonicalJson: the value is undefined');
  return text;
}

/** Hex sha256 of a UTF-8 string. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * The checksum of a sealed exchange file (a LUT file, a model file): `sha256:<hex>` of the
 * canonical JSON of the document without its own `checksum` field.
 */
export function sealedChecksum(doc: object): string {
  const { checksum: _ignored, ...rest } = doc as { checksum?: unknown };
  return `sha256:${sha256Hex(canonicalJson(rest))}`;
}

/** First `length` hex digits of the sha256 of the value's canonical JSON. */
export function canonicalHash(value: unknown, length = 16): string {
  return sha256Hex(canonicalJson(value)).slice(0, length);
}

function encode(value: unknown, where: string): string | undefined {
  switch (typeof value) {
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${where} is ${value}, not a finite number`);
      return JSON.stringify(value);
    case 'bigint':
      throw new TypeError(`canonicalJson: ${where} is a bigint`);
    case 'object':
      break;
  }
  if (value === null) return 'null';
  if (Array.isArray(value)) return `[${value.map((v: unknown, i) => encode(v, `${where}[${i}]`) ?? 'null').join(',')}]`;
  if (value instanceof Date) return encode(value.toJSON(), where);
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) throw new TypeError(`canonicalJson: ${where} is not a plain object`);
  const obj = value as Record<string, unknown>;
  const members: string[] = [];
  for (const key of Object.keys(obj).sort()) {
    const text = encode(obj[key], `${where}.${key}`);
    if (text !== undefined) members.push(`${JSON.stringify(key)}:${text}`);
  }
  return `{${members.join(',')}}`;
}
