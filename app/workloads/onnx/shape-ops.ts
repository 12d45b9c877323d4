/**
 * Handlers of operators that move data without arithmetic: Identity / Dropout (dropped),
 * Concat on channels, the flattens (Flatten, Reshape to [N, -1], Squeeze to [N, F]), channel
 * Slice and Split, and the channel shuffle that rewrites.ts makes of Reshape + Transpose +
 * Reshape. Constant inputs to these are evaluated in constants.ts instead.
 */
import type { Shape } from '../ir.js';
import { clampRange, sliceArgs } from './constants.js';
import type { Act, ImportContext, Value } from './context.js';
import { attr, intAttr, intsAttr, label, num, numel, type NodeProto } from './proto.js';

const norm = (axis: number, rank: number): number => (axis < 0 ? axis + rank : axis);

/** Identity and inference-time Dropout: no layer, readers read the input. */
export function passThrough(ctx: ImportContext, node: NodeProto): Value {
  const v = ctx.get(node, 0);
  if (!v) ctx.nodeFail(node, 'it has no input');
  return v;
}

export function concat(ctx: ImportContext, node: NodeProto): Act {
  const acts = (node.input ?? []).map((_, i) => ctx.act(node, i));
  const rank = acts[0]!.shape.length + 1;
  const axis = intAttr(node, 'axis', 1);
  if (norm(axis, rank) !== 1) ctx.nodeFail(node, `only a concat on the channel axis (1) is supported, got axis ${axis}`);
  // A concat of one tensor (DenseNet's first dense layer) is a copy: no layer.
  if (acts.length === 1) return acts[0]!;
  return ctx.emit(node, { op: 'concat', inputs: acts.map((a) => a.ref) });
}

export function flatten(ctx: ImportContext, node: NodeProto): Act {
  const x = ctx.act(node);
  const axis = intAttr(node, 'axis', 1);
  if (norm(axis, x.shape.length + 1) !== 1) ctx.nodeFail(node, `only Flatten at axis 1 is supported, got axis ${axis}`);
  // Our writer's fc on a feature map is Flatten `<fc>/flatten` + Gemm `<fc>`: one fc layer.
  const out = node.output?.[0] ?? '';
  const readers = ctx.readers(out);
  const reader = readers[0];
  if (readers.length === 1 && reader?.opType === 'Gemm' && reader.name && node.name === `${reader.name}/flatten` && !ctx.graphOutputs.has(out)) return x;
  return ctx.emit(node, { op: 'flatten', inputs: [x.ref] });
}

/** Reshape's target on a tensor of `full` dims (batch included): 0 copies, -1 is inferred. */
function resolveShape(target: readonly number[], full: readonly number[], allowZero: boolean): number[] {
  const dims = target.map((d, i) => (d === 0 && !allowZero ? (full[i] ?? 0) : d));
  const known = numel(dims.filter((d) => d !== -1));
  return dims.map((d) => (d === -1 ? numel(full) / known : d));
}

const sameDims = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((d, i) => d === b[i]);

export function reshape(ctx: ImportContext, node: NodeProto): Act {
  const x = ctx.act(node);
  const target = ctx.konst(node, 1, 'shape').values();
  const full = [ctx.batch, ...x.shape];
  const out = resolveShape(target, full, intAttr(node, 'allowzero', 0) !== 0);
  if (out.length !== 2 || out[0] !== ctx.batch || out[1] !== numel(x.shape)) {
    ctx.nodeFail(node, `Reshape to [${target.join(',')}] is not supported; only a flatten to [N, -1] is`);
  }
  return ctx.emit(node, { op: 'flatten', inputs: [x.ref] });
}

export function squeeze(ctx: ImportContext, node: NodeProto): Act {
  const x = ctx.act(node);
  const full = [ctx.batch, ...x.shape];
  const axes = ctx.axes(node, 1);
  const drop = new Set((axes ?? full.flatMap((d, i) => (d === 1 ? [i] : []))).map((a) => norm(a, full.length)));
  const out = full.filter((_, i) => !drop.has(i));
  if (drop.has(0) || out.length !== 2) ctx.nodeFail(node, `only a Squeeze to [N, features] is supported (from [N,${x.shape.join(',')}])`);
  return ctx.emit(node, { op: 'flatten', inputs: [x.ref] });
}

/** Slice of a feature map: channels [start, end) with step 1; any other axis kept whole. */
export function slice(ctx: ImportContext, node: NodeProto): Act {
  const x = ctx.act(node);
  const full: Shape = [ctx.batch, ...x.shape];
  const { starts, ends, axes, steps } = sliceArgs(ctx, node);
  let range: [number, number] = [0, full[1] ?? 0];
  axes.forEach((a, i) => {
    const axis = norm(a, full.length);
    const size = full[axis];
    if (size === undefined) ctx.nodeFail(node, `axis ${a} is out of range for [N,${x.shape.join(',')}]`);
    const [start, end] = clampRange(starts[i]!, ends[i]!, size);
    if (steps[i] !== 1) ctx.nodeFail(node, `only step 1 is supported, got steps [${steps.join(',')}]`);
    if (axis === 1) range = [start, end];
    else if (start !== 0 || end !== size) ctx.nodeFail(node, `only a slice of channels (axis 1) is supported; it cuts axis ${axis} to [${start}, ${end}) of ${size}`);
  });
  ctx.image(node, x);
  if (range[0] === 0 && range[1] === x.shape[0]) return x;
  return ctx.emit(node, { op: 'slice', inputs: [x.ref], start: range[0], end: range[1] });
}

/**
 * Split on channels: one `slice` layer per output that is read, named `<node>:<k>`. Sizes
 * from the `split` attribute (before opset 13), the `split` input, `num_outputs` (opset 18),
 * or equal parts.
 */
export function split(ctx: ImportContext, node: NodeProto): (Act | undefined)[] {
  const x = ctx.image(node, ctx.act(node));
  const axis = intAttr(node, 'axis', 0);
  if (norm(axis, 4) !== 1) ctx.nodeFail(node, `only a split of channels (axis 1) is supported, got axis ${axis}`);
  const outputs = node.output ?? [];
  const c = x.shape[0]!;
  let sizes = ctx.opset < 13 ? intsAttr(node, 'split') : ctx.get(node, 1) ? ctx.konst(node, 1, 'split').values() : undefined;
  if (!sizes) {
    // Equal parts; with num_outputs (opset 18) the last may be smaller.
    const numOutputs = attr(node, 'num_outputs');
    const n = numOutputs ? num(numOutputs.i) : outputs.length;
    if (!numOutputs && c % n !== 0) ctx.nodeFail(node, `${c} channels do not split into ${n} equal parts`);
    const part = Math.ceil(c / n);
    sizes = Array.from({ length: n }, (_, k) => Math.max(Math.min(part, c - k * part), 0));
  }
  if (sizes.length !== outputs.length || sizes.some((s) => s < 0) || sizes.reduce((a, b) => a + b, 0) !== c) {
    ctx.nodeFail(node, `split [${sizes.join(',')}] into ${outputs.length} outputs does not cover ${c} channels`);
  }
  if (outputs.length === 1) return [x];
  let start = 0;
  return sizes.map((size, k) => {
    const range = [start, start + size] as const;
    start += size;
    const o = outputs[k];
    if (!o || !ctx.isRead(o)) return undefined;
    return ctx.emit(node, { op: 'slice', inputs: [x.ref], start: range[0], end: range[1] }, `${label(node)}:${k}`);
  });
}

/**
 * The `ChannelShuffle` node of rewrites.ts (inputs: x, the first Reshape's shape, the second
 * Reshape's shape): [N,C,H,W] -> [N,g,C/g,H,W] -> transposed -> [N,C,H,W] is a shuffle in g groups.
 */
export function channelShuffle(ctx: ImportContext, node: NodeProto): Act {
  const x = ctx.act(node);
  const full = [ctx.batch, ...x.shape];
  const five = resolveShape(ctx.konst(node, 1, 'first shape').values(), full, false);
  const g = five[1] ?? 0;
  const four = resolveShape(ctx.konst(node, 2, 'second shape').values(), [five[0]!, five[2]!, g, five[3]!, five[4]!], false);
  const ok = x.shape.length === 3 && sameDims(five, [ctx.batch, g, x.shape[0]! / g, x.shape[1]!, x.shape[2]!]) && sameDims(four, full);
  if (!ok) {
    ctx.nodeFail(
      node,
      `Reshape + Transpose + Reshape is supported only as a channel shuffle ([N,C,H,W] -> [N,g,C/g,H,W] -> perm [0,2,1,3,4] -> [N,C,H,W]), got [N,${x.shape.join(',')}] -> [${five.join(',')}] -> [${four.join(',')}]`,
    );
  }
  return ctx.emit(node, { op: 'shuffle', inputs: [x.ref], groups: g });
}
