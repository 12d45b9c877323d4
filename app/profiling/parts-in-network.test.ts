// Per-part times inside a network, from per-node medians: node-to-part attribution and per-run sums.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { innerLayersInNetwork, partsInNetwork } from './profile-job.js';
import { nodeMedians } from '../../native-runners/onnxruntime/target.js';

test('a part owns the node of its name and its `name/...` nodes; the longest name wins', () => {
  const parts = [{ name: 'conv1' }, { name: 'L0-k3e6' }, { name: 'fc' }, { name: 'fc/extra' }];
  const nodes = { conv1: 1, 'L0-k3e6/expand': 0.5, 'L0-k3e6/dw': 2, 'L0-k3e6/project': 0.25, 'fc/flatten': 0.125, fc: 3, 'fc/extra': 7, 'fc/extra/bias': 1 };
  assert.deepEqual(partsInNetwork(parts, nodes), { conv1: 1, 'L0-k3e6': 2.75, fc: 3.125, 'fc/extra': 8 });
});

test('a part with no node leaves the whole map undefined (a partial sum would pass for a whole one)', () => {
  assert.equal(partsInNetwork([{ name: 'a' }, { name: 'b' }], { a: 1, 'c/d': 2 }), undefined);
});

test('inner layers of block parts get their own in-place times; parts and unknown nodes do not', () => {
  const layers = ['stem', 'stem_bn', 'L0-k3e6/expand', 'L0-k3e6/dw', 'L0-k3e6/dw_bn', 'fc'];
  const parts = [{ name: 'stem' }, { name: 'L0-k3e6' }, { name: 'fc' }];
  const nodes = { stem: 1, stem_bn: 0.5, 'L0-k3e6/expand': 0.25, 'L0-k3e6/dw': 2, 'L0-k3e6/dw/pad': 0.125, 'L0-k3e6/dw_bn': 0.0625, fc: 3, 'fc/extra': 4, other: 9 };
  // stem_bn is a layer of no part: kept, since it is a layer whose time nothing else records.
  assert.deepEqual(innerLayersInNetwork(layers, parts, nodes), { stem_bn: 0.5, 'L0-k3e6/expand': 0.25, 'L0-k3e6/dw': 2.125, 'L0-k3e6/dw_bn': 0.0625 });
});

test('node medians: kernels of one node add up within a run; a node missing from a run counts 0 there', () => {
  const run = (kernels: [string, number][]) => ({ modelRunUs: 0, kernels: kernels.map(([node, durUs]) => ({ node, op: 'X', provider: 'CPU', durUs })) });
  const m = nodeMedians([run([['a', 1000], ['a', 500], ['b', 2000]]), run([['a', 3000], ['b', 1000]]), run([['a', 2000]])]);
  assert.deepEqual(m, { a: 2, b: 1 });
});
