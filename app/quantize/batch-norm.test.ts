import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyzeNetwork } from '../workloads/analyze.js';
import { zooNetwork } from '../workloads/zoo/index.js';
import { withBatchNorm } from './batch-norm.js';

test('withBatchNorm puts a norm after every conv and fc of the 2-conv net, consumers read the norm, shapes unchanged', () => {
  const base = zooNetwork('mnist-2conv');
  const net = withBatchNorm(base);
  const ops = net.layers.map((l) => `${l.op}:${l.inputs.join('+')}`);
  assert.deepEqual(ops, [
    'conv:input', 'bn:conv1', 'maxpool:conv1_bn', 'conv:pool1', 'bn:conv2', 'maxpool:conv2_bn', 'flatten:pool2',
    'fc:flatten', 'bn:fc1', 'relu:fc1_bn', 'fc:relu1', 'bn:fc2', 'softmax:fc2_bn',
  ]);
  const shapes = (n: typeof base) => new Map(analyzeNetwork(n).layers.map((a) => [a.layer.name, a.outputShape.join('x')]));
  const before = shapes(base);
  for (const [name, shape] of shapes(net)) assert.equal(shape, before.get(name.replace(/_bn$/, '')), name);
});
