/** Test helpers for profiles-db: temp folders, a DB dump through a second connection, stats. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import Database from 'better-sqlite3';
import type { DeviceFingerprint, LatencyStats } from '../../app/api/lut.js';
import { ms } from '../../app/api/units.js';

/** A fresh folder, removed when the test file ends. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'labbench-profiles-db-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Every row of every table (and the schema version) as JSON text, read through a separate
 * read-only connection: equal dumps mean byte-identical data. Rows are sorted by their JSON,
 * so the dump does not depend on the scan order.
 */
export function dumpDb(path: string, where?: { table: string; sql: string }[]): string {
  const db = new Database(path, { readonly: true });
  try {
    const tables = db.prepare<[], { name: string }>("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all();
    const out: Record<string, unknown> = { user_version: db.pragma('user_version', { simple: true }) };
    for (const { name } of tables) {
      const filter = where?.find((w) => w.table === name)?.sql;
      if (where && !filter) continue;
      const rows = db.prepare<[], Record<string, unknown>>(`SELECT * FROM "${name}"${filter ? ` WHERE ${filter}` : ''}`).all();
      out[name] = rows.map((r) => JSON.stringify(r)).sort();
    }
    return JSON.stringify(out, null, 1);
  } finally {
    db.close();
  }
}

export function countRows(path: string, table: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM "${table}"`).get()!.n;
  } finally {
    db.close();
  }
}

/** Median, range as the interval, MAD: enough for rows that satisfy the schema's checks. */
export function statsOf(samples: readonly number[]): LatencyStats {
  const s = [...samples].sort((a, b) => a - b);
  const med = (xs: number[]): number => {
    const m = xs.length >> 1;
    return xs.length % 2 ? xs[m]! : (xs[m - 1]! + xs[m]!) / 2;
  };
  const median = med(s);
  const mad = med(s.map((x) => Math.abs(x - median)).sort((a, b) => a - b));
  return { n: s.length, median_ms: ms(median), ci_low_ms: ms(s[0]!), ci_high_ms: ms(s[s.length - 1]!), mad_ms: ms(mad), min_ms: ms(s[0]!), max_ms: ms(s[s.length - 1]!) };
}

export function cpuFingerprint(extra: Record<string, string | number | boolean | null | undefined> = {}): DeviceFingerprint {
  return { kind: 'local-cpu', emulated: false, cpu_model: 'Test CPU 3000', cores: 8, runtime: 'onnxruntime-node', runtime_version: '1.30.0', threads: 1, ...extra };
}

export const SETTINGS = { runs: 20, warmup: 5, threads: 1, graph_optimization: 'disabled', resolution: null } as const;

export function unit(i: number): { key: string; op: string; config: Record<string, unknown>; layers: string[] } {
  return { key: `conv k3 s1 p1 g1 b1 ${i}x8x8>16`, op: 'conv', config: { kernel: 3, stride: 1, cin: i, cout: 16, input: [i, 8, 8] }, layers: [`conv${i}`, `conv${i}_copy`] };
}
