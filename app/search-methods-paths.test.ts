/**
 * A search method that is not one of the built-in three goes through every generic door with
 * nothing but its descriptor: the server's `search.methods` and `jobs.start` (its UI schema,
 * BAD_INPUT naming the field or listing the kinds), the service's `runSearch`, a DB row of
 * its kind (migration 0120 dropped the list of kinds) and a CLI command built from its fields.
 * The method is the test's own (a list lent to the service, the server and the CLI); its run
 * does trivial work and stores one point.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { z } from 'zod';
import { whole } from './api/parse.js';
import type { SearchMethodInfo, SearchRequestSpec } from './api/search-method.js';
import type { JobInfo } from './ipc/protocol.js';
import { LocalLabService } from './lab-service.js';
import { LabBackend } from './server/backend.js';
import { runCli } from './cli/program.js';
import { registerSearchMethods } from './cli/commands/search-methods.js';
import { SEARCH_METHODS } from './search-methods.js';
import { withSearchRun, type SearchMethodDescriptor, type SearchTypesOf } from './search-run.js';

const tallySchema = z.object({ count: whole(1), label: z.string().min(1).max(20).optional(), outDir: z.string().min(1).optional() }).strict();

const TALLY_REQUEST: SearchRequestSpec<'tally', typeof tallySchema> = {
  kind: 'tally',
  title: 'Tally',
  description: 'counts to twice --count (a test method)',
  schema: tallySchema,
  fields: {
    count: { label: 'Count', help: 'how far', arg: 'n', initial: 2 },
    label: { label: 'Label', help: 'a name for the run', arg: 'name' },
    outDir: { label: 'Output folder', help: 'a host path no UI may set', flag: 'out', arg: 'dir', ui: 'never' },
  },
};

const tally: SearchMethodDescriptor<'tally', SearchTypesOf<typeof tallySchema, { run_id: number; total: number; label: string | null }>> = {
  request: TALLY_REQUEST,
  run: (ctx, req, hooks) =>
    withSearchRun(ctx.db, 'tally', req, hooks, async (run) => {
      run.progress({ phase: 'count', epoch: 1, epochs: 1 });
      return { run_id: run.id, total: req.count * 2, label: req.label ?? null };
    }),
};

const METHODS: readonly SearchMethodDescriptor[] = [...SEARCH_METHODS, tally];

async function bad(p: Promise<unknown>): Promise<string> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  assert.ok(e instanceof Error && (e as { code?: string }).code === 'BAD_INPUT', `BAD_INPUT, got ${String(e)}`);
  return e.message;
}

test('a method beside the built-in ones: described, started as a job, checked by its schema, stored under its kind', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'labbench-methods-'));
  const backend = new LabBackend(new LocalLabService(join(dir, 'p.db'), METHODS), { watchPhones: false });
  t.after(async () => {
    await backend.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const call = async (method: string, params: unknown): Promise<unknown> => {
    const r = await backend.call(method, params);
    if (!r.ok) throw Object.assign(new Error(r.error.message), { code: r.error.code });
    return r.value;
  };

  const methods = (await call('search.methods', {})) as SearchMethodInfo[];
  assert.deepEqual(methods.map((m) => m.kind), ['nas', 'prune', 'quantize', 'tally']);
  assert.deepEqual(methods[3]!.fields.map((f) => [f.key, f.type, f.required]), [['count', 'int', true], ['label', 'string', false]], 'its fields, no host path');

  assert.match(await bad(call('jobs.start', { kind: 'tally', request: { count: 0 } })), /^jobs\.start: request\.count: /);
  assert.match(await bad(call('jobs.start', { kind: 'tally', request: { count: 2, outDir: '/tmp/x' } })), /outDir/);
  assert.match(await bad(call('jobs.start', { kind: 'tallies', request: { count: 2 } })), /'nas' \| 'prune' \| 'quantize' \| 'tally'/);
  assert.deepEqual(await call('search.list', {}), [], 'a refused job stores nothing');

  const events: JobInfo[] = [];
  backend.onEvent((e) => e.type === 'job' && events.push(e.job));
  const job = (await call('jobs.start', { kind: 'tally', request: { count: 3, label: 'ui' } })) as JobInfo;
  assert.equal(job.kind, 'tally');
  const deadline = Date.now() + 5000;
  while (!events.some((e) => e.id === job.id && e.status !== 'running') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  const last = events.filter((e) => e.id === job.id).at(-1)!;
  assert.equal(last.status, 'done', JSON.stringify(last.error));
  assert.deepEqual(last.result, { run_id: 1, total: 6, label: 'ui' });
  assert.ok(events.some((e) => e.id === job.id && e.progress !== undefined && 'point' in e.progress && e.progress.point?.phase === 'count'), 'its stored point reached the job');

  // The service in process: the same schema at its door, the same row.
  const svc = backend.service;
  assert.match(await bad(svc.runSearch('tally', { count: 'three' })), /^tally: count: /);
  assert.match(await bad(svc.runSearch('tallies', { count: 3 })), /no search method 'tallies' \(nas, prune, quantize, tally\)/);
  assert.deepEqual(await svc.runSearch('tally', { count: 1 }), { run_id: 2, total: 2, label: null });
  const runs = await svc.listSearchRuns();
  assert.deepEqual(runs.map((r) => [r.id, r.kind, r.status, r.progress.length, r.params]), [
    [2, 'tally', 'done', 1, { count: 1 }],
    [1, 'tally', 'done', 1, { count: 3, label: 'ui' }],
  ]);
  // The registered list alone does not know it.
  assert.match(await bad(new LocalLabService(join(dir, 'p.db')).runSearch('tally', { count: 1 })), /no search method 'tally'/);
});

test('the CLI: a command per method without a file of its own, options from its fields, --json and a human print', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'labbench-methods-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cli = async (args: string[], methods: readonly SearchMethodDescriptor[] = METHODS): Promise<{ code: number; out: string; err: string }> => {
    let out = '';
    let err = '';
    const code = await runCli(['--db', join(dir, 'p.db'), ...args], { stdout: (s) => (out += s), stderr: (s) => (err += s) }, undefined, { methods });
    return { code, out, err };
  };
  const help = await cli(['tally', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.out, /counts to twice --count/);
  assert.match(help.out, /--count <n>\s+how far/);
  assert.match(help.out, /--out <dir>/, 'a host path is the CLI\'s to give');

  const json = await cli(['--json', 'tally', '--count', '4', '--label', 'cli']);
  assert.equal(json.code, 0, json.err);
  assert.deepEqual(JSON.parse(json.out), { run_id: 1, total: 8, label: 'cli' });
  const human = await cli(['tally', '--count', '2']);
  assert.equal(human.code, 0, human.err);
  assert.equal(human.out, 'run_id: 2\ntotal: 4\nlabel: null\n');

  const word = await cli(['tally', '--count', 'x']);
  assert.equal(word.code, 2);
  assert.match(word.err, /--count must be a whole number, got 'x'/);
  const zero = await cli(['tally', '--count', '0']);
  assert.equal(zero.code, 2, 'the schema at the service door');
  assert.match(zero.err, /tally: count: /);
  assert.equal((await cli(['tally', '--count', '1'], SEARCH_METHODS)).code, 2, 'no command for a method that is not listed');

  // nas, prune and quantize keep their own files; a method named as another command is refused at once.
  const program = new Command('labbench');
  program.command('lut').description('LUTs');
  const ctx = { io: { stdout: () => undefined, stderr: () => undefined }, svc: () => assert.fail(), emit: () => undefined, setStatus: () => undefined };
  assert.throws(() => registerSearchMethods(program, { ...ctx, methods: [{ ...tally, request: { ...TALLY_REQUEST, kind: 'lut' } } as SearchMethodDescriptor] }), /search method 'lut' has the name of the command 'lut'/);
  // A method that says it has a command file of its own, where none is registered, is refused too.
  assert.throws(() => registerSearchMethods(program, { ...ctx, methods: [{ ...tally, request: { ...TALLY_REQUEST, ownCommand: true } } as SearchMethodDescriptor] }), /search method 'tally' has a command file of its own/);
  registerSearchMethods(program, { ...ctx, methods: [{ ...tally, request: { ...TALLY_REQUEST, kind: 'lut', ownCommand: true } } as SearchMethodDescriptor] });
});
