import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { engineInfo, initEngine } from './engine.js';

function installed(pkg: string): boolean {
  try {
    createRequire(import.meta.url).resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

describe('initEngine auto', () => {
  it('takes the best backend present and says why it passed over the others', async () => {
    assert.equal(engineInfo(), undefined);
    const info = await initEngine();
    assert.equal(info.backend, tf.getBackend());
    assert.equal(engineInfo(), info);
    if (!installed('@tensorflow/tfjs-node') && !installed('@tensorflow/tfjs-node-gpu')) {
      assert.equal(info.backend, 'wasm');
      assert.equal(info.package, '@tensorflow/tfjs-backend-wasm');
      assert.equal(info.gpu, false);
      assert.ok(info.threads >= 1);
      assert.ok(info.skipped.some((s) => s.startsWith('@tensorflow/tfjs-node-gpu:')), info.skipped.join('; '));
      assert.ok(info.skipped.some((s) => s.startsWith('@tensorflow/tfjs-node:')), info.skipped.join('; '));
    }
    // Gradients are registered (tfjs-core's Node bundle has none of its own).
    const g = tf.grad((x: tf.Tensor) => tf.sum(tf.square(x)))(tf.tensor1d([1, 2, 3]));
    assert.deepEqual(Array.from(await g.data()), [2, 4, 6]);
  });
});
