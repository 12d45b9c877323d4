/**
 * A small seeded PRNG (mulberry32) so that cross-validation folds, and the synthetic data of
 * the tests, are the same on every run. Not for anything that needs real randomness.
 */

/** Uniform floats in [0, 1) from a 32-bit seed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal draws (Box-Muller) from a uniform source. */
export function gaussian(uniform: () => number): () => number {
  return () => {
    const u = Math.max(uniform(), Number.MIN_VALUE);
    const v = uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
}

/** A Fisher-Yates shuffle of 0..n-1. */
export function permutation(n: number, uniform: () => number): number[] {
  const idx = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(uniform() * (i + 1));
    const t = idx[i]!;
    idx[i] = idx[j]!;
    idx[j] = t;
  }
  return idx;
}

/** One element of `xs`, uniformly. */
export function pick<T>(xs: readonly T[], uniform: () => number): T {
  const x = xs[Math.floor(uniform() * xs.length)];
  if (x === undefined) throw new Error('pick from an empty list');
  return x;
}
