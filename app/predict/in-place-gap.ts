/**
 * What running inside a network does to a layer's time, as a model fitted from rows of
 * (op, isolated time, in-network time, weight bytes): a factor per op on the isolated time
 * (InNetworkGap), and the evicted-weights floor (EvictedWeights) for layers whose weights
 * stay cached when looped alone but not inside their network. `fitInPlace` fits both from
 * the rows; learn-gap.ts draws the rows from a device's runs, device-predict.ts applies the
 * result with `inPlaceMs`.
 */

/**
 * What running inside a network does to a layer, learned from networks whose end-to-end runs
 * timed every operator (`RunRecord.in_network`): per op, the sum of its layers' in-network
 * times over the sum of their isolated LUT medians (a ratio of sums, so that the layers that
 * dominate a network dominate the factor), and the executor's own cost between operators as
 * a factor on the in-network sum. A prediction is residual x sum over layers of their time
 * in place (inPlaceMs: factor(op) x T, and the evicted-weights term, EvictedWeights). Why
 * per op: in place, a layer reads inputs its producer just wrote and weights other layers
 * evicted, so one factor on the sum fits only networks with the training networks' mix.
 * The factors measured on this CPU: docs/decisions/0004-in-network-gap-per-op.md.
 */
export interface InNetworkGap {
  readonly ops: Readonly<Record<string, { readonly factor: number; readonly parts: number }>>;
  /** In-network over isolated over every training part: for an op with too few parts. */
  readonly default_factor: number;
  /** Median over runs of end-to-end median / in-network total (inNetworkTotal). */
  readonly residual: number;
  readonly runs: number;
  /** Weights a layer keeps in cache when looped alone and loses inside its network (absent: none found, or older files). */
  readonly evicted?: EvictedWeights;
}

/**
 * Looped alone, a layer whose weights fit in the cache reads them from there every run;
 * inside a network, the other layers' weights pass through between two of its uses and
 * evict them when they do not fit beside it. Then it reads them from memory, and its time
 * in place grows with its weight bytes, not with its time alone; a per-op factor cannot
 * tell such layers from the others of their op.
 * For a layer of w weight bytes with w <= cache_bytes < (network weight bytes - w), the time
 * in place is at least ms_per_byte x w: the weights read from memory. A layer that computes
 * longer than that hides the reads, one that does not waits for them. Both numbers are
 * learned from the training runs. Why a floor and not an added term, with the bench DBs it
 * was measured on: docs/decisions/0005-evicted-weights-floor.md.
 */
export interface EvictedWeights {
  readonly cache_bytes: number;
  readonly ms_per_byte: number;
  /** Training parts the term applied to. */
  readonly parts: number;
  /**
   * `floor`: the time in place is at least ms_per_byte x w (reading the weights from memory),
   * so a layer already slower than that loses nothing. Absent (older files): added to it.
   */
  readonly form?: 'floor';
}

/** One part of a training network: its op, isolated and in-network times (ms). */
export interface GapRow {
  readonly op: string;
  readonly iso: number;
  readonly inNet: number;
  /** Weight bytes of the part, and of its whole network. */
  readonly w: number;
  readonly total: number;
}

type InPlaceModel = Pick<InNetworkGap, 'ops' | 'default_factor' | 'evicted'>;
type OpFactors = Pick<InNetworkGap, 'ops' | 'default_factor'>;

/** Fewest in-network parts of an op for a factor of its own. */
export const MIN_GAP_PARTS = 3;

/** Cache sizes tried for the evicted-weights term: 1 MB to 64 MB in steps of 2^(1/2). */
const CACHE_GRID = Array.from({ length: 13 }, (_, i) => 2 ** (20 + i / 2));
/** Costs per evicted byte tried: weights read from memory at 1 to 100 GB/s, in steps of 10^(1/16). */
const PER_BYTE_GRID = Array.from({ length: 33 }, (_, i) => 1e-6 / 10 ** (i / 16));

/** Weight bytes that count as evicted for a layer (or part) of `w` bytes in a network of `total` (0 when they stay cached or never were). */
export function evictedBytes(e: EvictedWeights | undefined, w: number, total: number): number {
  return e && w > 0 && w <= e.cache_bytes && total - w > e.cache_bytes ? w : 0;
}

/** A layer's (or part's) time in place: its isolated time x its op's factor, and the evicted-weights term. */
export function inPlaceMs(gap: InPlaceModel, op: string, iso: number, w: number, total: number): number {
  const t = iso * inPlaceFactor(gap, op);
  const e = gap.evicted;
  const bytes = evictedBytes(e, w, total);
  if (!e || bytes === 0) return t;
  return e.form === 'floor' ? Math.max(t, e.ms_per_byte * bytes) : t + e.ms_per_byte * bytes;
}

/** A layer's time in place: its isolated (LUT or model) time times its op's in-network factor. */
function inPlaceFactor(gap: OpFactors, op: string): number {
  return gap.ops[op]?.factor ?? gap.default_factor;
}

/** Per-op factors as a ratio of sums, on the in-network times less `extra` (what another term explains). */
function opFactors(rows: readonly GapRow[], extra: (r: GapRow) => number): OpFactors {
  const perOp = new Map<string, { iso: number; inNet: number; parts: number }>();
  for (const r of rows) {
    const o = perOp.get(r.op) ?? perOp.set(r.op, { iso: 0, inNet: 0, parts: 0 }).get(r.op)!;
    o.iso += r.iso;
    o.inNet += r.inNet - extra(r);
    o.parts++;
  }
  const all = [...perOp.values()].reduce((a, o) => ({ iso: a.iso + o.iso, inNet: a.inNet + o.inNet }), { iso: 0, inNet: 0 });
  const ops: Record<string, { factor: number; parts: number }> = {};
  for (const [op, o] of perOp) if (o.parts >= MIN_GAP_PARTS && o.iso > 0) ops[op] = { factor: o.inNet / o.iso, parts: o.parts };
  return { ops, default_factor: all.iso > 0 ? all.inNet / all.iso : 1 };
}

/**
 * Per-op factors (ratio of sums) and the evicted-weights term: for each cache size and cost
 * per byte on their grids, the factors on what the term leaves; the pair with the smallest
 * squared relative error over the parts wins, and no term at all unless it beats factors
 * alone.
 */
export function fitInPlace(rows: readonly GapRow[]): InPlaceModel {
  const error = (g: InPlaceModel): number =>
    rows.reduce((s, r) => (r.inNet > 0 ? s + ((inPlaceMs(g, r.op, r.iso, r.w, r.total) - r.inNet) / r.inNet) ** 2 : s), 0);
  const alone = opFactors(rows, () => 0);
  let best: InPlaceModel = alone;
  let bestError = error(best);
  for (const cache of CACHE_GRID) {
    const probe = { cache_bytes: cache, ms_per_byte: 0, parts: 0 };
    const hit = rows.filter((r) => evictedBytes(probe, r.w, r.total) > 0).length;
    if (hit < MIN_GAP_PARTS) continue;
    for (const perByte of PER_BYTE_GRID) {
      const e: EvictedWeights = { cache_bytes: cache, ms_per_byte: perByte, parts: hit, form: 'floor' };
      // Factors on what the floor leaves, a few rounds (the floor binds where the factor leaves a part under it).
      let factors = alone;
      for (let i = 0; i < 4; i++) {
        const f = factors;
        factors = opFactors(rows, (r) => inPlaceMs({ ...f, evicted: e }, r.op, r.iso, r.w, r.total) - r.iso * inPlaceFactor(f, r.op));
      }
      const candidate = { ...factors, evicted: e };
      const ce = error(candidate);
      if (ce < bestError) {
        best = candidate;
        bestError = ce;
      }
    }
  }
  return best;
}
