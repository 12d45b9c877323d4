/**
 * Units on the service boundary: branded numbers, so a result DTO's `median_ms` takes an `Ms`
 * made by `ms(x)` and not any number (a count, seconds, watts). A brand is a type only: the value
 * is the plain number, reads as one, and serializes to the same JSON.
 */

declare const unit: unique symbol;
/** A number known to be in unit U. Made only by that unit's constructor below. */
export type Unit<U extends string> = number & { readonly [unit]: U };

export type Ms = Unit<'ms'>;
export type Seconds = Unit<'s'>;
export type Watts = Unit<'W'>;
export type Millijoules = Unit<'mJ'>;
export type Microjoules = Unit<'uJ'>;
export type Bytes = Unit<'B'>;

/**
 * A finite number, and not below zero unless the quantity may be (power and energy above idle
 * may dip under zero on a noisy meter; a drift or a gap is signed). A value that fails is a bug
 * in the code that made it, not bad input: it throws a plain Error.
 */
function check(x: number, what: string, signed: boolean): number {
  if (!Number.isFinite(x)) throw new Error(`${what} is not a finite number: ${x}`);
  if (!signed && x < 0) throw new Error(`${what} is negative: ${x}`);
  return x;
}

/** A duration, never negative. */
export const ms = (x: number): Ms => check(x, 'a time in ms', false) as Ms;
/** A time that may be negative: a fitted offset, a difference of two times. */
export const signedMs = (x: number): Ms => check(x, 'a time offset in ms', true) as Ms;
export const seconds = (x: number): Seconds => check(x, 'a time in s', false) as Seconds;
/** Power: signed, since power above idle (meter loop mean less the idle baseline) may be slightly negative. */
export const watts = (x: number): Watts => check(x, 'a power in W', true) as Watts;
/** Energy: signed for the same reason as power (it is power above idle x time). */
export const millijoules = (x: number): Millijoules => check(x, 'an energy in mJ', true) as Millijoules;
/** The energy model's count of operations x energy per operation: never negative. */
export const microjoules = (x: number): Microjoules => check(x, 'an energy in uJ', false) as Microjoules;
export const bytes = (x: number): Bytes => check(x, 'a size in bytes', false) as Bytes;
