/**
 * Energy of one inference by operation count: each weight of a conv or fc layer is used
 * `uses` times (once per output position), and each use costs, by scheme:
 *   conventional: one multiply and one add;
 *   LightNN-K / FLightNN: one shift per nonzero power-of-two term and one add per term
 *     (K - 1 to combine the shifted copies, one to accumulate); a zero weight costs nothing;
 *   BinaryConnect: one add (a sign flip is free);
 *   XNOR-Net weights (alpha_f * sign): one add per use and one multiply by alpha_f per output.
 * A layer with binary (+-1) inputs (BinaryNet, XNOR-Net, LightNN-K-bin; all but the first):
 *   binary weights (BinaryNet, XNOR-Net): the fan-in of each output packs into 32-bit words,
 *     and each word costs one 32-bit XNOR, one 32-bit popcount and one add to accumulate the
 *     counts (XNOR-Net adds its multiply by alpha_f per output, as above);
 *   power-of-two weights (LightNN-K-bin): w * (+-1) is the constant +-2^n per term, so no
 *     shift, one add per nonzero term (the sign is an XOR on the constant's sign bit).
 * Every scheme also adds each bias once per output. Data movement is left out: the figure
 * compares arithmetic, as LightNN's own energy comparison does.
 *
 * Per-operation energies (pJ, 45 nm, 32-bit fixed-point operands so every scheme runs in the
 * same arithmetic) come from Horowitz, "Computing's energy problem", ISSCC 2014, table of
 * "Energy per operation": 32-bit int add 0.1 pJ, 32-bit int mult 3.1 pJ. The table has no
 * shifter, XNOR or popcount. A 32-bit barrel shifter is taken to cost as much as a 32-bit
 * adder (0.1 pJ); so are a 32-bit bitwise XNOR (32 independent gates, no carry chain: an
 * upper bound) and a 32-bit popcount (a tree of about 31 full adders, as many as the adder
 * has): assumptions stated here and in the report rather than measured figures.
 */
import { powerTerms, weightScheme, type ExponentRange, type Scheme, type WeightScheme, DEFAULT_RANGE } from './quantizers.js';

export interface OpEnergies {
  readonly mult_pj: number;
  readonly add_pj: number;
  readonly shift_pj: number;
  /** One 32-bit bitwise XNOR. */
  readonly xnor_pj: number;
  /** One 32-bit popcount. */
  readonly popcount_pj: number;
  readonly source: string;
}

export const HOROWITZ_45NM_INT32: OpEnergies = {
  mult_pj: 3.1,
  add_pj: 0.1,
  shift_pj: 0.1,
  xnor_pj: 0.1,
  popcount_pj: 0.1,
  source: 'Horowitz ISSCC 2014, 45 nm, 32-bit integer (shift, 32-bit XNOR and 32-bit popcount assumed equal to add)',
};

export interface OpCounts {
  readonly mults: number;
  readonly adds: number;
  readonly shifts: number;
  /** 32-bit XNORs of binary weights with binary inputs. */
  readonly xnors: number;
  /** 32-bit popcounts of those XNORs. */
  readonly popcounts: number;
}

/** One weighted layer: its (quantized) weights, how often each is used, and its outputs. */
export interface WeightedLayerUse {
  readonly name: string;
  readonly weights: Float32Array;
  /** Uses of each weight per inference: output positions (H x W) for a conv, 1 for fc. */
  readonly uses: number;
  /** Output elements per inference, each adding its bias once (0 without bias). */
  readonly biasAdds: number;
  /** Weights per output (the fan-in): needed for a layer with binary inputs. */
  readonly fanIn?: number;
  /** Whether the layer's input is binary (+-1). */
  readonly binaryInput?: boolean;
  /**
   * XNOR-Net's input scaling K: per input element an add (the channel sum of |x|), per
   * output position `window` adds (the box over the conv's window), per output a multiply.
   */
  readonly inputScale?: { readonly inputElems: number; readonly window: number };
}

/** Terms per weight: the power-of-two terms it is made of (K at most), or 1 for a multiply. */
function termsOf(w: number, scheme: WeightScheme, range: ExponentRange): number {
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
  const weights = weightScheme(scheme);
  let mults = 0;
  let adds = 0;
  let shifts = 0;
  let xnors = 0;
  let popcounts = 0;
  for (const l of layers) {
    adds += l.biasAdds;
    const fanIn = l.fanIn ?? l.weights.length;
    const outputs = (l.weights.length / fanIn) * l.uses;
    if (weights === 'xnor') mults += outputs;
    if (l.inputScale) {
      adds += l.inputScale.inputElems + l.uses * l.inputScale.window;
      mults += outputs;
    }
    if (weights === 'conventional') {
      // A multiply-accumulate per use of every weight, zero or not (dense hardware).
      mults += l.weights.length * l.uses;
      adds += l.weights.length * l.uses;
      continue;
    }
    if (weights === 'binaryconnect' || weights === 'xnor') {
      if (!l.binaryInput) {
        adds += l.weights.length * l.uses;
        continue;
      }
      if (l.fanIn === undefined) throw new Error(`energy: layer ${l.name} has binary inputs but no fan-in`);
      const words = outputs * Math.ceil(fanIn / 32);
      xnors += words;
      popcounts += words;
      adds += words;
      continue;
    }
    // Quantized weights take a few hundred distinct values: each is decomposed once.
    const memo = new Map<number, number>();
    let terms = 0;
    for (const w of l.weights) {
      let t = memo.get(w);
      if (t === undefined) memo.set(w, (t = termsOf(w, weights, range)));
      terms += t;
    }
    if (!l.binaryInput) shifts += terms * l.uses;
    adds += terms * l.uses;
  }
  return { mults, adds, shifts, xnors, popcounts };
}

export function energyMicrojoules(ops: OpCounts, table: OpEnergies = HOROWITZ_45NM_INT32): number {
  return (ops.mults * table.mult_pj + ops.adds * table.add_pj + ops.shifts * table.shift_pj + ops.xnors * table.xnor_pj + ops.popcounts * table.popcount_pj) / 1e6;
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
