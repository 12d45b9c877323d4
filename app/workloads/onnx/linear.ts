/**
 * Handlers of the matrix products that become `fc`: Gemm (transA 0) and MatMul by a constant
 * [K, N] weight. A bias added after a MatMul is folded by elementwise.ts's Add.
 */
import type { Act, ImportContext } from './context.js';
import { floatAttr, intAttr, numel, type NodeProto } from './proto.js';

export function gemm(ctx: ImportContext, node: NodeProto): Act {
  const a = ctx.act(node);
  const w = ctx.konst(node, 1, 'weight');
  const c = ctx.get(node, 2);
  if (c && c.kind !== 'const') ctx.nodeFail(node, 'its bias C must be a constant');
  if (intAttr(node, 'transA', 0) !== 0) ctx.nodeFail(node, 'transA = 1 is not supported');
  if (w.dims.length !== 2) ctx.nodeFail(node, `its weight must be 2-D, got [${w.dims.join(',')}]`);
  const transB = intAttr(node, 'transB', 0) !== 0;
  const [kIn, out] = (transB ? [w.dims[1], w.dims[0]] : [w.dims[0], w.dims[1]]) as [number, number];
  const fin = numel(a.shape);
  if (fin !== kIn) ctx.nodeFail(node, `its input has ${fin} features but its weight [${w.dims.join(',')}] expects ${kIn}`);
  const bias = c !== undefined && floatAttr(node, 'beta', 1) !== 0;
  return ctx.emit(node, { op: 'fc', inputs: [a.ref], out, bias });
}

export function matmul(ctx: ImportContext, node: NodeProto): Act {
  const a = ctx.act(node);
  const w = ctx.konst(node, 1, 'weight');
  if (a.shape.length !== 1) ctx.nodeFail(node, `only [N, K] x [K, M] is supported (input [N,${a.shape.join(',')}])`);
  if (w.dims.length !== 2 || w.dims[0] !== a.shape[0]) ctx.nodeFail(node, `weight [${w.dims.join(',')}] does not fit an input of ${a.shape[0]} features`);
  return ctx.emit(node, { op: 'fc', inputs: [a.ref], out: w.dims[1]!, bias: false });
}
