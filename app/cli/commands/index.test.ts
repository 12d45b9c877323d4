import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COMMANDS } from './index.js';

const here = dirname(fileURLToPath(import.meta.url));

test('every command file in app/cli/commands is registered in COMMANDS, once', async () => {
  const files = readdirSync(here).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && f !== 'index.ts');
  assert.ok(files.length >= 10);
  for (const f of files) {
    const mod = (await import(join(here, f))) as Record<string, unknown>;
    const registers = Object.entries(mod).filter(([name, v]) => name.startsWith('register') && typeof v === 'function');
    assert.equal(registers.length, 1, `${f} exports one register function`);
    assert.equal(COMMANDS.filter((c) => c === registers[0]![1]).length, 1, `${f}: ${registers[0]![0]} is listed once in commands/index.ts`);
  }
  assert.equal(COMMANDS.length, files.length, 'nothing listed that is not a file here');
});
