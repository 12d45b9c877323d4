import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePowerDrawLine } from './decode.js';

// Lines as nvidia-smi prints them with --format=csv,noheader,nounits (power.draw is "%.2f" W;
// [N/A] and [Not Supported] are its placeholders). Written from its documented output, not
// captured on a GPU: this machine has none.
test('power.draw lines: watts, placeholders, garbage', () => {
  assert.deepEqual(parsePowerDrawLine('71.23'), { watts: 71.23 });
  assert.deepEqual(parsePowerDrawLine(' 5.00\r'), { watts: 5 });
  assert.deepEqual(parsePowerDrawLine('[N/A]'), { drop: 'n/a' });
  assert.deepEqual(parsePowerDrawLine('[Not Supported]'), { drop: 'not-supported' });
  assert.deepEqual(parsePowerDrawLine('power.draw [W]'), { drop: 'garbled' });
  assert.deepEqual(parsePowerDrawLine('71.23 W'), { drop: 'garbled' });
  assert.deepEqual(parsePowerDrawLine('-3.0'), { drop: 'garbled' });
  assert.deepEqual(parsePowerDrawLine('99999.00'), { drop: 'implausible' });
  assert.equal(parsePowerDrawLine('   '), undefined);
});
