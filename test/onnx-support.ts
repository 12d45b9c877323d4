/** Helpers the ONNX importer tests share: decoding, fixtures, and ORT as the reference for every layer's shape. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import onnxProto from 'onnx-proto';
import { analyzeNetwork } from '../app/workloads/analyze.js';
import type { Network } from '../app/workloads/ir.js';
import { loadOrt } from '../native-runners/onnxruntime/runner.js';

const { onnx } = onnxProto;
export const FLOAT = onnx.TensorProto.DataType.FLOAT;
export const INT64 = onnx.TensorProto.DataType.INT64;
/** Decoded messages always carry their repeated fields; the generated types do not say so. */
export function decode(bytes: Uint8Array): { model: onnxProto.onnx.ModelProto; graph: onnxProto.onnx.GraphProto } {
  const model = onnx.ModelProto.decode(bytes);
  return { model, graph: model.graph as onnxProto.onnx.GraphProto };
}
/** A file of app/workloads/fixtures/. */
export const fixture = (name: string): Uint8Array => readFileSync(fileURLToPath(new URL(`../app/workloads/fixtures/${name}`, import.meta.url)));

/** Shapes ORT gives every node output that became a layer (graph outputs added for them). */
async function ortLayerShapes(bytes: Uint8Array, net: Network): Promise<Map<string, readonly number[]>> {
  const ort = loadOrt();
  const { model, graph } = decode(bytes);
  const layerNames = new Set(net.layers.map((l) => l.name));
  const byTensor = new Map<string, string>();
  // A ReduceMean without keepdims is two layers (gap, flatten): its tensor is the second's.
  for (const n of graph.node) {
    const t = n.output?.[0];
    if (n.name && layerNames.has(n.name) && t && n.opType !== 'ReduceMean') byTensor.set(t, n.name);
    // A Split's outputs are the slices `<node>:<k>`.
    n.output?.forEach((o, k) => {
      if (o && layerNames.has(`${n.name}:${k}`)) byTensor.set(o, `${n.name}:${k}`);
    });
  }
  for (const t of byTensor.keys()) {
    if (!graph.output.some((o) => o.name === t)) graph.output.push(onnx.ValueInfoProto.create({ name: t, type: { tensorType: { elemType: FLOAT } } }));
  }
  const initializers = new Set(graph.initializer.map((t) => t.name ?? ''));
  const inputs = graph.input.filter((i) => !initializers.has(i.name ?? ''));
  const shapes = [net.input, ...Object.values(net.extraInputs ?? {})];
  const feeds = Object.fromEntries(
    inputs.map((i, k) => {
      const shape = [net.batch, ...shapes[k]!];
      return [i.name ?? '', new ort.Tensor('float32', new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(0.5), shape)];
    }),
  );
  const session = await ort.InferenceSession.create(onnx.ModelProto.encode(model).finish(), { graphOptimizationLevel: 'disabled', logSeverityLevel: 3 });
  try {
    const out = await session.run(feeds);
    const result = new Map<string, readonly number[]>();
    for (const [t, v] of Object.entries(out)) result.set(byTensor.get(t) ?? t, v.dims);
    result.set('', out[graph.output[0]!.name ?? '']!.dims);
    return result;
  } finally {
    await session.release();
  }
}

/** The IR's shape of every layer that is an ONNX node, and the network's output, equal ORT's. */
export async function assertShapesMatchOrt(bytes: Uint8Array, net: Network): Promise<void> {
  const ort = await ortLayerShapes(bytes, net);
  const a = analyzeNetwork(net);
  assert.deepEqual(ort.get(''), [net.batch, ...a.outputShape], 'network output');
  let compared = 0;
  for (const l of a.layers) {
    const dims = ort.get(l.layer.name);
    if (!dims) continue;
    compared += 1;
    // An IR vector [F] is ORT's [N, F]; a flatten-free fc after a map is still [N, F].
    assert.deepEqual(dims, [net.batch, ...l.outputShape], `layer ${l.layer.name} (${l.layer.op})`);
  }
  assert.ok(compared >= a.layers.length - 2, `compared ${compared} of ${a.layers.length} layers`);
}
