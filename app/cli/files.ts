/** Files the CLI reads and writes for a user: one error for an unreadable input, one atomic write. */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { LabbenchError } from '../api/errors.js';

/** A file named on the command line, as text; BAD_INPUT naming it when it cannot be read. */
export function readInputFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new LabbenchError('BAD_INPUT', `${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/** Written beside the target and renamed, so a crash never leaves half a file under its name. */
export function writeFileAtomic(path: string, text: string): void {
  const tmp = `${path}.partial-${process.pid}`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
