/**
 * The `labbench` command line (DESIGN.md's contract): every command takes `--db` and
 * `--json`; with `--json` stdout carries exactly one JSON document, progress goes to stderr.
 * Exit status: 0 ok, 2 bad input, 1 device or machine failure, 130 cancelled. Each command is a
 * file of its own in commands/, listed in commands/index.ts.
 */
import { Command, CommanderError } from 'commander';
import { LabbenchError, exitCodeFor, serializeError } from '../api/errors.js';
import type { LocalLabService } from '../lab-service.js';
import { adbServerAddress, adbServerSocket } from '../devices/adb/adb-server-address.js';
import { COMMANDS } from './commands/index.js';
import type { CliContext, CliIo, GlobalOpts } from './context.js';
import type { SearchMethodDescriptor } from '../search-run.js';

export type { CliIo } from './context.js';

/**
 * Runs one command line; resolves to the exit status instead of exiting, so tests can call it.
 * `methods`: the search methods the service runs and the CLI has commands for (a test's own).
 */
export async function runCli(argv: readonly string[], io: CliIo, signal?: AbortSignal, opts: { methods?: readonly SearchMethodDescriptor[] } = {}): Promise<number> {
  let json = argv.includes('--json');
  /** A command that ends with a status of its own (several devices, some failed) sets it here. */
  let status = 0;
  let service: LocalLabService | undefined;
  /** The service's module, loaded before an action runs (below): help and refused input never load it. */
  let lab: typeof import('../lab-service.js') | undefined;
  const savedSocket = process.env.ADB_SERVER_SOCKET;
  const svc = (cmd: Command): LocalLabService => {
    const g = cmd.optsWithGlobals<GlobalOpts>();
    json = Boolean(g.json);
    if (!lab) throw new Error('the service is used outside a command action');
    service ??= new lab.LocalLabService(g.db ?? lab.defaultDbPath(), opts.methods);
    return service;
  };
  const emit = (cmd: Command, value: unknown, human: string): void => {
    io.stdout(cmd.optsWithGlobals<GlobalOpts>().json ? `${JSON.stringify(value, null, 2)}\n` : `${human}\n`);
  };

  const program = new Command('labbench')
    .description('A lab bench for hardware-aware ML: per-layer latency LUTs, prediction, NAS and pruning')
    .option('--db <path>', 'profiles DB (default $LABBENCH_DB or ~/.labbench/profiles.db)')
    .option('--json', 'print one JSON document on stdout')
    .option('-H, --adb-host <host>', 'adb server host, as adb -H (default $ADB_SERVER_SOCKET, $ANDROID_ADB_SERVER_ADDRESS, localhost): a phone farm\'s server')
    .option('-P, --adb-port <port>', 'adb server port, as adb -P (default $ANDROID_ADB_SERVER_PORT or 5037)')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError(false);

  // -H/-P name the adb server for everything this command does (phones, meters on phones, the
  // server's watcher), as adb's own flags do: they override the environment, for this command only.
  program.hook('preAction', (_program, action) => {
    const g = action.optsWithGlobals<GlobalOpts>();
    if (g.adbHost === undefined && g.adbPort === undefined) return;
    process.env.ADB_SERVER_SOCKET = adbServerSocket(adbServerAddress(process.env, { ...(g.adbHost !== undefined ? { host: g.adbHost } : {}), ...(g.adbPort !== undefined ? { port: g.adbPort } : {}) }));
  });
  // Every action may call svc, which stays synchronous for the command files; parseAsync awaits this hook.
  program.hook('preAction', async () => {
    lab ??= await import('../lab-service.js');
  });

  const ctx: CliContext = {
    io,
    ...(signal ? { signal } : {}),
    svc,
    emit,
    setStatus: (s) => (status = s),
    ...(opts.methods ? { methods: opts.methods } : {}),
  };
  for (const register of COMMANDS) register(program, ctx);

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return status;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version are not errors; everything else commander rejects is a usage error.
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.help' || e.code === 'commander.version') return 0;
      return 2;
    }
    const err = e instanceof Error && 'cause' in e && e.cause instanceof LabbenchError && !(e instanceof LabbenchError) ? e.cause : e;
    const code = exitCodeFor(err);
    io.stderr(`labbench: ${serializeError(err).message}\n`);
    if (json) io.stdout(`${JSON.stringify({ error: serializeError(err) }, null, 2)}\n`);
    if (!(err instanceof LabbenchError) && err instanceof Error && err.stack && process.env.LABBENCH_DEBUG) io.stderr(`${err.stack}\n`);
    return code;
  } finally {
    service?.close();
    if (savedSocket === undefined) delete process.env.ADB_SERVER_SOCKET;
    else process.env.ADB_SERVER_SOCKET = savedSocket;
  }
}
