/**
 * The Single-Path NAS space's LUT as a grid: one row per searchable layer, one column per
 * choice (kernel x expansion, or skip), from the canonical keys of app/workloads/spnas-keys.ts
 * (`mbconv L3 k5 e6 ...`, `spnas-skip L3 ...`).
 */
import type { LutEntry } from '../../../app/api/lut.js';

export interface LutGrid {
  readonly layers: readonly number[];
  readonly options: readonly string[];
  /** median ms by `${layer}|${option}`. */
  readonly cells: ReadonlyMap<string, number>;
  readonly min: number;
  readonly max: number;
}

const MBCONV = /^mbconv L(\d+) k(\d+) e(\d+)\b/;
const SKIP = /^spnas-skip L(\d+)\b/;

export function lutGrid(entries: readonly LutEntry[]): LutGrid | undefined {
  const cells = new Map<string, number>();
  const layers = new Set<number>();
  const options = new Set<string>();
  for (const e of entries) {
    const m = MBCONV.exec(e.key);
    const s = m ? undefined : SKIP.exec(e.key);
    if (!m && !s) continue;
    const layer = Number((m ?? s)![1]);
    const option = m ? `k${m[2]}e${m[3]}` : 'skip';
    layers.add(layer);
    options.add(option);
    cells.set(`${layer}|${option}`, e.median_ms);
  }
  if (!cells.size) return undefined;
  const values = [...cells.values()].filter((v) => v > 0);
  const order = (o: string): string => (o === 'skip' ? 'z' : o);
  return {
    layers: [...layers].sort((a, b) => a - b),
    options: [...options].sort((a, b) => order(a).localeCompare(order(b), 'en', { numeric: true })),
    cells,
    min: Math.min(...values),
    max: Math.max(...values),
  };
}
