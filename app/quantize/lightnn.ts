/**
 * `labbench quantize`: quantization-aware training of a zoo network (or a model file) with
 * LightNN-1, LightNN-2, FLightNN or BinaryConnect weights (conventional = full precision),
 * or a BNN (BinaryNet, XNOR-Net, LightNN-K-bin: binary activations too, binary.ts),
 * then its test error and the energy of one inference by operation count. Weights of every
 * conv and fc layer are quantized in the forward pass (latent float weights, STE); biases
 * and batch norm stay in full precision, as in the LightNN and BinaryConnect papers.
 */
import * as tf from '@tensorflow/tfjs-core';
import { LabbenchError } from '../api/errors.js';
import type { QuantizeRequest, QuantizeResult, QuantizeSweepRequest, QuantizeSweepResult, SearchProgressEvent } from '../api/search.js';
import type { ProfilesDb } from '../../profiles-db/profiles-db.js';
import { trainTicks, withSearchRun } from '../search-run.js';
import { analyzeNetwork } from '../workloads/analyze.js';
import { isZooName, zooNetwork } from '../workloads/zoo/index.js';
import { initEngine } from '../train/engine.js';
import { loadDataset } from '../train/data.js';
import { train } from '../train/trainer.js';
import { createIrNet, disposeIrNet, irNetModel, type IrNet, type WeightTransform } from '../train/ir-net.js';
import { obtainTrained } from '../train/trained.js';
import { countOps, energyMicrojoules, HOROWITZ_45NM_INT32, paretoFront, type WeightedLayerUse } from './energy.js';
import { withBatchNorm } from './batch-norm.js';
import { binaryActivations, binaryConnectSte, flightnnQuantize, glorotH, LightnnMemo, lightnnValues, SCHEMES, weightScheme, type Scheme, type WeightScheme } from './quantizers.js';
import { ACT_REG_TERMS, BinaryActivations, binarizedLayers, withoutRelu, xnorWeights, type ActRegTerm } from './binary.js';
import { microjoules } from '../api/units.js';

/** LightNN's MNIST test errors (%), the seed's table "Test error results". */
export const SEED_MNIST_TABLE: Readonly<Record<string, Partial<Record<Scheme, number>>>> = {
  'mnist-1hidden': { conventional: 1.72, 'lightnn-2': 1.86, 'lightnn-1': 2.09, binaryconnect: 4.1, 'lightnn-2-bin': 2.94, 'lightnn-1-bin': 3.1, binarynet: 6.79 },
  'mnist-2conv': { conventional: 0.86, 'lightnn-2': 1.29, 'lightnn-1': 2.31, binaryconnect: 4.63, 'lightnn-2-bin': 1.67, 'lightnn-1-bin': 1.86, binarynet: 3.16 },
  'mnist-3hidden': { conventional: 0.75, 'lightnn-2': 0.83, 'lightnn-1': 0.89, binaryconnect: 1.29, 'lightnn-2-bin': 0.89, 'lightnn-1-bin': 0.94, binarynet: 0.96 },
};

const LR_SCHEDULES: readonly NonNullable<QuantizeRequest['lrSchedule']>[] = ['cosine', 'exponential', 'constant'];

export interface QuantizeDeps {
  readonly db: ProfilesDb;
  readonly cacheDir: string;
  readonly signal?: AbortSignal;
  /** Each stored point and, between them, the training's progress inside its epoch (partial). */
  onProgress?(p: SearchProgressEvent): void;
}

interface Quantizer {
  readonly transform?: WeightTransform;
  /** The sign STE on binarized layers' inputs, and the activation-distribution loss. */
  readonly acts?: BinaryActivations;
  readonly extraVariables: tf.Variable[];
  readonly extraLoss?: () => tf.Scalar;
  readonly afterStep?: () => void;
  /** Learning-rate multipliers of the latent weights (BinaryConnect's 1/H per layer). */
  readonly learningRateScales?: ReadonlyMap<tf.Variable, number>;
  /** The weights as the forward pass uses them, for the energy count. */
  values(layer: string, w: tf.Tensor): tf.Tensor;
  twoTermShare?(): number;
  dispose(): void;
}

function weightedLayers(net: IrNet): string[] {
  return net.network.layers.filter((l) => l.op === 'conv' || l.op === 'fc').map((l) => l.name);
}

function fans(w: tf.Variable): { fanIn: number; fanOut: number } {
  const s = w.shape;
  return s.length === 4 ? { fanIn: s[0]! * s[1]! * s[2]!, fanOut: s[0]! * s[1]! * s[3]! } : { fanIn: s[0]!, fanOut: s[1]! };
}

/**
 * The scheme's weight quantizer and, for BinaryNet, XNOR-Net and LightNN-K-bin, the sign of
 * every conv/fc input but the image's (with `actReg`, Ding et al.'s distribution loss on it).
 */
export function makeQuantizer(net: IrNet, scheme: Scheme, penalty: number, actReg: { readonly terms: readonly ActRegTerm[]; readonly weight: number } = { terms: [], weight: 0 }): Quantizer {
  const q = weightQuantizer(net, weightScheme(scheme), penalty);
  if (!binaryActivations(scheme)) return q;
  const acts = new BinaryActivations(net.network, actReg.terms, actReg.weight, weightScheme(scheme) === 'xnor');
  const weightLoss = q.extraLoss;
  return {
    ...q,
    acts,
    ...(actReg.terms.length ? { extraLoss: () => (weightLoss ? tf.add(weightLoss(), acts.loss()) : acts.loss()) as tf.Scalar } : {}),
    afterStep: () => {
      q.afterStep?.();
      acts.record();
    },
    dispose: () => {
      acts.dispose();
      q.dispose();
    },
  };
}

function weightQuantizer(net: IrNet, scheme: WeightScheme, penalty: number): Quantizer {
  const layers = weightedLayers(net);
  const weight = (l: string) => net.params.get(`${l}.weight`)!;
  switch (scheme) {
    case 'conventional':
      return { extraVariables: [], values: (_l, w) => tf.clone(w), dispose: () => undefined };
    case 'xnor':
      // XNOR-Net keeps its latent weights unclipped, at the common learning rate.
      return { transform: (_l, w) => xnorWeights(w), extraVariables: [], values: (_l, w) => tf.tidy(() => xnorWeights(w)), dispose: () => undefined };
    case 'lightnn-1':
    case 'lightnn-2': {
      const k = scheme === 'lightnn-1' ? 1 : 2;
      const memo = new LightnnMemo(k);
      const ste = new Map(layers.map((l) => [l, memo.ste(l)]));
      return { transform: (l, w) => ste.get(l)!(w), extraVariables: [], values: (l, w) => memo.values(l, w), dispose: () => memo.clear() };
    }
    case 'binaryconnect': {
      const h = new Map(layers.map((l) => [l, glorotH(fans(weight(l)).fanIn, fans(weight(l)).fanOut)]));
      const q = new Map(layers.map((l) => [l, binaryConnectSte(h.get(l)!)]));
      // BinaryConnect clips the latent weights to [-H, H] after each update (and here before
      // the first, so that the He-normal start lies in the range the updates keep).
      const clip = () => tf.tidy(() => layers.forEach((l) => weight(l).assign(tf.clipByValue(weight(l), -h.get(l)!, h.get(l)!))));
      clip();
      return {
        transform: (l, w) => q.get(l)!(w),
        extraVariables: [],
        afterStep: clip,
        // Courbariaux et al.'s W_LR_scale = 1/H: a step crosses a layer's range [-H, H] at the same pace whatever its fan.
        learningRateScales: new Map(layers.map((l) => [weight(l), 1 / h.get(l)!])),
        values: (l, w) => tf.tidy(() => tf.mul(tf.sign(tf.add(tf.sign(w), 0.5)), h.get(l)!)),
        dispose: () => undefined,
      };
    }
    case 'flightnn': {
      const thresholds = new Map(layers.map((l) => [l, tf.variable(tf.zeros([weight(l).shape.at(-1)!]), true)]));
      // The gate's temperature is the layer's mean residual energy: a scale-free relaxation.
      const temps = new Map(layers.map((l) => [l, tf.tidy(() => Math.max(1e-12, tf.mean(tf.square(tf.sub(weight(l), lightnnValues(weight(l), 1)))).dataSync()[0]!))]));
      const run = (l: string, w: tf.Tensor) => flightnnQuantize(w, thresholds.get(l)!, w.rank - 1, temps.get(l)!);
      return {
        transform: (l, w) => run(l, w).value,
        extraVariables: [...thresholds.values()],
        extraLoss: () => tf.mul(tf.mean(tf.concat(layers.map((l) => run(l, weight(l)).keep))), penalty) as tf.Scalar,
        values: (l, w) => tf.tidy(() => run(l, w).value),
        twoTermShare: () => tf.tidy(() => tf.mean(tf.concat(layers.map((l) => run(l, weight(l)).keep))).dataSync()[0]!),
        dispose: () => thresholds.forEach((t) => t.dispose()),
      };
    }
  }
}

/** Each conv/fc weight's uses per inference and the bias adds, with the weights the forward pass uses. */
export function layerUses(net: IrNet, q: Quantizer): WeightedLayerUse[] {
  const a = analyzeNetwork(net.network);
  const binary = new Set(q.acts ? binarizedLayers(net.network) : []);
  return a.layers
    .filter((l) => l.layer.op === 'conv' || l.layer.op === 'fc')
    .map((l) => {
      const out = l.outputShape;
      const positions = out.length === 3 ? out[1]! * out[2]! : 1;
      // The tensor leaves the tidy, not its array: tidy walks every key of what it returns,
      // seconds per big layer (docs/decisions/0017-lightnn-quantizer-one-pass.md).
      const t = tf.tidy(() => q.values(l.layer.name, net.params.get(`${l.layer.name}.weight`)!));
      const w = t.dataSync() as Float32Array;
      t.dispose();
      const hasBias = (l.layer.op === 'conv' || l.layer.op === 'fc') && l.layer.bias;
      const fanIn = w.length / (l.layer.op === 'conv' || l.layer.op === 'fc' ? l.layer.out : 1);
      const binaryInput = binary.has(l.layer.name);
      const inputScale = binaryInput && q.acts?.scaleInputs ? { inputElems: l.inputShapes[0]!.reduce((p, d) => p * d, 1), window: l.layer.op === 'conv' ? l.layer.kernel * l.layer.kernel : 1 } : undefined;
      return { name: l.layer.name, weights: w, uses: positions, biasAdds: hasBias ? out.reduce((p, d) => p * d, 1) : 0, fanIn, binaryInput, ...(inputScale ? { inputScale } : {}) };
    });
}

export async function runQuantize(req: QuantizeRequest, deps: QuantizeDeps): Promise<QuantizeResult> {
  if (!SCHEMES.includes(req.scheme)) throw new LabbenchError('BAD_INPUT', `--scheme must be one of ${SCHEMES.join(', ')}, got ${String(req.scheme)}`);
  for (const [name, v, min] of [['epochs', req.epochs, 1], ['pretrain-epochs', req.pretrainEpochs, 0], ['limit', req.limit, 1], ['batch-size', req.batchSize, 1]] as const) {
    if (v !== undefined && !(Number.isInteger(v) && v >= min)) throw new LabbenchError('BAD_INPUT', `--${name} must be a whole number >= ${min}, got ${v}`);
  }
  if (req.lrSchedule !== undefined && !LR_SCHEDULES.includes(req.lrSchedule)) throw new LabbenchError('BAD_INPUT', `--lr-schedule must be one of ${LR_SCHEDULES.join(', ')}, got ${String(req.lrSchedule)}`);
  if (req.finalLearningRate !== undefined && !(req.finalLearningRate > 0 && req.finalLearningRate <= 1)) throw new LabbenchError('BAD_INPUT', `--final-lr must be in (0, 1], got ${req.finalLearningRate}`);
  if (!isZooName(req.model) && req.pretrainEpochs) throw new LabbenchError('BAD_INPUT', '--pretrain-epochs applies to zoo names only (a model file is already trained)');
  const actReg = checkActReg(req);
  const binary = binaryActivations(req.scheme);
  // Binary weights and binary activations train with a norm after every layer (neither can set their output's scale).
  const batchNorm = req.batchNorm ?? (req.scheme === 'binaryconnect' || binary);
  if (req.batchNorm && !(isZooName(req.model) && !req.pretrainEpochs)) throw new LabbenchError('BAD_INPUT', '--batch-norm applies to a zoo name trained from scratch (no --pretrain-epochs)');
  const seed = req.seed ?? 1;
  const epochs = req.epochs ?? 3;
  return withSearchRun(deps.db, 'quantize', req, { onProgress: deps.onProgress }, async (run) => {
    let net: IrNet | undefined;
    let q: Quantizer | undefined;
    try {
      const engine = await initEngine('auto');
      const data = loadDataset(req.data, { seed, ...(req.limit ? { limit: req.limit } : {}) });
      const common = { seed, ...(req.batchSize ? { batchSize: req.batchSize } : {}), ...(deps.signal ? { signal: deps.signal } : {}) };
      if (isZooName(req.model) && !req.pretrainEpochs) {
        const network = binary ? withoutRelu(zooNetwork(req.model)) : zooNetwork(req.model);
        net = createIrNet(batchNorm ? withBatchNorm(network) : network, seed);
      } else {
        net = (await obtainTrained(req.model, data, { ...common, epochs: req.pretrainEpochs ?? 0, cacheDir: deps.cacheDir, ...(req.limit ? { limit: req.limit } : {}), onEpoch: (r) => run.progress({ phase: 'train', epoch: r.epoch + 1, epochs: r.epochs, loss: r.loss, accuracy: r.valAccuracy }), onProgress: trainTicks(run, 'train') })).net;
      }
      // A trained network's ReLUs go too (its parameters stay the same variables).
      if (binary && net.network.layers.some((l) => l.op === 'relu' || l.op === 'relu6')) net = { ...net, network: withoutRelu(net.network) };
      q = makeQuantizer(net, req.scheme, req.flightnnPenalty ?? 1e-3, actReg);
      const acts = q.acts;
      const perEpoch: number[] = [];
      const model = {
        ...irNetModel(net, { ...(q.transform ? { transform: q.transform } : {}), ...(acts ? { inputTransform: acts.transform, outputScale: acts.outputScale } : {}), extraVariables: q.extraVariables, ...(q.extraLoss ? { extraLoss: q.extraLoss } : {}), ...(q.afterStep ? { afterStep: q.afterStep } : {}) }),
        ...(q.learningRateScales ? { learningRateScales: q.learningRateScales } : {}),
      };
      const r = await train(model, data, {
        ...common, epochs, optimizer: 'adam', learningRate: req.learningRate ?? 1e-3,
        lrSchedule: req.lrSchedule ?? 'cosine', finalLearningRate: req.finalLearningRate ?? 0.01,
        onEpoch: (e) => {
          if (acts && actReg.terms.length) perEpoch.push(mean(acts.history.slice(acts.history.length - Math.ceil(data.train.n / (req.batchSize ?? 64)))));
          run.progress({ phase: `train:${req.scheme}`, epoch: e.epoch + 1, epochs: e.epochs, loss: e.loss, accuracy: e.valAccuracy, images_per_s: e.imagesPerSecond });
        },
        onProgress: trainTicks(run, `train:${req.scheme}`),
      });
      const testAccuracy = r.testAccuracy;
      const ops = countOps(layerUses(net, q), req.scheme);
      const seedError = req.data === 'mnist' ? SEED_MNIST_TABLE[req.model]?.[req.scheme] : undefined;
      const share = q.twoTermShare?.();
      const h = acts?.history ?? [];
      const tenth = Math.max(1, Math.floor(h.length / 10));
      const result: QuantizeResult = {
        run_id: run.id, model: req.model, data: req.data, scheme: req.scheme, test_error: 1 - testAccuracy,
        energy_uj: microjoules(energyMicrojoules(ops)), ops, energy_table: HOROWITZ_45NM_INT32.source, binary_activations: binary,
        ...(h.length ? { act_reg: { terms: actReg.terms, weight: actReg.weight, first: mean(h.slice(0, tenth)), last: mean(h.slice(-tenth)), per_epoch: perEpoch } } : {}),
        ...(share !== undefined ? { two_term_filters: share } : {}), ...(seedError !== undefined ? { seed_test_error: seedError / 100 } : {}),
        epochs, batch_norm: batchNorm && isZooName(req.model) && !req.pretrainEpochs, train_seconds: r.seconds,
        engine: engine.nativeMatMul ? `${engine.package} + ${engine.nativeMatMul.package} for products >= ${engine.nativeMatMul.minFlops / 1e6} MFLOP` : engine.package,
      };
      return result;
    } finally {
      q?.dispose();
      if (net) disposeIrNet(net);
    }
  });
}

/**
 * Every scheme asked, one after another on the same network, data and settings; each is its
 * own quantize run in the DB (as if run alone), and the sweep adds their Pareto front.
 */
export async function runQuantizeSweep(req: QuantizeSweepRequest, deps: QuantizeDeps): Promise<QuantizeSweepResult> {
  const { schemes, ...rest } = req;
  if (!schemes.length) throw new LabbenchError('BAD_INPUT', `--scheme needs at least one of ${SCHEMES.join(', ')} (or all)`);
  for (const s of schemes) if (!SCHEMES.includes(s)) throw new LabbenchError('BAD_INPUT', `--scheme must be one of ${SCHEMES.join(', ')} or all, got ${String(s)}`);
  if (new Set(schemes).size !== schemes.length) throw new LabbenchError('BAD_INPUT', `--scheme names a scheme twice: ${schemes.join(',')}`);
  // The activation regularizer applies to the schemes with binary activations (one at least), and to no other; checked before any run.
  checkActReg({ ...rest, scheme: schemes.find(binaryActivations) ?? schemes[0]! });
  const { actReg: _terms, actRegWeight: _weight, ...plain } = rest;
  const runs: QuantizeResult[] = [];
  for (const scheme of schemes) runs.push(await runQuantize(binaryActivations(scheme) ? { ...rest, scheme } : { ...plain, scheme }, deps));
  return { model: req.model, data: req.data, runs, pareto: paretoFront(runs).map((r) => r.scheme) };
}

const mean = (xs: readonly number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

/** The regularizer's terms and weight from the request (none: off); bad input throws before anything runs. */
function checkActReg(req: QuantizeRequest): { readonly terms: readonly ActRegTerm[]; readonly weight: number } {
  const terms = req.actReg ?? [];
  if (req.actReg !== undefined) {
    const bad = terms.filter((t) => !ACT_REG_TERMS.includes(t));
    if (!terms.length || bad.length) throw new LabbenchError('BAD_INPUT', `--act-reg-terms takes ${ACT_REG_TERMS.join(', ')} (comma-separated), got '${terms.join(',')}'`);
    if (new Set(terms).size !== terms.length) throw new LabbenchError('BAD_INPUT', `--act-reg-terms names a term twice: '${terms.join(',')}'`);
    if (!binaryActivations(req.scheme)) throw new LabbenchError('BAD_INPUT', `--act-reg applies to schemes with binary activations (${SCHEMES.filter(binaryActivations).join(', ')}), not ${req.scheme}`);
  }
  const weight = req.actRegWeight ?? 1;
  if (req.actRegWeight !== undefined && req.actReg === undefined) throw new LabbenchError('BAD_INPUT', '--act-reg-weight applies with --act-reg or --act-reg-terms');
  if (!(Number.isFinite(weight) && weight > 0)) throw new LabbenchError('BAD_INPUT', `--act-reg-weight must be a positive number, got ${weight}`);
  return { terms, weight };
}
