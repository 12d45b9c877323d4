/**
 * Constant evaluation: nodes whose inputs are all known without running the network are
 * computed here, never become layers. Exporters write shape arithmetic this way (PyTorch's
 * `x.view(x.size(0), -1)`, `x.chunk(2, 1)`'s `(C + 1) / 2`), and plumb weights through
 * Identity, Transpose or Cast. Values are read lazily: a transposed weight keeps only its
 * shape, and only small tensors are ever materialized.
 */
import type { Const, ImportContext } from './context.js';
import { attr, intAttr, intsAttr, isIntegerType, MAX_CONSTANT_ELEMENTS, num, numel, type NodeProto } from './proto.js';

/** Operators evaluated when their inputs are constants (Shape: whenever its input's shape is known). */
export const CONSTANT_OPS: ReadonlySet<string> = new Set([
  'Shape',
  'Gather',
  'Unsqueeze',
  'Squeeze',
  'Concat',
  'Cast',
  'Transpose',
  'Identity',
  'Reshape',
  'Slice',
  'Add',
  'Sub',
  'Mul',
  'Div',
  'Floor',
  'Ceil',
]);

const konst = (dims: readonly number[], integer: boolean, values: () => number[]): Const => ({ kind: 'const', dims, integer, values });
const norm = (axis: number, rank: number): number => (axis < 0 ? axis + rank : axis);

/** A `Constant` node's value. */
export function constantNode(ctx: ImportContext, node: NodeProto): Const {
  const a = (node.attribute ?? [])[0];
  if (!a) ctx.nodeFail(node, 'it has no value');
  switch (a.name) {
    case 'value':
      return ctx.constOf(a.t ?? {});
    case 'value_float':
      return konst([], false, () => [a.f ?? 0]);
    case 'value_floats':
      return konst([(a.floats ?? []).length], false, () => [...(a.floats ?? [])]);
    case 'value_int':
      return konst([], true, () => [num(a.i)]);
    case 'value_ints':
      return konst([(a.ints ?? []).length], true, () => (a.ints ?? []).map(num));
    default:
      return ctx.nodeFail(node, `a '${a.name ?? ''}' constant is not supported`);
  }
}

/** Elementwise arithmetic with numpy broadcasting, as ONNX's Add, Sub, Mul and Div. */
function broadcast(ctx: ImportContext, node: NodeProto, a: Const, b: Const, f: (x: number, y: number) => number): Const {
  const rank = Math.max(a.dims.length, b.dims.length);
  const align = (d: readonly number[]): number[] => [...Array<number>(rank - d.length).fill(1), ...d];
  const da = align(a.dims);
  const db = align(b.dims);
  const dims = da.map((x, i) => {
    const y = db[i]!;
    if (x !== y && x !== 1 && y !== 1) ctx.nodeFail(node, `shapes [${a.dims.join(',')}] and [${b.dims.join(',')}] do not broadcast`);
    return x === 1 ? y : x;
  });
  const stridesOf = (d: readonly number[]): number[] => d.map((_, i) => (d[i] === 1 ? 0 : numel(d.slice(i + 1))));
  const sa = stridesOf(da);
  const sb = stridesOf(db);
  return konst(dims, a.integer && b.integer, () => {
    if (numel(dims) > MAX_CONSTANT_ELEMENTS) ctx.nodeFail(node, 'its result is too large to compute as a constant');
    const va = a.values();
    const vb = b.values();
    return Array.from({ length: numel(dims) }, (_, flat) => {
      let ia = 0;
      let ib = 0;
      for (let i = rank - 1, rest = flat; i >= 0; i--) {
        const k = rest % dims[i]!;
        rest = Math.floor(rest / dims[i]!);
        ia += k * sa[i]!;
        ib += k * sb[i]!;
      }
      return f(va[ia]!, vb[ib]!);
    });
  });
}

/** Evaluates a node of CONSTANT_OPS whose inputs are constants (or, for Shape, have known shapes). */
export function evalConst(ctx: ImportContext, node: NodeProto): Const {
  const op = node.opType ?? '';
  const c = (i: number): Const => ctx.konst(node, i, `input ${i + 1}`);
  switch (op) {
    case 'Shape': {
      const v = ctx.get(node, 0)!;
      const full =
        v.kind === 'const'
          ? [...v.dims]
          : v.kind === 'act'
            ? [ctx.batch, ...v.shape]
            : [ctx.batch, v.x.shape[0]!, ...v.pads.map(([b, e], i) => v.x.shape[i + 1]! + b + e)];
      const start = norm(intAttr(node, 'start', 0), full.length);
      const endAttr = attr(node, 'end');
      const end = endAttr ? norm(num(endAttr.i), full.length) : full.length;
      const dims = full.slice(Math.max(start, 0), Math.min(end, full.length));
      return konst([dims.length], true, () => dims);
    }
    case 'Identity':
      return c(0);
    case 'Cast': {
      const x = c(0);
      const integer = isIntegerType(intAttr(node, 'to', 1));
      return konst(x.dims, integer, () => (integer ? x.values().map(Math.trunc) : x.values()));
    }
    case 'Gather': {
      const data = c(0);
      const idx = c(1);
      if (data.dims.length !== 1 || intAttr(node, 'axis', 0) !== 0) ctx.nodeFail(node, 'only a Gather from a 1-D constant is supported');
      return konst(idx.dims, data.integer, () => {
        const d = data.values();
        return idx.values().map((i) => d[i < 0 ? i + d.length : i] ?? ctx.nodeFail(node, `index ${i} is out of range`));
      });
    }
    case 'Unsqueeze': {
      const x = c(0);
      const axes = ctx.axes(node, 1) ?? ctx.nodeFail(node, 'it has no axes');
      const rank = x.dims.length + axes.length;
      const at = new Set(axes.map((a) => norm(a, rank)));
      const dims: number[] = [];
      let k = 0;
      for (let i = 0; i < rank; i++) dims.push(at.has(i) ? 1 : (x.dims[k++] ?? 1));
      return konst(dims, x.integer, x.values);
    }
    case 'Squeeze': {
      const x = c(0);
      const axes = ctx.axes(node, 1);
      const drop = new Set((axes ?? x.dims.flatMap((d, i) => (d === 1 ? [i] : []))).map((a) => norm(a, x.dims.length)));
      return konst(
        x.dims.filter((_, i) => !drop.has(i)),
        x.integer,
        x.values,
      );
    }
    case 'Concat': {
      const parts = (node.input ?? []).map((_, i) => c(i));
      if (parts.some((p) => p.dims.length !== 1)) ctx.nodeFail(node, 'only a Concat of 1-D constants is supported');
      return konst(
        [parts.reduce((s, p) => s + p.dims[0]!, 0)],
        parts.every((p) => p.integer),
        () => parts.flatMap((p) => p.values()),
      );
    }
    case 'Transpose': {
      // Weights transposed by the exporter: only their shape matters here.
      const x = c(0);
      const perm = intsAttr(node, 'perm') ?? x.dims.map((_, i) => x.dims.length - 1 - i);
      return konst(
        perm.map((p) => x.dims[p] ?? 1),
        x.integer,
        () => (numel(x.dims) <= 1 ? x.values() : ctx.nodeFail(node, 'the values of a transposed constant are not read here')),
      );
    }
    case 'Reshape': {
      const x = c(0);
      const target = c(1).values();
      const dims = target.map((d, i) => (d === 0 ? (x.dims[i] ?? 1) : d));
      const known = numel(dims.filter((d) => d !== -1));
      return konst(
        dims.map((d) => (d === -1 ? numel(x.dims) / known : d)),
        x.integer,
        x.values,
      );
    }
    case 'Slice':
      return sliceConst(ctx, node, c(0));
    case 'Add':
      return broadcast(ctx, node, c(0), c(1), (x, y) => x + y);
    case 'Sub':
      return broadcast(ctx, node, c(0), c(1), (x, y) => x - y);
    case 'Mul':
      return broadcast(ctx, node, c(0), c(1), (x, y) => x * y);
    case 'Div': {
      const a = c(0);
      const b = c(1);
      const integer = a.integer && b.integer;
      return broadcast(ctx, node, a, b, (x, y) => (integer ? Math.trunc(x / y) : x / y));
    }
    case 'Floor':
    case 'Ceil': {
      const x = c(0);
      const f = op === 'Floor' ? Math.floor : Math.ceil;
      return konst(x.dims, x.integer, () => x.values().map(f));
    }
    default:
      return ctx.unsupported(node);
  }
}

/** A Slice of a 1-D constant (`x.shape[2:]`). */
function sliceConst(ctx: ImportContext, node: NodeProto, x: Const): Const {
  if (x.dims.length !== 1) ctx.nodeFail(node, 'only a Slice of a 1-D constant is supported');
  const { starts, ends, axes, steps } = sliceArgs(ctx, node);
  if (starts.length !== 1 || (axes[0] ?? 0) !== 0) ctx.nodeFail(node, 'only a Slice of a 1-D constant is supported');
  const step = steps[0] ?? 1;
  if (step !== 1) ctx.nodeFail(node, `Slice steps [${steps.join(',')}] are not supported`);
  const [start, end] = clampRange(starts[0]!, ends[0]!, x.dims[0]!);
  return konst([Math.max(end - start, 0)], x.integer, () => x.values().slice(start, end));
}

/** Slice's starts, ends, axes and steps: attributes before opset 10, constant inputs since. */
export function sliceArgs(ctx: ImportContext, node: NodeProto): { starts: number[]; ends: number[]; axes: number[]; steps: number[] } {
  if (ctx.opset < 10) {
    const starts = intsAttr(node, 'starts') ?? ctx.nodeFail(node, 'it has no starts');
    const ends = intsAttr(node, 'ends') ?? ctx.nodeFail(node, 'it has no ends');
    return { starts, ends, axes: intsAttr(node, 'axes') ?? starts.map((_, i) => i), steps: starts.map(() => 1) };
  }
  const vals = (i: number, what: string): number[] | undefined => (ctx.get(node, i) ? ctx.konst(node, i, what).values() : undefined);
  const starts = vals(1, 'starts') ?? ctx.nodeFail(node, 'it has no starts');
  const ends = vals(2, 'ends') ?? ctx.nodeFail(node, 'it has no ends');
  return { starts, ends, axes: vals(3, 'axes') ?? starts.map((_, i) => i), steps: vals(4, 'steps') ?? starts.map(() => 1) };
}

/** [start, end) of a step-1 slice of `size`, negatives counted from the end, clamped. */
export function clampRange(start: number, end: number, size: number): [number, number] {
  const clamp = (v: number): number => Math.min(Math.max(v < 0 ? v + size : v, 0), size);
  return [clamp(start), clamp(end)];
}
