/**
 * One import from a decoded ONNX model to the IR, in order: keep the nodes the graph outputs
 * depend on; name any unsupported operator before anything else; rewrite multi-node patterns
 * (rewrites.ts); read initializers and inputs; import each node through its handler
 * (handlers.ts) or evaluate it as a constant (constants.ts); check the result.
 */
import { analyzeNetwork } from '../analyze.js';
import { NETWORK_INPUT, type Network, type Shape } from '../ir.js';
import { CONSTANT_OPS, evalConst } from './constants.js';
import { ImportContext, type Outputs, type Value } from './context.js';
import { handlerOf, SUPPORTED_ONNX_OPS } from './handlers.js';
import { isDefaultDomain, num, type ModelProto, type NodeProto, type ValueInfoProto } from './proto.js';
import { REWRITE_DOMAIN, rewritePatterns } from './rewrites.js';

const KNOWN_OPS: ReadonlySet<string> = new Set([...SUPPORTED_ONNX_OPS, ...CONSTANT_OPS]);
const CONSTANT_ONLY = [...CONSTANT_OPS].filter((op) => !(SUPPORTED_ONNX_OPS as readonly string[]).includes(op));
const SUPPORTED_TEXT = `${SUPPORTED_ONNX_OPS.join(', ')}; ${CONSTANT_ONLY.join(', ')} on constants; Reshape + Transpose + Reshape as a channel shuffle`;

/** The nodes that some graph output depends on, in file order (exporters leave dead constants). */
function liveNodes(nodes: readonly NodeProto[], outputs: ReadonlySet<string>): NodeProto[] {
  const producer = new Map<string, NodeProto>();
  for (const n of nodes) for (const o of n.output ?? []) if (o) producer.set(o, n);
  const live = new Set<NodeProto>();
  const stack = [...outputs];
  const seen = new Set<string>();
  while (stack.length) {
    const t = stack.pop()!;
    if (seen.has(t)) continue;
    seen.add(t);
    const n = producer.get(t);
    if (!n || live.has(n)) continue;
    live.add(n);
    for (const i of n.input ?? []) if (i) stack.push(i);
  }
  return nodes.filter((n) => live.has(n));
}

function readInputs(ctx: ImportContext, inputs: readonly ValueInfoProto[]): { input: Shape; extraInputs: Record<string, Shape> } {
  const real = inputs.filter((i) => !ctx.values.has(i.name ?? '') && ctx.readers(i.name ?? '').length > 0);
  if (real.length === 0) ctx.fail('the ONNX graph has no input that its outputs depend on');
  let batch: number | undefined;
  let input: Shape = [];
  const extraInputs: Record<string, Shape> = {};
  real.forEach((vi, index) => {
    const iname = vi.name ?? '';
    const tt = vi.type?.tensorType;
    if (!tt) ctx.fail(`graph input '${iname}' is not a tensor`);
    const dims = tt.shape?.dim ?? [];
    if (dims.length !== 4 && dims.length !== 2) {
      ctx.fail(`graph input '${iname}' has rank ${dims.length}; only NCHW images (rank 4) and [N, features] vectors (rank 2) are supported`);
    }
    const shape = dims.slice(1).map((d, i) => {
      const v = num(d.dimValue);
      if (!(v > 0)) ctx.fail(`graph input '${iname}' has a symbolic dimension ${d.dimParam ? `'${d.dimParam}' ` : ''}at axis ${i + 1}; export the model with a fixed input size`);
      return v;
    });
    const b = num(dims[0]!.dimValue) > 0 ? num(dims[0]!.dimValue) : 1;
    if (batch !== undefined && b !== batch) ctx.fail(`graph inputs disagree on the batch size (${batch} and ${b})`);
    batch = b;
    let ref: string = NETWORK_INPUT;
    if (index === 0) input = shape;
    else {
      ref = ctx.uniqueName(iname, `input${index}`);
      extraInputs[ref] = shape;
    }
    ctx.shapes.set(ref, shape);
    ctx.values.set(iname, { kind: 'act', ref, shape });
  });
  ctx.batch = batch ?? 1;
  return { input, extraInputs };
}

function importNode(ctx: ImportContext, node: NodeProto): void {
  const op = node.opType ?? '';
  const rewritten = node.domain === REWRITE_DOMAIN;
  const ins = (node.input ?? []).map((_, i) => ctx.get(node, i)).filter((v) => v !== undefined);
  const allConst = ins.length > 0 && ins.every((v) => v.kind === 'const');
  const handler = handlerOf(op, rewritten);
  let result: Outputs;
  if (!rewritten && CONSTANT_OPS.has(op) && (op === 'Shape' || allConst)) result = evalConst(ctx, node);
  // Constant-only operators applied to computed tensors (a Transpose in the middle).
  else if (!handler) return ctx.unsupported(node);
  else result = handler(ctx, node);
  const values: readonly (Value | undefined)[] = isValue(result) ? [result] : result;
  (node.output ?? []).forEach((o, k) => {
    if (!o) return;
    const v = values[k];
    if (v) ctx.values.set(o, v);
    else if (ctx.isRead(o)) ctx.nodeFail(node, `its output ${k + 1} ('${o}') is used; only the first output of this operator is supported`);
  });
}

const isValue = (r: Outputs): r is Value => 'kind' in r;

function finish(ctx: ImportContext, outputs: readonly ValueInfoProto[], input: Shape, extraInputs: Record<string, Shape>): Network {
  const outRefs = outputs.map((o) => {
    const v = ctx.values.get(o.name ?? '');
    if (!v || v.kind !== 'act') ctx.fail(`graph output '${o.name ?? ''}' is not computed from the input`);
    return v.ref;
  });
  const layers = ctx.layers;
  if (layers.length === 0) ctx.fail('the model has no layers (its output is its input)');
  // The IR's output shape is its last layer's: put the first graph output's layer last.
  const first = outRefs[0]!;
  const at = layers.findIndex((l) => l.name === first);
  if (at >= 0 && at < layers.length - 1 && !layers.some((l) => l.inputs.includes(first))) layers.push(...layers.splice(at, 1));
  const network: Network = {
    name: ctx.name,
    input,
    ...(Object.keys(extraInputs).length ? { extraInputs: { ...extraInputs } } : {}),
    batch: ctx.batch,
    layers: [...layers],
  };
  try {
    analyzeNetwork(network);
  } catch (e) {
    ctx.fail(`the imported network does not check out: ${(e as Error).message}`);
  }
  return network;
}

/** Imports a decoded model that has a graph; `name` names the network and prefixes errors. */
export function importModel(name: string, model: ModelProto): Network {
  const graph = model.graph!;
  const graphOutputs = new Set((graph.output ?? []).map((o) => o.name ?? ''));
  const op = (model.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
  const ctx = new ImportContext(name, op ? num(op.version) : 13, graphOutputs, SUPPORTED_TEXT);
  const nodes = graph.node ?? [];
  if (nodes.length === 0) ctx.fail('the ONNX graph has no nodes');
  if (graphOutputs.size === 0) ctx.fail('the ONNX graph has no outputs');

  const live = liveNodes(nodes, graphOutputs);
  // An unsupported operator is the most useful thing to report, so it is looked for first.
  const bad = live.filter((n) => !isDefaultDomain(n) || !KNOWN_OPS.has(n.opType ?? ''));
  if (bad.length) ctx.unsupported(bad[0]!, bad.slice(1));

  const order = rewritePatterns(live, graphOutputs, graph.initializer ?? [], ctx.opset);
  ctx.setReaders(order);
  for (const t of graph.initializer ?? []) ctx.values.set(t.name ?? '', ctx.constOf(t));
  const { input, extraInputs } = readInputs(ctx, graph.input ?? []);
  for (const n of order) importNode(ctx, n);
  return finish(ctx, graph.output ?? [], input, extraInputs);
}
