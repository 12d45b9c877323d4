/**
 * The contract of the training engine that NAS (app/nas), LeGR (app/prune) and LightNN
 * (app/quantize) build on. A model is plain tfjs-core ops over variables it owns, so that a
 * search can put its own parameters (thresholds, rankings) into the same graph.
 */
import type { Scalar, Tensor2D, Tensor4D, Variable } from '@tensorflow/tfjs-core';

/** Which tfjs backend runs: tfjs-node(-gpu) registers 'tensorflow'. */
export type EnginePreference = 'auto' | 'gpu' | 'node' | 'wasm' | 'cpu';

export interface EngineInfo {
  /** tf.getBackend() after initialisation: 'tensorflow', 'wasm' or 'cpu'. */
  readonly backend: string;
  /** The npm package that supplied it, e.g. '@tensorflow/tfjs-backend-wasm'. */
  readonly package: string;
  readonly gpu: boolean;
  readonly threads: number;
  /** Why each preferred backend was passed over (package absent, no CUDA GPU, ...). */
  readonly skipped: readonly string[];
  /**
   * Large matrix products on a native BLAS in a worker thread (wasm backend only), as set up
   * by initEngine; absent: every product runs on the backend's own kernels. A product that
   * fails there switches it off for the process (nativeMatMulState in wasm-native-matmul.ts).
   */
  readonly nativeMatMul?: { readonly package: string; readonly threads: number; readonly minFlops: number };
}

/** Images NHWC in [0, 1], labels as class indices. */
export interface Split {
  readonly x: Float32Array;
  readonly y: Uint8Array;
  readonly n: number;
}

export interface Dataset {
  readonly name: string;
  /** [height, width, channels] of one image. */
  readonly shape: readonly [number, number, number];
  readonly classes: number;
  readonly train: Split;
  readonly val: Split;
  readonly test: Split;
  /** Whether mirrored images stay in their class (clothes yes, digits no): augmentation may flip. */
  readonly hflip?: boolean;
}

export interface LoadOptions {
  /** Fraction of the training file held out for validation (default 0.1). */
  readonly validation?: number;
  /** Keep only the first N training (and N/6 test) images: tests and smoke runs. */
  readonly limit?: number;
  /** Resize to this square resolution (proxy training at other sizes). */
  readonly resolution?: number;
  readonly seed?: number;
}

export interface TrainableModel {
  /** Every variable the optimizer updates (weights, and a search's own parameters). */
  readonly variables: readonly Variable[];
  /** Logits [batch, classes]; training = true uses batch statistics in batch norm and updates its running averages. */
  forward(x: Tensor4D, training: boolean): Tensor2D;
  /** Added to the cross-entropy (a runtime penalty, a regularizer); called inside the gradient tape. */
  extraLoss?(): Scalar;
  /** After each optimizer step, outside the tape (projections, clipping of search parameters). */
  afterStep?(): void;
  /** Checked after each step: true ends the training there (a search whose decisions have all settled). */
  finished?(): boolean;
  /** Per-variable multipliers of the learning rate (absent: 1), e.g. BinaryConnect's 1/H per layer. */
  readonly learningRateScales?: ReadonlyMap<Variable, number>;
}

export interface EpochReport {
  readonly epoch: number;
  readonly epochs: number;
  readonly loss: number;
  readonly trainAccuracy: number;
  readonly valAccuracy: number;
  readonly seconds: number;
  readonly imagesPerSecond: number;
  /** Set on the last report when the model said it had finished before the planned epochs: the batches this epoch ran. */
  readonly stoppedAfterBatches?: number;
  /** Batches in a full epoch. */
  readonly batches: number;
}

export interface BatchReport {
  readonly epoch: number;
  readonly batch: number;
  readonly batches: number;
  readonly loss: number;
}

/**
 * Where a training call stands inside an epoch, for progress bars: sent every
 * `progressEvery.batches` batches or `progressEvery.seconds`, whichever comes first.
 */
export interface TrainProgress {
  /** The epoch under way, 0-based. */
  readonly epoch: number;
  readonly epochs: number;
  /** Batches finished in this epoch, out of `batches`. */
  readonly batch: number;
  readonly batches: number;
  /** Epochs finished, fractional: epoch + batch / batches. */
  readonly done: number;
  /** Share of this call's work done (a resumed call counts from its startEpoch), in (0, 1]. */
  readonly fraction: number;
  /** Mean loss over the epoch's batches so far. */
  readonly loss: number;
  readonly elapsed_s: number;
  /** Seconds left of this call, from its pace so far (the epochs' validation passes not counted). */
  readonly eta_s: number;
}

export type LrSchedule = 'constant' | 'cosine' | 'exponential';

export interface TrainOptions {
  readonly epochs: number;
  readonly batchSize?: number;
  readonly learningRate?: number;
  /**
   * How the learning rate moves over the run, per step: 'constant' (default), or 'cosine' /
   * 'exponential' decay from learningRate to learningRate * finalLearningRate at the last step.
   */
  readonly lrSchedule?: LrSchedule;
  /** The last step's learning rate as a fraction of the first (decaying schedules; default 0.01). */
  readonly finalLearningRate?: number;
  readonly optimizer?: 'sgd' | 'momentum' | 'adam';
  readonly weightDecay?: number;
  /** Random crops with padding and flips where they make sense for the data set. */
  readonly augment?: boolean;
  readonly seed?: number;
  /** Resume: epochs before this one are taken as done. */
  readonly startEpoch?: number;
  readonly signal?: AbortSignal;
  onBatch?(report: BatchReport): void;
  /** In-epoch progress (default: every 20 batches or 2 s, whichever comes first). */
  onProgress?(p: TrainProgress): void;
  readonly progressEvery?: { readonly batches?: number; readonly seconds?: number };
  /** Awaited: a caller may checkpoint here. */
  onEpoch?(report: EpochReport): void | Promise<void>;
}

export interface TrainResult {
  readonly epochs: readonly EpochReport[];
  readonly valAccuracy: number;
  readonly testAccuracy: number;
  readonly seconds: number;
}
