/** Test helper for the gradient kernels: largest absolute difference over the largest expected magnitude. */
import assert from 'node:assert/strict';

export function relError(expected: Float32Array, actual: Float32Array): number {
  assert.equal(actual.length, expected.length);
  let err = 0;
  let scale = 1e-6;
  for (let i = 0; i < expected.length; i++) {
    err = Math.max(err, Math.abs((expected[i] ?? 0) - (actual[i] ?? 0)));
    scale = Math.max(scale, Math.abs(expected[i] ?? 0));
  }
  return err / scale;
}
