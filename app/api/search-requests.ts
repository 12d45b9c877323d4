/**
 * The requests of the searches that train networks, one spec each (see search-method.ts): the
 * schema is the request's one definition (its TS type is `z.infer` of it), the field meta how
 * the CLI, the server and the Search page present it. The service checks values' meaning
 * (a budget in (0, 1], a LUT with the right rows) itself.
 */
import { z } from 'zod';
import { positive, whole as wholeFrom } from './parse.js';
import type { RequestOf, SearchRequestSpec } from './search-method.js';

const dataset = z.enum(['mnist', 'fashion-mnist']);
const count = wholeFrom(1);
const whole = wholeFrom(0);
const pos = positive();
const text = z.string().min(1).max(1000);
const fractionMsg = (iss: { input?: unknown }) => `must be in (0, 1], got ${String(iss.input)}`;
/** A share in (0, 1]: a budget, a width multiplier, a final learning rate. */
const fraction = z.number({ error: fractionMsg }).positive({ error: fractionMsg }).max(1, { error: fractionMsg });

const DATA = { label: 'Data', help: 'training data: mnist or fashion-mnist', arg: 'name', initial: 'mnist' } as const;
const LIMIT = { label: 'Images', help: 'training images used (default: all)', arg: 'n' } as const;
const BATCH = { label: 'Batch', help: 'batch size (default 64)', arg: 'n' } as const;
const SEED = { label: 'Seed', help: 'seed', arg: 'n' } as const;

const nasSchema = z
  .object({
    device: z.string().min(1).max(300).optional(),
    lutFile: text.optional(),
    latency: z.enum(['kernels', 'lut']).optional(),
    targetMs: pos,
    data: dataset,
    epochs: count.optional(),
    trainEpochs: count.optional(),
    limit: count.optional(),
    resolution: count.optional(),
    width: fraction.optional(),
    batchSize: count.optional(),
    randomBaselines: whole.optional(),
    noBaselines: z.boolean().optional(),
    seed: whole.optional(),
    seeds: count.optional(),
    outDir: text.optional(),
    resume: count.optional(),
  })
  .strict();

/** Single-Path NAS against a device's kernel model or LUT (or a LUT file). */
export type NasRequest = RequestOf<typeof nasSchema>;

export const NAS_REQUEST: SearchRequestSpec<'nas', typeof nasSchema> = {
  kind: 'nas',
  title: 'NAS',
  description: "Single-Path NAS against a device's latency (its kernel model, or a LUT): search a network that meets --target-ms, train it and baselines at the same latency",
  ownCommand: true,
  schema: nasSchema,
  fields: {
    device: { label: 'Device (its kernel model or Single-Path NAS LUT)', help: 'a device with a kernel model (labbench fit) or whose LUT has the spnas-space rows', arg: 'id', device: true, uiRequired: true },
    lutFile: { label: 'LUT file', help: 'a LUT file instead (e.g. the public Pixel 1 LUT, or ProxylessNAS’s mobile_trim.yaml)', flag: 'lut', arg: 'file', ui: 'never' },
    latency: {
      label: 'Latency from',
      help: "what the search's latency table comes from: kernels (the device's kernel model, from labbench fit, predicting the whole fused network as the runtime runs it) or lut (the device's spnas-space LUT, blocks timed one by one); default kernels where the device has a kernel model, else lut; a LUT file is always lut",
      arg: 'kernels|lut',
    },
    targetMs: { label: 'Target ms', help: 'latency target on the device, ms', arg: 'ms', initial: 80 },
    data: DATA,
    epochs: { label: 'Search epochs', help: 'search epochs (default 4)', arg: 'n', initial: 4 },
    trainEpochs: { label: 'Train epochs', help: 'epochs to train the found network and each baseline (default 4)', arg: 'n', initial: 4 },
    limit: { ...LIMIT, initial: 2000 },
    batchSize: { ...BATCH, initial: 64 },
    resolution: { label: 'Proxy px', help: 'proxy image size (default 28)', arg: 'px', initial: 28 },
    width: { label: 'Width ×', help: 'proxy channel multiplier (default 0.25)', arg: 'f', initial: 0.25 },
    randomBaselines: { label: 'Random baselines', help: 'random architectures at the same latency to train (default 2)', arg: 'n', initial: 2 },
    noBaselines: { label: 'no baselines', help: 'train only the found network', initial: false },
    seed: SEED,
    seeds: { label: 'Seeds', help: 'train the found network and each baseline with this many seeds (seed, seed + 1, ...): mean, spread, and whether a difference is outside the noise (default 1)', arg: 'n' },
    outDir: { label: 'Output folder', help: 'write the found network at the LUT resolution as ONNX and TFLite here', flag: 'out', arg: 'dir', ui: 'never' },
    resume: { label: 'Resume run', help: 'resume a stopped NAS run from its checkpoint', arg: 'run', ui: 'never' },
  },
};

const pruneSchema = z
  .object({
    model: text,
    budgets: z.array(fraction).min(1).max(64),
    metric: z.enum(['flops', 'latency']),
    device: z.string().min(1).max(300).optional(),
    data: dataset,
    epochs: whole.optional(),
    finetuneEpochs: whole.optional(),
    finetuneImages: count.optional(),
    generations: whole.optional(),
    timeBudget: pos.optional(),
    population: count.optional(),
    sample: count.optional(),
    mutateFraction: fraction.optional(),
    fitnessImages: count.optional(),
    fitnessValidation: count.optional(),
    fitnessBudget: fraction.optional(),
    limit: count.optional(),
    batchSize: count.optional(),
    seed: whole.optional(),
    noBaselines: z.boolean().optional(),
    outDir: text.optional(),
  })
  .strict();

/** LeGR pruning: one learned ranking, cut at each budget, against two baselines. */
export type PruneRequest = RequestOf<typeof pruneSchema>;

export const PRUNE_REQUEST: SearchRequestSpec<'prune', typeof pruneSchema> = {
  kind: 'prune',
  title: 'LeGR pruning',
  description: 'LeGR: learn one global filter ranking, prune to each budget (FLOPs or device latency), against uniform and global-norm baselines',
  ownCommand: true,
  schema: pruneSchema,
  fields: {
    model: { label: 'Model', help: 'a labbench model file, or a zoo name trained first on --data (cached): mnist-vgg, mnist-resnet, mnist-2conv, ...', arg: 'file|name', ui: 'name', initial: 'mnist-1hidden' },
    budgets: { label: 'Budgets', help: 'fractions of the cost to keep, comma-separated, e.g. 0.3,0.5,0.7', flag: 'budget', arg: 'fractions', initial: '0.5' },
    metric: { label: 'Metric', help: 'what the budget limits', arg: 'metric', initial: 'flops' },
    device: { label: 'Device', help: 'device whose LUT and models predict latency (needed for --metric latency; pruned nets are then measured on it)', arg: 'id', device: true },
    data: DATA,
    epochs: { label: 'Epochs', help: 'epochs to train a zoo model first (default 3)', arg: 'n', initial: 1 },
    finetuneEpochs: { label: 'Fine-tune epochs', help: 'fine-tune epochs of each final pruned net (default 1)', arg: 'n', initial: 1 },
    finetuneImages: { label: 'Fine-tune images', help: 'instead of epochs: fine-tune each final pruned net on this many training images, one pass', arg: 'n' },
    generations: { label: 'Generations', help: 'evolution children after the initial population (default: as many as --time-budget allows; 0: the initial population only)', arg: 'n', initial: 4 },
    timeBudget: { label: 'Time budget s', help: 'seconds of evolution, initial population included, when --generations is not given (default 600)', arg: 's' },
    population: { label: 'Population', help: 'evolution population (default 64, as LeGR)', arg: 'n', initial: 8 },
    sample: { label: 'Sample', help: 'tournament sample (default 16)', arg: 'n' },
    mutateFraction: { label: 'Mutate fraction', help: 'fraction of layers mutated per child (default 0.1)', flag: 'mutate', arg: 'fraction' },
    fitnessImages: { label: 'Fitness images', help: 'training images of the short fine-tune per candidate (default 1280)', arg: 'n' },
    fitnessValidation: { label: 'Fitness validation', help: 'validation images that score a candidate (default 1000)', arg: 'n' },
    fitnessBudget: { label: 'Fitness budget', help: 'budget at which candidates are scored (default: the smallest)', arg: 'fraction' },
    limit: { ...LIMIT, initial: 2000 },
    batchSize: BATCH,
    seed: SEED,
    noBaselines: { label: 'no baselines', help: 'LeGR only', initial: false },
    outDir: { label: 'Output folder', help: 'write every pruned net as ONNX and TFLite here (with --metric latency they are measured on the device either way)', flag: 'out', arg: 'dir', ui: 'never' },
  },
};

export const QUANT_SCHEMES = ['conventional', 'lightnn-1', 'lightnn-2', 'flightnn', 'binaryconnect', 'binarynet', 'xnor', 'lightnn-2-bin', 'lightnn-1-bin'] as const;
export const ACT_REG_TERMS = ['degeneration', 'saturation', 'mismatch'] as const;

const quantizeSchema = z
  .object({
    model: text,
    scheme: z.enum(QUANT_SCHEMES),
    data: dataset,
    epochs: count.optional(),
    pretrainEpochs: whole.optional(),
    limit: count.optional(),
    batchSize: count.optional(),
    learningRate: pos.optional(),
    lrSchedule: z.enum(['constant', 'cosine', 'exponential']).optional(),
    batchNorm: z.boolean().optional(),
    finalLearningRate: fraction.optional(),
    flightnnPenalty: pos.optional(),
    actReg: z.array(z.enum(ACT_REG_TERMS)).max(ACT_REG_TERMS.length).optional(),
    actRegWeight: pos.optional(),
    seed: whole.optional(),
  })
  .strict();

/** LightNN / FLightNN / BinaryConnect / BNN (binary activations) quantization-aware training. */
export type QuantizeRequest = RequestOf<typeof quantizeSchema>;

export const QUANTIZE_REQUEST: SearchRequestSpec<'quantize', typeof quantizeSchema> = {
  kind: 'quantize',
  title: 'LightNN quantization',
  description: 'LightNN: train with power-of-two weights (lightnn-1, lightnn-2, flightnn) or binary ones (binaryconnect), or with binary activations too (binarynet, xnor, lightnn-2-bin, lightnn-1-bin); test error and energy per inference',
  ownCommand: true,
  schema: quantizeSchema,
  fields: {
    model: { label: 'Model', help: 'a zoo name (mnist-1hidden, mnist-2conv, mnist-3hidden, ...) or a labbench model file', arg: 'file|name', ui: 'name', initial: 'mnist-1hidden' },
    scheme: { label: 'Scheme', help: `weight constraint, or several comma-separated (or all), each its own run, with their accuracy-energy Pareto front: ${QUANT_SCHEMES.join(', ')}`, arg: 'schemes', initial: 'lightnn-1' },
    data: DATA,
    epochs: { label: 'Epochs', help: 'quantization-aware training epochs (default 3)', arg: 'n', initial: 1 },
    pretrainEpochs: { label: 'Pretrain epochs', help: 'full-precision epochs before (zoo names; default 0)', arg: 'n' },
    limit: { ...LIMIT, initial: 2000 },
    batchSize: BATCH,
    learningRate: { label: 'Learning rate', help: 'Adam learning rate (default 0.001)', flag: 'lr', arg: 'rate' },
    lrSchedule: { label: 'LR schedule', help: 'learning rate over the run: cosine (default), exponential or constant', arg: 'kind' },
    batchNorm: { label: 'batch norm', help: 'batch norm after every conv and fc layer (zoo names from scratch; default for binaryconnect and the binary-activation schemes)' },
    finalLearningRate: { label: 'Final LR fraction', help: "last step's learning rate as a fraction of --lr (default 0.01)", flag: 'final-lr', arg: 'fraction' },
    flightnnPenalty: { label: 'FLightNN penalty', help: 'FLightNN: weight of the two-term filter penalty (default 0.001)', flag: 'penalty', arg: 'weight' },
    actReg: { label: 'Activation loss terms', help: "binary-activation schemes: only these terms of Ding et al.'s activation-distribution loss (comma-separated): degeneration, saturation, mismatch", flag: 'act-reg-terms', arg: 'terms' },
    actRegWeight: { label: 'Activation loss weight', help: 'weight of that loss beside the cross-entropy (default 1)', arg: 'w' },
    seed: SEED,
  },
};

/** Several schemes on one network: one quantize run (search run) per scheme, then their accuracy-energy Pareto front. */
export const quantizeSweepSchema = quantizeSchema.omit({ scheme: true }).extend({ schemes: z.array(z.enum(QUANT_SCHEMES)).min(1).max(QUANT_SCHEMES.length) }).strict();
export type QuantizeSweepRequest = RequestOf<typeof quantizeSweepSchema>;
