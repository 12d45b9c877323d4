// Feature records worked out by hand, and the LUT-config path agreeing with the analyzed one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeLayer } from '../workloads/analyze.js';
import type { Layer, Shape } from '../workloads/ir.js';
import { layerConfig, layerKey } from '../workloads/units.js';
import { LabbenchError } from '../api/errors.js';
import { BASE_FEATURES, GENERIC_FEATURES, SPECIAL_FEATURES, configFeatures, layerFeatures, layerFromConfig, layerTypeOf } from './features.js';

const at = (layer: Layer, ...inputs: Shape[]) => analyzeLayer(layer, inputs);
const io = { name: 'l', inputs: ['input'] };

test('layer types: conv takes pwconv, pool takes gap, elementwise ops are "other", blocks are not layers', () => {
  assert.equal(layerTypeOf('conv'), 'conv');
  assert.equal(layerTypeOf('pwconv'), 'conv');
  assert.equal(layerTypeOf('dwconv'), 'dwconv');
  assert.equal(layerTypeOf('gap'), 'pool');
  assert.equal(layerTypeOf('maxpool'), 'pool');
  for (const op of ['bn', 'relu', 'relu6', 'add', 'concat', 'flatten', 'softmax']) assert.equal(layerTypeOf(op), 'other');
  assert.equal(layerTypeOf('mbconv'), undefined);
  assert.equal(layerTypeOf('toString'), undefined);
});

test('ragged channel counts are flagged per side; an fc flags its flattened input', () => {
  const conv = layerFeatures(at({ ...io, op: 'conv', out: 20, kernel: 3, stride: 1, pad: 'same', groups: 1, bias: false }, [3, 8, 8]));
  assert.deepEqual([conv.values.cin_odd, conv.values.cout_odd], [1, 1]);
  const fc = layerFeatures(at({ ...io, op: 'fc', out: 10, bias: true }, [2, 4, 4])); // 32 inputs, 10 outputs
  assert.deepEqual([fc.values.cin_odd, fc.values.cout_odd], [0, 1]);
  const relu = layerFeatures(at({ ...io, op: 'relu' }, [24, 5, 5]));
  assert.deepEqual([relu.values.cin_odd, relu.values.cout_odd], [0, 0]);
});

test('conv 3x3/2 same, 16 -> 32 on 14x14, batch 2: every feature by hand', () => {
  const a = at({ ...io, op: 'conv', out: 32, kernel: 3, stride: 2, pad: 'same', groups: 1, bias: true }, [16, 14, 14]);
  const f = layerFeatures(a, 2);
  assert.equal(f.type, 'conv');
  // same: out = ceil(14 / 2) = 7; total pad (7-1)*2 + 3 - 14 = 1 -> 0 before, 1 after: 0.5 per side.
  // MACs per sample 32*7*7 * 16*9 = 225792; FLOPs 2*225792 + 32*49 (bias) = 453152; x2 = 906304.
  // params 32*144 + 32 = 4640; bytes (16*196 + 32*49) * 4 * 2 + 4640 * 4 = 37632 + 18560 = 56192.
  assert.deepEqual(
    { ...f.values },
    {
      batch: 2,
      flops: 906304,
      macs: 451584,
      bytes: 56192,
      params: 4640,
      log_flops: Math.log1p(906304),
      log_bytes: Math.log1p(56192),
      in_elems: 6272,
      out_elems: 3136,
      ops_per_elem: 289, // 453152 / 1568
      n_inputs: 1,
      cin: 16,
      in_h: 14,
      in_w: 14,
      kernel: 3,
      stride: 2,
      pad: 0.5,
      cout: 32,
      groups: 1,
      is_max: 0,
      is_global: 0,
      out_h: 7,
      out_w: 7,
      cin_odd: 0, // 16 and 32 are whole multiples of 8
      cout_odd: 0,
    },
  );
  for (const name of [...BASE_FEATURES.conv.map((b) => b.name), ...SPECIAL_FEATURES, ...GENERIC_FEATURES.map((b) => b.name)]) {
    assert.ok(Number.isFinite(f.values[name]), `feature ${name}`);
  }
});

test('pwconv, gap, fc and add: the type-specific features', () => {
  const pw = layerFeatures(at({ ...io, op: 'pwconv', out: 24, bias: false }, [8, 5, 5]));
  assert.deepEqual([pw.type, pw.values.kernel, pw.values.stride, pw.values.pad, pw.values.cout, pw.values.out_h], ['conv', 1, 1, 0, 24, 5]);
  const gap = layerFeatures(at({ ...io, op: 'gap' }, [64, 7, 7]));
  assert.deepEqual([gap.type, gap.values.kernel, gap.values.stride, gap.values.is_global, gap.values.is_max, gap.values.out_h], ['pool', 7, 7, 1, 0, 1]);
  const mp = layerFeatures(at({ ...io, op: 'maxpool', kernel: 2, stride: 2, pad: 0 }, [8, 6, 6]));
  assert.deepEqual([mp.values.is_max, mp.values.out_h, mp.values.ops_per_elem], [1, 3, 4]);
  const fc = layerFeatures(at({ ...io, op: 'fc', out: 10, bias: true }, [256]));
  // flops 2*2560 + 10 = 5130; bytes (256 + 10) * 4 + (2560 + 10) * 4 = 1064 + 10280 = 11344
  assert.deepEqual([fc.type, fc.values.cin, fc.values.cout, fc.values.flops, fc.values.bytes, fc.values.in_h], ['fc', 256, 10, 5130, 11344, 1]);
  const fc3 = layerFeatures(at({ ...io, op: 'fc', out: 10, bias: true }, [16, 4, 4]));
  assert.equal(fc3.values.cin, 256, 'an fc on a feature map reads it flattened');
  const add = layerFeatures(at({ name: 'l', inputs: ['input', 'input1'], op: 'add' }, [8, 4, 4], [8, 4, 4]));
  assert.deepEqual([add.type, add.values.n_inputs, add.values.in_elems, add.values.out_elems, add.values.ops_per_elem], ['other', 2, 256, 128, 1]);
});

test('a LUT row config gives the same features as the analyzed layer', () => {
  const layers: [Layer, Shape[]][] = [
    [{ ...io, op: 'conv', out: 32, kernel: 5, stride: 1, pad: 2, groups: 2, bias: false }, [[16, 20, 20]]],
    [{ ...io, op: 'dwconv', kernel: 3, stride: 2, pad: 'same', bias: false }, [[96, 28, 28]]],
    [{ ...io, op: 'avgpool', kernel: 3, stride: 2, pad: 'valid' }, [[16, 9, 9]]],
    [{ name: 'l', inputs: ['input', 'input1'], op: 'concat' }, [[8, 4, 4], [16, 4, 4]]],
    [{ ...io, op: 'softmax' }, [[1000]]],
  ];
  for (const [layer, shapes] of layers) {
    const a = analyzeLayer(layer, shapes);
    const fromConfig = configFeatures(layer.op, layerConfig(a, 4));
    assert.deepEqual(fromConfig, layerFeatures(a, 4), layerKey(a, 4));
  }
});

test('configs that are not a layer, lack a field or do not fit their input are LUT_INVALID', () => {
  const invalid = (fn: () => unknown, re: RegExp): void => assert.throws(fn, (e: unknown) => e instanceof LabbenchError && e.code === 'LUT_INVALID' && re.test(e.message));
  invalid(() => layerFromConfig('mbconv', { inputs: [[3, 8, 8]] }), /not a single-layer op/);
  invalid(() => layerFromConfig('conv', { out: 8, stride: 1, pad: 1, inputs: [[3, 8, 8]] }), /kernel/);
  invalid(() => layerFromConfig('relu', { inputs: [[3, -8, 8]] }), /positive integers/);
  invalid(() => layerFromConfig('relu', { inputs: 'x' }), /inputs/);
  invalid(() => layerFromConfig('maxpool', { kernel: 9, stride: 1, pad: 0, inputs: [[3, 4, 4]] }), /no output/);
  invalid(() => layerFromConfig('conv', { out: 8, kernel: 3, stride: 1, pad: 'half', inputs: [[3, 8, 8]] }), /pad/);
});
