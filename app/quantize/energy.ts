/**
 * Energy of one inference by operation count: each weight of a conv or fc layer is used
 * `uses` times (once per output position), and each use costs, by scheme:
 *   conventional: one multiply and one add;
 *   LightNN-K / FLightNN: one shift per nonzero power-of-two term and one add per term
 *     (K - 1 to combine the shifted copies, one to accumulate); a zero weight costs nothing;
 *   BinaryConnect: one add (a sign flip is free).
 * Every scheme also adds each bias once per output. Data movement is left out: the figure
 * compares arithmetic, as LightNN's own energy comparison does.
 *
 * Per-operation energies (pJ, 45 nm, 32-bit fixed-point operands so every scheme runs in the
 * same arithmetic) come from Horowitz, "Computing's energy problem", ISSCC 2014, table of
 * "Energy per operation": 32-bit int add 0.1 pJ, 32-bit int mult 3.1 pJ. The table has no
 * shifter; a 32-bit barrel shifter is taken to cost as much as a 32-bit adder (0.1 pJ), an
 * assumption stated here and in the report rather than a measured figure.
 */
import { powerTerms, type ExponentRange, type Scheme, DEFAULT_RANGE } from './quantizers.js';

export interface OpEnergies {
  readonly mult_pj: number;
  readonly add_pj: number;
  readonly shift_pj: number;
  readonly source: string;
}

export const HOROWITZ_45NM_INT32: OpEnergies = {
  mult_pj: 3.1,
  add_pj: 0.1,
  shift_pj: 0.1,
  source: 'Horowitz ISSCC 2014, 45 nm, 32-bit integer (shift assumed equal to add)',
};

export interface OpCounts {
  readonly mults: number;
  readonly adds: number;
  readonly shifts: number;
}

/** One weighted layer: its (quantized) weights, how often each is used, and its outputs. */
export interface WeightedLayerUse {
  readonly name: string;
  readonly weights: Float32Array;
  /** Uses of each weight per inference: output positions (H x W) for a conv, 1 for fc. */
  readonly uses: number;
  /** Output elements per inference, each adding its bias once (0 without bias). */
  readonly biasAdds: number;
}

/** Terms per weight: the power-of-two terms it is made of (K at most), or 1 for a multiply. */
function termsOf(w: number, scheme: Scheme, range: ExponentRange): number {
  if (w === 0) return 0;
  switch (scheme) {
    case 'lightnn-1':
      return powerTerms(w, 1, range).length;
    case 'lightnn-2':
    case 'flightnn':
      return powerTerms(w, 2, range).length;
    default:
      return 1;
  }
}

export function countOps(layers: readonly WeightedLayerUse[], scheme: Scheme, range: ExponentRange = DEFAULT_RANGE): OpCounts {
  let mults = 0;
  let adds = 0;
  let shifts = 0;
  for (const l of layers) {
    adds += l.biasAdds;
    if (scheme === 'conventional') {
      // A multiply-accumulate per use of every weight, zero or not (dense hardware).
      mults += l.weights.length * l.uses;
      adds += l.weights.length * l.uses;
      continue;
    }
    if (scheme === 'binaryconnect') {
      adds += l.weights.length * l.uses;
      continue;
    }
    // Quantized weights take a few hundred distinct values: each is decomposed once.
    const memo = new Map<number, number>();
    let terms = 0;
    for (const w of l.weights) {
      let t = memo.get(w);
      if (t === undefined) memo.set(w, (t = termsOf(w, scheme, range)));
      terms += t;
    }
    shifts += terms * l.uses;
    adds += terms * l.uses;
  }
  return { mults, adds, shifts };
}

export function energyMicrojoules(ops: OpCounts, table: OpEnergies = HOROWITZ_45NM_INT32): number {
  return (ops.mults * table.mult_pj + ops.adds * table.add_pj + ops.shifts * table.shift_pj) / 1e6;
}

/** The points of `items` that no other point beats on both axes (lower error, lower energy), by energy. */
export function paretoFront<T extends { readonly energy_uj: number; readonly test_error: number }>(items: readonly T[]): T[] {
  const sorted = [...items].sort((a, b) => a.energy_uj - b.energy_uj || a.test_error - b.test_error);
  const front: T[] = [];
  let best = Infinity;
  for (const it of sorted) {
    if (it.test_error < best) {
      front.push(it);
      best = it.test_error;
    }
  }
  return front;
}
