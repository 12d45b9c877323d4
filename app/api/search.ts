/**
 * Searches that train networks: Single-Path NAS, LeGR pruning, LightNN quantization. Each
 * run is kept in the DB with its progress (one point per epoch or generation) and its
 * result, so the CLI, the UI and a later resume see the same record.
 */

import type { NasRequest, PruneRequest, QuantizeRequest } from './search-requests.js';

export type { NasRequest, PruneRequest, QuantizeRequest, QuantizeSweepRequest } from './search-requests.js';
import type { Bytes, Microjoules, Ms, Seconds } from './units.js';

/** The built-in methods' kinds, whose exact types `SearchMethodTypes` gives; another registered method's kind is any string the registry checks at run time. */
export type SearchKind = keyof SearchMethodTypes;
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
  /** A registered search method's kind (app/search-methods.ts): nas, prune, quantize, ... */
  readonly kind: string;
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

export interface NasLayerChoice {
  readonly layer: number;
  /** 'k3e3' | 'k3e6' | 'k5e3' | 'k5e6' | 'skip'. */
  readonly choice: string;
  readonly latency_ms: Ms;
}

export interface NasCandidate {
  readonly name: string;
  readonly architecture: readonly string[];
  readonly predicted_latency_ms: Ms;
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
  /** What the latency table came from, in words: the LUT's device or file, or the device whose kernel model it is. */
  readonly lut: string;
  /** `kernels`: the device's kernel model predicted the fused networks; `lut`: the spnas-space LUT's blocks (absent in runs older than the choice). */
  readonly latency_source?: 'kernels' | 'lut';
  readonly target_ms: Ms;
  readonly architecture: readonly NasLayerChoice[];
  readonly predicted_latency_ms: Ms;
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
  /**
   * Epochs the search ran (fractional): fewer than planned when every decision settled before
   * the end, after which further steps would only train supernet weights that nobody keeps.
   */
  readonly search_epochs?: number;
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

export interface PruneBudgetResult {
  readonly method: 'legr' | 'uniform' | 'global-norm';
  readonly budget: number;
  readonly flops: number;
  readonly params: number;
  /** Test accuracy after the fine-tune. */
  readonly accuracy: number;
  /** Predicted latency (metric latency). */
  readonly latency_ms?: Ms;
  /** Measured end to end on the device (metric latency). */
  readonly measured_latency_ms?: Ms;
  readonly onnx_bytes: Bytes;
  readonly tflite_bytes: Bytes;
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
  readonly base: { readonly flops: number; readonly params: number; readonly accuracy: number; readonly latency_ms?: Ms; readonly measured_latency_ms?: Ms; readonly onnx_bytes: Bytes; readonly tflite_bytes: Bytes };
  readonly results: readonly PruneBudgetResult[];
  /** Wall time of learning the ranking (the evolution). */
  readonly ranking_seconds: number;
  /** Candidates evaluated: the initial population plus one per generation. */
  readonly evaluations: number;
  /** Generations (children) run after the initial population. */
  readonly generations: number;
  readonly population: number;
  /** The evolution's time budget in seconds; absent when `--generations` fixed the count. */
  readonly time_budget_s?: Seconds;
  /** Training images of every candidate's fine-tune: one seeded subset, the same for all candidates. */
  readonly fitness_images: number;
  readonly best_fitness: number;
  readonly engine: string;
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
  readonly energy_uj: Microjoules;
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

/** What a caller of a search lends it: its progress listener, its warnings' listener, a cancel signal. */
export interface SearchCallHooks<P> {
  onProgress?: (p: P) => void;
  onWarning?: (message: string) => void;
  signal?: AbortSignal;
}

/** Each built-in method's request, progress and result, by kind (a new method needs no line here: its types come from its descriptor). */
export interface SearchMethodTypes {
  nas: { request: NasRequest; progress: NasProgress; result: NasResult };
  prune: { request: PruneRequest; progress: SearchProgressEvent; result: PruneResult };
  quantize: { request: QuantizeRequest; progress: SearchProgressEvent; result: QuantizeResult };
}
