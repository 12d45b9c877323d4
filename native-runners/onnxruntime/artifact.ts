/**
 * Builds the ONNX artifact of an IR network (a whole network, a block, or a single layer
 * wrapped as a network), with seeded random weights: latency does not depend on the values,
 * but denormals and NaNs would distort it, so weights are drawn He-style and BN variances
 * are kept positive. Opset 13, one ONNX node per IR layer named after it, so that ORT's
 * per-node timings (with graph optimization disabled) map back to IR layers by name. Where
 * a layer takes several nodes (hardswish, swish, shuffle, an fc on a feature map), the node
 * that produces its output is named after the layer and its output tensor is the layer's
 * name; the others, and their tensors and constants, are named `<layer>/<what>`.
 */
import onnxProto from 'onnx-proto';
import { analyzeNetwork, convAxis, type AnalyzedLayer } from '../../app/workloads/analyze.js';
import type { Network, Padding } from '../../app/workloads/ir.js';

const { onnx } = onnxProto;

export const ONNX_OPSET = 13;

const ints = (name: string, v: readonly number[]): onnxProto.onnx.IAttributeProto => ({
  name,
  type: onnx.AttributeProto.AttributeType.INTS,
  ints: [...v],
});
const int = (name: string, v: number): onnxProto.onnx.IAttributeProto => ({ name, type: onnx.AttributeProto.AttributeType.INT, i: v });
const float = (name: string, v: number): onnxProto.onnx.IAttributeProto => ({ name, type: onnx.AttributeProto.AttributeType.FLOAT, f: v });
const str = (name: string, v: string): onnxProto.onnx.IAttributeProto => ({ name, type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode(v) });

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;
/** PyTorch's hardsigmoid, relu6(x + 3) / 6, as ONNX HardSigmoid's alpha and beta. */
const HARD_SIGMOID = [float('alpha', 1 / 6), float('beta', 0.5)];

export interface OnnxArtifact {
  readonly bytes: Uint8Array;
  /** Graph inputs with their full shapes (batch first), to make feeds. */
  readonly inputs: readonly { name: string; shape: readonly number[] }[];
  readonly outputs: readonly string[];
}

/**
 * Uniforms in [0, 1): xorshift32 for the first RANDOM_BLOCK draws, then those draws again in
 * turn. Weights nobody reads need no more randomness than that, and a network with a
 * hundred million weights (VGG's classifier) is built in a fraction of the time.
 */
const RANDOM_BLOCK = 1 << 16;
function random(seed: number): () => number {
  const next = xorshift(seed);
  const block = Float64Array.from({ length: RANDOM_BLOCK }, next);
  let i = 0;
  return () => block[i++ & (RANDOM_BLOCK - 1)]!;
}

/** xorshift32: fast, seeded. */
function xorshift(seed: number): () => number {
  let s = seed >>> 0 || 0x9e3779b9;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
}

class GraphWriter {
  readonly nodes: onnxProto.onnx.INodeProto[] = [];
  readonly initializers: onnxProto.onnx.ITensorProto[] = [];
  private readonly rand: () => number;

  constructor(
    seed: number,
    private readonly values?: ReadonlyMap<string, Float32Array>,
  ) {
    this.rand = random(seed);
  }

  tensor(name: string, dims: readonly number[], fill: (r: () => number) => number): string {
    const n = dims.reduce((a, b) => a * b, 1);
    const given = this.values?.get(name);
    if (given && given.length !== n) throw new Error(`ONNX artifact: ${name} was given ${given.length} values, [${dims.join(',')}] needs ${n}`);
    const data = given ? Float32Array.from(given) : new Float32Array(n);
    if (!given) {
      // Every fill draws once per value and the draws repeat after RANDOM_BLOCK: so do the values.
      const head = Math.min(n, RANDOM_BLOCK);
      for (let i = 0; i < head; i++) data[i] = fill(this.rand);
      for (let at = head; at < n; at += head) data.copyWithin(at, 0, Math.min(head, n - at));
    }
    this.initializers.push({ name, dims: [...dims], dataType: FLOAT, rawData: new Uint8Array(data.buffer) });
    return name;
  }

  /** A constant int64 tensor (shapes, slice bounds): never drawn, never replaced by `values`. */
  int64(name: string, values: readonly number[]): string {
    const data = new BigInt64Array(values.map((v) => BigInt(v)));
    this.initializers.push({ name, dims: [values.length], dataType: INT64, rawData: new Uint8Array(data.buffer) });
    return name;
  }

  /** A constant float tensor of given values. */
  floats(name: string, dims: readonly number[], values: readonly number[]): string {
    this.initializers.push({ name, dims: [...dims], dataType: FLOAT, rawData: new Uint8Array(Float32Array.from(values).buffer) });
    return name;
  }

  /** He-uniform weights for a layer with `fanIn` inputs per output. */
  weights(name: string, dims: readonly number[], fanIn: number): string {
    const bound = Math.sqrt(6 / Math.max(fanIn, 1));
    return this.tensor(name, dims, (r) => (r() * 2 - 1) * bound);
  }

  node(opType: string, name: string, inputs: string[], outputs: string[], attrs: onnxProto.onnx.IAttributeProto[] = []): void {
    this.nodes.push({ opType, name, input: inputs, output: outputs, attribute: attrs });
  }
}

/** ONNX pads [top, left, bottom, right] for a square kernel on a [C,H,W] input. */
function pads(a: AnalyzedLayer & { layer: { kernel: number; stride: number; pad: Padding } }): number[] {
  const s = a.inputShapes[0]!;
  const h = convAxis(s[1]!, a.layer.kernel, a.layer.stride, a.layer.pad);
  const w = convAxis(s[2]!, a.layer.kernel, a.layer.stride, a.layer.pad);
  return [h.begin, w.begin, h.end, w.end];
}

function emitLayer(g: GraphWriter, a: AnalyzedLayer, ins: string[], batch: number): void {
  const l = a.layer;
  const x = a.inputShapes[0]!;
  const out = [l.name];
  switch (l.op) {
    case 'conv':
    case 'dwconv':
    case 'pwconv': {
      const cin = x[0]!;
      const cout = a.outputShape[0]!;
      const k = l.op === 'pwconv' ? 1 : l.kernel;
      const groups = l.op === 'conv' ? l.groups : l.op === 'dwconv' ? cin : 1;
      const stride = l.op === 'pwconv' ? 1 : l.stride;
      const p = l.op === 'pwconv' ? [0, 0, 0, 0] : pads(a as Parameters<typeof pads>[0]);
      const inputs = [ins[0]!, g.weights(`${l.name}.weight`, [cout, cin / groups, k, k], (cin / groups) * k * k)];
      if (l.bias) inputs.push(g.tensor(`${l.name}.bias`, [cout], (r) => (r() - 0.5) * 0.1));
      g.node('Conv', l.name, inputs, out, [ints('kernel_shape', [k, k]), ints('strides', [stride, stride]), ints('pads', p), int('group', groups)]);
      return;
    }
    case 'maxpool':
    case 'avgpool': {
      const attrs = [ints('kernel_shape', [l.kernel, l.kernel]), ints('strides', [l.stride, l.stride]), ints('pads', pads(a as Parameters<typeof pads>[0]))];
      g.node(l.op === 'maxpool' ? 'MaxPool' : 'AveragePool', l.name, ins, out, attrs);
      return;
    }
    case 'gap':
      g.node('GlobalAveragePool', l.name, ins, out);
      return;
    case 'fc': {
      const fin = x.reduce((p, d) => p * d, 1);
      let src = ins[0]!;
      if (x.length > 1) {
        // Gemm wants [N, F]; an fc straight after a feature map flattens first, inside the layer.
        src = `${l.name}/flatten`;
        g.node('Flatten', src, ins, [src], [int('axis', 1)]);
      }
      const inputs = [src, g.weights(`${l.name}.weight`, [l.out, fin], fin)];
      if (l.bias) inputs.push(g.tensor(`${l.name}.bias`, [l.out], (r) => (r() - 0.5) * 0.1));
      g.node('Gemm', l.name, inputs, out, [int('transB', 1)]);
      return;
    }
    case 'bn': {
      const c = x[0]!;
      const stats = [
        g.tensor(`${l.name}.scale`, [c], (r) => 0.5 + r()),
        g.tensor(`${l.name}.shift`, [c], (r) => (r() - 0.5) * 0.2),
        g.tensor(`${l.name}.mean`, [c], (r) => (r() - 0.5) * 0.2),
        g.tensor(`${l.name}.var`, [c], (r) => 0.5 + r()),
      ];
      g.node('BatchNormalization', l.name, [ins[0]!, ...stats], out, [float('epsilon', 1e-5)]);
      return;
    }
    case 'relu':
      g.node('Relu', l.name, ins, out);
      return;
    case 'relu6': {
      const lo = g.tensor(`${l.name}.min`, [], () => 0);
      const hi = g.tensor(`${l.name}.max`, [], () => 6);
      g.node('Clip', l.name, [ins[0]!, lo, hi], out);
      return;
    }
    case 'sigmoid':
      g.node('Sigmoid', l.name, ins, out);
      return;
    case 'hardsigmoid':
      g.node('HardSigmoid', l.name, ins, out, HARD_SIGMOID);
      return;
    case 'hardswish':
    case 'swish': {
      // x * act(x), as PyTorch writes both at opset 13 (HardSwish is opset 14); ORT's optimizer fuses them where it can.
      const act = `${l.name}/${l.op === 'swish' ? 'sigmoid' : 'hardsigmoid'}`;
      if (l.op === 'swish') g.node('Sigmoid', act, ins, [act]);
      else g.node('HardSigmoid', act, ins, [act], HARD_SIGMOID);
      g.node('Mul', l.name, [ins[0]!, act], out);
      return;
    }
    case 'mul':
      g.node('Mul', l.name, ins, out);
      return;
    case 'slice': {
      const bounds = [g.int64(`${l.name}/starts`, [l.start]), g.int64(`${l.name}/ends`, [l.end]), g.int64(`${l.name}/axes`, [1])];
      g.node('Slice', l.name, [ins[0]!, ...bounds], out);
      return;
    }
    case 'shuffle': {
      const [c, h, w] = x as [number, number, number];
      const grouped = `${l.name}/reshape`;
      const transposed = `${l.name}/transpose`;
      g.node('Reshape', grouped, [ins[0]!, g.int64(`${l.name}/grouped_shape`, [batch, l.groups, c / l.groups, h, w])], [grouped]);
      g.node('Transpose', transposed, [grouped], [transposed], [ints('perm', [0, 2, 1, 3, 4])]);
      g.node('Reshape', l.name, [transposed, g.int64(`${l.name}/shape`, [batch, c, h, w])], out);
      return;
    }
    case 'resize': {
      // Opset 13 inputs X, roi, scales; roi is read only by tf_crop_and_resize, so it is empty.
      const roi = g.floats(`${l.name}/roi`, [0], []);
      const scales = g.floats(`${l.name}/scales`, [4], [1, 1, l.scale, l.scale]);
      const attrs =
        l.mode === 'nearest'
          ? [str('mode', 'nearest'), str('coordinate_transformation_mode', 'asymmetric'), str('nearest_mode', 'floor')]
          : [str('mode', 'linear'), str('coordinate_transformation_mode', 'pytorch_half_pixel')];
      g.node('Resize', l.name, [ins[0]!, roi, scales], out, attrs);
      return;
    }
    case 'add':
      g.node(ins.length === 2 ? 'Add' : 'Sum', l.name, ins, out);
      return;
    case 'concat':
      g.node('Concat', l.name, ins, out, [int('axis', 1)]);
      return;
    case 'flatten':
      g.node('Flatten', l.name, ins, out, [int('axis', 1)]);
      return;
    case 'softmax':
      g.node('Softmax', l.name, ins, out, [int('axis', 1)]);
      return;
  }
}

const valueInfo = (name: string, shape: readonly number[]): onnxProto.onnx.IValueInfoProto => ({
  name,
  type: { tensorType: { elemType: FLOAT, shape: { dim: shape.map((d) => ({ dimValue: d })) } } },
});

/**
 * Encodes `network` as an ONNX model; its `input` and `extraInputs` become graph inputs.
 * `values` supplies trained initializers by name (`<layer>.weight` OIHW or [out, in],
 * `.bias`, BN `.scale` `.shift` `.mean` `.var`); the rest are drawn at random.
 */
export function buildOnnx(network: Network, opts: { seed?: number; values?: ReadonlyMap<string, Float32Array> } = {}): OnnxArtifact {
  const analysis = analyzeNetwork(network);
  const g = new GraphWriter(opts.seed ?? 1, opts.values);
  const batch = network.batch;
  const produced = new Set<string>();
  const graphInputs = new Map<string, readonly number[]>();
  for (const a of analysis.layers) {
    a.layer.inputs.forEach((n, i) => {
      if (!produced.has(n) && !graphInputs.has(n)) graphInputs.set(n, [batch, ...a.inputShapes[i]!]);
    });
    emitLayer(g, a, [...a.layer.inputs], batch);
    produced.add(a.layer.name);
  }
  const read = new Set(network.layers.flatMap((l) => l.inputs));
  const outs = analysis.layers.filter((a) => !read.has(a.layer.name));
  const model: onnxProto.onnx.IModelProto = {
    irVersion: 7,
    producerName: 'labbench',
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    graph: {
      name: network.name,
      node: g.nodes,
      initializer: g.initializers,
      input: [...graphInputs].map(([n, s]) => valueInfo(n, s)),
      output: outs.map((a) => valueInfo(a.layer.name, [batch, ...a.outputShape])),
    },
  };
  return {
    bytes: onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish(),
    inputs: [...graphInputs].map(([name, shape]) => ({ name, shape })),
    outputs: outs.map((a) => a.layer.name),
  };
}
