/**
 * Small dense linear algebra for the predictors: a Cholesky solve of symmetric positive
 * definite systems (normal equations of a few columns) and an exact non-negative least
 * squares for a handful of columns. Not a general matrix library: sizes here are below ~10.
 */

/**
 * Solves A x = b for a symmetric positive definite A (row-major, n x n). Returns undefined
 * when A is not numerically positive definite (a rank-deficient design).
 */
export function choleskySolve(a: readonly number[], b: readonly number[]): number[] | undefined {
  const n = b.length;
  if (a.length !== n * n) throw new Error(`choleskySolve: matrix has ${a.length} entries, expected ${n * n}`);
  const l = new Float64Array(n * n);
  let scale = 0;
  for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(a[i * n + i]!));
  const eps = 1e-12 * (scale || 1);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j]!;
      for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!;
      if (i === j) {
        if (s <= eps) return undefined;
        l[i * n + i] = Math.sqrt(s);
      } else {
        l[i * n + j] = s / l[j * n + j]!;
      }
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[i * n + k]! * y[k]!;
    y[i] = s / l[i * n + i]!;
  }
  const x = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let k = i + 1; k < n; k++) s -= l[k * n + i]! * x[k]!;
    x[i] = s / l[i * n + i]!;
  }
  return x;
}

/**
 * Weighted least squares: minimizes sum_i w_i (y_i - x_i . beta)^2 over the columns in
 * `cols` (the others held at 0). Undefined when those columns are collinear.
 */
export function weightedLeastSquares(x: readonly (readonly number[])[], y: readonly number[], w: readonly number[], cols: readonly number[]): number[] | undefined {
  const m = cols.length;
  const a = new Array<number>(m * m).fill(0);
  const b = new Array<number>(m).fill(0);
  x.forEach((row, i) => {
    const wi = w[i]!;
    for (let p = 0; p < m; p++) {
      const xp = row[cols[p]!]!;
      b[p]! += wi * xp * y[i]!;
      for (let q = 0; q <= p; q++) a[p * m + q]! += wi * xp * row[cols[q]!]!;
    }
  });
  for (let p = 0; p < m; p++) for (let q = 0; q < p; q++) a[q * m + p] = a[p * m + q]!;
  return choleskySolve(a, b);
}

/**
 * Non-negative weighted least squares, exact for few columns: the optimum is the
 * unconstrained fit on its own support, so every support is tried and the best feasible
 * fit kept (2^k fits; k <= 10). Returns the coefficients (>= 0) and the weighted SSE.
 */
export function nnlsSmall(x: readonly (readonly number[])[], y: readonly number[], w: readonly number[]): { beta: number[]; sse: number } {
  const k = x[0]?.length ?? 0;
  if (k > 10) throw new Error(`nnlsSmall: ${k} columns is too many for subset enumeration`);
  const sseOf = (beta: readonly number[]): number =>
    x.reduce((s, row, i) => {
      const r = y[i]! - row.reduce((t, v, j) => t + v * beta[j]!, 0);
      return s + w[i]! * r * r;
    }, 0);
  let best = { beta: new Array<number>(k).fill(0), sse: sseOf(new Array<number>(k).fill(0)) };
  for (let mask = 1; mask < 1 << k; mask++) {
    const cols = Array.from({ length: k }, (_, j) => j).filter((j) => (mask >> j) & 1);
    const sol = weightedLeastSquares(x, y, w, cols);
    if (!sol || sol.some((v) => v < 0)) continue;
    const beta = new Array<number>(k).fill(0);
    cols.forEach((j, p) => (beta[j] = sol[p]!));
    const sse = sseOf(beta);
    if (sse < best.sse) best = { beta, sse };
  }
  return best;
}
