/**
 * Which adb server: the order adb's own client uses (flags, then ADB_SERVER_SOCKET, then
 * ANDROID_ADB_SERVER_ADDRESS / _PORT), and malformed values refused with what was wrong.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adbServerAddress, adbServerSocket, formatAdbServer, isLocalAdbServer, parseAdbServerSocket } from './adb-server-address.js';
import { LabbenchError } from '../../api/errors.js';

const badInput = (re: RegExp) => (e: unknown) => e instanceof LabbenchError && e.code === 'BAD_INPUT' && re.test(e.message);

test('nothing set: localhost:5037, a local server', () => {
  const a = adbServerAddress({});
  assert.deepEqual(a, { host: 'localhost', port: 5037, source: 'default' });
  assert.ok(isLocalAdbServer(a));
});

test('ADB_SERVER_SOCKET wins over ANDROID_ADB_SERVER_ADDRESS/PORT; -H/-P win over all of the environment', () => {
  const env = { ADB_SERVER_SOCKET: 'tcp:farm.lab:7000', ANDROID_ADB_SERVER_ADDRESS: 'other', ANDROID_ADB_SERVER_PORT: '6000' };
  assert.deepEqual(adbServerAddress(env), { host: 'farm.lab', port: 7000, source: 'ADB_SERVER_SOCKET' });
  assert.deepEqual(adbServerAddress(env, { host: 'rack2' }), { host: 'rack2', port: 6000, source: '-H/-P' }, '-H alone: the port still from ANDROID_ADB_SERVER_PORT, as adb does');
  assert.deepEqual(adbServerAddress(env, { port: '5038' }), { host: 'other', port: 5038, source: '-H/-P' });
  assert.deepEqual(adbServerAddress({ ANDROID_ADB_SERVER_PORT: '6001' }), { host: 'localhost', port: 6001, source: 'ANDROID_ADB_SERVER_ADDRESS/PORT' });
  assert.equal(isLocalAdbServer(adbServerAddress(env)), false);
});

test('socket specs: tcp:PORT, tcp:HOST:PORT, bracketed IPv6; loopback in any spelling is local', () => {
  assert.deepEqual(parseAdbServerSocket('tcp:5040'), { host: 'localhost', port: 5040 });
  assert.deepEqual(parseAdbServerSocket('tcp:10.0.0.7:5037'), { host: '10.0.0.7', port: 5037 });
  assert.deepEqual(parseAdbServerSocket('tcp:[fd00::2]:5037'), { host: 'fd00::2', port: 5037 });
  assert.equal(formatAdbServer({ host: 'fd00::2', port: 5037 }), '[fd00::2]:5037');
  assert.equal(adbServerSocket({ host: 'farm', port: 7000 }), 'tcp:farm:7000');
  assert.deepEqual(parseAdbServerSocket(adbServerSocket({ host: 'fd00::2', port: 1 })), { host: 'fd00::2', port: 1 }, 'what adbServerSocket writes reads back');
  for (const h of ['localhost', '127.0.0.1', '127.0.1.1', '::1']) assert.ok(isLocalAdbServer({ host: h }), h);
  for (const h of ['192.0.2.2', 'farm.lab', 'fd00::2']) assert.ok(!isLocalAdbServer({ host: h }), h);
});

test('malformed addresses are refused, saying which value and why', () => {
  assert.throws(() => adbServerAddress({ ADB_SERVER_SOCKET: 'localfilesystem:/tmp/adb' }), badInput(/tcp:PORT or tcp:HOST:PORT.*unix sockets are not supported/));
  assert.throws(() => adbServerAddress({ ADB_SERVER_SOCKET: 'farm:5037' }), badInput(/got 'farm:5037'/));
  assert.throws(() => adbServerAddress({ ADB_SERVER_SOCKET: 'tcp:farm:99999' }), badInput(/ADB_SERVER_SOCKET must be a port between 1 and 65535, got '99999'/));
  assert.throws(() => adbServerAddress({}, { port: 'x' }), badInput(/-P must be a port/));
  assert.throws(() => adbServerAddress({ ANDROID_ADB_SERVER_PORT: '0' }), badInput(/ANDROID_ADB_SERVER_PORT must be a port/));
  assert.throws(() => adbServerAddress({}, { host: '' }), badInput(/host name or address/));
});
