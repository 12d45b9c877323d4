/** Fitted models per device: saved whole (one transaction), read back newest first. */
import type { DbContext } from './db-context.js';

export interface StoredModel {
  readonly id: number;
  readonly device_id: number;
  readonly kind: string;
  readonly created_at: string;
  readonly model: Readonly<Record<string, unknown>>;
}

export function saveModel(ctx: DbContext, deviceId: number, kind: string, model: Readonly<Record<string, unknown>>): StoredModel {
  const created_at = ctx.now();
  const id = Number(
    ctx.db.prepare<[number, string, string, string]>('INSERT INTO models (device_id, kind, created_at, model) VALUES (?, ?, ?, ?)').run(deviceId, kind, created_at, JSON.stringify(model))
      .lastInsertRowid,
  );
  return { id, device_id: deviceId, kind, created_at, model };
}

export function latestModel(ctx: DbContext, deviceId: number, kind: string): StoredModel | undefined {
  const row = ctx.db
    .prepare<[number, string], { id: number; device_id: number; kind: string; created_at: string; model: string }>(
      'SELECT id, device_id, kind, created_at, model FROM models WHERE device_id = ? AND kind = ? ORDER BY id DESC LIMIT 1',
    )
    .get(deviceId, kind);
  return row ? { ...row, model: JSON.parse(row.model) as Record<string, unknown> } : undefined;
}
