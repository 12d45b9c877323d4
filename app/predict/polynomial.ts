/**
 * NeuralPower's layer-level regression: a sparse polynomial of degree K over a layer's
 * base features plus "special" terms (FLOPs, bytes, their logs), fit by the lasso, with
 * the degree, the L1 strength and the target transform chosen by k-fold cross-validation
 * (on the RMS of the log error by default, see `criterion`; RMSPE, the talk's metric, is
 * reported either way).
 *
 * Target transforms ("families"), all judged by the same CV criterion on the original scale:
 * - `log`:       log T over log-transformed bases. Errors become relative errors, and a
 *                degree-1 model is already a power law (T ~ cin^a cout^b k^c ...).
 * - `log-ratio`: log(T / A) over log bases, where A is an analytic estimate supplied per
 *                row (e.g. FLOPs / peak + bytes / bandwidth + overhead): the polynomial only
 *                models the device's deviation from the roofline-ish estimate.
 * - `relative`:  T itself over raw bases, each row weighted by 1 / T^2, so least squares
 *                minimizes squared percentage error directly.
 * - `linear`:    T over raw bases, unweighted: NeuralPower as published.
 *
 * Columns: bases are transformed, standardized, and multiplied into every monomial of total
 * degree 1..K (a binary base enters with power at most 1); specials are appended as they
 * are. Every column is then standardized (with the family's row weights) before the lasso,
 * so lambda means the same thing for every column. Constant and duplicate columns are
 * dropped before fitting.
 *
 * Selection: one fold assignment (seeded) for every candidate; per fold the lasso path is
 * solved on the other folds' moments and scored on the held-out rows, back on the original
 * scale; the criterion pooled over all held-out rows. The best family is kept, and within it the
 * lowest degree, then the strongest penalty, within one standard error of the best (the
 * usual 1-SE rule). The chosen candidate is refit on all rows. Column standardization and
 * the dropping of constant columns use all rows (no targets involved, except the 1 / T^2
 * weights of `relative`), a negligible leak that lets every fold share one design.
 *
 * Here: the options, the model, `fitPolynomial` and `predictPolynomial`. The design matrix is
 * built in polynomial-design.ts, the cross-validation and choice of a candidate run in
 * polynomial-cv.ts. Not here: what the features of a layer are (features.ts),
 * per-layer-type bookkeeping (neuralpower.ts).
 */
import { lassoPath, type LassoOptions } from './lasso.js';
import { candidates, candidateSummaries, chooseCandidate, familyTrials, type Candidate, type CvSettings } from './polynomial-cv.js';
import { applyTransform, backTransform } from './polynomial-design.js';
import { mulberry32, permutation } from '../util/rng.js';

export type Family = 'log' | 'log-ratio' | 'relative' | 'linear';
export const FAMILIES: readonly Family[] = ['log', 'log-ratio', 'relative', 'linear'];
/**
 * Families tried unless asked otherwise. `linear` is left out: unweighted least squares on
 * targets spanning decades fits the big layers and misses small ones by orders of
 * magnitude, so it never wins on RMSPE and only costs time
 * (docs/decisions/0007-polynomial-no-linear-family.md).
 */
export const DEFAULT_FAMILIES: readonly Family[] = ['log', 'log-ratio', 'relative'];

export interface BaseFeature {
  readonly name: string;
  /** `positive`: >= 1 or at least > 0 (log); `nonneg`: may be 0 (log1p); `binary`: 0/1 (as is). */
  readonly kind: 'positive' | 'nonneg' | 'binary';
}

export interface PolynomialData {
  readonly bases: readonly BaseFeature[];
  /** Names of extra terms used as they are (not expanded). */
  readonly specials: readonly string[];
  /** One record per sample holding every base and special by name. */
  readonly rows: readonly Readonly<Record<string, number>>[];
  /** Targets, > 0 (runtime in ms, power in W). */
  readonly y: readonly number[];
  /** Per-row analytic estimate (same unit as y, > 0); enables the `log-ratio` family. */
  readonly offset?: readonly number[] | undefined;
}

export interface PolynomialFitOptions {
  /** Candidate degrees K. Default [1, 2, 3]. */
  readonly degrees?: readonly number[];
  /** Candidate target transforms. Default DEFAULT_FAMILIES (`log-ratio` only when rows have an offset). */
  readonly families?: readonly Family[];
  /** k of k-fold CV (fewer when there are fewer samples). Default 5. */
  readonly folds?: number;
  /** Points on the lambda path. Default 20. */
  readonly lambdaCount?: number;
  /** Smallest lambda as a fraction of the largest. Default 1e-3. */
  readonly lambdaMinRatio?: number;
  /** Seed of the fold assignment. Default 1. */
  readonly seed?: number;
  /**
   * Pick the simplest candidate (lowest degree, then strongest penalty) of the best
   * family whose CV RMSPE is within one standard error of the best. Default true.
   */
  readonly oneStandardError?: boolean;
  /**
   * What CV minimizes when it picks family, degree and lambda. `log` (default): the RMS of
   * ln(predicted / actual), symmetric in over- and underprediction. `rmspe`: the talk's
   * metric; it penalizes overpredicting a small layer more than underpredicting it (an error
   * of -100% is its worst, +100% is not), so it picks shrunken models whose predictions sit
   * low, and a network's sum of layers inherits that bias. RMSPE is reported either way.
   */
  readonly criterion?: 'log' | 'rmspe';
  /**
   * Solver settings. Default { tol: 1e-6, maxSweeps: 200 }: looser than lasso.ts's own
   * defaults, because polynomial columns are strongly collinear (in log space out_h is
   * in_h / stride, log_flops a sum of log bases) and coordinate descent crawls there
   * (docs/decisions/0008-polynomial-loose-lasso.md).
   */
  readonly lasso?: LassoOptions;
}

const FIT_LASSO: LassoOptions = { tol: 1e-6, maxSweeps: 200 };

export type BaseTransform = 'log' | 'log1p' | 'none';

/** One nonzero term of a fitted polynomial: a monomial of bases or a special feature. */
export interface PolynomialTerm {
  /** Readable form, e.g. `cin*kernel^2` or `log_flops`. */
  readonly name: string;
  /** Exponent per base name, for a monomial. */
  readonly powers?: Readonly<Record<string, number>>;
  /** Feature name, for a special term. */
  readonly special?: string;
  /** Standardization of the column: (value - mean) / sd. */
  readonly mean: number;
  readonly sd: number;
  readonly coef: number;
}

/** Cross-validated error of one candidate, at its best lambda. */
export interface CandidateSummary {
  readonly family: Family;
  readonly degree: number;
  readonly lambda: number;
  readonly rmspe_pct: number;
  readonly rmse: number;
  /** Mean number of nonzero coefficients over the folds. */
  readonly nonzero: number;
}

/** A fitted polynomial: plain JSON. */
export interface PolynomialModel {
  readonly family: Family;
  readonly degree: number;
  readonly lambda: number;
  /** Standardization of each (transformed) base: z = (t(x) - mean) / sd. */
  readonly bases: readonly { readonly name: string; readonly transform: BaseTransform; readonly mean: number; readonly sd: number }[];
  /** Nonzero terms only; their count is the "model size" of the talk's tables. */
  readonly terms: readonly PolynomialTerm[];
  /** In the transformed target space (log T for the log families). */
  readonly intercept: number;
  /** Smallest and largest training target; predictions are floored at min / 10. */
  readonly target_range: readonly [number, number];
  /**
   * CV error of the chosen candidate (pooled over held-out rows, original scale); se_pct:
   * standard error over the folds of the selection criterion (x100; a log error is about a
   * relative one).
   */
  readonly cv: { readonly folds: number; readonly n: number; readonly rmspe_pct: number; readonly rmse: number; readonly se_pct: number };
  /** Every family x degree tried, at its best lambda: why this one was chosen. */
  readonly candidates: readonly CandidateSummary[];
}

/** Checks the data and resolves the options into what every candidate shares. */
function cvSettings(data: PolynomialData, opts: PolynomialFitOptions): CvSettings & { families: Family[]; targetRange: [number, number] } {
  const n = data.y.length;
  if (n < 3) throw new Error(`fitPolynomial: ${n} samples; need at least 3`);
  if (data.rows.length !== n) throw new Error('fitPolynomial: rows and targets differ in length');
  data.y.forEach((y, i) => {
    if (!(y > 0) || !Number.isFinite(y)) throw new Error(`fitPolynomial: target ${i} is ${y}; targets must be positive`);
  });
  const hasOffset = data.offset !== undefined && data.offset.length === n && data.offset.every((o) => o > 0 && Number.isFinite(o));
  const families = (opts.families ?? DEFAULT_FAMILIES).filter((f) => f !== 'log-ratio' || hasOffset);
  if (families.length === 0) throw new Error('fitPolynomial: no usable family (log-ratio needs a positive offset per row)');
  const degrees = [...new Set(opts.degrees ?? [1, 2, 3])].sort((a, b) => a - b);
  const k = Math.max(2, Math.min(opts.folds ?? 5, n));
  const foldOf = new Int32Array(n);
  permutation(n, mulberry32(opts.seed ?? 1)).forEach((row, pos) => (foldOf[row] = pos % k));
  const yMin = data.y.reduce((a, b) => Math.min(a, b), Infinity);
  const yMax = data.y.reduce((a, b) => Math.max(a, b), -Infinity);
  return {
    families,
    targetRange: [yMin, yMax],
    degrees,
    maxDegree: degrees[degrees.length - 1]!,
    k,
    foldOf,
    lambdaCount: opts.lambdaCount ?? 20,
    minRatio: opts.lambdaMinRatio ?? 1e-3,
    lasso: { ...FIT_LASSO, ...opts.lasso },
    floor: yMin / 10,
    byLog: (opts.criterion ?? 'log') === 'log',
  };
}

/** Refits the chosen candidate on all rows along the same path, stopping at its lambda. */
function refit(chosen: Candidate, lassoOpts: LassoOptions): { terms: PolynomialTerm[]; intercept: number } {
  const { trial } = chosen;
  const { design, total } = trial;
  const terms: PolynomialTerm[] = [];
  if (trial.cols.length === 0) return { terms, intercept: total.centered([]).my };
  const prob = total.centered(trial.cols);
  const beta = new Float64Array(trial.cols.length);
  lassoPath(prob, trial.lambdas.slice(0, chosen.l + 1), (_, b) => beta.set(b), lassoOpts);
  let intercept = prob.my;
  trial.cols.forEach((c, j) => {
    const b = beta[j]!;
    if (b === 0) return;
    intercept -= prob.mx[j]! * b;
    terms.push({ ...design.terms[c]!, coef: b });
  });
  return { terms, intercept };
}

/**
 * Fits a polynomial by lasso, choosing family, degree and lambda by k-fold CV on RMSPE.
 * Throws when there are fewer than 3 samples or a target is not a positive number.
 */
export function fitPolynomial(data: PolynomialData, opts: PolynomialFitOptions = {}): PolynomialModel {
  const n = data.y.length;
  const s = cvSettings(data, opts);
  const trials = s.families.flatMap((family) => familyTrials(data, family, s));
  const cands = candidates(trials, n, s);
  if (cands.length === 0) throw new Error('fitPolynomial: no candidate gave a finite CV error');
  const chosen = chooseCandidate(cands, opts.oneStandardError ?? true);
  const { trial } = chosen;
  const { terms, intercept } = refit(chosen, s.lasso);
  return {
    family: trial.design.family,
    degree: trial.degree,
    lambda: trial.lambdas[chosen.l]!,
    bases: trial.design.bases,
    terms,
    intercept,
    target_range: s.targetRange,
    cv: { folds: s.k, n, rmspe_pct: 100 * chosen.rmspe, rmse: chosen.rmse, se_pct: 100 * chosen.se },
    candidates: candidateSummaries(trials, cands),
  };
}

/**
 * Evaluates a fitted polynomial on one sample's features (by name). `offset` is the
 * row's analytic estimate, required by the `log-ratio` family.
 */
export function predictPolynomial(model: PolynomialModel, values: Readonly<Record<string, number>>, offset?: number): number {
  const z: Record<string, number> = {};
  for (const b of model.bases) {
    const x = values[b.name];
    if (x === undefined) throw new Error(`predictPolynomial: missing feature ${b.name}`);
    z[b.name] = (applyTransform(b.transform, x) - b.mean) / b.sd;
  }
  let v = model.intercept;
  for (const term of model.terms) {
    let raw: number;
    if (term.special !== undefined) {
      const x = values[term.special];
      if (x === undefined) throw new Error(`predictPolynomial: missing feature ${term.special}`);
      raw = x;
    } else {
      raw = 1;
      for (const [name, e] of Object.entries(term.powers ?? {})) raw *= Math.pow(z[name]!, e);
    }
    v += ((raw - term.mean) / term.sd) * term.coef;
  }
  if (model.family === 'log-ratio' && !(offset !== undefined && offset > 0)) throw new Error('predictPolynomial: the log-ratio family needs a positive offset');
  return Math.max(backTransform(model.family, v, offset), model.target_range[0] / 10);
}
