/**
 * Progress that moves: a long job reports inside its unit of work. The CLI's bar in a log
 * (not a terminal) prints the first line from inside a step at once and then at most one per
 * interval; each phase's ETA comes from its pace; and `labbench quantize` prints where its
 * training stands before the first epoch ends.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ProgressBar, renderBar } from '../app/cli/progress-bar.js';
import { phaseClock } from '../app/search-run.js';
import { labbench, tempDir } from './cli-helpers.js';
import { openProfilesDb } from '../profiles-db/profiles-db.js';

/** A log file as the bar sees one: not a terminal. */
function logStream(): { out: NodeJS.WriteStream; lines: string[] } {
  const lines: string[] = [];
  const out = { isTTY: false, write: (s: string) => lines.push(...s.split('\n').filter(Boolean)) } as unknown as NodeJS.WriteStream;
  return { out, lines };
}

test('in a log, the bar prints a step at once and lines from inside a step at most every logEverySeconds', () => {
  let now = 0;
  const { out, lines } = logStream();
  const bar = new ProgressBar(out, { logEverySeconds: 10, now: () => now });
  const at = (t: number, done: number, partial: boolean) => {
    now = t * 1000;
    bar.update({ phase: 'units', done, total: 3, current: 'train', eta_s: 30 }, { partial });
  };
  at(0, 0.1, true); // the first partial line of a step: printed
  at(2, 0.2, true); // 2 s later: held back
  at(11, 0.9, true); // 11 s after the last line: printed
  at(12, 1, false); // a step: always printed
  at(13, 1.05, true); // the first partial line after a step: printed
  at(14, 1.1, true); // held back
  assert.deepEqual(lines.map((l) => l.split('] ')[1]), ['0.10/3 eta 30s train', '0.90/3 eta 30s train', '1/3 eta 30s train', '1.05/3 eta 30s train']);
  assert.equal(renderBar({ phase: 'units', done: 1.5, total: 3 }, 10), '[#####-----] 1.50/3 eta --');
});

test("a phase's ETA comes from its own pace since its first point", () => {
  let now = 0;
  const eta = phaseClock(() => now);
  assert.equal(eta({ phase: 'train', epoch: 0.5, epochs: 4 }), undefined, 'no pace yet');
  now = 10_000;
  assert.equal(eta({ phase: 'train', epoch: 1, epochs: 4 }), 60, '0.5 epoch in 10 s: 3 epochs left take 60 s');
  assert.equal(eta({ phase: 'evolve', epoch: 1, epochs: 9 }), undefined, 'another phase starts its own clock');
  now = 14_000;
  assert.equal(eta({ phase: 'evolve', epoch: 3, epochs: 9 }), 12);
});

test('labbench quantize prints its training progress on stderr before the first epoch ends', (t) => {
  const dir = tempDir(t);
  // 600 images in batches of 8: 75 batches an epoch, a report every 20 (or 2 s).
  const r = labbench(['quantize', '--model', 'mnist-1hidden', '--scheme', 'conventional', '--data', 'mnist', '--limit', '600', '--epochs', '1', '--batch-size', '8', '--db', join(dir, 'q.db'), '--json']);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stderr.split('\n').filter((l) => l.includes('train:conventional'));
  const firstEpoch = lines.findIndex((l) => /\] 1\/1 /.test(l));
  const inside = lines.findIndex((l) => /\] 0\.\d\d\/1 eta \d+s train:conventional$/.test(l));
  assert.ok(firstEpoch > 0 && inside >= 0 && inside < firstEpoch, `a line inside the first epoch, with an ETA, before its end:\n${lines.join('\n')}`);
  assert.match(lines[firstEpoch]!, /eta \d+s/, 'the epoch line has the phase ETA too');
  // The DB keeps one point per epoch, none from inside one.
  const db = openProfilesDb(join(dir, 'q.db'));
  t.after(() => db.close());
  assert.deepEqual(db.listSearchRuns('quantize')[0]!.progress.map((p) => p.epoch), [1]);
});
