/**
 * Curves of a pruning or quantization run's result: any list of points that have an accuracy
 * and a cost (FLOPs, latency or energy), whatever the field holding them is called, so the
 * page shows the trade-off each kind of search reports.
 */
export const COSTS = ['flops', 'latency_ms', 'energy_mj', 'params', 'bits'] as const;
export type Cost = (typeof COSTS)[number];

export interface Curve {
  readonly name: string;
  readonly cost: Cost;
  /** Sorted by cost. */
  readonly points: readonly { cost: number; accuracy: number }[];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function tradeoffCurves(result: Readonly<Record<string, unknown>> | undefined): Curve[] {
  if (!result) return [];
  const curves: Curve[] = [];
  for (const [name, value] of Object.entries(result)) {
    if (!Array.isArray(value) || !value.length || !value.every(isRecord)) continue;
    const rows = value as Record<string, unknown>[];
    if (!rows.every((r) => typeof r.accuracy === 'number')) continue;
    for (const cost of COSTS) {
      if (!rows.every((r) => typeof r[cost] === 'number')) continue;
      const points = rows.map((r) => ({ cost: r[cost] as number, accuracy: r.accuracy as number })).sort((a, b) => a.cost - b.cost);
      curves.push({ name, cost, points });
    }
  }
  return curves;
}
