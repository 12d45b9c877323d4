import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalHash, canonicalJson, sha256Hex } from './canonical-json.js';

test('canonicalJson sorts keys at every depth, drops undefined members and has no whitespace', () => {
  const a = canonicalJson({ b: 1, a: { d: [1, 'x', { z: null, y: true }], c: undefined }, e: 'é' });
  assert.equal(a, '{"a":{"d":[1,"x",{"y":true,"z":null}]},"b":1,"e":"é"}');
  assert.equal(canonicalJson({ a: 1, b: undefined }), canonicalJson({ a: 1 }));
  assert.equal(canonicalJson([undefined]), '[null]');
});

test('canonicalJson matches RFC 8785 number and key ordering on the values we write', () => {
  assert.equal(canonicalJson({ '\u00e9': 1, z: 2, A: 3, _: 4 }), '{"A":3,"_":4,"z":2,"é":1}');
  assert.equal(canonicalJson([0.1, 5, 1e21, 1e-7, -0]), '[0.1,5,1e+21,1e-7,0]');
});

test('canonicalJson rejects values that have no JSON form', () => {
  assert.throws(() => canonicalJson({ a: Number.NaN }), /\$\.a is NaN/);
  assert.throws(() => canonicalJson({ a: Infinity }), TypeError);
  assert.throws(() => canonicalJson(new Map()), /not a plain object/);
  assert.throws(() => canonicalJson(undefined), TypeError);
});

test('canonicalHash is the sha256 prefix of the canonical text, independent of key order', () => {
  assert.equal(canonicalHash({ y: 1, x: 2 }), canonicalHash({ x: 2, y: 1 }));
  assert.equal(canonicalHash({ x: 2 }), sha256Hex('{"x":2}').slice(0, 16));
  assert.equal(sha256Hex('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});
