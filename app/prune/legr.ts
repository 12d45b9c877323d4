/**
 * `labbench prune`: train (or load) a network, learn LeGR's affine terms by regularized
 * evolution (fitness: validation accuracy after pruning to one budget and a short
 * fine-tune), then cut the one learned ranking at every budget; the baselines (uniform
 * per-layer norm pruning, global norm ranking) are cut at the same budgets. Every final
 * network is fine-tuned the same way, tested, and exported (ONNX, TFLite) with its weights.
 * The run is a search run in the profiles DB, one progress point per evaluation.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LabbenchError } from '../api/errors.js';
import type { PruneBudgetResult, PruneRequest, PruneResult, SearchProgressEvent } from '../api/search.js';
import type { ProfilesDb } from '../../profiles-db/profiles-db.js';
import { trainTicks, withSearchRun } from '../search-run.js';
import { analyzeNetwork } from '../workloads/analyze.js';
import type { Network } from '../workloads/ir.js';
import { initEngine } from '../train/engine.js';
import { loadDataset } from '../train/data.js';
import { evaluate, train } from '../train/trainer.js';
import type { Dataset, TrainProgress } from '../train/types.js';
import { channelGroups, pruneArrays, type KeepSets } from './channels.js';
import { evolve, LEGR_DEFAULTS } from './evolution.js';
import { exportTrained } from './export.js';
import { disposeIrNet, irNetFromArrays, irNetModel, readArrays, type WeightArrays } from '../train/ir-net.js';
import { cutToBudget, globalRanking, identityTerms, layerNorms, uniformCut, type BudgetCut, type CostFn, type LayerNorms } from './ranking.js';
import { headOf, obtainTrained, trainSlice, trainSubset } from '../train/trained.js';
import { bytes, ms, seconds } from '../api/units.js';

export interface LatencyProvider {
  /** Predicted end-to-end latency (ms) of a network on the device: LUT rows where present, NeuralPower elsewhere. */
  predict(network: Network): number;
  /** Measured end-to-end latency (ms) of an ONNX file on the device. */
  measure?(onnxPath: string, signal?: AbortSignal): Promise<number>;
}

export interface PruneDeps {
  readonly db: ProfilesDb;
  readonly cacheDir: string;
  readonly latency?: LatencyProvider;
  readonly signal?: AbortSignal;
  /** Each stored point and, between them, training and fine-tunes inside their epochs (partial). */
  onProgress?(p: SearchProgressEvent): void;
}

const FINETUNE = { optimizer: 'adam' as const, learningRate: 5e-4 };
/** Default seconds of evolution (initial population included): enough for children after LeGR's 64 (README). */
export const PRUNE_TIME_BUDGET_S = 600;
/** Of the evolution's candidates that bring no new best, the DB keeps one in this many. */
const EVOLVE_STORE_EVERY = 8;

function validate(req: PruneRequest): void {
  if (!req.budgets.length) throw new LabbenchError('BAD_INPUT', '--budget needs at least one fraction, e.g. 0.3,0.5,0.7');
  for (const b of req.budgets) if (!(b > 0 && b <= 1)) throw new LabbenchError('BAD_INPUT', `--budget fractions must be in (0, 1], got ${b}`);
  if (req.metric !== 'flops' && req.metric !== 'latency') throw new LabbenchError('BAD_INPUT', `--metric must be flops or latency, got ${String(req.metric)}`);
  if (req.metric === 'latency' && !req.device) throw new LabbenchError('BAD_INPUT', '--metric latency needs --device ID (its LUT and models predict the latency)');
  const ints: [string, number | undefined, number][] = [
    ['epochs', req.epochs, 0], ['finetune-epochs', req.finetuneEpochs, 0], ['finetune-images', req.finetuneImages, 1], ['population', req.population, 1], ['sample', req.sample, 1],
    ['generations', req.generations, 0], ['limit', req.limit, 1], ['batch-size', req.batchSize, 1], ['fitness-images', req.fitnessImages, 1], ['fitness-validation', req.fitnessValidation, 1],
  ];
  if (req.timeBudget !== undefined && !(req.timeBudget > 0 && Number.isFinite(req.timeBudget))) throw new LabbenchError('BAD_INPUT', `--time-budget must be a positive number of seconds, got ${req.timeBudget}`);
  for (const [name, v, min] of ints) if (v !== undefined && !(Number.isInteger(v) && v >= min)) throw new LabbenchError('BAD_INPUT', `--${name} must be a whole number >= ${min}, got ${v}`);
}

const sizeOf = (arrays: WeightArrays, network: Network) => {
  const e = exportTrained(network, arrays);
  return { e, onnx_bytes: e.onnx.length, tflite_bytes: e.tflite.length };
};

export async function runPrune(req: PruneRequest, deps: PruneDeps): Promise<PruneResult> {
  validate(req);
  if (req.metric === 'latency' && !deps.latency) throw new LabbenchError('BAD_INPUT', `--metric latency: no latency model for ${req.device}`);
  const seed = req.seed ?? 1;
  const db = deps.db;
  return withSearchRun(db, 'prune', req, { onProgress: deps.onProgress }, async (run) => {
    let scratch: string | undefined;
    try {
      const engine = await initEngine('auto');
      const data = loadDataset(req.data, { seed, ...(req.limit ? { limit: req.limit } : {}) });
      const trained = await obtainTrained(req.model, data, {
        epochs: req.epochs ?? 3, seed, cacheDir: deps.cacheDir, ...(req.limit ? { limit: req.limit } : {}), ...(req.batchSize ? { batchSize: req.batchSize } : {}), ...(deps.signal ? { signal: deps.signal } : {}),
        onEpoch: (r) => run.progress({ phase: 'train', epoch: r.epoch + 1, epochs: r.epochs, loss: r.loss, accuracy: r.valAccuracy, images_per_s: r.imagesPerSecond }),
        onProgress: trainTicks(run, 'train'),
      });
      const network = trained.net.network;
      const arrays = readArrays(trained.net);
      const baseAccuracy = evaluate(irNetModel(trained.net), data.test, 256, data.shape).accuracy;
      disposeIrNet(trained.net);
      const groups = channelGroups(network);
      const layers = layerNorms(groups, arrays);
      if (!layers.length) throw new LabbenchError('BAD_INPUT', `${network.name} has no prunable layer`);
      const flops: CostFn = (n) => analyzeNetwork(n).total.flops;
      const cost: CostFn = req.metric === 'latency' ? (n) => deps.latency!.predict(n) : flops;

      const finetune = async (keep: KeepSets, tuneOn: Dataset | 'epochs', evalOn: 'val' | 'test', valImages?: number, onProgress?: (p: TrainProgress) => void) => {
        const pruned = pruneArrays(network, groups, arrays, keep);
        const net = irNetFromArrays(pruned.network, pruned.arrays);
        try {
          const model = irNetModel(net);
          const common = { seed, ...FINETUNE, ...(req.batchSize ? { batchSize: req.batchSize } : {}), ...(deps.signal ? { signal: deps.signal } : {}), ...(onProgress ? { onProgress } : {}) };
          if (tuneOn === 'epochs') await train(model, { ...data, test: { ...data.test, n: 0 } }, { ...common, epochs: req.finetuneEpochs ?? 1 });
          else await train(model, tuneOn, { ...common, epochs: 1 });
          const split = evalOn === 'val' ? headOf(data.val.n ? data.val : data.train, valImages ?? 1000) : data.test;
          return { accuracy: evaluate(model, split, 256, data.shape).accuracy, pruned: { network: pruned.network, arrays: readArrays(net) } };
        } finally {
          disposeIrNet(net);
        }
      };

      // Learning the ranking.
      const fitnessBudget = req.fitnessBudget ?? Math.min(...req.budgets);
      const fitnessImages = req.fitnessImages ?? 1280;
      const population = req.population ?? LEGR_DEFAULTS.population;
      // LeGR's search runs by default: children until the time budget is spent, unless --generations fixes the count.
      const timeBudget = req.generations === undefined ? req.timeBudget ?? PRUNE_TIME_BUDGET_S : undefined;
      // Every candidate is fine-tuned on the same seeded subset, so fitness differences are the ranking's.
      const fitnessData = trainSubset(data, fitnessImages, seed);
      const t0 = performance.now();
      let bestStored = -Infinity;
      const learned = await evolve(
        identityTerms(layers),
        async (terms) => {
          const cut = cutToBudget(network, groups, globalRanking(layers, terms), fitnessBudget, cost);
          return (await finetune(cut.keep, fitnessData, 'val', req.fitnessValidation)).accuracy;
        },
        {
          population, ...(req.generations !== undefined ? { generations: req.generations } : { seconds: timeBudget! }), seed, ...(req.sample ? { sample: req.sample } : {}), ...(req.mutateFraction ? { mutateFraction: req.mutateFraction } : {}), ...(deps.signal ? { signal: deps.signal } : {}),
          onEvaluation: (r) => {
            const point = { phase: 'evolve', epoch: r.evaluation + 1, epochs: r.evaluations, accuracy: r.fitness };
            // A time budget evaluates hundreds of candidates: the DB keeps the first, each new best,
            // every EVOLVE_STORE_EVERY-th and the last; the others reach the listener only.
            const improved = r.best > bestStored;
            if (r.evaluation === 0 || improved || (r.evaluation + 1) % EVOLVE_STORE_EVERY === 0 || r.evaluation + 1 >= r.evaluations) {
              bestStored = Math.max(bestStored, r.best);
              run.progress(point);
            } else run.tick(point);
          },
        },
      );
      const rankingSeconds = (performance.now() - t0) / 1000;

      // Cutting every budget, for LeGR and the baselines.
      const methods: { method: PruneBudgetResult['method']; cut: (budget: number) => BudgetCut }[] = [
        { method: 'legr', cut: (b) => cutToBudget(network, groups, globalRanking(layers, learned.best), b, cost) },
      ];
      if (!req.noBaselines) {
        methods.push({ method: 'global-norm', cut: (b) => cutToBudget(network, groups, globalRanking(layers, identityTerms(layers)), b, cost) });
        methods.push({ method: 'uniform', cut: (b) => uniformCut(network, groups, layers as LayerNorms[], b, cost) });
      }
      const base = sizeOf(arrays, network);
      const baseTotal = analyzeNetwork(network).total;
      // A latency budget is measured on the device for every final net: its ONNX file goes to
      // --out, or to a temp folder removed afterwards when none was asked for.
      const measure = req.metric === 'latency' ? deps.latency?.measure : undefined;
      if (measure && !req.outDir) scratch = mkdtempSync(join(tmpdir(), 'labbench-prune-'));
      const fileDir = req.outDir ?? scratch;
      let baseFile: { onnx: string } | undefined;
      if (fileDir) {
        mkdirSync(fileDir, { recursive: true });
        baseFile = { onnx: join(fileDir, `${network.name}-base.onnx`) };
        writeFileSync(baseFile.onnx, base.e.onnx);
      }
      const baseMeasured = measure && baseFile ? await measure(baseFile.onnx, deps.signal) : undefined;
      const results: PruneBudgetResult[] = [];
      let step = 0;
      for (const m of methods) {
        for (const budget of req.budgets) {
          const tc = performance.now();
          const cut = m.cut(budget);
          const cutSeconds = (performance.now() - tc) / 1000;
          const steps = methods.length * req.budgets.length;
          const tuned = await finetune(cut.keep, req.finetuneImages ? trainSlice(data, req.finetuneImages, 0) : 'epochs', 'test', undefined, (p) => run.tick({ phase: `finetune:${m.method}`, epoch: step + p.fraction, epochs: steps, loss: p.loss }));
          const size = sizeOf(tuned.pruned.arrays, tuned.pruned.network);
          const total = analyzeNetwork(tuned.pruned.network).total;
          const name = `${network.name}-${m.method}-${budget}`;
          let artifacts: PruneBudgetResult['artifacts'];
          if (req.outDir) {
            const onnx = join(req.outDir, `${name}.onnx`);
            const tflite = join(req.outDir, `${name}.tflite`);
            mkdirSync(req.outDir, { recursive: true });
            writeFileSync(onnx, size.e.onnx);
            writeFileSync(tflite, size.e.tflite);
            artifacts = { onnx, tflite };
          } else if (scratch) {
            writeFileSync(join(scratch, `${name}.onnx`), size.e.onnx);
          }
          const latency = deps.latency ? deps.latency.predict(tuned.pruned.network) : undefined;
          const measured = measure && fileDir ? await measure(join(fileDir, `${name}.onnx`), deps.signal) : undefined;
          const row: PruneBudgetResult = {
            method: m.method, budget, flops: total.flops, params: total.params, accuracy: tuned.accuracy,
            ...(latency !== undefined ? { latency_ms: ms(latency) } : {}), ...(measured !== undefined ? { measured_latency_ms: ms(measured) } : {}),
            onnx_bytes: bytes(size.onnx_bytes), tflite_bytes: bytes(size.tflite_bytes), ...(artifacts ? { artifacts } : {}), cut_seconds: cutSeconds,
          };
          results.push(row);
          run.progress({ phase: `finetune:${m.method}`, epoch: ++step, epochs: steps, accuracy: tuned.accuracy, ...(latency !== undefined ? { latency_ms: latency } : {}) });
        }
      }
      const result: PruneResult = {
        run_id: run.id, model: req.model, data: req.data, metric: req.metric, ...(req.device ? { device: req.device } : {}),
        base: {
          flops: baseTotal.flops, params: baseTotal.params, accuracy: baseAccuracy,
          ...(deps.latency ? { latency_ms: ms(deps.latency.predict(network)) } : {}), ...(baseMeasured !== undefined ? { measured_latency_ms: ms(baseMeasured) } : {}),
          onnx_bytes: bytes(base.onnx_bytes), tflite_bytes: bytes(base.tflite_bytes),
        },
        results, ranking_seconds: rankingSeconds, evaluations: learned.history.length, generations: learned.generations, population,
        ...(timeBudget !== undefined ? { time_budget_s: seconds(timeBudget) } : {}), fitness_images: fitnessData.train.n, best_fitness: learned.bestFitness, engine: engine.package,
      };
      return result;
    } finally {
      if (scratch) rmSync(scratch, { recursive: true, force: true });
    }
  });
}
