/**
 * The TFLite flatbuffer schema as the writer uses it: the BuiltinOperator codes, the
 * BuiltinOptions union tags and the small enums (activation, tensor type, padding), the
 * flatbuffer helpers that write a table of scalars or a vector, and one builder per operator
 * options table. Field numbers are those of tensorflow/lite/schema/schema.fbs (tables are
 * written with `addField*(fieldIndex, ...)`, a union as its `_type` field followed by its
 * value field). Nothing here knows about the IR.
 */
import type { Builder, Offset } from 'flatbuffers';

export const TFLITE_SCHEMA_VERSION = 3;
export const TFLITE_FILE_IDENTIFIER = 'TFL3';

/** BuiltinOperator codes used here (schema.fbs `enum BuiltinOperator`). */
export const BuiltinOp = {
  ADD: 0,
  AVERAGE_POOL_2D: 1,
  CONCATENATION: 2,
  CONV_2D: 3,
  DEPTHWISE_CONV_2D: 4,
  FULLY_CONNECTED: 9,
  LOGISTIC: 14,
  MAX_POOL_2D: 17,
  MUL: 18,
  RELU: 19,
  RELU6: 21,
  RESHAPE: 22,
  RESIZE_BILINEAR: 23,
  SOFTMAX: 25,
  PAD: 34,
  TRANSPOSE: 39,
  MEAN: 40,
  STRIDED_SLICE: 45,
  SPLIT: 49,
  RESIZE_NEAREST_NEIGHBOR: 97,
  ADD_N: 106,
  HARD_SWISH: 117,
} as const;
export type BuiltinOpName = keyof typeof BuiltinOp;

/** BuiltinOptions union tags (schema.fbs `union BuiltinOptions`, 1-based; 0 is NONE). */
export const Options = {
  Conv2DOptions: 1,
  DepthwiseConv2DOptions: 2,
  Pool2DOptions: 5,
  FullyConnectedOptions: 8,
  SoftmaxOptions: 9,
  ConcatenationOptions: 10,
  AddOptions: 11,
  ResizeBilinearOptions: 15,
  ReshapeOptions: 17,
  MulOptions: 21,
  PadOptions: 22,
  TransposeOptions: 26,
  ReducerOptions: 27,
  StridedSliceOptions: 32,
  SplitOptions: 35,
  ResizeNearestNeighborOptions: 74,
} as const;

/** ActivationFunctionType (schema.fbs): what `fused_activation_function` holds. */
export const Activation = { NONE: 0, RELU: 1, RELU6: 3 } as const;

export const TensorType = { FLOAT32: 0, INT32: 2 } as const;
export const PaddingCode = { SAME: 0, VALID: 1 } as const;

/** A BuiltinOptions union member: its tag and the writer of its table. */
export interface OptionsSpec {
  readonly tag: number;
  readonly write: (b: Builder) => Offset;
}

/** A table with scalar fields only; `fields` are [fieldIndex, kind, value, default]. */
export function scalarTable(b: Builder, n: number, fields: readonly (readonly [number, 'i8' | 'i32' | 'f32' | 'bool', number, number])[]): Offset {
  b.startObject(n);
  for (const [i, kind, v, d] of fields) {
    if (kind === 'i32') b.addFieldInt32(i, v, d);
    else if (kind === 'f32') b.addFieldFloat32(i, v, d);
    else b.addFieldInt8(i, v, d);
  }
  return b.endObject();
}

export function int32Vector(b: Builder, v: readonly number[]): Offset {
  b.startVector(4, v.length, 4);
  for (let i = v.length - 1; i >= 0; i--) b.addInt32(v[i]!);
  return b.endVector();
}

export function offsetVector(b: Builder, v: readonly Offset[]): Offset {
  b.startVector(4, v.length, 4);
  for (let i = v.length - 1; i >= 0; i--) b.addOffset(v[i]!);
  return b.endVector();
}

export const conv2dOptions = (padding: number, stride: number, act: number): OptionsSpec => ({
  tag: Options.Conv2DOptions,
  // padding:0 stride_w:1 stride_h:2 fused_activation_function:3 dilation_w:4 dilation_h:5
  write: (b) => scalarTable(b, 6, [[0, 'i8', padding, 0], [1, 'i32', stride, 0], [2, 'i32', stride, 0], [3, 'i8', act, 0]]),
});
export const depthwiseOptions = (padding: number, stride: number, act: number): OptionsSpec => ({
  tag: Options.DepthwiseConv2DOptions,
  // padding:0 stride_w:1 stride_h:2 depth_multiplier:3 fused_activation_function:4 dilation_w:5 dilation_h:6
  write: (b) => scalarTable(b, 7, [[0, 'i8', padding, 0], [1, 'i32', stride, 0], [2, 'i32', stride, 0], [3, 'i32', 1, 0], [4, 'i8', act, 0]]),
});
export const pool2dOptions = (padding: number, stride: number, kernel: number, act: number): OptionsSpec => ({
  tag: Options.Pool2DOptions,
  // padding:0 stride_w:1 stride_h:2 filter_width:3 filter_height:4 fused_activation_function:5
  write: (b) =>
    scalarTable(b, 6, [[0, 'i8', padding, 0], [1, 'i32', stride, 0], [2, 'i32', stride, 0], [3, 'i32', kernel, 0], [4, 'i32', kernel, 0], [5, 'i8', act, 0]]),
});
/** AddOptions / MulOptions: fused_activation_function:0. */
export const activationOptions = (tag: number, act: number = Activation.NONE): OptionsSpec => ({ tag, write: (b) => scalarTable(b, 1, [[0, 'i8', act, 0]]) });
export const emptyOptions = (tag: number): OptionsSpec => ({ tag, write: (b) => scalarTable(b, 0, []) });
export const fullyConnectedOptions = (act: number): OptionsSpec => ({
  tag: Options.FullyConnectedOptions,
  // fused_activation_function:0 weights_format:1 keep_num_dims:2 (the last two at defaults)
  write: (b) => scalarTable(b, 3, [[0, 'i8', act, 0]]),
});
export const softmaxOptions = (): OptionsSpec => ({ tag: Options.SoftmaxOptions, write: (b) => scalarTable(b, 1, [[0, 'f32', 1, 0]]) });
export const concatOptions = (axis: number): OptionsSpec => ({
  tag: Options.ConcatenationOptions,
  // axis:0 fused_activation_function:1 (axis written even when 0: default 0 would drop it, which reads the same)
  write: (b) => scalarTable(b, 2, [[0, 'i32', axis, 0]]),
});
export const reducerOptions = (keepDims: boolean): OptionsSpec => ({ tag: Options.ReducerOptions, write: (b) => scalarTable(b, 1, [[0, 'bool', keepDims ? 1 : 0, 0]]) });
export const reshapeOptions = (shape: readonly number[]): OptionsSpec => ({
  tag: Options.ReshapeOptions,
  write: (b) => {
    const v = int32Vector(b, shape);
    b.startObject(1);
    b.addFieldOffset(0, v, 0);
    return b.endObject();
  },
});
// StridedSliceOptions: begin_mask:0 end_mask:1 ellipsis_mask:2 new_axis_mask:3 shrink_axis_mask:4 (all 0 here).
export const stridedSliceOptions = (): OptionsSpec => emptyOptions(Options.StridedSliceOptions);
export const splitOptions = (n: number): OptionsSpec => ({ tag: Options.SplitOptions, write: (b) => scalarTable(b, 1, [[0, 'i32', n, 0]]) });
/** ResizeBilinearOptions: new_height:0 new_width:1 (deprecated) align_corners:2 half_pixel_centers:3. */
export const resizeBilinearOptions = (): OptionsSpec => ({ tag: Options.ResizeBilinearOptions, write: (b) => scalarTable(b, 4, [[3, 'bool', 1, 0]]) });
