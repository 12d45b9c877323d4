/**
 * Handlers of elementwise operators: BatchNormalization, the activations (Relu, Clip as
 * ReLU6, Sigmoid, HardSigmoid, HardSwish, and the Swish that rewrites.ts makes of
 * x * Sigmoid(x)), Add / Sum (a constant added right after a layer is its bias), Mul of two
 * computed tensors, and Softmax.
 */
import type { Act, Const, ImportContext, LayerDraft } from './context.js';
import { floatAttr, numel, type NodeProto } from './proto.js';

/** ONNX's float attribute defaults for Clip are +-FLT_MAX: treat those as unbounded. */
const FLT_MAX = 3.4028234663852886e38;

/** PyTorch's hardsigmoid, relu6(x + 3) / 6, as HardSigmoid's alpha and beta. */
export const HARD_SIGMOID = { alpha: 1 / 6, beta: 0.5 } as const;
/** alpha is a float32 in the file: 1/6 comes back within this. */
const ATTR_TOLERANCE = 1e-6;

export const isPyTorchHardSigmoid = (alpha: number, beta: number): boolean =>
  Math.abs(alpha - HARD_SIGMOID.alpha) < ATTR_TOLERANCE && Math.abs(beta - HARD_SIGMOID.beta) < ATTR_TOLERANCE;

/** A layer of one op reading the node's first input, for the activations without fields. */
const unary =
  (op: 'relu' | 'sigmoid' | 'hardswish' | 'swish' | 'softmax') =>
  (ctx: ImportContext, node: NodeProto): Act =>
    ctx.emit(node, { op, inputs: [ctx.act(node).ref] } as LayerDraft);

export const relu = unary('relu');
export const sigmoid = unary('sigmoid');
export const hardSwish = unary('hardswish');
/** The `Swish` node rewrites.ts makes of x * Sigmoid(x). */
export const swish = unary('swish');
export const softmax = unary('softmax');

export function hardSigmoid(ctx: ImportContext, node: NodeProto): Act {
  const x = ctx.act(node);
  const alpha = floatAttr(node, 'alpha', 0.2);
  const beta = floatAttr(node, 'beta', 0.5);
  if (!isPyTorchHardSigmoid(alpha, beta)) {
    // Attributes are float32: 0.2 reads back as 0.20000000298023224.
    const f = (v: number): number => Number(v.toPrecision(6));
    ctx.nodeFail(node, `HardSigmoid with alpha ${f(alpha)} and beta ${f(beta)} is not supported; only PyTorch's (alpha 1/6, beta 0.5) is`);
  }
  return ctx.emit(node, { op: 'hardsigmoid', inputs: [x.ref] });
}

export function batchNorm(ctx: ImportContext, node: NodeProto): Act {
  const x = ctx.act(node);
  ['scale', 'bias', 'mean', 'variance'].forEach((what, i) => {
    const c = ctx.konst(node, i + 1, what);
    if (numel(c.dims) !== x.shape[0]) ctx.nodeFail(node, `its ${what} has ${numel(c.dims)} values for ${x.shape[0]} channels`);
  });
  return ctx.emit(node, { op: 'bn', inputs: [x.ref] });
}

/** The bounds of a Clip: attributes before opset 11, optional constant inputs since. */
export function clipBounds(ctx: ImportContext, node: NodeProto): [number, number] {
  let lo = -Infinity;
  let hi = Infinity;
  if (ctx.opset < 11) {
    lo = floatAttr(node, 'min', -Infinity);
    hi = floatAttr(node, 'max', Infinity);
  } else {
    const bound = (i: number): number | undefined => {
      const v = ctx.get(node, i);
      if (!v) return undefined;
      if (v.kind !== 'const') ctx.nodeFail(node, `its bound (input ${i + 1}) must be a constant`);
      const vals = v.values();
      if (vals.length !== 1) ctx.nodeFail(node, `its bound (input ${i + 1}) must be a scalar`);
      return vals[0];
    };
    lo = bound(1) ?? -Infinity;
    hi = bound(2) ?? Infinity;
  }
  return [lo <= -FLT_MAX ? -Infinity : lo, hi >= FLT_MAX ? Infinity : hi];
}

export function clip(ctx: ImportContext, node: NodeProto): Act {
  const x = ctx.act(node);
  const [min, hi] = clipBounds(ctx, node);
  // After a ReLU the input is non-negative: any lower bound up to 0 acts as 0.
  const producer = ctx.layerOf(x.ref);
  const lo = min < 0 && (producer?.op === 'relu' || producer?.op === 'relu6') ? 0 : min;
  if (lo === 0 && hi === 6) return ctx.emit(node, { op: 'relu6', inputs: [x.ref] });
  if (lo === 0 && hi === Infinity) return ctx.emit(node, { op: 'relu', inputs: [x.ref] });
  return ctx.nodeFail(node, `Clip(${lo}, ${hi}) is not supported; only Clip(0, 6) (ReLU6) and Clip(0, inf) (ReLU) are`);
}

/** Add of two computed tensors, or of a constant that is the bias of the layer before. */
export function add(ctx: ImportContext, node: NodeProto): Act {
  const a = ctx.get(node, 0);
  const b = ctx.get(node, 1);
  if (!a || !b) ctx.nodeFail(node, 'it needs two inputs');
  if (a.kind === 'const') return foldBias(ctx, node, ctx.act(node, 1), a, node.input![1]!);
  if (b.kind === 'const') return foldBias(ctx, node, ctx.act(node, 0), b, node.input![0]!);
  return ctx.emit(node, { op: 'add', inputs: [ctx.act(node, 0).ref, ctx.act(node, 1).ref] });
}

/** x + c where c is one value per channel, right after a layer without bias: its bias. */
function foldBias(ctx: ImportContext, node: NodeProto, x: Act, c: Const, xName: string): Act {
  const at = ctx.layers.findIndex((l) => l.name === x.ref);
  const layer = ctx.layers[at];
  const rank = x.shape.length + 1;
  const channels = x.shape[0]!;
  const aligned = [...Array<number>(Math.max(rank - c.dims.length, 0)).fill(1), ...c.dims];
  const perChannel = aligned.length === rank && aligned.every((d, i) => (i === 1 ? d === channels : d === 1));
  const soleReader = ctx.readers(xName).length === 1 && !ctx.graphOutputs.has(xName) && !ctx.layers.some((l) => l.inputs.includes(x.ref));
  if (layer && 'bias' in layer && !layer.bias && perChannel && soleReader) {
    ctx.layers[at] = { ...layer, bias: true };
    return x;
  }
  return ctx.nodeFail(
    node,
    `adding a constant of shape [${c.dims.join(',')}] is supported only as the bias of the Gemm, MatMul or Conv right before it (one value per output channel, that layer without a bias of its own and read by nothing else)`,
  );
}

export function sum(ctx: ImportContext, node: NodeProto): Act {
  const acts = (node.input ?? []).map((_, i) => ctx.act(node, i));
  return acts.length === 1 ? acts[0]! : ctx.emit(node, { op: 'add', inputs: acts.map((a) => a.ref) });
}

/**
 * Product of two computed tensors; a [C,1,1] factor (squeeze-and-excitation's scale) goes
 * second, as the IR broadcasts only that one. x * Sigmoid(x) and x * HardSigmoid(x) never get
 * here: rewrites.ts makes them one Swish or HardSwish node.
 */
export function mul(ctx: ImportContext, node: NodeProto): Act {
  const a = ctx.get(node, 0);
  const b = ctx.get(node, 1);
  if (!a || !b) ctx.nodeFail(node, 'it needs two inputs');
  if (a.kind === 'const' || b.kind === 'const') {
    const c = a.kind === 'const' ? a : (b as Const);
    ctx.nodeFail(
      node,
      `multiplying a computed tensor by a constant of shape [${c.dims.join(',')}] is not supported; only products of two computed tensors, x * Sigmoid(x) (swish) and x * HardSigmoid(x) (hardswish) are`,
    );
  }
  let x = ctx.act(node, 0);
  let y = ctx.act(node, 1);
  if (numel(x.shape) < numel(y.shape)) [x, y] = [y, x];
  return ctx.emit(node, { op: 'mul', inputs: [x.ref, y.ref] });
}
