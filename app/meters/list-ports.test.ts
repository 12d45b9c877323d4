import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listSerialPorts, listSerialPortsDetailed } from './list-ports.js';

test('SerialPort.list() failing (no udevadm) gives /dev entries and a note, not an error', async () => {
  const dev = mkdtempSync(join(tmpdir(), 'labbench-dev-'));
  try {
    for (const n of ['ttyUSB0', 'ttyACM3', 'rfcomm0', 'ttyS0', 'null']) writeFileSync(join(dev, n), '');
    const failing = async (): Promise<never> => {
      throw new Error('spawn udevadm ENOENT');
    };
    const d = await listSerialPortsDetailed({ list: failing, devDir: dev });
    assert.match(d.note ?? '', /spawn udevadm ENOENT/);
    assert.deepEqual(d.ports.map((p) => p.path), ['ttyACM3', 'ttyUSB0', 'rfcomm0'].sort().map((n) => join(dev, n)));
    const flat = await listSerialPorts({ list: failing, devDir: dev });
    assert.ok(flat.every((p) => /udevadm/.test(p.note ?? '')));
    assert.match(flat.find((p) => p.path.endsWith('rfcomm0'))?.note ?? '', /Bluetooth SPP/);
    assert.deepEqual(await listSerialPorts({ list: failing, devDir: join(dev, 'absent') }), []);
  } finally {
    rmSync(dev, { recursive: true, force: true });
  }
});

test('entries from SerialPort.list() keep their USB identity; /dev adds the rest', async () => {
  const dev = mkdtempSync(join(tmpdir(), 'labbench-dev-'));
  try {
    writeFileSync(join(dev, 'ttyACM0'), '');
    writeFileSync(join(dev, 'ttyUSB1'), '');
    const ports = await listSerialPorts({
      list: async () => [{ path: join(dev, 'ttyACM0'), manufacturer: 'Nordic Semiconductor', vendorId: '1915', productId: 'c00a' }],
      devDir: dev,
    });
    assert.equal(ports.length, 2);
    assert.equal(ports[0]?.manufacturer, 'Nordic Semiconductor');
    assert.match(ports[0]?.note ?? '', /PPK2/);
    assert.equal(ports[1]?.note, `found in ${dev}`);
  } finally {
    rmSync(dev, { recursive: true, force: true });
  }
});

test('on this machine: never throws', async () => {
  assert.ok(Array.isArray(await listSerialPorts()));
});
