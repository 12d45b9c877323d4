/**
 * Writes the TFLite artifact of an IR network (a whole network, a block, or a single layer
 * wrapped as a network) as a schema-3 `.tflite` flatbuffer ("TFL3"), with seeded random
 * float32 weights, for `benchmark_model` on a phone. It is not a converter, but by default
 * it writes the graph TFLite's converter deploys: batch norm folded into the conv/fc before
 * it, relu/relu6 fused into its producer's `fused_activation_function`, equal channel slices
 * of one tensor as one SPLIT. `{ fuse: false }` writes one operator group per IR layer
 * (per-layer research mode).
 *
 * Layout is NHWC: an IR feature map [C,H,W] becomes the tensor [N,H,W,C], a vector [F]
 * becomes [N,F]. The operator that ends a group writes a tensor named exactly after the
 * group's last IR layer, because benchmark_model names its profile rows
 * `[<output tensor names>]:<node index>`. A helper operator before it (a PAD, BN's MUL, an
 * fc's flattening RESHAPE, ...) names its output `<layer>/<suffix>` (HELPER_SUFFIXES);
 * `opLayers` and `opKernelLayers` map every operator back to IR layers. See README.md here.
 *
 * The parts: tflite-fusion.ts groups the layers, tflite-emit.ts writes each group's
 * operators into tflite-graph.ts's GraphWriter, which encodes the model with the schema
 * helpers of tflite-schema.ts.
 */
import { analyzeNetwork } from '../../app/workloads/analyze.js';
import type { Network } from '../../app/workloads/ir.js';
import { emitGroup, nhwcShape } from './tflite-emit.js';
import { planGroups } from './tflite-fusion.js';
import { GraphWriter, serialize } from './tflite-graph.js';
import type { BuiltinOpName } from './tflite-schema.js';

export interface TfliteBuildOptions {
  readonly seed?: number;
  /** Trained constants by tensor name (see buildTflite). */
  readonly values?: ReadonlyMap<string, Float32Array>;
  /**
   * true (default): the deployed graph, folded and fused as TFLite's converter writes it.
   * false: every IR layer keeps operators of its own (BN as MUL + ADD, RELU apart).
   */
  readonly fuse?: boolean;
}

export interface TfliteArtifact {
  readonly bytes: Uint8Array;
  /** Subgraph inputs, full shapes (batch first, NHWC), in subgraph order. */
  readonly inputs: readonly { name: string; shape: readonly number[] }[];
  /** Subgraph outputs: names of the layers no other layer reads (also their tensor names). */
  readonly outputs: readonly string[];
  /**
   * The IR layer of operator i, for every operator in execution order: the layer its output
   * is named after (the last layer of a fused group), or the layer a helper operator helps.
   */
  readonly opLayers: readonly string[];
  /**
   * Every IR layer operator i implements, in IR order: `[conv, bn, relu]` for a conv with
   * BN folded in and RELU fused, all the slices of a SPLIT, `[l]` for a helper of layer l.
   * A profile row's time belongs to all of them together.
   */
  readonly opKernelLayers: readonly (readonly string[])[];
  /** The output tensor name of operator i (its last output for a SPLIT): a layer's name, or `<layer>/<helper>`. */
  readonly opOutputs: readonly string[];
  /** All output tensor names of operator i (several for a SPLIT, in channel order). */
  readonly opAllOutputs: readonly (readonly string[])[];
  /** The activation tensors operator i reads (constants left out), by name. */
  readonly opInputs: readonly (readonly string[])[];
  /** BuiltinOperator name of operator i. */
  readonly opTypes: readonly BuiltinOpName[];
}

/**
 * Encodes `network` as a .tflite model; its `input` and `extraInputs` become subgraph inputs.
 * `values` supplies trained constants by tensor name (`<layer>/weights` OHWI or [out, in] with
 * inputs in NHWC flatten order, `<layer>/bias`, BN `<layer>/scale` and `/shift` folded with
 * its statistics); the rest are drawn at random. A BN folded into the layer before it
 * (`fuse`, the default) takes its scale and shift from the same names and leaves no
 * tensors of its own.
 */
export function buildTflite(network: Network, opts: TfliteBuildOptions = {}): TfliteArtifact {
  const analysis = analyzeNetwork(network);
  const g = new GraphWriter(opts.seed ?? 1, opts.values);
  const batch = network.batch;
  const graphInputs = new Map<string, readonly number[]>();
  const known = new Set<string>();
  for (const grp of planGroups(analysis.layers, opts.fuse ?? true)) {
    const a = grp.head;
    a.layer.inputs.forEach((n, i) => {
      if (!known.has(n) && !graphInputs.has(n)) {
        const shape = nhwcShape(batch, a.inputShapes[i]!);
        graphInputs.set(n, shape);
        g.activation(n, shape);
      }
    });
    emitGroup(g, grp, batch);
    for (const l of grp.layers) known.add(l);
  }
  const read = new Set(network.layers.flatMap((l) => l.inputs));
  const outputs = analysis.layers.filter((a) => !read.has(a.layer.name)).map((a) => a.layer.name);
  const bytes = serialize(
    g,
    network.name,
    [...graphInputs.keys()].map((n) => g.index(n)),
    outputs.map((n) => g.index(n)),
  );
  const isActivation = (i: number): boolean => g.tensors[i]!.data === undefined;
  const name = (i: number): string => g.tensors[i]!.name;
  return {
    bytes,
    inputs: [...graphInputs].map(([n, shape]) => ({ name: n, shape })),
    outputs,
    opLayers: g.ops.map((o) => o.layer),
    opKernelLayers: g.ops.map((o) => o.kernel),
    opOutputs: g.ops.map((o) => name(o.outputs.at(-1)!)),
    opAllOutputs: g.ops.map((o) => o.outputs.map(name)),
    opInputs: g.ops.map((o) => o.inputs.filter(isActivation).map(name)),
    opTypes: g.ops.map((o) => o.op),
  };
}
