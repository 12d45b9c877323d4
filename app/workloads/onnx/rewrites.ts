/**
 * Pattern rewrites on the ONNX graph, before import: subgraphs that exporters write for what
 * is one IR layer become one node, named after (and producing the tensor of) the pattern's
 * last node, so that the layer keeps that node's name. Each inner tensor must be read by the
 * pattern alone; otherwise nothing is rewritten and the nodes import one by one.
 *
 * - x * Sigmoid(x) -> `Swish` (SiLU: EfficientNet, RegNet's activations in newer exports).
 * - x * HardSigmoid(x), PyTorch's alpha 1/6 and beta 0.5 -> `HardSwish` (its opset 14 op).
 * - Older exporters' relu6(x + 3) / 6 -> `HardSigmoid`, and so x * relu6(x + 3) / 6 ->
 *   `HardSwish`, whichever of the product and the division comes first; `* (1/6)` as `/ 6`.
 * - Reshape, Transpose perm [0,2,1,3,4], Reshape -> `ChannelShuffle` (inputs: x and both
 *   target shapes, checked when imported), so the 5-D tensors never become IR tensors.
 *
 * Rules run in one pass in graph order, each seeing the rewrites before it: that is how the
 * older hardswish becomes HardSigmoid first and HardSwish at the product.
 */
import { HARD_SIGMOID, isPyTorchHardSigmoid } from './elementwise.js';
import { floatAttr, intsAttr, isDefaultDomain, num, numel, onnx, readTensor, type NodeProto, type TensorProto } from './proto.js';

/** Domain of the nodes made here that are no ONNX operator; files cannot contain them (see importer.ts). */
export const REWRITE_DOMAIN = 'labbench.rewrite';

interface Graph {
  readonly producer: Map<string, NodeProto>;
  readonly readers: ReadonlyMap<string, number>;
  readonly outputs: ReadonlySet<string>;
  readonly opset: number;
  /** A scalar's value when the tensor is a one-element initializer or Constant (perhaps cast). */
  literal(tensor: string | undefined): number | undefined;
}

/** A rewrite: the node that replaces the root, and the inner nodes that go. */
interface Match {
  readonly node: NodeProto;
  readonly removed: readonly NodeProto[];
}
type Rule = (g: Graph, root: NodeProto) => Match | undefined;

const is = (n: NodeProto | undefined, op: string): n is NodeProto => n !== undefined && isDefaultDomain(n) && n.opType === op;
const near = (v: number | undefined, want: number): boolean => v !== undefined && Math.abs(v - want) <= 1e-6 * Math.max(1, Math.abs(want));

/** Read by one node and not a graph output: a tensor the pattern may swallow. */
const inner = (g: Graph, t: string | undefined): t is string => !!t && g.readers.get(t) === 1 && !g.outputs.has(t);

function replacement(root: NodeProto, opType: string, input: string[], extra: Partial<NodeProto> = {}): NodeProto {
  return { name: root.name ?? '', opType, domain: '', input, output: [root.output![0]!], attribute: [], ...extra };
}

/** For a binary node, each (a, b) order of its two inputs. */
const orders = (n: NodeProto): [string, string][] => {
  const [a, b] = n.input ?? [];
  return a && b ? [[a, b], [b, a]] : [];
};

/** x * act(x) where act is `op` (and passes `ok`), its output read only here. */
function productWithOwnActivation(g: Graph, root: NodeProto, op: string, ok: (n: NodeProto) => boolean = () => true): { x: string; act: NodeProto } | undefined {
  if (!is(root, 'Mul')) return undefined;
  for (const [x, y] of orders(root)) {
    const p = g.producer.get(y);
    if (is(p, op) && p.input?.[0] === x && ok(p) && inner(g, y)) return { x, act: p };
  }
  return undefined;
}

const swish: Rule = (g, root) => {
  const m = productWithOwnActivation(g, root, 'Sigmoid');
  return m && { node: replacement(root, 'Swish', [m.x], { domain: REWRITE_DOMAIN }), removed: [m.act] };
};

const isTorchHardSigmoid = (n: NodeProto): boolean => isPyTorchHardSigmoid(floatAttr(n, 'alpha', 0.2), floatAttr(n, 'beta', 0.5));

const hardSwish: Rule = (g, root) => {
  const m = productWithOwnActivation(g, root, 'HardSigmoid', isTorchHardSigmoid);
  return m && { node: replacement(root, 'HardSwish', [m.x]), removed: [m.act] };
};

/** `t / 6` or `t * (1/6)`: the other operand t. */
function sixth(g: Graph, n: NodeProto): string | undefined {
  if (is(n, 'Div') && near(g.literal(n.input?.[1]), 6)) return n.input?.[0];
  if (is(n, 'Mul')) for (const [t, c] of orders(n)) if (near(g.literal(c), 1 / 6)) return t;
  return undefined;
}

/**
 * relu6(x + 3), inner tensors read only here: x and the nodes. ReLU6 is Clip(0, 6), or Relu
 * then Clip(max 6) as PyTorch writes F.relu6 (the Clip's lower bound then does not matter).
 */
function relu6Plus3(g: Graph, t: string | undefined): { x: string; nodes: NodeProto[] } | undefined {
  const clip = inner(g, t) ? g.producer.get(t) : undefined;
  if (!is(clip, 'Clip')) return undefined;
  const [lo, hi] = g.opset < 11 ? [floatAttr(clip, 'min', -Infinity), floatAttr(clip, 'max', Infinity)] : [g.literal(clip.input?.[1]) ?? -Infinity, g.literal(clip.input?.[2])];
  const nodes = [clip];
  let before = inner(g, clip.input?.[0]) ? g.producer.get(clip.input![0]!) : undefined;
  if (is(before, 'Relu')) {
    nodes.push(before);
    before = inner(g, before.input?.[0]) ? g.producer.get(before.input![0]!) : undefined;
  } else if (!near(lo, 0)) return undefined;
  if (!near(hi, 6) || lo > 0 || !is(before, 'Add')) return undefined;
  for (const [x, c] of orders(before)) if (near(g.literal(c), 3) && g.literal(x) === undefined) return { x, nodes: [...nodes, before] };
  return undefined;
}

const hardSigmoidByHand: Rule = (g, root) => {
  const m = relu6Plus3(g, sixth(g, root));
  if (!m) return undefined;
  const attribute = [
    { name: 'alpha', type: onnx.AttributeProto.AttributeType.FLOAT, f: HARD_SIGMOID.alpha },
    { name: 'beta', type: onnx.AttributeProto.AttributeType.FLOAT, f: HARD_SIGMOID.beta },
  ];
  return { node: replacement(root, 'HardSigmoid', [m.x], { attribute }), removed: m.nodes };
};

/** (x * relu6(x + 3)) / 6: the division after the product. */
const hardSwishByHand: Rule = (g, root) => {
  const t = sixth(g, root);
  const prod = inner(g, t) ? g.producer.get(t) : undefined;
  if (!is(prod, 'Mul')) return undefined;
  for (const [x, r] of orders(prod)) {
    const m = relu6Plus3(g, r);
    if (m && m.x === x) return { node: replacement(root, 'HardSwish', [x]), removed: [prod, ...m.nodes] };
  }
  return undefined;
};

const channelShuffle: Rule = (g, root) => {
  if (!is(root, 'Reshape')) return undefined;
  const t = root.input?.[0];
  const tr = inner(g, t) ? g.producer.get(t) : undefined;
  const perm = tr && intsAttr(tr, 'perm');
  if (!is(tr, 'Transpose') || perm?.join(',') !== '0,2,1,3,4') return undefined;
  const first = inner(g, tr.input?.[0]) ? g.producer.get(tr.input![0]!) : undefined;
  if (!is(first, 'Reshape') || !first.input?.[1] || !root.input?.[1]) return undefined;
  return { node: replacement(root, 'ChannelShuffle', [first.input[0]!, first.input[1], root.input[1]], { domain: REWRITE_DOMAIN }), removed: [tr, first] };
};

/** The value of a one-element tensor; undefined for any other, or one that cannot be read. */
function scalarOf(t: TensorProto | undefined): number | undefined {
  if (!t || numel((t.dims ?? []).map(num)) !== 1) return undefined;
  try {
    return readTensor(t, (why) => {
      throw new Error(why);
    })[0];
  } catch {
    return undefined;
  }
}

const RULES: readonly Rule[] = [swish, hardSwish, hardSigmoidByHand, hardSwishByHand, channelShuffle];

/**
 * Applies the rules to `nodes` (in graph order, only those the outputs depend on). Returns
 * the nodes to import, in the same order; a rewritten pattern sits where its last node was.
 */
export function rewritePatterns(nodes: readonly NodeProto[], graphOutputs: ReadonlySet<string>, initializers: readonly TensorProto[], opset: number): NodeProto[] {
  const producer = new Map<string, NodeProto>();
  const readers = new Map<string, number>();
  for (const n of nodes) {
    for (const o of n.output ?? []) if (o) producer.set(o, n);
    for (const i of n.input ?? []) if (i) readers.set(i, (readers.get(i) ?? 0) + 1);
  }
  const scalars = new Map<string, TensorProto>(initializers.map((t) => [t.name ?? '', t]));
  const literal = (tensor: string | undefined): number | undefined => {
    const p = tensor ? producer.get(tensor) : undefined;
    if (!p) return tensor ? scalarOf(scalars.get(tensor)) : undefined;
    // Exports without constant folding cast their literals.
    const op = isDefaultDomain(p) ? p.opType : undefined;
    if (op === 'Cast' || op === 'Identity') return literal(p.input?.[0]);
    const a = op === 'Constant' ? p.attribute?.[0] : undefined;
    if (a?.name === 'value') return scalarOf(a.t ?? undefined);
    if (a?.name === 'value_float') return a.f ?? 0;
    if (a?.name === 'value_int') return num(a.i);
    return undefined;
  };
  const g: Graph = { producer, readers, outputs: graphOutputs, opset, literal };
  const removed = new Set<NodeProto>();
  const result: NodeProto[] = [];
  for (const n of nodes) {
    let node = n;
    for (const rule of RULES) {
      const m = rule(g, node);
      if (!m) continue;
      m.removed.forEach((r) => removed.add(r));
      node = m.node;
      producer.set(node.output![0]!, node);
      break;
    }
    result.push(node);
  }
  return result.filter((n) => !removed.has(n));
}
