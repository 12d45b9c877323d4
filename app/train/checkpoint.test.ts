import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadCheckpoint, saveCheckpoint } from './checkpoint.js';

test('a checkpoint restores every named variable and its metadata, and refuses damaged or foreign files', async (t) => {
  await tf.setBackend('cpu');
  const dir = mkdtempSync(join(tmpdir(), 'labbench-ckpt-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'sub', 'a.ckpt');
  const a = tf.variable(tf.tensor2d([[1, 2, 3], [4, 5, 6]]));
  const b = tf.variable(tf.scalar(-0.5));
  saveCheckpoint(path, [['a', a], ['b', b]], { epoch: 3, lambda: 2 });

  const a2 = tf.variable(tf.zeros([2, 3]));
  const b2 = tf.variable(tf.scalar(0));
  assert.deepEqual(loadCheckpoint(path, [['b', b2], ['a', a2]]), { epoch: 3, lambda: 2 });
  assert.deepEqual([...a2.dataSync()], [1, 2, 3, 4, 5, 6]);
  assert.equal(b2.dataSync()[0], -0.5);

  const wrongShape = tf.variable(tf.zeros([3, 2]));
  assert.throws(() => loadCheckpoint(path, [['a', wrongShape]]), /'a' is \[2,3\] in the file, \[3,2\] here/);
  assert.throws(() => loadCheckpoint(path, [['c', b2]]), /no tensor 'c'/);
  const bytes = readFileSync(path);
  writeFileSync(path, bytes.subarray(0, bytes.length - 4));
  const before = [...a2.dataSync()];
  assert.throws(() => loadCheckpoint(path, [['a', a2]]), /bytes where the header describes/);
  assert.deepEqual([...a2.dataSync()], before, 'a refused file changes nothing');
  writeFileSync(path, 'hello');
  assert.throws(() => loadCheckpoint(path, [['a', a2]]), /no labbench checkpoint header/);
  assert.throws(() => loadCheckpoint(join(dir, 'missing'), [['a', a2]]), /cannot read checkpoint/);
});
