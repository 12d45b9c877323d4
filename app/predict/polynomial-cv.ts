/**
 * The cross-validation of a polynomial fit (polynomial.ts): per target family and degree, the
 * lasso path solved per fold on the other folds' moments and scored on the held-out rows back
 * on the original scale (each fold's path stopping once it is clearly past its best), then
 * every (family, degree, lambda) solved in all folds as a candidate, and the choice among them
 * (the best family, and within it the simplest candidate within one standard error).
 */
import { Moments, lambdaGrid, lambdaMax, lassoPath, type LassoOptions } from './lasso.js';
import { backTransform, buildDesign, type Design } from './polynomial-design.js';
import type { CandidateSummary, Family, PolynomialData } from './polynomial.js';

/**
 * A fold's lambda path stops when its held-out squared error has exceeded STOP_FACTOR times
 * its best for STOP_PATIENCE points past that best: smaller lambdas only fit noise there,
 * and solving them (many correlated columns, small penalty) is the slow part of a fit.
 */
const STOP_FACTOR = 1.5;
const STOP_PATIENCE = 3;

/** What every candidate of one fit shares. */
export interface CvSettings {
  readonly degrees: readonly number[];
  readonly maxDegree: number;
  /** Number of folds, and each row's fold. */
  readonly k: number;
  readonly foldOf: Int32Array;
  readonly lambdaCount: number;
  readonly minRatio: number;
  readonly lasso: LassoOptions;
  /** Predictions are floored here (a tenth of the smallest target). */
  readonly floor: number;
  /** Select on the log error (else on RMSPE). */
  readonly byLog: boolean;
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

/** One family at one degree: its columns, lambda path and CV statistics per lambda. */
export interface Trial {
  readonly design: Design;
  readonly total: Moments;
  readonly degree: number;
  readonly cols: number[];
  readonly lambdas: number[];
  readonly stats: CandidateStats[];
}

/** One (family, degree, lambda) solved in all folds. */
export interface Candidate {
  readonly trial: Trial;
  readonly l: number;
  readonly rmspe: number;
  /** The selection criterion's RMS and the standard error of its fold means. */
  readonly crit: number;
  readonly se: number;
  readonly rmse: number;
}

/**
 * Scores one trial's lambda path on fold f's held-out rows, solved on `train` (the other
 * folds' moments); lambdas the path did not reach are marked invalid.
 */
function scoreFold(data: PolynomialData, s: CvSettings, trial: Trial, f: number, heldOut: readonly number[], train: Moments, nTrain: number): void {
  const { cols } = trial;
  const { family, z, p } = trial.design;
  // Held-out error along this fold's path; the path stops once it is clearly past its best.
  let foldBest = Infinity;
  let foldBestL = 0;
  const score = (l: number, beta: ArrayLike<number>, mx: ArrayLike<number>, my: number): boolean => {
    const st = trial.stats[l]!;
    const before = st.foldCrit[f]!;
    let nnz = 0;
    for (let j = 0; j < cols.length; j++) if (beta[j] !== 0) nnz++;
    st.nnz += nnz / s.k;
    for (const i of heldOut) {
      let v = my;
      for (let j = 0; j < cols.length; j++) {
        const b = beta[j]!;
        if (b !== 0) v += (z[i * p + cols[j]!]! - mx[j]!) * b;
      }
      const pred = Math.max(backTransform(family, v, data.offset?.[i]), s.floor);
      const y = data.y[i]!;
      const pct = (pred - y) / y;
      const lr = Math.log(pred / y);
      st.sqPct += pct * pct;
      st.sqErr += (pred - y) * (pred - y);
      st.sqLog += lr * lr;
      st.foldCrit[f]! += s.byLog ? lr * lr : pct * pct;
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
    return;
  }
  const prob = train.centered(cols);
  const solved = lassoPath(prob, trial.lambdas, (l, beta) => score(l, beta, prob.mx, prob.my), { ...s.lasso, maxActive: nTrain - 1 });
  for (let l = solved; l < trial.lambdas.length; l++) trial.stats[l]!.valid = false;
}

/** Every degree of one family, cross-validated. */
export function familyTrials(data: PolynomialData, family: Family, s: CvSettings): Trial[] {
  const n = data.y.length;
  const { k, foldOf } = s;
  const design = buildDesign(data, family, s.maxDegree);
  const { p, z, t, w } = design;
  const foldMoments = Array.from({ length: k }, () => new Moments(p));
  for (let i = 0; i < n; i++) foldMoments[foldOf[i]!]!.add(z.subarray(i * p, (i + 1) * p), t[i]!, w[i]!);
  foldMoments.forEach((m) => m.symmetrize());
  const total = foldMoments.reduce((acc, m) => acc.combine(m, 1), new Moments(p));
  const trials: Trial[] = s.degrees.map((degree) => {
    const cols = design.degree.flatMap((d, j) => (d <= degree ? [j] : []));
    const lambdas = cols.length ? lambdaGrid(lambdaMax(total.centered(cols)), s.lambdaCount, s.minRatio) : [0];
    const stats = lambdas.map(() => ({ sqPct: 0, sqErr: 0, sqLog: 0, nnz: 0, foldCrit: new Array<number>(k).fill(0), foldN: new Array<number>(k).fill(0), valid: true }));
    return { design, total, degree, cols, lambdas, stats };
  });
  for (let f = 0; f < k; f++) {
    const heldOut: number[] = [];
    for (let i = 0; i < n; i++) if (foldOf[i] === f) heldOut.push(i);
    const train = total.combine(foldMoments[f]!, -1);
    for (const trial of trials) scoreFold(data, s, trial, f, heldOut, train, n - heldOut.length);
  }
  return trials;
}

/** Candidates: every (family, degree, lambda) solved in all folds, with a finite error. */
export function candidates(trials: readonly Trial[], n: number, s: CvSettings): Candidate[] {
  const { k } = s;
  const cands: Candidate[] = [];
  for (const trial of trials) {
    trial.stats.forEach((st, l) => {
      if (!st.valid) return;
      const rmspe = Math.sqrt(st.sqPct / n);
      const crit = Math.sqrt((s.byLog ? st.sqLog : st.sqPct) / n);
      const foldErr = st.foldCrit.map((sum, f) => Math.sqrt(sum / Math.max(st.foldN[f]!, 1)));
      const mean = foldErr.reduce((a, b) => a + b, 0) / k;
      const sd = Math.sqrt(foldErr.reduce((a, e) => a + (e - mean) * (e - mean), 0) / Math.max(k - 1, 1));
      if (Number.isFinite(crit) && Number.isFinite(rmspe)) cands.push({ trial, l, rmspe, crit, se: sd / Math.sqrt(k), rmse: Math.sqrt(st.sqErr / n) });
    });
  }
  return cands;
}

/** The best candidate, or with `oneStandardError` the simplest of its family within one standard error of it. */
export function chooseCandidate(cands: readonly Candidate[], oneStandardError: boolean): Candidate {
  const best = cands.reduce((a, b) => (b.crit < a.crit ? b : a));
  if (!oneStandardError) return best;
  const limit = best.crit + best.se;
  return cands
    .filter((c) => c.trial.design.family === best.trial.design.family && c.crit <= limit)
    .reduce((a, b) => (b.trial.degree < a.trial.degree || (b.trial.degree === a.trial.degree && b.l < a.l) ? b : a));
}

/** Every family x degree tried, at its best lambda. */
export function candidateSummaries(trials: readonly Trial[], cands: readonly Candidate[]): CandidateSummary[] {
  return trials.map((tr) => {
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
}
