// The polynomial lasso on data from known generating functions: it recovers them, CV picks
// the generating degree, and irrelevant features get no terms.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitPolynomial, predictPolynomial, type BaseFeature, type PolynomialData } from './polynomial.js';
import { monomialName, monomials } from './polynomial-design.js';
import { rmspe } from './metrics.js';
import { gaussian, mulberry32 } from '../util/rng.js';

const binomial = (n: number, k: number): number => (k === 0 ? 1 : (binomial(n, k - 1) * (n - k + 1)) / k);

test('monomials: every exponent vector of degree 1..K, binary variables at most linear', () => {
  // Monomials of degree 1..K in n variables: C(n + K, K) - 1.
  assert.equal(monomials(3, 2).length, binomial(5, 2) - 1); // 9
  assert.equal(monomials(5, 3).length, binomial(8, 3) - 1); // 55
  const m = monomials(2, 2, [false, true]);
  // a, b, a^2, a*b (no b^2)
  assert.deepEqual(m.map((e) => monomialName(['a', 'b'], e)), ['a', 'b', 'a^2', 'a*b']);
});

const names = ['a', 'b', 'c', 'd', 'e'];
const bases: BaseFeature[] = names.map((name) => ({ name, kind: 'positive' }));

/** Samples of `f` on [1, 10]^5 with relative noise. */
function synth(f: (r: Record<string, number>) => number, n: number, seed: number, noise = 0.01): PolynomialData {
  const u = mulberry32(seed);
  const g = gaussian(u);
  const rows: Record<string, number>[] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = Object.fromEntries(names.map((k) => [k, 1 + 9 * u()]));
    rows.push(r);
    y.push(f(r) * (1 + noise * g()));
  }
  return { bases, specials: [], rows, y };
}

const quadratic = (r: Record<string, number>): number => 2 + 0.5 * r.a! * r.b! + 0.3 * r.c!;
const linear = (r: Record<string, number>): number => 1 + 0.8 * r.a! + 0.2 * r.d!;

test('recovers a degree-2 generating function: degree 2 chosen, held-out error at the noise level', () => {
  const m = fitPolynomial(synth(quadratic, 250, 1), { families: ['relative', 'linear'] });
  assert.equal(m.degree, 2, `chose degree ${m.degree}: ${JSON.stringify(m.candidates)}`);
  const test = synth(quadratic, 200, 2, 0);
  const pred = test.rows.map((r) => predictPolynomial(m, r));
  assert.ok(rmspe(test.y, pred) < 0.01, `held-out RMSPE ${rmspe(test.y, pred)}`);
  assert.ok(m.cv.rmspe_pct > 0.5 && m.cv.rmspe_pct < 2, `CV RMSPE ${m.cv.rmspe_pct} % should be near the 1 % noise`);
  // The dominant terms are the generating ones: a*b carries the curvature.
  assert.ok(m.terms.some((t) => t.name === 'a*b'), m.terms.map((t) => t.name).join(' '));
});

test('a degree-1 generating function gets degree 1; degree 1 alone misses a quadratic badly', () => {
  const m1 = fitPolynomial(synth(linear, 200, 3), { families: ['relative', 'linear'] });
  assert.equal(m1.degree, 1, JSON.stringify(m1.candidates));
  const m2 = fitPolynomial(synth(quadratic, 200, 4), { families: ['relative'], degrees: [1] });
  assert.ok(m2.cv.rmspe_pct > 10, `a plane through a*b: ${m2.cv.rmspe_pct} %`);
});

test('lasso zeroes terms of irrelevant features', () => {
  // y depends on a and d only; b, c, e are noise features.
  const m = fitPolynomial(synth(linear, 200, 5), { families: ['relative'] });
  const irrelevant = m.terms.filter((t) => Object.keys(t.powers ?? {}).some((k) => k === 'b' || k === 'c' || k === 'e'));
  assert.deepEqual(irrelevant.map((t) => t.name), []);
  const names = m.terms.map((t) => t.name);
  assert.ok(names.includes('a') && names.includes('d'), names.join(' '));
});

test('log family: a power law is degree 1 in log space', () => {
  // T = 0.01 * a^1.5 * b / c: log T is linear in log a, log b, log c.
  const m = fitPolynomial(synth((r) => (0.01 * r.a! ** 1.5 * r.b!) / r.c!, 150, 6, 0.02), { families: ['log', 'relative'] });
  assert.equal(m.family, 'log');
  assert.equal(m.degree, 1);
  // Coefficients back in log units: coef / sd(term) * ... the base standardization makes
  // the slope on log a = coef / (term sd) / (base sd); check the exponents.
  const slope = (name: string): number => {
    const t = m.terms.find((x) => x.name === name)!;
    const base = m.bases.find((x) => x.name === name)!;
    return t.coef / t.sd / base.sd;
  };
  assert.ok(Math.abs(slope('a') - 1.5) < 0.05, `a: ${slope('a')}`);
  assert.ok(Math.abs(slope('b') - 1) < 0.05, `b: ${slope('b')}`);
  assert.ok(Math.abs(slope('c') + 1) < 0.05, `c: ${slope('c')}`);
});

test('log-ratio family models T / offset; JSON round trip predicts the same', () => {
  const data = synth((r) => 0.5 * r.a! * r.b! * (1 + 0.1 * Math.log(r.c!)), 150, 7);
  const offset = data.rows.map((r) => 0.5 * r.a! * r.b!);
  const m = fitPolynomial({ ...data, offset }, { families: ['log-ratio'] });
  assert.equal(m.family, 'log-ratio');
  assert.ok(m.cv.rmspe_pct < 2, `${m.cv.rmspe_pct}`);
  const copy = JSON.parse(JSON.stringify(m)) as typeof m;
  const r = data.rows[0]!;
  assert.equal(predictPolynomial(copy, r, offset[0]), predictPolynomial(m, r, offset[0]));
  assert.throws(() => predictPolynomial(m, r), /offset/);
});

test('constant and duplicate features are dropped; bad targets are refused', () => {
  const data = synth(linear, 60, 8);
  const rows = data.rows.map((r) => ({ ...r, k: 3, a2: r.a! }));
  const m = fitPolynomial({ ...data, rows, bases: [...bases, { name: 'k', kind: 'positive' }, { name: 'a2', kind: 'positive' }] }, { degrees: [1] });
  assert.deepEqual(m.bases.map((b) => b.name), names);
  assert.throws(() => fitPolynomial({ ...data, y: data.y.map((v, i) => (i === 3 ? -1 : v)) }), /positive/);
  assert.throws(() => fitPolynomial({ ...data, rows: data.rows.slice(0, 2), y: data.y.slice(0, 2) }), /at least 3/);
});

test('selection by log error keeps predictions centred; selection by RMSPE shrinks them', () => {
  // Runtimes spanning decades with 30 % multiplicative noise, as layers of a device are.
  const u = mulberry32(11);
  const g = gaussian(u);
  const make = (n: number): PolynomialData => {
    const rows: Record<string, number>[] = [];
    const y: number[] = [];
    for (let i = 0; i < n; i++) {
      const r = Object.fromEntries(names.map((k) => [k, Math.exp(3 * u())]));
      rows.push(r);
      y.push(0.01 * r.a! * r.b! * Math.exp(0.3 * g()));
    }
    return { bases, specials: [], rows, y };
  };
  const train = make(150);
  const test = make(400);
  const logBias = (criterion: 'log' | 'rmspe'): number => {
    const m = fitPolynomial(train, { criterion, families: ['relative', 'log'] });
    const lr = test.rows.map((r, i) => Math.log(predictPolynomial(m, r) / test.y[i]!)).sort((a, b) => a - b);
    return lr[lr.length >> 1]!;
  };
  const byLog = logBias('log');
  const byRmspe = logBias('rmspe');
  assert.ok(Math.abs(byLog) < 0.08, `median log(predicted / actual) by log error: ${byLog.toFixed(3)}`);
  assert.ok(byRmspe < byLog - 0.05, `by RMSPE ${byRmspe.toFixed(3)} should sit below by log ${byLog.toFixed(3)}`);
});
