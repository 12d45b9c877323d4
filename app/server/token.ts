/** The per-launch secret of `labbench serve`, and its comparison in constant time. */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** 192 random bits, URL- and subprotocol-safe (base64url). */
export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/** Compares digests, so neither the content nor the length of the secret leaks through timing. */
export function tokenMatches(given: string | undefined, token: string): boolean {
  if (given === undefined) return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b);
}

/** The token from `Authorization: Bearer <token>`. */
export function bearer(header: string | undefined): string | undefined {
  const m = /^Bearer ([\w-]+)$/.exec(header ?? '');
  return m?.[1];
}
