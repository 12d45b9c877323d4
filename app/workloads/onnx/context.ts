/**
 * The state of one import, shared by every node handler: what each ONNX tensor is (an IR
 * layer's output, a constant, a pending Pad), the layers emitted so far with their shapes,
 * who reads each tensor, and the one-line BAD_INPUT errors. Handlers read their inputs
 * through it and add layers with `emit`, which checks shapes as it goes.
 */
import { analyzeLayer } from '../analyze.js';
import { NETWORK_INPUT, type Layer, type Shape } from '../ir.js';
import { LabbenchError } from '../../api/errors.js';
import { isIntegerType, label, num, oneLine, opName, readTensor, intsAttr, type NodeProto, type TensorProto } from './proto.js';

/** A tensor computed from the network's input: an IR layer's output (or an input), batch dropped. */
export interface Act {
  readonly kind: 'act';
  readonly ref: string;
  readonly shape: Shape;
}
/** A tensor known without running the network; values are read only when needed. */
export interface Const {
  readonly kind: 'const';
  readonly dims: readonly number[];
  /** Integer element type: ONNX divides these with truncation. */
  readonly integer: boolean;
  readonly values: () => number[];
}
/** A Pad on H and W, not a layer of its own: the Conv or pool that reads it takes the pads. */
export interface Padded {
  readonly kind: 'padded';
  readonly x: Act;
  /** [begin, end] for H, then for W. */
  readonly pads: readonly (readonly [number, number])[];
}
export type Value = Act | Const | Padded;

/** A handler's result: its first output's value, or one per output (Split). */
export type Outputs = Value | readonly (Value | undefined)[];
export type Handler = (ctx: ImportContext, node: NodeProto) => Outputs;

/** Omit over each member of a union, so that each op keeps its own fields. */
export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type LayerDraft = DistributiveOmit<Layer, 'name'>;

export class ImportContext {
  readonly values = new Map<string, Value>();
  readonly layers: Layer[] = [];
  readonly shapes = new Map<string, Shape>();
  private readonly used = new Set<string>([NETWORK_INPUT]);
  private consumers = new Map<string, NodeProto[]>();
  /** Batch of the network input (dim 0); 1 when symbolic. */
  batch = 1;

  constructor(
    readonly name: string,
    readonly opset: number,
    readonly graphOutputs: ReadonlySet<string>,
    private readonly supportedText: string,
  ) {}

  // ---- errors ------------------------------------------------------------------------

  fail(msg: string): never {
    throw new LabbenchError('BAD_INPUT', oneLine(`${this.name}: ${msg}`));
  }

  nodeFail(node: NodeProto, msg: string): never {
    return this.fail(`node '${label(node)}' (${node.opType ?? '?'}): ${msg}`);
  }

  /** Names the first unsupported node, then (briefly) other unsupported operator types. */
  unsupported(node: NodeProto, others: readonly NodeProto[] = []): never {
    const more = others
      .filter((n, i) => opName(n) !== opName(node) && others.findIndex((m) => opName(m) === opName(n)) === i)
      .slice(0, 3)
      .map((n) => `, also '${opName(n)}' (node '${label(n)}')`)
      .join('');
    return this.fail(`unsupported ONNX operator '${opName(node)}' (node '${label(node)}')${more}; supported: ${this.supportedText}`);
  }

  // ---- the graph around a node ---------------------------------------------------------

  /** Sets who reads each tensor, from the nodes that will be imported. */
  setReaders(nodes: readonly NodeProto[]): void {
    this.consumers = new Map();
    for (const n of nodes) for (const i of n.input ?? []) if (i) this.consumers.set(i, [...(this.consumers.get(i) ?? []), n]);
  }
  readers(tensor: string): readonly NodeProto[] {
    return this.consumers.get(tensor) ?? [];
  }
  isRead(tensor: string): boolean {
    return this.consumers.has(tensor) || this.graphOutputs.has(tensor);
  }

  // ---- names and values ----------------------------------------------------------------

  uniqueName(raw: string, fallback: string): string {
    let base = raw.trim().replace(/[^A-Za-z0-9_./:-]+/g, '_').slice(0, 120);
    if (!base || base === '_') base = fallback;
    let name = base;
    for (let k = 2; this.used.has(name); k++) name = `${base}_${k}`;
    this.used.add(name);
    return name;
  }

  constOf(t: TensorProto): Const {
    return { kind: 'const', dims: (t.dims ?? []).map(num), integer: isIntegerType(t.dataType), values: () => readTensor(t, (why) => this.fail(why)) };
  }

  get(node: NodeProto, i: number): Value | undefined {
    const n = node.input?.[i];
    if (!n) return undefined;
    const v = this.values.get(n);
    if (!v) this.nodeFail(node, `reads '${n}', which no earlier node, initializer or input produces`);
    return v;
  }

  act(node: NodeProto, i = 0): Act {
    const v = this.get(node, i);
    if (!v) this.nodeFail(node, `input ${i + 1} is missing`);
    if (v.kind === 'const') this.nodeFail(node, `input ${i + 1} ('${node.input![i]}') is a constant; it must be computed from the network input`);
    if (v.kind === 'padded') this.nodeFail(node, `it reads a Pad; a Pad is supported only right before a Conv or pooling node`);
    return v;
  }

  /** An input that must be a [C,H,W] feature map. */
  image(node: NodeProto, x: Act): Act {
    if (x.shape.length !== 3) this.nodeFail(node, `needs an NCHW input, got [N,${x.shape.join(',')}]`);
    return x;
  }

  konst(node: NodeProto, i: number, what: string): Const {
    const v = this.get(node, i);
    if (!v) this.nodeFail(node, `its ${what} (input ${i + 1}) is missing`);
    if (v.kind !== 'const') this.nodeFail(node, `its ${what} (input ${i + 1}) must be a constant (an initializer), not computed from the input`);
    return v;
  }

  /** Axes from an attribute (older opsets) or a constant input (newer ones). */
  axes(node: NodeProto, inputIndex: number): number[] | undefined {
    const fromAttr = intsAttr(node, 'axes');
    if (fromAttr) return fromAttr;
    const v = this.get(node, inputIndex);
    if (!v) return undefined;
    if (v.kind !== 'const') this.nodeFail(node, 'its axes must be a constant');
    return v.values();
  }

  /** The IR layer whose output `ref` is, if any (not an input). */
  layerOf(ref: string): Layer | undefined {
    return this.layers.find((l) => l.name === ref);
  }

  /** Appends an IR layer for `node`, after checking its shapes; `name` overrides the node's. */
  emit(node: NodeProto, spec: LayerDraft, name?: string): Act {
    const lname = this.uniqueName(name ?? label(node), (node.opType ?? 'layer').toLowerCase());
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
}
