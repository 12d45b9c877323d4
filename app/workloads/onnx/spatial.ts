/**
 * Handlers of the operators that work on H and W: Conv, MaxPool / AveragePool (with a Pad
 * before them folded in), GlobalAveragePool and ReduceMean over H and W, and Resize /
 * Upsample by a whole factor.
 */
import { convAxis } from '../analyze.js';
import type { Padding, Shape } from '../ir.js';
import type { Act, ImportContext, Padded } from './context.js';
import { intAttr, intsAttr, floatsAttr, strAttr, type NodeProto } from './proto.js';

type AxisPads = readonly (readonly [number, number])[];
const NO_PADS: AxisPads = [
  [0, 0],
  [0, 0],
];

/** The input of a Conv or pool, with the pads of a Pad node right before it. */
function paddedAct(ctx: ImportContext, node: NodeProto): { x: Act; pre: AxisPads } {
  const v = ctx.get(node, 0);
  if (v?.kind === 'padded') return { x: v.x, pre: v.pads };
  return { x: ctx.act(node), pre: NO_PADS };
}

/** Square kernel and equal strides, from attributes (and the weight's shape for Conv). */
function window(ctx: ImportContext, node: NodeProto, kernelDims?: readonly number[]): { k: number; s: number } {
  const ks = intsAttr(node, 'kernel_shape') ?? kernelDims;
  if (!ks || ks.length !== 2) ctx.nodeFail(node, `needs a 2-D kernel, got [${(ks ?? []).join(',')}]`);
  if (kernelDims && (kernelDims[0] !== ks[0] || kernelDims[1] !== ks[1])) ctx.nodeFail(node, `kernel_shape [${ks.join(',')}] disagrees with the weight's [${kernelDims.join(',')}]`);
  if (ks[0] !== ks[1]) ctx.nodeFail(node, `non-square kernel ${ks[0]}x${ks[1]} is not supported`);
  const st = intsAttr(node, 'strides') ?? [1, 1];
  if (st.length !== 2 || st[0] !== st[1]) ctx.nodeFail(node, `unequal strides [${st.join(',')}] are not supported`);
  const dil = intsAttr(node, 'dilations') ?? [1, 1];
  if (dil.some((d) => d !== 1)) ctx.nodeFail(node, `dilations [${dil.join(',')}] are not supported`);
  return { k: ks[0]!, s: st[0]! };
}

/**
 * The IR padding for ONNX's pads (or auto_pad) on a [C,H,W] input: a number when symmetric,
 * 'same' when TF-style; with ceil_mode, the smallest symmetric pad giving the same output.
 */
function padding(ctx: ImportContext, node: NodeProto, x: Shape, k: number, s: number, ceil: boolean, pre: AxisPads): Padding {
  const sizes = [x[1]!, x[2]!];
  // What the node itself sees: the input as padded by a Pad node before it.
  const seen = sizes.map((size, i) => size + pre[i]![0] + pre[i]![1]);
  const auto = strAttr(node, 'auto_pad', 'NOTSET');
  const sameTotal = (size: number): number => Math.max((Math.ceil(size / s) - 1) * s + k - size, 0);
  let axes: [number, number][];
  switch (auto) {
    case 'VALID':
      axes = [
        [0, 0],
        [0, 0],
      ];
      break;
    case 'SAME_UPPER':
    case 'SAME_LOWER':
      axes = seen.map((size) => {
        const total = sameTotal(size);
        const small = Math.floor(total / 2);
        return auto === 'SAME_UPPER' ? [small, total - small] : [total - small, small];
      });
      break;
    case 'NOTSET':
    case '': {
      const p = intsAttr(node, 'pads') ?? [0, 0, 0, 0];
      if (p.length !== 4) ctx.nodeFail(node, `pads [${p.join(',')}] are not 2-D`);
      axes = [
        [p[0]!, p[2]!],
        [p[1]!, p[3]!],
      ];
      break;
    }
    default:
      return ctx.nodeFail(node, `auto_pad '${auto}' is not supported`);
  }
  // ceil_mode: extend the end pad so that floor division keeps the partial last window.
  let outs: number[] = [];
  if (ceil) {
    outs = seen.map((size, i) => {
      const [b, e] = axes[i]!;
      let out = Math.ceil((size + b + e - k) / s) + 1;
      if ((out - 1) * s >= size + b) out -= 1; // the last window must start inside the input
      return out;
    });
    axes = axes.map(([b, e], i) => [b, Math.max(e, (outs[i]! - 1) * s + k - seen[i]! - b)]);
  }
  axes = axes.map(([b, e], i) => [b + pre[i]![0], e + pre[i]![1]]);
  const given = `[${axes[0]![0]},${axes[1]![0]},${axes[0]![1]},${axes[1]![1]}]`;
  const flat = axes.flat();
  if (flat.every((p) => p === flat[0])) return flat[0]!;
  const same = sizes.every((size, i) => {
    const c = convAxis(size, k, s, 'same');
    return c.begin === axes[i]![0] && c.end === axes[i]![1];
  });
  if (same) return 'same';
  if (ceil) {
    // Same output size with symmetric pads: same shape and cost, windows shifted.
    const start = Math.min(axes[0]![0], axes[1]![0]);
    for (let p = start; p < k; p++) {
      if (sizes.every((size, i) => convAxis(size, k, s, p).out === outs[i])) return p;
    }
  }
  return ctx.nodeFail(node, `pads ${given}${ceil ? ' (with ceil_mode)' : ''} on a ${sizes[0]}x${sizes[1]} input are asymmetric and are not TF-style 'same' padding`);
}

export function conv(ctx: ImportContext, node: NodeProto): Act {
  const { x, pre } = paddedAct(ctx, node);
  const w = ctx.konst(node, 1, 'weight');
  const b = ctx.get(node, 2);
  if (b && b.kind !== 'const') ctx.nodeFail(node, 'its bias must be a constant');
  ctx.image(node, x);
  if (w.dims.length !== 4) ctx.nodeFail(node, `only 2-D convolutions are supported (weight of rank ${w.dims.length})`);
  const [m, cPerGroup, kh, kw] = w.dims as [number, number, number, number];
  const group = intAttr(node, 'group', 1);
  const cin = x.shape[0]!;
  if (cPerGroup * group !== cin) ctx.nodeFail(node, `weight [${w.dims.join(',')}] with group ${group} does not fit ${cin} input channels`);
  const { k, s } = window(ctx, node, [kh, kw]);
  const pad = padding(ctx, node, x.shape, k, s, false, pre);
  const bias = b !== undefined;
  const inputs = [x.ref];
  if (group === 1) {
    if (k === 1 && s === 1 && pad === 0) return ctx.emit(node, { op: 'pwconv', inputs, out: m, bias });
    return ctx.emit(node, { op: 'conv', inputs, out: m, kernel: k, stride: s, pad, groups: 1, bias });
  }
  if (group === cin && m === cin) return ctx.emit(node, { op: 'dwconv', inputs, kernel: k, stride: s, pad, bias });
  return ctx.emit(node, { op: 'conv', inputs, out: m, kernel: k, stride: s, pad, groups: group, bias });
}

export function pool(ctx: ImportContext, node: NodeProto): Act {
  const { x, pre } = paddedAct(ctx, node);
  ctx.image(node, x);
  if (!intsAttr(node, 'kernel_shape')) ctx.nodeFail(node, 'it has no kernel_shape');
  const { k, s } = window(ctx, node);
  const pad = padding(ctx, node, x.shape, k, s, intAttr(node, 'ceil_mode', 0) !== 0, pre);
  const op = node.opType === 'MaxPool' ? 'maxpool' : 'avgpool';
  return ctx.emit(node, { op, inputs: [x.ref], kernel: k, stride: s, pad });
}

/** A constant-mode Pad of H and W only, for the Conv or pool that reads it. */
export function pad(ctx: ImportContext, node: NodeProto): Padded {
  const x = ctx.image(node, ctx.act(node));
  const mode = strAttr(node, 'mode', 'constant');
  if (mode !== 'constant') ctx.nodeFail(node, `only constant padding is supported, got mode '${mode}'`);
  const pads = ctx.opset < 11 ? intsAttr(node, 'pads') : ctx.konst(node, 1, 'pads').values();
  if (!pads || pads.length !== 8 || pads.some((p) => p < 0)) ctx.nodeFail(node, `pads [${(pads ?? []).join(',')}] are not 8 non-negative values of an NCHW tensor`);
  if (pads[0] || pads[1] || pads[4] || pads[5]) ctx.nodeFail(node, `only padding of H and W is supported, got pads [${pads.join(',')}]`);
  const out = node.output?.[0] ?? '';
  if (ctx.graphOutputs.has(out) || !ctx.readers(out).every((r) => ['Conv', 'MaxPool', 'AveragePool'].includes(r.opType ?? ''))) {
    ctx.nodeFail(node, 'a Pad is supported only right before a Conv or pooling node');
  }
  return {
    kind: 'padded',
    x,
    pads: [
      [pads[2]!, pads[6]!],
      [pads[3]!, pads[7]!],
    ],
  };
}

export function globalAveragePool(ctx: ImportContext, node: NodeProto): Act {
  return ctx.emit(node, { op: 'gap', inputs: [ctx.act(node).ref] });
}

export function reduceMean(ctx: ImportContext, node: NodeProto): Act {
  const x = ctx.act(node);
  const rank = x.shape.length + 1;
  const axes = (ctx.axes(node, 1) ?? []).map((a) => (a < 0 ? a + rank : a)).sort();
  if (rank !== 4 || axes.length !== 2 || axes[0] !== 2 || axes[1] !== 3) {
    ctx.nodeFail(node, `only a mean over H and W of an NCHW tensor is supported (axes [${axes.join(',')}])`);
  }
  const gap = ctx.emit(node, { op: 'gap', inputs: [x.ref] });
  if (intAttr(node, 'keepdims', 1) !== 0) return gap;
  return ctx.emit(node, { op: 'flatten', inputs: [gap.ref] }, `${gap.ref}/flatten`);
}

/**
 * Resize (opset 10: X, scales; 11+: X, roi, scales, sizes) and Upsample (scales as an
 * attribute before opset 9, an input since): N and C kept, H and W scaled by one whole factor.
 */
export function resize(ctx: ImportContext, node: NodeProto): Act {
  const x = ctx.image(node, ctx.act(node));
  const full = [ctx.batch, ...x.shape];
  const mode = strAttr(node, 'mode', 'nearest');
  if (mode !== 'nearest' && mode !== 'linear') ctx.nodeFail(node, `mode '${mode}' is not supported; only 'nearest' and 'linear' are`);
  const opAxes = intsAttr(node, 'axes');
  if (opAxes) ctx.nodeFail(node, `an axes attribute [${opAxes.join(',')}] is not supported`);
  // An absent input and an empty tensor both mean "not given" (PyTorch writes either).
  const given = (i: number, what: string): number[] | undefined => {
    const values = ctx.get(node, i) ? ctx.konst(node, i, what).values() : [];
    return values.length ? values : undefined;
  };
  let scales: number[] | undefined;
  if (node.opType === 'Upsample') scales = ctx.opset < 9 ? floatsAttr(node, 'scales') : given(1, 'scales');
  else if (ctx.opset < 11) scales = given(1, 'scales');
  else {
    scales = given(2, 'scales');
    const sizes = given(3, 'sizes');
    if (!scales && sizes) {
      if (sizes.length !== 4) ctx.nodeFail(node, `sizes [${sizes.join(',')}] are not those of an NCHW tensor`);
      scales = sizes.map((d, i) => d / full[i]!);
    }
  }
  if (!scales || scales.length !== 4) ctx.nodeFail(node, `scales [${(scales ?? []).join(',')}] are not 4 values of an NCHW tensor`);
  const [sn, sc, sh, sw] = scales as [number, number, number, number];
  const scale = Math.round(sh);
  if (sn !== 1 || sc !== 1 || sh !== sw || Math.abs(sh - scale) > 1e-6 || scale < 1) {
    ctx.nodeFail(node, `scales [${scales.join(',')}] are not supported; only N and C kept and H and W scaled by the same whole factor are`);
  }
  return ctx.emit(node, { op: 'resize', inputs: [x.ref], scale, mode });
}
