/**
 * NAS cost in the bench: Single-Path NAS claims a search costs about as much as training
 * one network. Measured here as the search's wall time over the wall time of training the
 * network it found for the same number of epochs, on the same data and engine, in one run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openProfilesDb } from '../profiles-db/profiles-db.js';
import { runNas } from '../app/search/nas-job.js';
import { pixel1LutPath } from '../test/cli-helpers.js';

export interface NasBench {
  readonly engine: string;
  readonly images: number;
  readonly epochs: number;
  readonly target_ms: number;
  readonly predicted_latency_ms: number;
  readonly search_s: number;
  readonly train_s: number;
  /** search_s / train_s: the goal is at most 1.5. */
  readonly ratio: number;
}

export async function benchNas(quick: boolean): Promise<NasBench> {
  const dir = mkdtempSync(join(tmpdir(), 'labbench-bench-nas-'));
  const db = openProfilesDb(join(dir, 'nas.db'));
  const images = quick ? 1000 : 6000;
  const epochs = quick ? 1 : 2;
  try {
    const r = await runNas(db, { lutFile: pixel1LutPath(), targetMs: 80, data: 'fashion-mnist', limit: images, epochs, trainEpochs: epochs, noBaselines: true, seed: 1 });
    return { engine: r.engine, images, epochs, target_ms: 80, predicted_latency_ms: r.predicted_latency_ms, search_s: r.search_seconds, train_s: r.train_seconds, ratio: r.search_seconds / r.train_seconds };
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatNasBench(b: NasBench): string {
  return (
    `\nSingle-Path NAS on the Pixel 1 LUT (target ${b.target_ms} ms, fashion-mnist, ${b.images} images, ${b.epochs} epoch(s), ${b.engine}): ` +
    `search ${b.search_s.toFixed(1)} s, training the found network (${b.predicted_latency_ms.toFixed(1)} ms) ${b.train_s.toFixed(1)} s: ratio x${b.ratio.toFixed(2)} (goal <= 1.5)`
  );
}
