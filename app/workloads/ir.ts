/**
 * The network IR: a small, typed, JSON-serializable description of a feed-forward network
 * (a DAG of layers in topological order). It carries no weights: profiling needs shapes and
 * hyperparameters, and artifacts (ONNX, TFLite) are filled with seeded random weights.
 *
 * Tensors are NCHW with the batch dimension kept out of shapes: a feature map is [C, H, W],
 * a vector is [F]. Batch is a property of the whole network.
 */

export type Shape = readonly number[];

/** Padding per side. `same` means output = ceil(input / stride), TF style (asymmetric when odd). */
export type Padding = number | 'same' | 'valid';

interface LayerBase {
  /** Unique within the network; also the ONNX node name, so runner timings map back to it. */
  readonly name: string;
  /** Names of the layers whose outputs feed this one; `input` is the network input. */
  readonly inputs: readonly string[];
  /** Optional group tag (a residual block, an MBConv, a NAS choice) for block-level artifacts. */
  readonly block?: string;
}

export interface ConvLayer extends LayerBase {
  readonly op: 'conv';
  readonly out: number;
  readonly kernel: number;
  readonly stride: number;
  readonly pad: Padding;
  /** 1 for a dense conv; equal to the input channels for depthwise. */
  readonly groups: number;
  readonly bias: boolean;
}
export interface DepthwiseConvLayer extends LayerBase {
  readonly op: 'dwconv';
  readonly kernel: number;
  readonly stride: number;
  readonly pad: Padding;
  readonly bias: boolean;
}
/** A 1x1 convolution, kept apart from `conv` because runtimes and LUTs treat it apart. */
export interface PointwiseConvLayer extends LayerBase {
  readonly op: 'pwconv';
  readonly out: number;
  readonly bias: boolean;
}
export interface PoolLayer extends LayerBase {
  readonly op: 'maxpool' | 'avgpool';
  readonly kernel: number;
  readonly stride: number;
  readonly pad: Padding;
}
export interface GlobalPoolLayer extends LayerBase {
  readonly op: 'gap';
}
export interface FullyConnectedLayer extends LayerBase {
  readonly op: 'fc';
  readonly out: number;
  readonly bias: boolean;
}
export interface BatchNormLayer extends LayerBase {
  readonly op: 'bn';
}
export interface ReluLayer extends LayerBase {
  readonly op: 'relu' | 'relu6';
}
/**
 * Elementwise activations of today's on-device networks: `swish` is SiLU (x * sigmoid(x)),
 * `hardswish` x * relu6(x + 3) / 6 (MobileNetV3), `hardsigmoid` relu6(x + 3) / 6.
 */
export interface ActivationLayer extends LayerBase {
  readonly op: 'sigmoid' | 'hardsigmoid' | 'hardswish' | 'swish';
}
/**
 * Elementwise product of two tensors; the second may be [C,1,1] against a [C,H,W] first
 * (squeeze-and-excitation's channel scale), broadcast over H and W.
 */
export interface MulLayer extends LayerBase {
  readonly op: 'mul';
}
/** Channels [start, end) of a [C,H,W] tensor (ShuffleNetV2's split). */
export interface SliceLayer extends LayerBase {
  readonly op: 'slice';
  readonly start: number;
  readonly end: number;
}
/** Channel shuffle (ShuffleNet): channels seen as [groups, C / groups], transposed. */
export interface ShuffleLayer extends LayerBase {
  readonly op: 'shuffle';
  readonly groups: number;
}
/** Spatial resize of a [C,H,W] tensor by an integer factor (Upsample / Resize). */
export interface ResizeLayer extends LayerBase {
  readonly op: 'resize';
  readonly scale: number;
  readonly mode: 'nearest' | 'linear';
}
export interface AddLayer extends LayerBase {
  readonly op: 'add';
}
export interface ConcatLayer extends LayerBase {
  readonly op: 'concat';
}
export interface FlattenLayer extends LayerBase {
  readonly op: 'flatten';
}
export interface SoftmaxLayer extends LayerBase {
  readonly op: 'softmax';
}

export type Layer =
  | ConvLayer
  | DepthwiseConvLayer
  | PointwiseConvLayer
  | PoolLayer
  | GlobalPoolLayer
  | FullyConnectedLayer
  | BatchNormLayer
  | ReluLayer
  | ActivationLayer
  | MulLayer
  | SliceLayer
  | ShuffleLayer
  | ResizeLayer
  | AddLayer
  | ConcatLayer
  | FlattenLayer
  | SoftmaxLayer;

export type Op = Layer['op'];

/** A layer without its wiring, distributed over the union so each op keeps its own fields. */
export type LayerSpec = Layer extends infer L ? (L extends Layer ? Omit<L, 'name' | 'inputs' | 'block'> : never) : never;

export const NETWORK_INPUT = 'input';

export interface Network {
  readonly name: string;
  /** Shape of one input sample, e.g. [3, 224, 224]. */
  readonly input: Shape;
  /**
   * Further named inputs, for a piece cut out of a bigger network (an `add` profiled alone
   * reads two tensors). Layers read them by name like any layer output.
   */
  readonly extraInputs?: Readonly<Record<string, Shape>>;
  readonly batch: number;
  readonly layers: readonly Layer[];
}

/** Bytes per element: every artifact is float32. */
export const BYTES_PER_ELEMENT = 4;
