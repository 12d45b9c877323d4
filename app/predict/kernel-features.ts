/**
 * What a kernel's latency is regressed on: a flat record of numbers per kernel, read from
 * its LUT config (workloads/kernels.ts KernelConfig). Shared terms for every kind (work,
 * traffic, element counts, their logs), the network around it (its weights, those outside
 * the fc head, its activations: docs/decisions/0025-network-context.md), the primary layer's
 * hyperparameters, and what the runtime fused into it (bn, the activation's cost class, a
 * residual sum).
 */
import type { KernelConfig, KernelKind } from '../workloads/kernels.js';
import type { Shape } from '../workloads/ir.js';

const numel = (s: Shape): number => s.reduce((a, b) => a * b, 1);

/** Activations by cost: 1 a clamp (relu, relu6), 2 piecewise linear with a multiply (hard*), 3 an exponential (sigmoid, swish). */
const ACT_CLASS: Readonly<Record<string, number>> = { relu: 1, relu6: 1, hardsigmoid: 2, hardswish: 2, sigmoid: 3, swish: 3 };
/** Op codes of element-wise and data-movement kernels, for the trees to split on. */
const OP_CODE: Readonly<Record<string, number>> = {
  bn: 1,
  relu: 2,
  relu6: 3,
  hardsigmoid: 4,
  hardswish: 5,
  sigmoid: 6,
  swish: 7,
  add: 8,
  mul: 9,
  concat: 10,
  slice: 11,
  shuffle: 12,
  flatten: 13,
  softmax: 14,
  resize: 15,
};

/** Feature names per kind, in the order kernelFeatureVector returns them. */
export const KERNEL_FEATURES: Readonly<Record<KernelKind, readonly string[]>> = (() => {
  const common = ['log_flops', 'log_bytes', 'log_params', 'log_in', 'log_out', 'batch', 'log_net_weights', 'log_net_body_weights', 'log_net_acts'];
  const conv = [...common, 'cin', 'cout', 'kernel', 'stride', 'groups', 'in_h', 'out_h', 'act', 'sum', 'cin_mod8', 'cout_mod8', 'blocked', 'flops_per_byte'];
  return {
    conv,
    pwconv: conv,
    dwconv: conv,
    gconv: conv,
    fc: [...common, 'cin', 'cout', 'act', 'cin_mod8', 'cout_mod8', 'flops_per_byte'],
    pool: [...common, 'cin', 'kernel', 'stride', 'in_h', 'out_h', 'is_max', 'blocked', 'act'],
    gap: [...common, 'cin', 'in_h', 'blocked'],
    eltwise: [...common, 'op', 'n_inputs', 'broadcast', 'act', 'cin', 'in_h', 'blocked', 'variant'],
    data: [...common, 'op', 'n_inputs', 'cin', 'in_h', 'blocked', 'variant'],
    reorder: [...common, 'cin', 'in_h', 'direction', 'cin_mod8'],
  };
})();

/** A stable number for the runtime's own name of a kernel (`PAD`, `RESHAPE+TRANSPOSE`...), for the trees to split on; 0 without one. */
function variantCode(v: string | undefined): number {
  if (!v) return 0;
  let h = 0;
  for (let i = 0; i < v.length; i++) h = (h * 31 + v.charCodeAt(i)) % 997;
  return h + 1;
}

/** Every feature a kernel has, by name. */
export function kernelFeatures(c: KernelConfig): Record<string, number> {
  const x = c.inputs[0] ?? [];
  const h = c.hyper;
  const batch = c.batch;
  const inElems = c.inputs.reduce((a, s) => a + numel(s), 0) * batch;
  const outElems = numel(c.output) * batch;
  const flops = c.cost.flops * batch;
  const bytes = c.cost.bytes;
  const acts = c.fused.filter((op) => ACT_CLASS[op] !== undefined);
  const cin = x.length === 3 ? x[0]! : numel(x);
  const cout = c.output.length === 3 ? c.output[0]! : numel(c.output);
  const v: Record<string, number> = {
    log_flops: Math.log1p(flops),
    log_bytes: Math.log1p(bytes),
    log_params: Math.log1p(c.cost.params),
    log_in: Math.log1p(inElems),
    log_out: Math.log1p(outElems),
    batch,
    log_net_weights: Math.log1p(c.context?.weight_bytes ?? 0),
    // The weights outside the fc head, and the activations: what streams through the caches between two runs of this kernel.
    log_net_body_weights: Math.log1p(Math.max(0, (c.context?.weight_bytes ?? 0) - (c.context?.fc_weight_bytes ?? 0))),
    log_net_acts: Math.log1p(c.context?.act_bytes ?? 0),
    cin,
    cout,
    in_h: x.length === 3 ? x[1]! : 1,
    out_h: c.output.length === 3 ? c.output[1]! : 1,
    kernel: typeof h.kernel === 'number' ? h.kernel : c.op === 'gap' ? (x[1] ?? 1) : 1,
    stride: typeof h.stride === 'number' ? h.stride : 1,
    groups: c.op === 'dwconv' ? cin : typeof h.groups === 'number' ? h.groups : 1,
    act: acts.length ? Math.max(...acts.map((a) => ACT_CLASS[a]!)) : 0,
    sum: c.fused.includes('add') ? 1 : 0,
    cin_mod8: cin % 8,
    cout_mod8: cout % 8,
    blocked: c.variant === 'nchwc' ? 1 : 0,
    flops_per_byte: flops / Math.max(bytes, 1),
    is_max: c.op === 'maxpool' ? 1 : 0,
    op: OP_CODE[c.op] ?? 0,
    n_inputs: c.inputs.length,
    broadcast: c.inputs.some((s) => numel(s) !== numel(x)) ? 1 : 0,
    direction: h.direction === 'out' ? 1 : 0,
    variant: variantCode(c.variant),
  };
  return v;
}

/** The features of `c` that its kind's model uses, in KERNEL_FEATURES order. */
export function kernelFeatureVector(c: KernelConfig): number[] {
  const f = kernelFeatures(c);
  return KERNEL_FEATURES[c.kind].map((name) => f[name] ?? 0);
}
