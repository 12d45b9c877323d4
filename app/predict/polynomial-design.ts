/**
 * The design matrix of a polynomial fit (polynomial.ts): per target family, the target in
 * the family's space and its row weights, the bases transformed and standardized, every
 * monomial of total degree 1..K over them plus the special terms, each column standardized
 * with the family's weights, constant and duplicate columns dropped. Also the transforms a
 * prediction applies the same way (`applyTransform`, `backTransform`).
 */
import type { BaseFeature, BaseTransform, Family, PolynomialData, PolynomialModel, PolynomialTerm } from './polynomial.js';

const isLogFamily = (f: Family): boolean => f === 'log' || f === 'log-ratio';

function baseTransform(family: Family, kind: BaseFeature['kind']): BaseTransform {
  if (!isLogFamily(family) || kind === 'binary') return 'none';
  return kind === 'positive' ? 'log' : 'log1p';
}

export function applyTransform(t: BaseTransform, x: number): number {
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
export interface Design {
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

interface BaseColumn {
  readonly name: string;
  readonly transform: BaseTransform;
  readonly mean: number;
  readonly sd: number;
  readonly binary: boolean;
  readonly z: Float64Array;
}

interface RawColumn {
  readonly term: Omit<PolynomialTerm, 'coef' | 'mean' | 'sd'>;
  readonly degree: number;
  readonly raw: Float64Array;
}

/** The target in the family's space and the row weights (1 / y^2 for `relative`). */
function familyTargets(data: PolynomialData, family: Family): { t: Float64Array; w: Float64Array } {
  const n = data.y.length;
  const w = new Float64Array(n);
  const t = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const y = data.y[i]!;
    w[i] = family === 'relative' ? 1 / (y * y) : 1;
    t[i] = family === 'log' ? Math.log(y) : family === 'log-ratio' ? Math.log(y / data.offset![i]!) : y;
  }
  return { t, w };
}

/** A feature's values over the rows; every row must hold a finite one. */
function featureColumn(data: PolynomialData, name: string): Float64Array {
  const col = new Float64Array(data.y.length);
  for (let i = 0; i < col.length; i++) {
    const x = data.rows[i]![name];
    if (x === undefined || !Number.isFinite(x)) throw new Error(`polynomial: row ${i} has no finite ${name}`);
    col[i] = x;
  }
  return col;
}

/** Bases: transform, standardize (unweighted), drop constant and duplicate ones. */
function baseColumns(data: PolynomialData, family: Family): BaseColumn[] {
  const n = data.y.length;
  const bases: BaseColumn[] = [];
  const seen = new Set<string>();
  for (const b of data.bases) {
    const transform = baseTransform(family, b.kind);
    const col = featureColumn(data, b.name);
    for (let i = 0; i < n; i++) col[i] = applyTransform(transform, col[i]!);
    const ms = meanSd(col);
    if (isConstant(ms)) continue;
    for (let i = 0; i < n; i++) col[i] = (col[i]! - ms.mean) / ms.sd;
    const key = columnKey(col);
    if (seen.has(key)) continue;
    seen.add(key);
    bases.push({ name: b.name, transform, mean: ms.mean, sd: ms.sd, binary: b.kind === 'binary', z: col });
  }
  return bases;
}

/** Every monomial of total degree 1..maxDegree over the standardized bases, then the specials as they are. */
function termColumns(data: PolynomialData, bases: readonly BaseColumn[], maxDegree: number): RawColumn[] {
  const n = data.y.length;
  const names = bases.map((b) => b.name);
  const cols: RawColumn[] = [];
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
  for (const s of data.specials) cols.push({ term: { name: s, special: s }, degree: 0, raw: featureColumn(data, s) });
  return cols;
}

export function buildDesign(data: PolynomialData, family: Family, maxDegree: number): Design {
  const n = data.y.length;
  const { t, w } = familyTargets(data, family);
  const bases = baseColumns(data, family);
  const cols = termColumns(data, bases, maxDegree);
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

export function backTransform(family: Family, v: number, offset: number | undefined): number {
  if (family === 'log') return Math.exp(v);
  if (family === 'log-ratio') return Math.exp(v) * (offset ?? NaN);
  return v;
}
