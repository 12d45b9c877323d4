#!/usr/bin/env node
// Runs the whole suite with Node's own test runner: every *.test.ts under the source folders
// and test/. Node 20's --test takes no globs, so the files are listed here.
// Extra arguments go to node --test (e.g. `npm test -- --test-name-pattern=lut`).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const roots = ['app', 'profiles-db', 'native-runners', 'scripts', 'test'];
const files = [];
function walk(dir) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const e of entries) {
    if (e === 'node_modules' || e.startsWith('.')) continue;
    const p = join(dir, e);
    if (statSync(p).isDirectory()) walk(p);
    else if (e.endsWith('.test.ts')) files.push(p);
  }
}
roots.forEach(walk);
files.sort();
// Types and lint are part of the suite: a red typecheck is a failing test.
const args = process.argv.slice(2);
if (!args.includes('--no-lint')) {
  for (const [label, cmd] of [['typecheck', ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json', '--noEmit']], ['lint', ['node_modules/eslint/bin/eslint.js', '.']]]) {
    const r = spawnSync(process.execPath, cmd, { stdio: 'inherit' });
    if (r.status !== 0) {
      console.error(`${label} failed`);
      process.exit(r.status ?? 1);
    }
  }
}
const only = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const flags = process.argv.slice(2).filter((a) => a.startsWith('-') && a !== '--no-lint');
const chosen = only.length ? files.filter((f) => only.some((o) => f.includes(o))) : files;
// --test-force-exit: a file whose tests have all finished exits even if a handle leaks (one
// was seen once in a full run, a test file idling after passing); a hang would eat CI's time.
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-force-exit', '--test-reporter=spec', ...flags, ...chosen], { stdio: 'inherit' });
process.exit(r.status ?? 1);
