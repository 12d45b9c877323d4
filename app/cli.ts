/**
 * Entry point of the `labbench` command (bin/labbench.js loads it). Thin: wires process
 * streams, SIGINT and the exit status to runCli.
 */
import { runCli } from './cli/program.js';

const controller = new AbortController();
let interrupted = false;
process.on('SIGINT', () => {
  // First Ctrl-C: stop after the current run, keep what was measured. Second: leave now.
  if (interrupted) process.exit(130);
  interrupted = true;
  process.stderr.write('\nlabbench: stopping; measured units are kept (Ctrl-C again to quit at once)\n');
  controller.abort();
});

const status = await runCli(process.argv.slice(2), { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) }, controller.signal);
process.exitCode = status;
// Done: a socket or timer a device left open (an adb connection, a meter's poll) must not keep
// the command alive. The grace period lets a large --json document drain into its pipe first.
setTimeout(() => process.exit(status), 1000).unref();
