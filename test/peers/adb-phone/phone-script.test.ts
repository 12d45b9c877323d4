// scripts/phone.ts end to end: it starts an adb server where none runs, connects the phone,
// prints the serial on its own line, and cleans up on SIGINT.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adbCli, freePort, isListening } from './adb-server.js';

test('npm run phone: serial on stdout, device in `adb devices`, clean exit on SIGINT', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'labbench-phone-script-'));
  const adbPort = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/phone.ts', '--time-scale', '0.05', '--seed', '4'], {
    env: { ...process.env, HOME: home, ANDROID_ADB_SERVER_PORT: String(adbPort) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    // If the script died without cleaning up, stop the server it started (by its port).
    if (await isListening(adbPort)) await adbCli(adbPort, home, ['kill-server']);
    rmSync(home, { recursive: true, force: true });
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString('utf8');
  });
  let timer: NodeJS.Timeout | undefined;
  const serial = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString('utf8');
      const line = out.split('\n').find((l, i, all) => i < all.length - 1 && l.trim() !== '');
      if (line) resolve(line.trim());
    });
    child.once('exit', (code) => reject(new Error(`phone script exited (${code}): ${stderr}`)));
    timer = setTimeout(() => reject(new Error(`no serial after 20 s: ${stderr}`)), 20_000);
  }).finally(() => clearTimeout(timer));
  assert.match(serial, /^127\.0\.0\.1:\d+$/);
  const devices = await adbCli(adbPort, home, ['devices']);
  assert.match(devices.stdout, new RegExp(`^${serial.replace(/\./g, '\\.')}\\s+device$`, 'm'));
  const model = await adbCli(adbPort, home, ['-s', serial, 'shell', 'getprop ro.product.model']);
  assert.equal(model.stdout, 'Pixel\n');
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGINT');
  assert.equal(await exited, 0, stderr);
  assert.equal(await isListening(adbPort), false, 'the adb server it started is gone');
  assert.equal(await isListening(Number(serial.split(':')[1])), false, 'the phone is gone');
});
