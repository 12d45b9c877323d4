/** Fitted models per device: saved whole (one transaction), read back newest first. */
import type { DbContext } from './db-context.js';

export interface StoredModel {
  readonly id: number;
  readonly device_id: number;
  readonly kind: string;
  readonly created_at: string;
  readonly model: Readonly<Record<string, unknown>>;
  /** Null for a model fitted here; for an imported one, the file it came from (migration 0110). */
  readonly imported_from: Readonly<Record<string, unknown>> | null;
}

export function saveModel(ctx: DbContext, deviceId: number, kind: string, model: Readonly<Record<string, unknown>>, importedFrom?: Readonly<Record<string, unknown>>): StoredModel {
  const created_at = ctx.now();
  const id = Number(
    ctx.db
      .prepare<[number, string, string, string, string | null]>('INSERT INTO models (device_id, kind, created_at, model, imported_from) VALUES (?, ?, ?, ?, ?)')
      .run(deviceId, kind, created_at, JSON.stringify(model), importedFrom ? JSON.stringify(importedFrom) : null).lastInsertRowid,
  );
  return { id, device_id: deviceId, kind, created_at, model, imported_from: importedFrom ?? null };
}

export function latestModel(ctx: DbContext, deviceId: number, kind: string): StoredModel | undefined {
  const row = ctx.db
    .prepare<[number, string], { id: number; device_id: number; kind: string; created_at: string; model: string; imported_from: string | null }>(
      'SELECT id, device_id, kind, created_at, model, imported_from FROM models WHERE device_id = ? AND kind = ? ORDER BY id DESC LIMIT 1',
    )
    .get(deviceId, kind);
  if (!row) return undefined;
  // Both columns are JSON objects (the table's CHECKs), written by saveModel.
  return { ...row, model: JSON.parse(row.model) as Record<string, unknown>, imported_from: row.imported_from === null ? null : (JSON.parse(row.imported_from) as Record<string, unknown>) };
}
