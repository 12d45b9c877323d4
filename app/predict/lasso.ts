/**
 * The lasso (L1-penalized least squares) by cyclic coordinate descent, in covariance form
 * (Friedman, Hastie, Tibshirani 2010, "glmnet", section 2.2): the solver sees only the
 * weighted Gram matrix G = X'WX / sum(w) and c = X'Wy / sum(w) of centered columns, so a
 * cross-validation fold costs a subtraction of moment matrices instead of a pass over data.
 *
 * Objective, for weights w normalized to sum 1 and centered columns:
 *   1/2 sum_i w_i (y_i - x_i . b)^2 + lambda * ||b||_1   <=>   1/2 b'Gb - c'b + lambda ||b||_1
 * The intercept is not penalized; it is recovered from the means.
 *
 * Not here: polynomial expansion, standardization and model selection (polynomial.ts).
 */

/** Raw weighted moments of rows [x_1..x_p, 1, y]: sum w v v' (upper and lower triangle). */
export class Moments {
  readonly q: number;
  readonly m: Float64Array;
  constructor(readonly p: number) {
    this.q = p + 2;
    this.m = new Float64Array(this.q * this.q);
  }

  /** Adds one row (the p columns, its target and its weight). */
  add(x: ArrayLike<number>, y: number, w: number): void {
    const q = this.q;
    const v = new Float64Array(q);
    for (let j = 0; j < this.p; j++) v[j] = x[j]!;
    v[this.p] = 1;
    v[this.p + 1] = y;
    const m = this.m;
    for (let a = 0; a < q; a++) {
      const wa = w * v[a]!;
      if (wa === 0) continue;
      const row = a * q;
      for (let b = a; b < q; b++) m[row + b]! += wa * v[b]!;
    }
  }

  /** Fills the lower triangle from the upper one; call once after the last `add`. */
  symmetrize(): this {
    const q = this.q;
    for (let a = 0; a < q; a++) for (let b = 0; b < a; b++) this.m[a * q + b] = this.m[b * q + a]!;
    return this;
  }

  /** this + sign * other, a new object (used for "all rows minus one fold"). */
  combine(other: Moments, sign: 1 | -1): Moments {
    const r = new Moments(this.p);
    for (let i = 0; i < this.m.length; i++) r.m[i] = this.m[i]! + sign * other.m[i]!;
    return r;
  }

  /** Centered, normalized problem over the columns in `cols` (indices into 0..p-1). */
  centered(cols: readonly number[]): CenteredProblem {
    const q = this.q;
    const p = this.p;
    const m = this.m;
    const sw = m[p * q + p]!;
    if (!(sw > 0)) throw new Error('Moments.centered: no weight');
    const k = cols.length;
    const mx = new Float64Array(k);
    cols.forEach((j, a) => (mx[a] = m[j * q + p]! / sw));
    const my = m[p * q + p + 1]! / sw;
    const g = new Float64Array(k * k);
    const c = new Float64Array(k);
    for (let a = 0; a < k; a++) {
      const ja = cols[a]!;
      c[a] = m[ja * q + p + 1]! / sw - mx[a]! * my;
      for (let b = 0; b < k; b++) g[a * k + b] = m[ja * q + cols[b]!]! / sw - mx[a]! * mx[b]!;
    }
    const vy = m[(p + 1) * q + p + 1]! / sw - my * my;
    return { k, g, c, mx, my, vy: Math.max(vy, 0) };
  }
}

/** The lasso problem in covariance form (see the module comment). */
export interface CenteredProblem {
  readonly k: number;
  /** k x k weighted covariance of the columns, row-major. */
  readonly g: Float64Array;
  /** Weighted covariance of each column with y. */
  readonly c: Float64Array;
  /** Weighted column means and target mean (for the intercept). */
  readonly mx: Float64Array;
  readonly my: number;
  /** Weighted variance of y (for the convergence scale). */
  readonly vy: number;
}

export interface LassoOptions {
  /**
   * Stop when a sweep moves no coefficient by more than this fraction of var(y), measured
   * as G_jj * delta_j^2 (glmnet's `thresh`). Default 1e-7.
   */
  readonly tol?: number;
  /** Cap on coordinate sweeps per lambda. Default 1000. */
  readonly maxSweeps?: number;
}

const soft = (z: number, t: number): number => (z > t ? z - t : z < -t ? z + t : 0);

/**
 * Coordinate descent at one lambda, warm-started from `beta` (updated in place). `grad`
 * must hold c - G beta on entry and holds it on return. A full sweep over all coordinates
 * alternates with sweeps over the nonzero ones only, during which only their gradient
 * entries are kept current (the rest are recomputed from c afterwards); it ends when a
 * full sweep changes nothing.
 */
export function lassoSolve(prob: CenteredProblem, lambda: number, beta: Float64Array, grad: Float64Array, opts: LassoOptions = {}): { sweeps: number } {
  const { k, g, c } = prob;
  const tol = (opts.tol ?? 1e-7) * (prob.vy || 1);
  const maxSweeps = opts.maxSweeps ?? 1000;
  let sweeps = 0;
  /** Updates coordinate j, pushing the change into grad[i] for i in `targets` (all when undefined). */
  const update = (j: number, targets: Int32Array | undefined): number => {
    const gjj = g[j * k + j]!;
    if (!(gjj > 1e-12)) return 0;
    const bj = beta[j]!;
    const nb = soft(grad[j]! + gjj * bj, lambda) / gjj;
    const d = nb - bj;
    if (d === 0) return 0;
    beta[j] = nb;
    const row = j * k;
    if (targets) for (let t = 0; t < targets.length; t++) grad[targets[t]!]! -= g[row + targets[t]!]! * d;
    else for (let i = 0; i < k; i++) grad[i]! -= g[row + i]! * d;
    return gjj * d * d;
  };
  while (sweeps < maxSweeps) {
    let moved = 0;
    for (let j = 0; j < k; j++) moved = Math.max(moved, update(j, undefined));
    sweeps++;
    if (moved <= tol) break;
    const list: number[] = [];
    for (let j = 0; j < k; j++) if (beta[j] !== 0) list.push(j);
    const active = Int32Array.from(list);
    while (sweeps < maxSweeps) {
      let m = 0;
      for (let t = 0; t < active.length; t++) m = Math.max(m, update(active[t]!, active));
      sweeps++;
      if (m <= tol) break;
    }
    // Gradient entries outside the active set went stale: recompute them from c.
    const inActive = new Uint8Array(k);
    for (let t = 0; t < active.length; t++) inActive[active[t]!] = 1;
    for (let i = 0; i < k; i++) {
      if (inActive[i]) continue;
      let s = c[i]!;
      const row = i * k;
      for (let t = 0; t < active.length; t++) s -= g[row + active[t]!]! * beta[active[t]!]!;
      grad[i] = s;
    }
  }
  return { sweeps };
}

/** The largest useful lambda: above it every coefficient is 0. */
export function lambdaMax(prob: CenteredProblem): number {
  let m = 0;
  for (let j = 0; j < prob.k; j++) m = Math.max(m, Math.abs(prob.c[j]!));
  return m;
}

/** A geometric grid from `max` down to max * minRatio, `count` points. */
export function lambdaGrid(max: number, count: number, minRatio: number): number[] {
  if (!(max > 0)) return [0];
  if (count <= 1) return [max];
  return Array.from({ length: count }, (_, i) => max * Math.pow(minRatio, i / (count - 1)));
}

/**
 * Solves along a decreasing lambda grid with warm starts, calling `visit` after each
 * solution. Stops early (returns the number of points solved) when `visit` returns true,
 * or when the fit saturates: more nonzero coefficients than `maxActive`, or the residual
 * variance shrinking by less than 0.1 % from one lambda to the next. (glmnet stops at
 * 99.9 % of the variance explained; that is too early for a target like log T whose
 * variance dwarfs the noise: 99.9 % of var(log T) can leave a 6 % error.)
 */
export function lassoPath(
  prob: CenteredProblem,
  lambdas: readonly number[],
  visit: (index: number, beta: Float64Array) => boolean | void,
  opts: LassoOptions & { maxActive?: number } = {},
): number {
  const beta = new Float64Array(prob.k);
  const grad = Float64Array.from(prob.c);
  const maxActive = opts.maxActive ?? Infinity;
  let prevR2 = -1;
  for (let l = 0; l < lambdas.length; l++) {
    lassoSolve(prob, lambdas[l]!, beta, grad, opts);
    if (visit(l, beta) === true) return l + 1;
    let active = 0;
    for (let j = 0; j < prob.k; j++) if (beta[j] !== 0) active++;
    // Explained variance (2 c'b - b'Gb) / var(y); b'Gb = b'(c - grad) since grad = c - Gb.
    let cb = 0;
    let bgb = 0;
    for (let j = 0; j < prob.k; j++) {
      const bj = beta[j]!;
      if (bj === 0) continue;
      cb += prob.c[j]! * bj;
      bgb += bj * (prob.c[j]! - grad[j]!);
    }
    const r2 = prob.vy > 0 ? (2 * cb - bgb) / prob.vy : 1;
    if (active > maxActive) return l + 1;
    if (1 - r2 < 1e-9 || (l > 0 && r2 - prevR2 < 1e-3 * (1 - r2))) return l + 1;
    prevR2 = r2;
  }
  return lambdas.length;
}
