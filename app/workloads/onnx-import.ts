/**
 * Reads a user's ONNX model into the network IR: the inverse of the ONNX artifact writer
 * (native-runners/onnxruntime/artifact.ts), and lenient enough for what PyTorch's exporter
 * and other tools write. Weights are not kept (the IR carries none); only their shapes are
 * read, to get channel counts and kernel sizes.
 *
 * Mapping, one IR layer per ONNX node unless said otherwise:
 * - Conv: group 1 -> `conv`, or `pwconv` when 1x1, stride 1 and pad 0; group = C_in = C_out
 *   -> `dwconv`; other groups -> `conv` with `groups`. Square kernels, equal strides, no
 *   dilation. Pads become a number when symmetric, `'same'` when they are what TF-style
 *   'same' pads for that input, and are an error otherwise.
 * - A constant-mode Pad of H and W right before a Conv or pool is no layer: its pads add to
 *   that node's (PyTorch writes avg_pool2d with padding and ceil_mode as Pad + AveragePool).
 * - MaxPool / AveragePool -> `maxpool` / `avgpool`, pads as for Conv. `ceil_mode` adds the
 *   end padding that keeps the partial last window; when that is neither symmetric nor
 *   'same', the smallest symmetric pad giving the same output size is used (same shape and
 *   cost; the windows sit one pad-step apart).
 * - GlobalAveragePool, and ReduceMean over H and W -> `gap` (ReduceMean without keepdims
 *   adds a `flatten` named `<node>/flatten`).
 * - Gemm (transA 0) and MatMul with a constant [K, N] weight -> `fc`. An Add of a constant
 *   that is one value per output channel, right after a Gemm, MatMul or Conv without bias
 *   whose output nothing else reads, folds into that layer as its bias.
 * - BatchNormalization -> `bn`; Relu -> `relu`; Clip(0, 6) -> `relu6`, Clip(0, inf) ->
 *   `relu`, and a lower bound below 0 counts as 0 when the input is a ReLU's output (old
 *   exporters write ReLU6 as Relu + Clip(max = 6)); any other Clip is an error.
 * - Add (two computed tensors) and Sum -> `add`; Concat on the channel axis -> `concat`.
 * - Flatten (axis 1), Reshape to [N, -1] and Squeeze to [N, F] -> `flatten`. A Flatten named
 *   `<gemm>/flatten` that feeds only that Gemm is our writer's own "fc reads a feature map"
 *   and folds into the fc.
 * - Softmax -> `softmax`; Identity and Dropout (inference) are dropped and their readers
 *   rewired; Constant, and Shape / Gather / Unsqueeze / Squeeze / Concat / Cast / Transpose /
 *   Identity on constants, are evaluated here (PyTorch's `x.view(x.size(0), -1)`).
 *
 * Nodes that no graph output depends on are ignored. Initializers listed as graph inputs (old
 * exporters do that) are constants, not inputs. The first remaining graph input is the
 * network input (NCHW or [N, F]; batch from dim 0, 1 when symbolic); any other becomes an
 * extra input. Layer names come from node names (output names when empty), made unique and
 * safe. Everything a user's file can get wrong is a one-line LabbenchError('BAD_INPUT').
 */
import onnxProto from 'onnx-proto';
import { analyzeLayer, analyzeNetwork, convAxis } from './analyze.js';
import { NETWORK_INPUT, type Layer, type Network, type Padding, type Shape } from './ir.js';
import { LabbenchError } from '../api/errors.js';

const { onnx } = onnxProto;
type NodeProto = onnxProto.onnx.INodeProto;
type TensorProto = onnxProto.onnx.ITensorProto;
type AttributeProto = onnxProto.onnx.IAttributeProto;
type ValueInfoProto = onnxProto.onnx.IValueInfoProto;

/** Operators that can become layers (or vanish into them), for the error message. */
export const SUPPORTED_ONNX_OPS: readonly string[] = [
  'Conv',
  'Gemm',
  'MatMul',
  'Add',
  'Sum',
  'BatchNormalization',
  'Relu',
  'Clip',
  'MaxPool',
  'AveragePool',
  'GlobalAveragePool',
  'ReduceMean',
  'Concat',
  'Flatten',
  'Reshape',
  'Squeeze',
  'Softmax',
  'Pad',
  'Identity',
  'Dropout',
  'Constant',
];
/** Operators evaluated when their inputs are constants (shape arithmetic, weight plumbing). */
const CONSTANT_OPS: ReadonlySet<string> = new Set(['Shape', 'Gather', 'Unsqueeze', 'Squeeze', 'Concat', 'Cast', 'Transpose', 'Identity', 'Reshape']);
const KNOWN_OPS: ReadonlySet<string> = new Set([...SUPPORTED_ONNX_OPS, ...CONSTANT_OPS]);
const SUPPORTED_TEXT = `${SUPPORTED_ONNX_OPS.join(', ')}; Shape, Gather, Unsqueeze, Cast, Transpose on constants`;

/** A tensor computed from the network's input: an IR layer's output (or an input), batch dropped. */
interface Act {
  readonly kind: 'act';
  readonly ref: string;
  readonly shape: Shape;
}
/** A tensor known without running the network; values are read only when needed. */
interface Const {
  readonly kind: 'const';
  readonly dims: readonly number[];
  readonly values: () => number[];
}
/** A Pad on H and W, not a layer of its own: the Conv or pool that reads it takes the pads. */
interface Padded {
  readonly kind: 'padded';
  readonly x: Act;
  /** [begin, end] for H, then for W. */
  readonly pads: readonly (readonly [number, number])[];
}
type Value = Act | Const | Padded;

/** protobufjs decodes int64 as `Long` where the `long` package is present, else as number. */
type Int64 = number | { toNumber(): number } | null | undefined;
const num = (v: Int64): number => (v === null || v === undefined ? 0 : typeof v === 'number' ? v : v.toNumber());
const numel = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);
/** ONNX's float attribute defaults for Clip are +-FLT_MAX: treat those as unbounded. */
const FLT_MAX = 3.4028234663852886e38;

/** One line, however odd a name in the file is. */
const oneLine = (s: string): string => s.replace(/[\r\n\t]+/g, ' ');

function readTensor(t: TensorProto, fail: (why: string) => never): number[] {
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) fail(`tensor '${t.name ?? ''}' is stored outside the model file`);
  const n = numel((t.dims ?? []).map(num));
  if (n > 1 << 20) fail(`tensor '${t.name ?? ''}' is too large to read as a constant`);
  const T = onnx.TensorProto.DataType;
  const raw = t.rawData;
  if (raw && raw.length > 0) {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const read: ((i: number) => number) | undefined = {
      [T.FLOAT]: (i: number) => view.getFloat32(i * 4, true),
      [T.DOUBLE]: (i: number) => view.getFloat64(i * 8, true),
      [T.INT64]: (i: number) => Number(view.getBigInt64(i * 8, true)),
      [T.INT32]: (i: number) => view.getInt32(i * 4, true),
      [T.INT16]: (i: number) => view.getInt16(i * 2, true),
      [T.INT8]: (i: number) => view.getInt8(i),
      [T.UINT8]: (i: number) => view.getUint8(i),
      [T.BOOL]: (i: number) => view.getUint8(i),
    }[t.dataType ?? 0];
    if (!read) fail(`tensor '${t.name ?? ''}' has data type ${t.dataType ?? 0}, which cannot be read here`);
    return Array.from({ length: n }, (_, i) => read(i));
  }
  switch (t.dataType) {
    case T.FLOAT:
      return [...(t.floatData ?? [])];
    case T.DOUBLE:
      return [...(t.doubleData ?? [])];
    case T.INT64:
      return (t.int64Data ?? []).map(num);
    case T.INT32:
    case T.INT16:
    case T.INT8:
    case T.UINT8:
    case T.BOOL:
      return [...(t.int32Data ?? [])];
    default:
      return fail(`tensor '${t.name ?? ''}' has data type ${t.dataType ?? 0}, which cannot be read here`);
  }
}

class OnnxImporter {
  private readonly values = new Map<string, Value>();
  private readonly layers: Layer[] = [];
  private readonly shapes = new Map<string, Shape>();
  private readonly used = new Set<string>([NETWORK_INPUT]);
  private readonly consumers = new Map<string, NodeProto[]>();
  private readonly graphOutputs: Set<string>;
  private input: Shape = [];
  private readonly extraInputs: Record<string, Shape> = {};
  private batch = 1;
  private readonly opset: number;

  constructor(
    private readonly name: string,
    private readonly model: onnxProto.onnx.ModelProto,
  ) {
    const graph = model.graph!;
    this.graphOutputs = new Set((graph.output ?? []).map((o) => o.name ?? ''));
    const op = (model.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
    this.opset = op ? num(op.version) : 13;
  }

  fail(msg: string): never {
    throw new LabbenchError('BAD_INPUT', oneLine(`${this.name}: ${msg}`));
  }

  private label(node: NodeProto): string {
    return node.name || node.output?.[0] || '?';
  }

  private nodeFail(node: NodeProto, msg: string): never {
    return this.fail(`node '${this.label(node)}' (${node.opType ?? '?'}): ${msg}`);
  }

  private opName(node: NodeProto): string {
    return node.domain && node.domain !== 'ai.onnx' ? `${node.domain}.${node.opType ?? ''}` : (node.opType ?? '');
  }

  /** Names the first unsupported node, then (briefly) other unsupported operator types. */
  private unsupported(node: NodeProto, others: readonly NodeProto[] = []): never {
    const more = others
      .filter((n, i) => this.opName(n) !== this.opName(node) && others.findIndex((m) => this.opName(m) === this.opName(n)) === i)
      .slice(0, 3)
      .map((n) => `, also '${this.opName(n)}' (node '${this.label(n)}')`)
      .join('');
    return this.fail(`unsupported ONNX operator '${this.opName(node)}' (node '${this.label(node)}')${more}; supported: ${SUPPORTED_TEXT}`);
  }

  run(): Network {
    const graph = this.model.graph!;
    const nodes = graph.node ?? [];
    if (nodes.length === 0) this.fail('the ONNX graph has no nodes');
    if ((graph.output ?? []).length === 0) this.fail('the ONNX graph has no outputs');

    // Only what the outputs depend on is imported: exporters leave unused constants behind.
    const producer = new Map<string, NodeProto>();
    for (const n of nodes) for (const o of n.output ?? []) if (o) producer.set(o, n);
    const live = new Set<NodeProto>();
    const stack = [...this.graphOutputs];
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
    const order = nodes.filter((n) => live.has(n));
    for (const n of order) {
      for (const i of n.input ?? []) if (i) this.consumers.set(i, [...(this.consumers.get(i) ?? []), n]);
    }
    // An unsupported operator is the most useful thing to report, so it is looked for first.
    const bad = order.filter((n) => (n.domain && n.domain !== 'ai.onnx') || !KNOWN_OPS.has(n.opType ?? ''));
    if (bad.length) this.unsupported(bad[0]!, bad.slice(1));

    for (const t of graph.initializer ?? []) {
      this.values.set(t.name ?? '', this.constOf(t));
    }
    this.readInputs(graph.input ?? []);

    for (const n of order) {
      this.importNode(n);
      (n.output ?? []).forEach((o, k) => {
        if (k > 0 && o && (this.consumers.has(o) || this.graphOutputs.has(o))) {
          this.nodeFail(n, `its output ${k + 1} ('${o}') is used; only the first output of this operator is supported`);
        }
      });
    }
    return this.finish(graph.output ?? []);
  }

  private readInputs(inputs: readonly ValueInfoProto[]): void {
    const real = inputs.filter((i) => !this.values.has(i.name ?? '') && this.consumers.has(i.name ?? ''));
    if (real.length === 0) this.fail('the ONNX graph has no input that its outputs depend on');
    let batch: number | undefined;
    real.forEach((vi, index) => {
      const iname = vi.name ?? '';
      const tt = vi.type?.tensorType;
      if (!tt) this.fail(`graph input '${iname}' is not a tensor`);
      const dims = tt.shape?.dim ?? [];
      if (dims.length !== 4 && dims.length !== 2) {
        this.fail(`graph input '${iname}' has rank ${dims.length}; only NCHW images (rank 4) and [N, features] vectors (rank 2) are supported`);
      }
      const shape = dims.slice(1).map((d, i) => {
        const v = num(d.dimValue);
        if (!(v > 0)) this.fail(`graph input '${iname}' has a symbolic dimension ${d.dimParam ? `'${d.dimParam}' ` : ''}at axis ${i + 1}; export the model with a fixed input size`);
        return v;
      });
      const b = num(dims[0]!.dimValue) > 0 ? num(dims[0]!.dimValue) : 1;
      if (batch !== undefined && b !== batch) this.fail(`graph inputs disagree on the batch size (${batch} and ${b})`);
      batch = b;
      let ref: string = NETWORK_INPUT;
      if (index === 0) this.input = shape;
      else {
        ref = this.uniqueName(iname, `input${index}`);
        this.extraInputs[ref] = shape;
      }
      this.shapes.set(ref, shape);
      this.values.set(iname, { kind: 'act', ref, shape });
    });
    this.batch = batch ?? 1;
  }

  private finish(outputs: readonly ValueInfoProto[]): Network {
    const outRefs = outputs.map((o) => {
      const v = this.values.get(o.name ?? '');
      if (!v || v.kind !== 'act') this.fail(`graph output '${o.name ?? ''}' is not computed from the input`);
      return v.ref;
    });
    if (this.layers.length === 0) this.fail('the model has no layers (its output is its input)');
    // The IR's output shape is its last layer's: put the first graph output's layer last.
    const first = outRefs[0]!;
    const at = this.layers.findIndex((l) => l.name === first);
    if (at >= 0 && at < this.layers.length - 1 && !this.layers.some((l) => l.inputs.includes(first))) {
      this.layers.push(...this.layers.splice(at, 1));
    }
    const network: Network = {
      name: this.name,
      input: this.input,
      ...(Object.keys(this.extraInputs).length ? { extraInputs: { ...this.extraInputs } } : {}),
      batch: this.batch,
      layers: [...this.layers],
    };
    try {
      analyzeNetwork(network);
    } catch (e) {
      this.fail(`the imported network does not check out: ${(e as Error).message}`);
    }
    return network;
  }

  // ---- names -------------------------------------------------------------------------

  private uniqueName(raw: string, fallback: string): string {
    let base = raw.trim().replace(/[^A-Za-z0-9_./:-]+/g, '_').slice(0, 120);
    if (!base || base === '_') base = fallback;
    let name = base;
    for (let k = 2; this.used.has(name); k++) name = `${base}_${k}`;
    this.used.add(name);
    return name;
  }

  // ---- values ------------------------------------------------------------------------

  private constOf(t: TensorProto): Const {
    return {
      kind: 'const',
      dims: (t.dims ?? []).map(num),
      values: () => readTensor(t, (why) => this.fail(why)),
    };
  }

  private get(node: NodeProto, i: number): Value | undefined {
    const n = node.input?.[i];
    if (!n) return undefined;
    const v = this.values.get(n);
    if (!v) this.nodeFail(node, `reads '${n}', which no earlier node, initializer or input produces`);
    return v;
  }

  private act(node: NodeProto, i = 0): Act {
    const v = this.get(node, i);
    if (!v) this.nodeFail(node, `input ${i + 1} is missing`);
    if (v.kind === 'const') this.nodeFail(node, `input ${i + 1} ('${node.input![i]}') is a constant; it must be computed from the network input`);
    if (v.kind === 'padded') this.nodeFail(node, `it reads a Pad; a Pad is supported only right before a Conv or pooling node`);
    return v;
  }

  /** The input of a Conv or pool, with the pads of a Pad node right before it. */
  private paddedAct(node: NodeProto): { x: Act; pre: readonly (readonly [number, number])[] } {
    const v = this.get(node, 0);
    if (v?.kind === 'padded') return { x: v.x, pre: v.pads };
    return {
      x: this.act(node),
      pre: [
        [0, 0],
        [0, 0],
      ],
    };
  }

  private konst(node: NodeProto, i: number, what: string): Const {
    const v = this.get(node, i);
    if (!v) this.nodeFail(node, `its ${what} (input ${i + 1}) is missing`);
    if (v.kind !== 'const') this.nodeFail(node, `its ${what} (input ${i + 1}) must be a constant (an initializer), not computed from the input`);
    return v;
  }

  private set(node: NodeProto, v: Value): void {
    const out = node.output?.[0];
    if (!out) this.nodeFail(node, 'it has no output');
    this.values.set(out, v);
  }

  /** Appends an IR layer for `node`, after checking its shapes; `name` overrides the node's. */
  private emit(node: NodeProto, spec: DistributiveOmit<Layer, 'name'>, name?: string): Act {
    const lname = this.uniqueName(name ?? this.label(node), (node.opType ?? 'layer').toLowerCase());
    const layer = { ...spec, name: lname } as Layer;
    let shape: Shape;
    try {
      shape = analyzeLayer(
        layer,
        layer.inputs.map((r) => this.shapes.get(r)!),
      ).outputShape;
    } catch (e) {
      this.nodeFail(node, (e as Error).message);
    }
    this.layers.push(layer);
    this.shapes.set(lname, shape);
    return { kind: 'act', ref: lname, shape };
  }

  // ---- attributes --------------------------------------------------------------------

  private attr(node: NodeProto, name: string): AttributeProto | undefined {
    return (node.attribute ?? []).find((a) => a.name === name);
  }
  private int(node: NodeProto, name: string, def: number): number {
    const a = this.attr(node, name);
    return a ? num(a.i) : def;
  }
  private ints(node: NodeProto, name: string): number[] | undefined {
    const a = this.attr(node, name);
    return a ? (a.ints ?? []).map(num) : undefined;
  }
  private float(node: NodeProto, name: string, def: number): number {
    const a = this.attr(node, name);
    return a ? (a.f ?? 0) : def;
  }
  private str(node: NodeProto, name: string, def: string): string {
    const a = this.attr(node, name);
    return a?.s ? new TextDecoder().decode(a.s) : def;
  }

  /** Axes from an attribute (older opsets) or a constant input (newer ones). */
  private axes(node: NodeProto, inputIndex: number): number[] | undefined {
    const fromAttr = this.ints(node, 'axes');
    if (fromAttr) return fromAttr;
    const v = this.get(node, inputIndex);
    if (!v) return undefined;
    if (v.kind !== 'const') this.nodeFail(node, 'its axes must be a constant');
    return v.values();
  }

  // ---- nodes -------------------------------------------------------------------------

  private importNode(node: NodeProto): void {
    const op = node.opType ?? '';
    const ins = (node.input ?? []).map((_, i) => this.get(node, i)).filter((v) => v !== undefined);
    const allConst = ins.length > 0 && ins.every((v) => v.kind === 'const');
    if (CONSTANT_OPS.has(op) && (op === 'Shape' || allConst)) {
      this.set(node, this.evalConst(node));
      return;
    }
    switch (op) {
      case 'Constant':
        this.set(node, this.constantNode(node));
        return;
      case 'Identity':
      case 'Dropout': {
        const v = this.get(node, 0);
        if (!v) this.nodeFail(node, 'it has no input');
        this.set(node, v);
        return;
      }
      case 'Pad':
        this.set(node, this.pad(node));
        return;
      case 'Conv':
        this.set(node, this.conv(node));
        return;
      case 'MaxPool':
      case 'AveragePool':
        this.set(node, this.pool(node));
        return;
      case 'GlobalAveragePool':
        this.set(node, this.emit(node, { op: 'gap', inputs: [this.act(node).ref] }));
        return;
      case 'ReduceMean':
        this.set(node, this.reduceMean(node));
        return;
      case 'Gemm':
        this.set(node, this.gemm(node));
        return;
      case 'MatMul':
        this.set(node, this.matmul(node));
        return;
      case 'BatchNormalization':
        this.set(node, this.batchNorm(node));
        return;
      case 'Relu':
        this.set(node, this.emit(node, { op: 'relu', inputs: [this.act(node).ref] }));
        return;
      case 'Clip':
        this.set(node, this.clip(node));
        return;
      case 'Add':
        this.set(node, this.add(node));
        return;
      case 'Sum': {
        const acts = (node.input ?? []).map((_, i) => this.act(node, i));
        this.set(node, acts.length === 1 ? acts[0]! : this.emit(node, { op: 'add', inputs: acts.map((a) => a.ref) }));
        return;
      }
      case 'Concat':
        this.set(node, this.concat(node));
        return;
      case 'Flatten':
        this.set(node, this.flatten(node));
        return;
      case 'Reshape':
        this.set(node, this.reshape(node));
        return;
      case 'Squeeze':
        this.set(node, this.squeeze(node));
        return;
      case 'Softmax':
        this.set(node, this.emit(node, { op: 'softmax', inputs: [this.act(node).ref] }));
        return;
      default:
        // Shape-plumbing operators applied to computed tensors (a Transpose in the middle).
        this.unsupported(node);
    }
  }

  private constantNode(node: NodeProto): Const {
    const a = (node.attribute ?? [])[0];
    if (!a) this.nodeFail(node, 'it has no value');
    switch (a.name) {
      case 'value':
        return this.constOf(a.t ?? {});
      case 'value_float':
        return { kind: 'const', dims: [], values: () => [a.f ?? 0] };
      case 'value_floats':
        return { kind: 'const', dims: [(a.floats ?? []).length], values: () => [...(a.floats ?? [])] };
      case 'value_int':
        return { kind: 'const', dims: [], values: () => [num(a.i)] };
      case 'value_ints':
        return { kind: 'const', dims: [(a.ints ?? []).length], values: () => (a.ints ?? []).map(num) };
      default:
        return this.nodeFail(node, `a '${a.name ?? ''}' constant is not supported`);
    }
  }

  /** Shape arithmetic on constants, as PyTorch writes `x.view(x.size(0), -1)`. */
  private evalConst(node: NodeProto): Const {
    const op = node.opType ?? '';
    const c = (i: number): Const => this.konst(node, i, `input ${i + 1}`);
    const norm = (axis: number, rank: number): number => (axis < 0 ? axis + rank : axis);
    switch (op) {
      case 'Shape': {
        const v = this.get(node, 0)!;
        const full =
          v.kind === 'const'
            ? [...v.dims]
            : v.kind === 'act'
              ? [this.batch, ...v.shape]
              : [this.batch, v.x.shape[0]!, ...v.pads.map(([b, e], i) => v.x.shape[i + 1]! + b + e)];
        const start = norm(this.int(node, 'start', 0), full.length);
        const endAttr = this.attr(node, 'end');
        const end = endAttr ? norm(num(endAttr.i), full.length) : full.length;
        const dims = full.slice(Math.max(start, 0), Math.min(end, full.length));
        return { kind: 'const', dims: [dims.length], values: () => dims };
      }
      case 'Identity':
      case 'Cast':
        return c(0);
      case 'Gather': {
        const data = c(0);
        const idx = c(1);
        if (data.dims.length !== 1 || this.int(node, 'axis', 0) !== 0) this.nodeFail(node, 'only a Gather from a 1-D constant is supported');
        return {
          kind: 'const',
          dims: idx.dims,
          values: () => {
            const d = data.values();
            return idx.values().map((i) => d[i < 0 ? i + d.length : i] ?? this.nodeFail(node, `index ${i} is out of range`));
          },
        };
      }
      case 'Unsqueeze': {
        const x = c(0);
        const axes = this.axes(node, 1) ?? this.nodeFail(node, 'it has no axes');
        const rank = x.dims.length + axes.length;
        const at = new Set(axes.map((a) => norm(a, rank)));
        const dims: number[] = [];
        let k = 0;
        for (let i = 0; i < rank; i++) dims.push(at.has(i) ? 1 : (x.dims[k++] ?? 1));
        return { kind: 'const', dims, values: x.values };
      }
      case 'Squeeze': {
        const x = c(0);
        const axes = this.axes(node, 1);
        const drop = new Set((axes ?? x.dims.flatMap((d, i) => (d === 1 ? [i] : []))).map((a) => norm(a, x.dims.length)));
        return { kind: 'const', dims: x.dims.filter((_, i) => !drop.has(i)), values: x.values };
      }
      case 'Concat': {
        const parts = (node.input ?? []).map((_, i) => c(i));
        if (parts.some((p) => p.dims.length !== 1)) this.nodeFail(node, 'only a Concat of 1-D constants is supported');
        return { kind: 'const', dims: [parts.reduce((s, p) => s + p.dims[0]!, 0)], values: () => parts.flatMap((p) => p.values()) };
      }
      case 'Transpose': {
        // Weights transposed by the exporter: only their shape matters here.
        const x = c(0);
        const perm = this.ints(node, 'perm') ?? x.dims.map((_, i) => x.dims.length - 1 - i);
        return {
          kind: 'const',
          dims: perm.map((p) => x.dims[p] ?? 1),
          values: () => (numel(x.dims) <= 1 ? x.values() : this.nodeFail(node, 'the values of a transposed constant are not read here')),
        };
      }
      case 'Reshape': {
        const x = c(0);
        const target = c(1).values();
        const dims = target.map((d, i) => (d === 0 ? (x.dims[i] ?? 1) : d));
        const known = numel(dims.filter((d) => d !== -1));
        return { kind: 'const', dims: dims.map((d) => (d === -1 ? numel(x.dims) / known : d)), values: x.values };
      }
      default:
        return this.unsupported(node);
    }
  }

  private needImage(node: NodeProto, x: Act): void {
    if (x.shape.length !== 3) this.nodeFail(node, `needs an NCHW input, got [N,${x.shape.join(',')}]`);
  }

  /** Square kernel and equal strides, from attributes (and the weight's shape for Conv). */
  private window(node: NodeProto, kernelDims?: readonly number[]): { k: number; s: number } {
    const ks = this.ints(node, 'kernel_shape') ?? kernelDims;
    if (!ks || ks.length !== 2) this.nodeFail(node, `needs a 2-D kernel, got [${(ks ?? []).join(',')}]`);
    if (kernelDims && (kernelDims[0] !== ks[0] || kernelDims[1] !== ks[1])) this.nodeFail(node, `kernel_shape [${ks.join(',')}] disagrees with the weight's [${kernelDims.join(',')}]`);
    if (ks[0] !== ks[1]) this.nodeFail(node, `non-square kernel ${ks[0]}x${ks[1]} is not supported`);
    const st = this.ints(node, 'strides') ?? [1, 1];
    if (st.length !== 2 || st[0] !== st[1]) this.nodeFail(node, `unequal strides [${st.join(',')}] are not supported`);
    const dil = this.ints(node, 'dilations') ?? [1, 1];
    if (dil.some((d) => d !== 1)) this.nodeFail(node, `dilations [${dil.join(',')}] are not supported`);
    return { k: ks[0]!, s: st[0]! };
  }

  /** The IR padding for ONNX's pads (or auto_pad) on a [C,H,W] input; see the header. */
  private padding(node: NodeProto, x: Shape, k: number, s: number, ceil: boolean, pre: readonly (readonly [number, number])[]): Padding {
    const sizes = [x[1]!, x[2]!];
    // What the node itself sees: the input as padded by a Pad node before it.
    const seen = sizes.map((size, i) => size + pre[i]![0] + pre[i]![1]);
    const auto = this.str(node, 'auto_pad', 'NOTSET');
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
        const p = this.ints(node, 'pads') ?? [0, 0, 0, 0];
        if (p.length !== 4) this.nodeFail(node, `pads [${p.join(',')}] are not 2-D`);
        axes = [
          [p[0]!, p[2]!],
          [p[1]!, p[3]!],
        ];
        break;
      }
      default:
        return this.nodeFail(node, `auto_pad '${auto}' is not supported`);
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
    return this.nodeFail(node, `pads ${given}${ceil ? ' (with ceil_mode)' : ''} on a ${sizes[0]}x${sizes[1]} input are asymmetric and are not TF-style 'same' padding`);
  }

  private conv(node: NodeProto): Act {
    const { x, pre } = this.paddedAct(node);
    const w = this.konst(node, 1, 'weight');
    const b = this.get(node, 2);
    if (b && b.kind !== 'const') this.nodeFail(node, 'its bias must be a constant');
    this.needImage(node, x);
    if (w.dims.length !== 4) this.nodeFail(node, `only 2-D convolutions are supported (weight of rank ${w.dims.length})`);
    const [m, cPerGroup, kh, kw] = w.dims as [number, number, number, number];
    const group = this.int(node, 'group', 1);
    const cin = x.shape[0]!;
    if (cPerGroup * group !== cin) this.nodeFail(node, `weight [${w.dims.join(',')}] with group ${group} does not fit ${cin} input channels`);
    const { k, s } = this.window(node, [kh, kw]);
    const pad = this.padding(node, x.shape, k, s, false, pre);
    const bias = b !== undefined;
    const inputs = [x.ref];
    if (group === 1) {
      if (k === 1 && s === 1 && pad === 0) return this.emit(node, { op: 'pwconv', inputs, out: m, bias });
      return this.emit(node, { op: 'conv', inputs, out: m, kernel: k, stride: s, pad, groups: 1, bias });
    }
    if (group === cin && m === cin) return this.emit(node, { op: 'dwconv', inputs, kernel: k, stride: s, pad, bias });
    return this.emit(node, { op: 'conv', inputs, out: m, kernel: k, stride: s, pad, groups: group, bias });
  }

  private pool(node: NodeProto): Act {
    const { x, pre } = this.paddedAct(node);
    this.needImage(node, x);
    if (!this.attr(node, 'kernel_shape')) this.nodeFail(node, 'it has no kernel_shape');
    const { k, s } = this.window(node);
    const pad = this.padding(node, x.shape, k, s, this.int(node, 'ceil_mode', 0) !== 0, pre);
    const op = node.opType === 'MaxPool' ? 'maxpool' : 'avgpool';
    return this.emit(node, { op, inputs: [x.ref], kernel: k, stride: s, pad });
  }

  /** A constant-mode Pad of H and W only, for the Conv or pool that reads it (see paddedAct). */
  private pad(node: NodeProto): Padded {
    const x = this.act(node);
    this.needImage(node, x);
    const mode = this.str(node, 'mode', 'constant');
    if (mode !== 'constant') this.nodeFail(node, `only constant padding is supported, got mode '${mode}'`);
    const pads = this.opset < 11 ? this.ints(node, 'pads') : this.konst(node, 1, 'pads').values();
    if (!pads || pads.length !== 8 || pads.some((p) => p < 0)) this.nodeFail(node, `pads [${(pads ?? []).join(',')}] are not 8 non-negative values of an NCHW tensor`);
    if (pads[0] || pads[1] || pads[4] || pads[5]) this.nodeFail(node, `only padding of H and W is supported, got pads [${pads.join(',')}]`);
    const readers = this.consumers.get(node.output?.[0] ?? '') ?? [];
    if (this.graphOutputs.has(node.output?.[0] ?? '') || !readers.every((r) => ['Conv', 'MaxPool', 'AveragePool'].includes(r.opType ?? ''))) {
      this.nodeFail(node, 'a Pad is supported only right before a Conv or pooling node');
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

  private reduceMean(node: NodeProto): Act {
    const x = this.act(node);
    const rank = x.shape.length + 1;
    const axes = (this.axes(node, 1) ?? []).map((a) => (a < 0 ? a + rank : a)).sort();
    if (rank !== 4 || axes.length !== 2 || axes[0] !== 2 || axes[1] !== 3) {
      this.nodeFail(node, `only a mean over H and W of an NCHW tensor is supported (axes [${axes.join(',')}])`);
    }
    const gap = this.emit(node, { op: 'gap', inputs: [x.ref] });
    if (this.int(node, 'keepdims', 1) !== 0) return gap;
    return this.emit(node, { op: 'flatten', inputs: [gap.ref] }, `${gap.ref}/flatten`);
  }

  private gemm(node: NodeProto): Act {
    const a = this.act(node);
    const w = this.konst(node, 1, 'weight');
    const c = this.get(node, 2);
    if (c && c.kind !== 'const') this.nodeFail(node, 'its bias C must be a constant');
    if (this.int(node, 'transA', 0) !== 0) this.nodeFail(node, 'transA = 1 is not supported');
    if (w.dims.length !== 2) this.nodeFail(node, `its weight must be 2-D, got [${w.dims.join(',')}]`);
    const transB = this.int(node, 'transB', 0) !== 0;
    const [kIn, out] = (transB ? [w.dims[1], w.dims[0]] : [w.dims[0], w.dims[1]]) as [number, number];
    const fin = numel(a.shape);
    if (fin !== kIn) this.nodeFail(node, `its input has ${fin} features but its weight [${w.dims.join(',')}] expects ${kIn}`);
    const bias = c !== undefined && this.float(node, 'beta', 1) !== 0;
    return this.emit(node, { op: 'fc', inputs: [a.ref], out, bias });
  }

  private matmul(node: NodeProto): Act {
    const a = this.act(node);
    const w = this.konst(node, 1, 'weight');
    if (a.shape.length !== 1) this.nodeFail(node, `only [N, K] x [K, M] is supported (input [N,${a.shape.join(',')}])`);
    if (w.dims.length !== 2 || w.dims[0] !== a.shape[0]) this.nodeFail(node, `weight [${w.dims.join(',')}] does not fit an input of ${a.shape[0]} features`);
    return this.emit(node, { op: 'fc', inputs: [a.ref], out: w.dims[1]!, bias: false });
  }

  private batchNorm(node: NodeProto): Act {
    const x = this.act(node);
    const names = ['scale', 'bias', 'mean', 'variance'];
    names.forEach((what, i) => {
      const c = this.konst(node, i + 1, what);
      if (numel(c.dims) !== x.shape[0]) this.nodeFail(node, `its ${what} has ${numel(c.dims)} values for ${x.shape[0]} channels`);
    });
    return this.emit(node, { op: 'bn', inputs: [x.ref] });
  }

  private clip(node: NodeProto): Act {
    const x = this.act(node);
    let lo = -Infinity;
    let hi = Infinity;
    if (this.opset < 11) {
      lo = this.float(node, 'min', -Infinity);
      hi = this.float(node, 'max', Infinity);
    } else {
      const bound = (i: number): number | undefined => {
        const v = this.get(node, i);
        if (!v) return undefined;
        if (v.kind !== 'const') this.nodeFail(node, `its bound (input ${i + 1}) must be a constant`);
        const vals = v.values();
        if (vals.length !== 1) this.nodeFail(node, `its bound (input ${i + 1}) must be a scalar`);
        return vals[0];
      };
      lo = bound(1) ?? -Infinity;
      hi = bound(2) ?? Infinity;
    }
    if (lo <= -FLT_MAX) lo = -Infinity;
    if (hi >= FLT_MAX) hi = Infinity;
    // After a ReLU the input is non-negative: any lower bound up to 0 acts as 0.
    const producer = this.layers.find((l) => l.name === x.ref);
    if (lo < 0 && (producer?.op === 'relu' || producer?.op === 'relu6')) lo = 0;
    if (lo === 0 && hi === 6) return this.emit(node, { op: 'relu6', inputs: [x.ref] });
    if (lo === 0 && hi === Infinity) return this.emit(node, { op: 'relu', inputs: [x.ref] });
    return this.nodeFail(node, `Clip(${lo}, ${hi}) is not supported; only Clip(0, 6) (ReLU6) and Clip(0, inf) (ReLU) are`);
  }

  private add(node: NodeProto): Act {
    const a = this.get(node, 0);
    const b = this.get(node, 1);
    if (!a || !b) this.nodeFail(node, 'it needs two inputs');
    if (a.kind === 'const' && b.kind === 'const') this.nodeFail(node, 'it adds two constants');
    if (a.kind === 'const') return this.foldBias(node, this.act(node, 1), a, node.input![1]!);
    if (b.kind === 'const') return this.foldBias(node, this.act(node, 0), b, node.input![0]!);
    return this.emit(node, { op: 'add', inputs: [this.act(node, 0).ref, this.act(node, 1).ref] });
  }

  /** x + c where c is one value per channel, right after a layer without bias: its bias. */
  private foldBias(node: NodeProto, x: Act, c: Const, xName: string): Act {
    const at = this.layers.findIndex((l) => l.name === x.ref);
    const layer = this.layers[at];
    const rank = x.shape.length + 1;
    const channels = x.shape[0]!;
    const aligned = [...Array<number>(Math.max(rank - c.dims.length, 0)).fill(1), ...c.dims];
    const perChannel = aligned.length === rank && aligned.every((d, i) => (i === 1 ? d === channels : d === 1));
    const soleReader = (this.consumers.get(xName) ?? []).length === 1 && !this.graphOutputs.has(xName) && !this.layers.some((l) => l.inputs.includes(x.ref));
    if (layer && 'bias' in layer && !layer.bias && perChannel && soleReader) {
      this.layers[at] = { ...layer, bias: true };
      return x;
    }
    return this.nodeFail(node, `adding a constant of shape [${c.dims.join(',')}] is supported only as the bias of the Gemm, MatMul or Conv right before it (one value per output channel, that layer without a bias of its own and read by nothing else)`);
  }

  private concat(node: NodeProto): Act {
    const acts = (node.input ?? []).map((_, i) => this.act(node, i));
    const rank = acts[0]!.shape.length + 1;
    const axis = this.int(node, 'axis', 1);
    if ((axis < 0 ? axis + rank : axis) !== 1) this.nodeFail(node, `only a concat on the channel axis (1) is supported, got axis ${axis}`);
    return this.emit(node, { op: 'concat', inputs: acts.map((a) => a.ref) });
  }

  private flatten(node: NodeProto): Act {
    const x = this.act(node);
    const axis = this.int(node, 'axis', 1);
    if ((axis < 0 ? axis + x.shape.length + 1 : axis) !== 1) this.nodeFail(node, `only Flatten at axis 1 is supported, got axis ${axis}`);
    // Our writer's fc on a feature map is Flatten `<fc>/flatten` + Gemm `<fc>`: one fc layer.
    const readers = this.consumers.get(node.output?.[0] ?? '') ?? [];
    const reader = readers[0];
    if (readers.length === 1 && reader?.opType === 'Gemm' && reader.name && node.name === `${reader.name}/flatten` && !this.graphOutputs.has(node.output![0]!)) return x;
    return this.emit(node, { op: 'flatten', inputs: [x.ref] });
  }

  private reshape(node: NodeProto): Act {
    const x = this.act(node);
    const target = this.konst(node, 1, 'shape').values();
    const full = [this.batch, ...x.shape];
    const allowZero = this.int(node, 'allowzero', 0) !== 0;
    const dims = target.map((d, i) => (d === 0 && !allowZero ? (full[i] ?? 0) : d));
    const known = numel(dims.filter((d) => d !== -1));
    const out = dims.map((d) => (d === -1 ? numel(full) / known : d));
    if (out.length !== 2 || out[0] !== this.batch || out[1] !== numel(x.shape)) {
      this.nodeFail(node, `Reshape to [${target.join(',')}] is not supported; only a flatten to [N, -1] is`);
    }
    return this.emit(node, { op: 'flatten', inputs: [x.ref] });
  }

  private squeeze(node: NodeProto): Act {
    const x = this.act(node);
    const full = [this.batch, ...x.shape];
    const axes = this.axes(node, 1);
    const drop = new Set((axes ?? full.flatMap((d, i) => (d === 1 ? [i] : []))).map((a) => (a < 0 ? a + full.length : a)));
    const out = full.filter((_, i) => !drop.has(i));
    if (drop.has(0) || out.length !== 2) this.nodeFail(node, `only a Squeeze to [N, features] is supported (from [N,${x.shape.join(',')}])`);
    return this.emit(node, { op: 'flatten', inputs: [x.ref] });
  }
}

/** Omit over each member of a union, so that each op keeps its own fields. */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/**
 * Reads an ONNX model (the file's bytes) into the IR. `name` becomes the network's name and
 * prefixes every error. Throws LabbenchError('BAD_INPUT') with a one-line message for a file
 * that is not ONNX, an unsupported operator, or a model the IR cannot express.
 */
export function importOnnx(bytes: Uint8Array, name: string): Network {
  const notOnnx = (why: string): never => {
    throw new LabbenchError('BAD_INPUT', oneLine(`${name}: not an ONNX model (${why})`));
  };
  if (bytes.length === 0) notOnnx('the file is empty');
  let model: onnxProto.onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    return notOnnx(`protobuf decoding failed: ${(e as Error).message}`);
  }
  if (!(num(model.irVersion) > 0)) notOnnx('no IR version');
  if (!model.graph) notOnnx('no graph');
  return new OnnxImporter(name, model).run();
}
