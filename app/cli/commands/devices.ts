/** `devices` and `devices connect`: the targets this host can profile. */
import type { Command } from 'commander';
import { watchPhones } from '../../devices/adb/phone-watcher.js';
import { createAdbClient } from '../../devices/adb/adb-shell.js';
import { formatDevices } from '../format.js';
import { adbServerAddress, formatAdbServer, isLocalAdbServer } from '../../devices/adb/adb-server-address.js';
import { type GlobalOpts, type CliContext } from '../context.js';

export function registerDevices(program: Command, ctx: CliContext): void {
  const { svc, emit, io, signal } = ctx;
  const devices = program
    .command('devices')
    .description("list profiling targets: this host's CPU ('local'), NVIDIA GPUs, phones the adb server sees")
    .option('--watch', 'then print phones as they come and go (one JSON object a line with --json), until Ctrl-C')
    .action(async (o: { watch?: boolean }, cmd: Command) => {
      const list = await svc(cmd).listDevices();
      const asJson = Boolean(cmd.optsWithGlobals<GlobalOpts>().json);
      if (!o.watch) return emit(cmd, list, formatDevices(list));
      // Watching streams JSON Lines: the list first, then one event a line.
      io.stdout(asJson ? `${JSON.stringify(list)}\n` : `${formatDevices(list)}\n`);
      const server = adbServerAddress();
      const remote = isLocalAdbServer(server) ? undefined : formatAdbServer(server);
      await new Promise<void>((resolve) => {
        const stop = watchPhones(createAdbClient(server), (c) => {
          io.stdout(asJson ? `${JSON.stringify({ event: c.type, id: c.id, state: c.state, at: new Date().toISOString(), ...(remote ? { adb_server: remote } : {}) })}\n` : `${c.type === 'added' ? '+' : '-'} ${c.id} (${c.state}${remote ? `, via adb server ${remote}` : ''})\n`);
        }, signal ? { signal } : {});
        signal?.addEventListener('abort', () => {
          stop();
          resolve();
        }, { once: true });
      });
    });
  devices
    .command('connect')
    .description('join a remote phone with adb connect (phone farms, emulators)')
    .argument('<host:port>')
    .action(async (hostPort: string, _o, cmd: Command) => {
      const phone = await svc(cmd).connectPhone(hostPort);
      emit(cmd, phone, `connected ${phone.id} (${phone.label})`);
    });
}
