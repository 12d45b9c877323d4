/**
 * Regularized (aging) evolution (Real et al., AAAI'19) over LeGR's affine terms, as LeGR's
 * code learns them: a population of candidates; each generation samples `sample` of them,
 * mutates the fittest of the sample into a child, evaluates the child and drops the oldest
 * member. A child differs from its parent in a fraction of the layers: alpha scaled by
 * exp(N(0, sigma)), kappa moved by N(0, sigma). Defaults from LeGR's code: population 64,
 * sample 16, 10% of the layers mutated per child. The number of children is given, or set by
 * a time budget: children follow the initial population (always scored in full) until the
 * budget's seconds since the start are spent.
 */
import { LabbenchError } from '../api/errors.js';
import { Rng } from '../train/rng.js';
import type { AffineTerms } from './ranking.js';

export interface EvolutionOptions {
  readonly population?: number;
  readonly sample?: number;
  /** Children evaluated after the initial population; when absent, as many as `seconds` allows. */
  readonly generations?: number;
  /** Wall-time budget of the whole evolution (initial population included) when `generations` is absent. */
  readonly seconds?: number;
  /** Seconds since some origin (default: performance.now() / 1000); a test's clock makes the budget exact. */
  readonly clock?: () => number;
  readonly mutateFraction?: number;
  readonly sigma?: number;
  readonly seed?: number;
  readonly signal?: AbortSignal;
  /** After each evaluation: index (0-based over every evaluation), its fitness, the best so far. */
  onEvaluation?(report: EvolutionReport): void | Promise<void>;
}

export interface EvolutionReport {
  readonly evaluation: number;
  readonly evaluations: number;
  readonly fitness: number;
  readonly best: number;
  readonly phase: 'init' | 'evolve';
}

export interface EvolutionResult {
  readonly best: AffineTerms;
  readonly bestFitness: number;
  /** Best fitness after each evaluation. */
  readonly history: readonly number[];
  /** Children evaluated after the initial population. */
  readonly generations: number;
}

export const LEGR_DEFAULTS = { population: 64, sample: 16, mutateFraction: 0.1, sigma: 0.3 } as const;

export function mutate(terms: AffineTerms, rng: Rng, fraction: number, sigma: number): AffineTerms {
  const n = terms.alpha.length;
  const alpha = [...terms.alpha];
  const kappa = [...terms.kappa];
  const count = Math.max(1, Math.round(fraction * n));
  const chosen = new Set<number>();
  while (chosen.size < Math.min(count, n)) chosen.add(rng.int(n));
  for (const l of chosen) {
    alpha[l] = alpha[l]! * Math.exp(sigma * rng.normal());
    kappa[l] = kappa[l]! + sigma * rng.normal();
  }
  return { alpha, kappa };
}

export async function evolve(start: AffineTerms, fitness: (t: AffineTerms) => Promise<number>, opts: EvolutionOptions): Promise<EvolutionResult> {
  const population = opts.population ?? LEGR_DEFAULTS.population;
  const sample = Math.min(opts.sample ?? LEGR_DEFAULTS.sample, population);
  const fraction = opts.mutateFraction ?? LEGR_DEFAULTS.mutateFraction;
  const sigma = opts.sigma ?? LEGR_DEFAULTS.sigma;
  if (!Number.isInteger(population) || population < 1) throw new LabbenchError('BAD_INPUT', `population must be a positive integer, got ${population}`);
  if (!Number.isInteger(sample) || sample < 1) throw new LabbenchError('BAD_INPUT', `sample must be a positive integer, got ${sample}`);
  if (opts.generations !== undefined && !(Number.isInteger(opts.generations) && opts.generations >= 0)) throw new LabbenchError('BAD_INPUT', `generations must be a whole number, got ${opts.generations}`);
  if (opts.generations === undefined && !(opts.seconds !== undefined && opts.seconds >= 0)) throw new LabbenchError('BAD_INPUT', `evolution needs generations or a time budget in seconds >= 0, got ${opts.seconds}`);
  const rng = new Rng(opts.seed ?? 1);
  const now = opts.clock ?? ((): number => performance.now() / 1000);
  const t0 = now();
  const elapsed = (): number => now() - t0;
  // With a time budget the total is an estimate from the pace so far (for progress only).
  const planned = (): number => {
    if (opts.generations !== undefined) return population + opts.generations;
    const done = history.length;
    const pace = done > 0 ? elapsed() / done : 0;
    const left = pace > 0 ? Math.max(0, Math.floor((opts.seconds! - elapsed()) / pace)) : 0;
    return Math.max(population, done + left);
  };
  const members: { terms: AffineTerms; fitness: number }[] = [];
  const history: number[] = [];
  let best = { terms: start, fitness: -Infinity };

  const score = async (terms: AffineTerms, phase: 'init' | 'evolve'): Promise<number> => {
    if (opts.signal?.aborted) throw new LabbenchError('CANCELED', 'evolution canceled');
    const f = await fitness(terms);
    if (f > best.fitness) best = { terms, fitness: f };
    history.push(best.fitness);
    await opts.onEvaluation?.({ evaluation: history.length - 1, evaluations: planned(), fitness: f, best: best.fitness, phase });
    return f;
  };

  // The first member is the plain norm ranking; the rest are its mutants.
  for (let i = 0; i < population; i++) {
    const terms = i === 0 ? start : mutate(start, rng, fraction, sigma);
    members.push({ terms, fitness: await score(terms, 'init') });
  }
  let g = 0;
  for (; opts.generations !== undefined ? g < opts.generations : elapsed() < opts.seconds!; g++) {
    let parent = members[rng.int(members.length)]!;
    for (let s = 1; s < sample; s++) {
      const c = members[rng.int(members.length)]!;
      if (c.fitness > parent.fitness) parent = c;
    }
    const child = mutate(parent.terms, rng, fraction, sigma);
    members.push({ terms: child, fitness: await score(child, 'evolve') });
    members.shift();
  }
  return { best: best.terms, bestFitness: best.fitness, history, generations: g };
}
