/**
 * Searches that train networks: Single-Path NAS, LeGR pruning, LightNN quantization. Each
 * run is kept in the DB with its progress (one point per epoch or generation) and its
 * result, so the CLI, the UI and a later resume see the same record.
 */

export type SearchKind = 'nas' | 'prune' | 'quantize';
export type SearchStatus = 'running' | 'done' | 'failed' | 'canceled';
export type DatasetName = 'mnist' | 'fashion-mnist';

/** One point of a search's progress: an epoch of NAS or training, a generation of LeGR. */
export interface SearchProgressPoint {
  /** Which phase of the run: 'search', 'train', 'baseline:<name>', 'evolve', 'finetune'... */
  readonly phase: string;
  readonly epoch: number;
  readonly epochs: number;
  readonly loss?: number;
  readonly accuracy?: number;
  /** Predicted latency of the current architecture (NAS) or network (pruning), from the LUT and models. */
  readonly latency_ms?: number;
  /** NAS: the current choice per searchable layer ('k3e3', 'k5e6', 'skip', ...). */
  readonly choices?: readonly string[];
  readonly images_per_s?: number;
}

/**
 * What a prune or quantize run tells its listener: each point the DB keeps (one per epoch,
 * evaluation or fine-tune) and, between them, where the phase stands (`partial`).
 */
export interface SearchProgressEvent {
  readonly run_id: number;
  /** A partial point's `epoch` is fractional: epochs (or steps) of its phase finished so far. */
  readonly point: SearchProgressPoint;
  /** A point inside an epoch: sent to listeners only, never stored (the DB keeps one per epoch). */
  readonly partial?: boolean;
  /** Seconds left of the point's phase, from its pace so far; absent until the pace is known. */
  readonly eta_s?: number;
}

export interface SearchRunSummary {
  readonly id: number;
  readonly kind: SearchKind;
  readonly status: SearchStatus;
  readonly created_at: string;
  readonly updated_at: string;
  /** The request as given (device or LUT, data, target, epochs...). */
  readonly params: Readonly<Record<string, unknown>>;
  readonly progress: readonly SearchProgressPoint[];
  /** The command's --json document once done (NasResult, PruneResult, QuantizeResult). */
  readonly result?: Readonly<Record<string, unknown>>;
  readonly error?: string;
}

/** Single-Path NAS. */
export interface NasRequest {
  /** A device in the DB whose LUT has the spnas-space rows, or... */
  readonly device?: string;
  /** ...a LUT file (e.g. shared/data/pixel1-single-path-nas-lut.json). */
  readonly lutFile?: string;
  readonly targetMs: number;
  readonly data: DatasetName;
  /** Search epochs; the found network and each baseline then train for `trainEpochs`. */
  readonly epochs?: number;
  readonly trainEpochs?: number;
  /** Training images used (the rest of the split is left out): a budget knob for tests and demos. */
  readonly limit?: number;
  /** Proxy resolution of the training images (the latency counted is the LUT's, at 224). */
  readonly resolution?: number;
  /** Width multiplier of the proxy supernet's channels (1 = the space's real widths). */
  readonly width?: number;
  readonly batchSize?: number;
  /** Random architectures meeting the target, trained as baselines. */
  readonly randomBaselines?: number;
  /** Skip training the baselines (search and the found net only). */
  readonly noBaselines?: boolean;
  readonly seed?: number;
  /** Training seeds per network (found and baselines): each is trained this many times, seed, seed + 1, ... (default 1). */
  readonly seeds?: number;
  /** Where to write the found network (ONNX and TFLite at the LUT's resolution). */
  readonly outDir?: string;
  /** Resume this run (its checkpoint) instead of starting a new one. */
  readonly resume?: number;
}

export interface NasLayerChoice {
  readonly layer: number;
  /** 'k3e3' | 'k3e6' | 'k5e3' | 'k5e6' | 'skip'. */
  readonly choice: string;
  readonly latency_ms: number;
}

export interface NasCandidate {
  readonly name: string;
  readonly architecture: readonly string[];
  readonly predicted_latency_ms: number;
  /** Mean test accuracy over the seeds. */
  readonly accuracy: number;
  /** Test accuracy per training seed, and their sample standard deviation (0 for one seed). */
  readonly accuracies: readonly number[];
  readonly accuracy_sd: number;
  /** Baselines only: the found network's mean minus this one's, and whether that is outside the seeds' noise (Welch, 5 %). */
  readonly found_minus_this?: number;
  readonly noise?: 'outside' | 'inside' | 'unknown';
  /** That comparison in words. */
  readonly comparison?: string;
}

export interface NasResult {
  readonly run_id: number;
  readonly lut: string;
  readonly target_ms: number;
  readonly architecture: readonly NasLayerChoice[];
  readonly predicted_latency_ms: number;
  /** Test accuracy of the found network after training (mean over the seeds). */
  readonly accuracy: number;
  /** Per training seed, and their sample standard deviation. */
  readonly accuracies: readonly number[];
  readonly accuracy_sd: number;
  readonly seeds: number;
  readonly baselines: readonly NasCandidate[];
  /** Layers the found network skips, of those that may be skipped (residual layers). */
  readonly skipped: { readonly layers: number; readonly of: number };
  /** What the run wants the user to know (e.g. a skip-heavy collapse); the CLI prints each. */
  readonly warnings: readonly string[];
  readonly search_seconds: number;
  /** Wall time of training the found network once (its first seed). */
  readonly train_seconds: number;
  readonly engine: string;
  readonly artifacts?: { readonly onnx?: string; readonly tflite?: string };
  /** The found network as a workload name (`spnas:k3e3,...`) that `labbench profile` and `predict` take. */
  readonly workload: string;
  /** The LUT's input resolution, at which the prediction holds. */
  readonly resolution: number;
}

export interface NasProgress {
  readonly run_id: number;
  /** 'search', 'train', 'baseline:<name>'. */
  readonly phase: string;
  /** Epochs finished over all phases (fractional within an epoch), out of `total`. */
  readonly done: number;
  readonly total: number;
  /** Seconds left of the whole run, from the pace so far. */
  readonly eta_s?: number;
  /** Present when an epoch has just finished (the point the DB keeps); absent in the reports inside an epoch. */
  readonly point?: SearchProgressPoint;
}

/** LeGR pruning: one learned ranking, cut at each budget, against two baselines. */
export interface PruneRequest {
  /** A model file (labbench-net) or a zoo name, trained first on `data` (or its cached checkpoint). */
  readonly model: string;
  /** Fractions of the original cost to keep, e.g. [0.3, 0.5, 0.7]. */
  readonly budgets: readonly number[];
  readonly metric: 'flops' | 'latency';
  /** Device whose LUT and NeuralPower models predict latency (metric latency); its network runs are measured there. */
  readonly device?: string;
  readonly data: DatasetName;
  /** Epochs to train a zoo model before pruning (default 3). */
  readonly epochs?: number;
  /** Epochs of fine-tuning for each final pruned network (default 1). */
  readonly finetuneEpochs?: number;
  /** Instead of epochs: fine-tune each final pruned network on this many training images, one pass (a budget knob on slow machines). */
  readonly finetuneImages?: number;
  /** Images of the short fine-tune in each fitness evaluation (LeGR's tau; default 1,280). */
  readonly fitnessImages?: number;
  /** Validation images that score a candidate (default 1,000). */
  readonly fitnessValidation?: number;
  /** Budget at which candidates are scored (default: the smallest). */
  readonly fitnessBudget?: number;
  readonly population?: number;
  readonly sample?: number;
  /** Children after the initial population; when absent, as many as `timeBudget` allows (0: the initial population only). */
  readonly generations?: number;
  /** Seconds of evolution (initial population included) when `generations` is absent (default 600). */
  readonly timeBudget?: number;
  readonly mutateFraction?: number;
  readonly limit?: number;
  readonly batchSize?: number;
  readonly seed?: number;
  readonly noBaselines?: boolean;
  /** Write each pruned network (ONNX and TFLite) here. */
  readonly outDir?: string;
}

export interface PruneBudgetResult {
  readonly method: 'legr' | 'uniform' | 'global-norm';
  readonly budget: number;
  readonly flops: number;
  readonly params: number;
  /** Test accuracy after the fine-tune. */
  readonly accuracy: number;
  /** Predicted latency (metric latency). */
  readonly latency_ms?: number;
  /** Measured end to end on the device (metric latency). */
  readonly measured_latency_ms?: number;
  readonly onnx_bytes: number;
  readonly tflite_bytes: number;
  readonly artifacts?: { readonly onnx: string; readonly tflite: string };
  /** Seconds to cut the network from the ranking (learning the ranking excluded). */
  readonly cut_seconds: number;
}

export interface PruneResult {
  readonly run_id: number;
  readonly model: string;
  readonly data: DatasetName;
  readonly metric: 'flops' | 'latency';
  readonly device?: string;
  readonly base: { readonly flops: number; readonly params: number; readonly accuracy: number; readonly latency_ms?: number; readonly measured_latency_ms?: number; readonly onnx_bytes: number; readonly tflite_bytes: number };
  readonly results: readonly PruneBudgetResult[];
  /** Wall time of learning the ranking (the evolution). */
  readonly ranking_seconds: number;
  /** Candidates evaluated: the initial population plus one per generation. */
  readonly evaluations: number;
  /** Generations (children) run after the initial population. */
  readonly generations: number;
  readonly population: number;
  /** The evolution's time budget in seconds; absent when `--generations` fixed the count. */
  readonly time_budget_s?: number;
  /** Training images of every candidate's fine-tune: one seeded subset, the same for all candidates. */
  readonly fitness_images: number;
  readonly best_fitness: number;
  readonly engine: string;
}

/** LightNN / FLightNN / BinaryConnect / BNN (binary activations) quantization-aware training. */
export interface QuantizeRequest {
  readonly model: string;
  readonly scheme: 'conventional' | 'lightnn-1' | 'lightnn-2' | 'flightnn' | 'binaryconnect' | 'binarynet' | 'xnor' | 'lightnn-2-bin' | 'lightnn-1-bin';
  readonly data: DatasetName;
  /** Epochs of quantization-aware training (default 3). */
  readonly epochs?: number;
  /** Epochs to train a zoo model in full precision first (default 0: quantized training from scratch). */
  readonly pretrainEpochs?: number;
  readonly limit?: number;
  readonly batchSize?: number;
  readonly learningRate?: number;
  /** Learning rate over the run (default 'cosine': decays to learningRate * finalLearningRate at the last step). */
  readonly lrSchedule?: 'constant' | 'cosine' | 'exponential';
  /** The last step's learning rate as a fraction of the first (default 0.01). */
  readonly finalLearningRate?: number;
  /** Batch norm after every conv and fc layer (zoo names trained from scratch; default: BinaryConnect only). */
  readonly batchNorm?: boolean;
  readonly seed?: number;
  /** FLightNN: weight of the penalty on two-term filters (default 1e-3). */
  readonly flightnnPenalty?: number;
  /** Binary-activation schemes: the terms of Ding et al.'s activation-distribution loss to add (none: off). */
  readonly actReg?: readonly ('degeneration' | 'saturation' | 'mismatch')[];
  /** Weight of that loss beside the cross-entropy (default 1). */
  readonly actRegWeight?: number;
}

/** Several schemes on one network: one quantize run (search run) per scheme, then their accuracy-energy Pareto front. */
export interface QuantizeSweepRequest extends Omit<QuantizeRequest, 'scheme'> {
  readonly schemes: readonly QuantizeRequest['scheme'][];
}

export interface QuantizeSweepResult {
  readonly model: string;
  readonly data: DatasetName;
  /** One result per scheme, in the order asked. */
  readonly runs: readonly QuantizeResult[];
  /** Schemes no other run beats on both test error and energy, cheapest first. */
  readonly pareto: readonly QuantizeRequest['scheme'][];
}

export interface QuantizeResult {
  readonly run_id: number;
  readonly model: string;
  readonly data: DatasetName;
  readonly scheme: QuantizeRequest['scheme'];
  readonly test_error: number;
  readonly energy_uj: number;
  readonly ops: { readonly mults: number; readonly adds: number; readonly shifts: number; readonly xnors?: number; readonly popcounts?: number };
  readonly energy_table: string;
  /** Whether the conv/fc inputs after the first were binarized (BinaryNet, XNOR-Net, LightNN-K-bin). */
  readonly binary_activations?: boolean;
  /**
   * The activation-distribution loss (unweighted, mean over binarized layers) when it was on:
   * its mean over the first and over the last tenth of the training steps, and per epoch.
   */
  readonly act_reg?: { readonly terms: readonly string[]; readonly weight: number; readonly first: number; readonly last: number; readonly per_epoch: readonly number[] };
  /** FLightNN: the share of filters that kept two terms. */
  readonly two_term_filters?: number;
  /** The seed's figure for this network and scheme (LightNN's MNIST table), where it has one. */
  readonly seed_test_error?: number;
  readonly epochs: number;
  /** Whether batch norm followed every conv and fc layer in training. */
  readonly batch_norm: boolean;
  readonly train_seconds: number;
  readonly engine: string;
}
