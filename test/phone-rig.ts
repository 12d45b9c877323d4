/**
 * The rig of the phone tests: the real adb server on a port of its own, the emulated phone
 * joined to it through the service's connect (which answers once adb lists the phone as a
 * usable device), a temp folder, and ANDROID_ADB_SERVER_PORT pointing this process at that
 * server, all undone when the test ends. `env` is what a CLI child needs to reach the server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmulatedPhone, type EmulatedPhoneOptions } from './peers/adb-phone/index.js';
import { startAdbServer } from './adb-server.js';
import { LocalLabService } from '../app/lab-service.js';

export interface PhoneRig {
  readonly server: Awaited<ReturnType<typeof startAdbServer>>;
  readonly phone: EmulatedPhone;
  readonly serial: string;
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
}

export async function startPhoneRig(
  t: { after: (fn: () => Promise<void> | void) => void },
  phoneOptions: EmulatedPhoneOptions,
  opts: { prefix?: string; beforeStop?: () => Promise<void> | void } = {},
): Promise<PhoneRig> {
  const server = await startAdbServer();
  const phone = new EmulatedPhone(phoneOptions);
  const serial = `127.0.0.1:${await phone.start()}`;
  const dir = mkdtempSync(join(tmpdir(), opts.prefix ?? 'labbench-phone-'));
  const saved = process.env.ANDROID_ADB_SERVER_PORT;
  process.env.ANDROID_ADB_SERVER_PORT = String(server.port);
  t.after(async () => {
    if (saved === undefined) delete process.env.ANDROID_ADB_SERVER_PORT;
    else process.env.ANDROID_ADB_SERVER_PORT = saved;
    await opts.beforeStop?.();
    await phone.stop();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const joiner = new LocalLabService(join(dir, 'join.db'));
  await joiner.connectPhone(serial);
  joiner.close();
  return { server, phone, serial, dir, env: { ANDROID_ADB_SERVER_PORT: String(server.port) } };
}
