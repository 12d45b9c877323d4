/** Quoting for the phone's POSIX sh: what `adb shell` runs is one command line. */
import { LabbenchError } from '../../api/errors.js';

/** Characters that never need quoting in a POSIX shell word. */
const SAFE = /^[A-Za-z0-9_\-./=:,+@%]+$/;

/**
 * One POSIX sh command line that runs `args` as given: every argument single-quoted (a `'`
 * inside written as `'\''`) unless it is made only of safe characters. The first word is
 * quoted when it holds `=`, which sh would otherwise read as an assignment. NUL bytes cannot
 * be passed to a program, so they are refused.
 */
export function shellQuote(args: readonly string[]): string {
  return args
    .map((a, i) => {
      if (a.includes('\0')) throw new LabbenchError('BAD_INPUT', `shell argument ${i} holds a NUL byte`);
      if (SAFE.test(a) && !(i === 0 && a.includes('='))) return a;
      return `'${a.replace(/'/g, `'\\''`)}'`;
    })
    .join(' ');
}
