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
 * Not here: what the features of a layer are (features.ts), per-layer-type bookkeeping
 * (neuralpower.ts).
 */
import { Moments, lambdaGrid, lambdaMax, lassoPath, type LassoOptions } from './lasso.js';
import { mulberry32, permutation } from '../util/rng.js';

export type Family = 'log' | 'log-ratio' | 'relative' | 'linear';
export const FAMILIES: readonly Family[] = ['log', 'log-ratio', 'relative', 'linear'];
/**
 * Families tried unless asked otherwise. `linear` is left out: unweighted least squares on
 * targets spanning decades fits the big layers and misses small ones by orders of
 * magnitude (CV RMSPE in the thousands of percent on the tests' device), so it never wins
 * on RMSPE and only costs time.
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
   * in_h / stride, log_flops a sum of log bases) and coordinate descent crawls there; the
   * looser solve changed no chosen model and no CV error by more than 0.1 point on the
   * tests' device, at a quarter of the time.
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

/**
 * A fold's lambda path stops when its held-out squared error has exceeded STOP_FACTOR times
 * its best for STOP_PATIENCE points past that best: smaller lambdas only fit noise there,
 * and solving them (many correlated columns, small penalty) is the slow part of a fit.
 */
const STOP_FACTOR = 1.5;
const STOP_PATIENCE = 3;

const isLogFamily = (f: Family): boolean => f === 'log' || f === 'log-ratio';

function baseTransform(family: Family, kind: BaseFeature['kind']): BaseTransform {
  if (!isLogFamily(family) || kind === 'binary') return 'none';
  return kind === 'positive' ? 'log' : 'log1p';
}

function applyTransform(t: BaseTransform, x: number): number {
  return t === 'log' ? Math.log(x) : t === 'log1p' ? Math.log1p(x) : x;
}

/** All exponent vectors over `n` variables with total degree 1..K; binary variables at most 1. */
export function monomials(n: number, degree: number, binary: readonly boolean[] = []): number[][] {
  const out: number[][] = [];
  const cur = new Array<number>(n).fill(0);
  for (let d = 1; d <= degree; d++) {
    // Exponent vectors of total exactly d, in lexicographic order of the first variable's power (descending).
    const rec = (i: number, left: number): void => {
      if (i === n - 1) {
        if (binary[i] && left > 1) return;
        cur[i] = left;
        out.push([...cur]);
        cur[i] = 0;
        return;
      }
      const maxHere = binary[i] ? Math.min(1, left) : left;
      for (let e = maxHere; e >= 0; e--) {
        cur[i] = e;
        rec(i + 1, left - e);
      }
      cur[i] = 0;
    };
    if (n > 0) rec(0, d);
  }
  return out;
}

export function monomialName(names: readonly string[], powers: readonly number[]): string {
  return powers
    .map((e, i) => (e === 0 ? '' : e === 1 ? names[i]! : `${names[i]!}^${e}`))
    .filter((s) => s !== '')
    .join('*');
}

function meanSd(values: ArrayLike<number>, w?: ArrayLike<number>): { mean: number; sd: number } {
  let sw = 0;
  let s = 0;
  for (let i = 0; i < values.length; i++) {
    const wi = w ? w[i]! : 1;
    sw += wi;
    s += wi * values[i]!;
  }
  const mean = s / sw;
  let v = 0;
  for (let i = 0; i < values.length; i++) {
    const d = values[i]! - mean;
    v += (w ? w[i]! : 1) * d * d;
  }
  return { mean, sd: Math.sqrt(v / sw) };
}

const isConstant = (m: { mean: number; sd: number }): boolean => !(m.sd > 1e-10 * (1 + Math.abs(m.mean)));

/** A fingerprint of a standardized column: two fixed pseudo-random projections. Equal columns collide. */
function columnKey(col: ArrayLike<number>): string {
  let a = 0;
  let b = 0;
  for (let i = 0; i < col.length; i++) {
    a += col[i]! * Math.sin(i + 1);
    b += col[i]! * Math.cos(3 * i + 2);
  }
  return `${a.toPrecision(8)},${b.toPrecision(8)}`;
}

/** The standardized design of one family at the largest degree; lower degrees are column subsets. */
interface Design {
  readonly family: Family;
  readonly bases: PolynomialModel['bases'];
  readonly terms: readonly Omit<PolynomialTerm, 'coef'>[];
  /** Total degree of each column (0 for specials). */
  readonly degree: readonly number[];
  /** n x p, row-major, standardized. */
  readonly z: Float64Array;
  readonly p: number;
  /** Target in the family's space, and the row weights. */
  readonly t: Float64Array;
  readonly w: Float64Array;
}

function buildDesign(data: PolynomialData, family: Family, maxDegree: number): Design {
  const n = data.y.length;
  const w = new Float64Array(n);
  const t = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const y = data.y[i]!;
    w[i] = family === 'relative' ? 1 / (y * y) : 1;
    t[i] = family === 'log' ? Math.log(y) : family === 'log-ratio' ? Math.log(y / data.offset![i]!) : y;
  }
  // Bases: transform, standardize (unweighted), drop constant and duplicate ones.
  const bases: { name: string; transform: BaseTransform; mean: number; sd: number; binary: boolean; z: Float64Array }[] = [];
  const seen = new Set<string>();
  for (const b of data.bases) {
    const transform = baseTransform(family, b.kind);
    const col = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const x = data.rows[i]![b.name];
      if (x === undefined || !Number.isFinite(x)) throw new Error(`polynomial: row ${i} has no finite ${b.name}`);
      col[i] = applyTransform(transform, x);
    }
    const ms = meanSd(col);
    if (isConstant(ms)) continue;
    for (let i = 0; i < n; i++) col[i] = (col[i]! - ms.mean) / ms.sd;
    const key = columnKey(col);
    if (seen.has(key)) continue;
    seen.add(key);
    bases.push({ name: b.name, transform, mean: ms.mean, sd: ms.sd, binary: b.kind === 'binary', z: col });
  }
  const names = bases.map((b) => b.name);
  const cols: { term: Omit<PolynomialTerm, 'coef' | 'mean' | 'sd'>; degree: number; raw: Float64Array }[] = [];
  for (const pw of monomials(bases.length, maxDegree, bases.map((b) => b.binary))) {
    const raw = new Float64Array(n).fill(1);
    pw.forEach((e, j) => {
      if (e === 0) return;
      const zb = bases[j]!.z;
      for (let i = 0; i < n; i++) raw[i]! *= Math.pow(zb[i]!, e);
    });
    const powers = Object.fromEntries(pw.flatMap((e, j) => (e > 0 ? [[names[j]!, e] as const] : [])));
    cols.push({ term: { name: monomialName(names, pw), powers }, degree: pw.reduce((a, b) => a + b, 0), raw });
  }
  for (const s of data.specials) {
    const raw = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const x = data.rows[i]![s];
      if (x === undefined || !Number.isFinite(x)) throw new Error(`polynomial: row ${i} has no finite ${s}`);
      raw[i] = x;
    }
    cols.push({ term: { name: s, special: s }, degree: 0, raw });
  }
  // Column standardization with the family's weights; drop constant and duplicate columns.
  const kept: { term: Omit<PolynomialTerm, 'coef'>; degree: number; col: Float64Array }[] = [];
  const seenCols = new Set<string>();
  for (const c of cols) {
    const ms = meanSd(c.raw, w);
    if (isConstant(ms)) continue;
    const col = new Float64Array(n);
    for (let i = 0; i < n; i++) col[i] = (c.raw[i]! - ms.mean) / ms.sd;
    const key = columnKey(col);
    if (seenCols.has(key)) continue;
    seenCols.add(key);
    kept.push({ term: { ...c.term, mean: ms.mean, sd: ms.sd }, degree: c.degree, col });
  }
  const p = kept.length;
  const z = new Float64Array(n * p);
  kept.forEach((c, j) => {
    for (let i = 0; i < n; i++) z[i * p + j] = c.col[i]!;
  });
  return {
    family,
    bases: bases.map(({ name, transform, mean, sd }) => ({ name, transform, mean, sd })),
    terms: kept.map((c) => c.term),
    degree: kept.map((c) => c.degree),
    z,
    p,
    t,
    w,
  };
}

function backTransform(family: Family, v: number, offset: number | undefined): number {
  if (family === 'log') return Math.exp(v);
  if (family === 'log-ratio') return Math.exp(v) * (offset ?? NaN);
  return v;
}

interface CandidateStats {
  sqPct: number;
  sqErr: number;
  sqLog: number;
  nnz: number;
  /** Per fold: squared errors of the selection criterion. */
  foldCrit: number[];
  foldN: number[];
  valid: boolean;
}

/**
 * Fits a polynomial by lasso, choosing family, degree and lambda by k-fold CV on RMSPE.
 * Throws when there are fewer than 3 samples or a target is not a positive number.
 */
export function fitPolynomial(data: PolynomialData, opts: PolynomialFitOptions = {}): PolynomialModel {
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
  const maxDegree = degrees[degrees.length - 1]!;
  const k = Math.max(2, Math.min(opts.folds ?? 5, n));
  const lambdaCount = opts.lambdaCount ?? 20;
  const minRatio = opts.lambdaMinRatio ?? 1e-3;
  const lassoOpts: LassoOptions = { ...FIT_LASSO, ...opts.lasso };
  const foldOf = new Int32Array(n);
  permutation(n, mulberry32(opts.seed ?? 1)).forEach((row, pos) => (foldOf[row] = pos % k));
  const yMin = data.y.reduce((a, b) => Math.min(a, b), Infinity);
  const yMax = data.y.reduce((a, b) => Math.max(a, b), -Infinity);
  const floor = yMin / 10;
  const byLog = (opts.criterion ?? 'log') === 'log';

  interface Trial {
    design: Design;
    total: Moments;
    degree: number;
    cols: number[];
    lambdas: number[];
    stats: CandidateStats[];
  }
  const trials: Trial[] = [];
  for (const family of families) {
    const design = buildDesign(data, family, maxDegree);
    const { p, z, t, w } = design;
    const foldMoments = Array.from({ length: k }, () => new Moments(p));
    for (let i = 0; i < n; i++) foldMoments[foldOf[i]!]!.add(z.subarray(i * p, (i + 1) * p), t[i]!, w[i]!);
    foldMoments.forEach((m) => m.symmetrize());
    const total = foldMoments.reduce((acc, m) => acc.combine(m, 1), new Moments(p));
    const famTrials: Trial[] = degrees.map((degree) => {
      const cols = design.degree.flatMap((d, j) => (d <= degree ? [j] : []));
      const lambdas = cols.length ? lambdaGrid(lambdaMax(total.centered(cols)), lambdaCount, minRatio) : [0];
      const stats = lambdas.map(() => ({ sqPct: 0, sqErr: 0, sqLog: 0, nnz: 0, foldCrit: new Array<number>(k).fill(0), foldN: new Array<number>(k).fill(0), valid: true }));
      return { design, total, degree, cols, lambdas, stats };
    });
    for (let f = 0; f < k; f++) {
      const heldOut: number[] = [];
      for (let i = 0; i < n; i++) if (foldOf[i] === f) heldOut.push(i);
      const train = total.combine(foldMoments[f]!, -1);
      const nTrain = n - heldOut.length;
      for (const trial of famTrials) {
        const { cols } = trial;
        // Held-out error along this fold's path; the path stops once it is clearly past its best.
        let foldBest = Infinity;
        let foldBestL = 0;
        const score = (l: number, beta: ArrayLike<number>, mx: ArrayLike<number>, my: number): boolean => {
          const st = trial.stats[l]!;
          const before = st.foldCrit[f]!;
          let nnz = 0;
          for (let j = 0; j < cols.length; j++) if (beta[j] !== 0) nnz++;
          st.nnz += nnz / k;
          for (const i of heldOut) {
            let v = my;
            for (let j = 0; j < cols.length; j++) {
              const b = beta[j]!;
              if (b !== 0) v += (z[i * p + cols[j]!]! - mx[j]!) * b;
            }
            const pred = Math.max(backTransform(family, v, data.offset?.[i]), floor);
            const y = data.y[i]!;
            const pct = (pred - y) / y;
            const lr = Math.log(pred / y);
            st.sqPct += pct * pct;
            st.sqErr += (pred - y) * (pred - y);
            st.sqLog += lr * lr;
            st.foldCrit[f]! += byLog ? lr * lr : pct * pct;
            st.foldN[f]! += 1;
          }
          const err = st.foldCrit[f]! - before;
          if (err < foldBest) {
            foldBest = err;
            foldBestL = l;
          }
          return err > STOP_FACTOR * foldBest && l >= foldBestL + STOP_PATIENCE;
        };
        if (cols.length === 0) {
          score(0, [], [], train.centered([]).my);
          continue;
        }
        const prob = train.centered(cols);
        const solved = lassoPath(prob, trial.lambdas, (l, beta) => score(l, beta, prob.mx, prob.my), { ...lassoOpts, maxActive: nTrain - 1 });
        for (let l = solved; l < trial.lambdas.length; l++) trial.stats[l]!.valid = false;
      }
    }
    trials.push(...famTrials);
  }

  // Candidates: every (family, degree, lambda) solved in all folds.
  interface Cand {
    trial: Trial;
    l: number;
    rmspe: number;
    /** The selection criterion's RMS and the standard error of its fold means. */
    crit: number;
    se: number;
    rmse: number;
  }
  const cands: Cand[] = [];
  for (const trial of trials) {
    trial.stats.forEach((st, l) => {
      if (!st.valid) return;
      const rmspe = Math.sqrt(st.sqPct / n);
      const crit = Math.sqrt((byLog ? st.sqLog : st.sqPct) / n);
      const foldErr = st.foldCrit.map((s, f) => Math.sqrt(s / Math.max(st.foldN[f]!, 1)));
      const mean = foldErr.reduce((a, b) => a + b, 0) / k;
      const sd = Math.sqrt(foldErr.reduce((a, e) => a + (e - mean) * (e - mean), 0) / Math.max(k - 1, 1));
      if (Number.isFinite(crit) && Number.isFinite(rmspe)) cands.push({ trial, l, rmspe, crit, se: sd / Math.sqrt(k), rmse: Math.sqrt(st.sqErr / n) });
    });
  }
  if (cands.length === 0) throw new Error('fitPolynomial: no candidate gave a finite CV error');
  const best = cands.reduce((a, b) => (b.crit < a.crit ? b : a));
  let chosen = best;
  if (opts.oneStandardError ?? true) {
    const limit = best.crit + best.se;
    chosen = cands
      .filter((c) => c.trial.design.family === best.trial.design.family && c.crit <= limit)
      .reduce((a, b) => (b.trial.degree < a.trial.degree || (b.trial.degree === a.trial.degree && b.l < a.l) ? b : a));
  }

  // Refit on all rows along the same path, stopping at the chosen lambda.
  const { trial } = chosen;
  const { design, total } = trial;
  const terms: PolynomialTerm[] = [];
  let intercept: number;
  if (trial.cols.length === 0) {
    intercept = total.centered([]).my;
  } else {
    const prob = total.centered(trial.cols);
    const beta = new Float64Array(trial.cols.length);
    lassoPath(prob, trial.lambdas.slice(0, chosen.l + 1), (_, b) => beta.set(b), lassoOpts);
    intercept = prob.my;
    trial.cols.forEach((c, j) => {
      const b = beta[j]!;
      if (b === 0) return;
      intercept -= prob.mx[j]! * b;
      terms.push({ ...design.terms[c]!, coef: b });
    });
  }
  const candidates: CandidateSummary[] = trials.map((tr) => {
    const mine = cands.filter((c) => c.trial === tr);
    const b = mine.length ? mine.reduce((a, c) => (c.crit < a.crit ? c : a)) : undefined;
    return {
      family: tr.design.family,
      degree: tr.degree,
      lambda: b ? tr.lambdas[b.l]! : 0,
      rmspe_pct: b ? 100 * b.rmspe : -1,
      rmse: b ? b.rmse : -1,
      nonzero: b ? tr.stats[b.l]!.nnz : 0,
    };
  });
  return {
    family: design.family,
    degree: trial.degree,
    lambda: trial.lambdas[chosen.l]!,
    bases: design.bases,
    terms,
    intercept,
    target_range: [yMin, yMax],
    cv: { folds: k, n, rmspe_pct: 100 * chosen.rmspe, rmse: chosen.rmse, se_pct: 100 * chosen.se },
    candidates,
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
