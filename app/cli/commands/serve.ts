/** `serve`: the lab UI and its API for a browser. */
import type { Command } from 'commander';
import { intArg, pick, type CliContext } from '../context.js';

export function registerServe(program: Command, ctx: CliContext): void {
  const { svc, io, signal } = ctx;
  program
    .command('serve')
    .description('the lab UI and its API for a browser (127.0.0.1 by default; every API call needs the printed token)')
    .option('--port <n>', 'port (default 0: a free one)', intArg('--port'))
    .option('--host <address>', 'address to bind (default 127.0.0.1; 0.0.0.0 for other machines of the lab)')
    .option('--allow-host <name...>', 'DNS names the server answers to besides IP addresses and localhost')
    .action(async (o: { port?: number; host?: string; allowHost?: string[] }, cmd: Command) => {
      // Loaded on demand: the server's modules (ws, the UI's method table) slow no other command.
      const { serve } = await import('../../server/serve.js');
      await serve(svc(cmd), { ...pick(o, { port: 'port', host: 'host', allowHost: 'allowHosts' }) }, io, signal);
    });
}
