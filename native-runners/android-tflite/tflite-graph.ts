/**
 * The graph being written and its encoding: GraphWriter collects tensors (activations, and
 * constants drawn from a seeded xorshift generator or given as trained values) and operators
 * in execution order, each operator tagged with the IR layers it implements; `serialize`
 * encodes them as one schema-3 subgraph in a `.tflite` flatbuffer. What operators an IR
 * layer becomes is tflite-emit.ts's business, not this file's.
 */
import { Builder, type Offset } from 'flatbuffers';
import { InvalidWorkloadError } from '../../app/api/errors.js';
import { BuiltinOp, int32Vector, offsetVector, TensorType, TFLITE_FILE_IDENTIFIER, TFLITE_SCHEMA_VERSION, type BuiltinOpName, type OptionsSpec } from './tflite-schema.js';

export const numel = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

export interface TensorSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly type: number;
  /** Constant data (little-endian), or undefined for an activation. */
  readonly data?: Uint8Array;
}

export interface OpSpec {
  readonly op: BuiltinOpName;
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
  readonly options?: OptionsSpec;
  readonly layer: string;
  readonly kernel: readonly string[];
  /** Operator version (schema OperatorCode.version): 1 unless an option needs a later kernel. */
  readonly version: number;
}

const f32Bytes = (a: Float32Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
const i32Bytes = (v: readonly number[]): Uint8Array => {
  const a = Int32Array.from(v);
  return new Uint8Array(a.buffer);
};

export class GraphWriter {
  readonly tensors: TensorSpec[] = [];
  readonly ops: OpSpec[] = [];
  private readonly byName = new Map<string, number>();
  /** xorshift32 state, as the ONNX artifact's generator: fast, seeded, good enough for weights nobody reads. */
  private state: number;
  private readonly rand = (): number => {
    let x = this.state;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    this.state = x;
    return x / 0x100000000;
  };

  constructor(
    seed: number,
    private readonly values?: ReadonlyMap<string, Float32Array>,
  ) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }

  /** Trained values for a constant, when the caller gave them (checked against its shape). */
  private given(name: string, shape: readonly number[]): Float32Array | undefined {
    const v = this.values?.get(name);
    if (!v) return undefined;
    if (v.length !== numel(shape)) throw new Error(`TFLite artifact: ${name} was given ${v.length} values, [${shape.join(',')}] needs ${numel(shape)}`);
    return Float32Array.from(v);
  }

  index(name: string): number {
    const i = this.byName.get(name);
    if (i === undefined) throw new Error(`tflite-writer: no tensor named ${name}`);
    return i;
  }

  tensor(spec: TensorSpec): number {
    if (this.byName.has(spec.name)) {
      throw new InvalidWorkloadError(`TFLite artifact: tensor name ${spec.name} is used twice (a layer is named like another layer's helper)`);
    }
    this.tensors.push(spec);
    this.byName.set(spec.name, this.tensors.length - 1);
    return this.tensors.length - 1;
  }

  activation(name: string, shape: readonly number[]): number {
    return this.tensor({ name, shape, type: TensorType.FLOAT32 });
  }

  constant(name: string, shape: readonly number[], data: Float32Array): number {
    return this.tensor({ name, shape, type: TensorType.FLOAT32, data: f32Bytes(data) });
  }

  /** The values of constant `name`: given, or drawn with `fill` (no tensor is added). */
  floatData(name: string, shape: readonly number[], fill: (r: () => number) => number): Float32Array {
    const given = this.given(name, shape);
    if (given !== undefined) return given;
    const data = new Float32Array(numel(shape));
    for (let i = 0; i < data.length; i++) data[i] = fill(this.rand);
    return data;
  }

  floats(name: string, shape: readonly number[], fill: (r: () => number) => number): number {
    return this.constant(name, shape, this.floatData(name, shape, fill));
  }

  weights(name: string, shape: readonly number[], fanIn: number): number {
    return this.constant(name, shape, this.weightData(name, shape, fanIn));
  }

  /** He-uniform weights for a layer with `fanIn` inputs per output (the hot loop, so xorshift is inlined). */
  weightData(name: string, shape: readonly number[], fanIn: number): Float32Array {
    const given = this.given(name, shape);
    if (given !== undefined) return given;
    const bound = Math.sqrt(6 / Math.max(fanIn, 1));
    const data = new Float32Array(numel(shape));
    let x = this.state;
    for (let i = 0; i < data.length; i++) {
      x ^= x << 13;
      x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      data[i] = (x / 0x100000000) * 2 * bound - bound;
    }
    this.state = x;
    return data;
  }

  zeros(name: string, shape: readonly number[]): number {
    return this.floats(name, shape, () => 0);
  }

  ints(name: string, shape: readonly number[], values: readonly number[]): number {
    return this.tensor({ name, shape, type: TensorType.INT32, data: i32Bytes(values) });
  }

  /** Appends an operator of `layer` (and of every layer in `kernel`, its fused group). */
  op(
    op: BuiltinOpName,
    layer: string,
    inputs: readonly number[],
    outputs: readonly number[],
    options?: OptionsSpec,
    kernel: readonly string[] = [layer],
    version = 1,
  ): void {
    this.ops.push({ op, layer, kernel, version, inputs, outputs, ...(options ? { options } : {}) });
  }
}

/** Buffers: 0 is the empty sentinel, then one per constant tensor, in tensor order. */
function writeBuffers(b: Builder, tensors: readonly TensorSpec[]): { bufferOf: number[]; bufferTables: Offset[] } {
  const bufferOf: number[] = [];
  const bufferTables: Offset[] = [];
  b.startObject(1);
  bufferTables.push(b.endObject());
  for (const t of tensors) {
    if (!t.data) {
      bufferOf.push(0);
      continue;
    }
    // `data:[ubyte] (force_align: 16)`: align the vector's first byte, not its length prefix.
    b.prep(16, t.data.byteLength);
    const data = b.createByteVector(t.data);
    b.startObject(1);
    b.addFieldOffset(0, data, 0);
    bufferOf.push(bufferTables.length);
    bufferTables.push(b.endObject());
  }
  return { bufferOf, bufferTables };
}

/** Tensor: shape:0 type:1 buffer:2 name:3 quantization:4 is_variable:5 */
function writeTensors(b: Builder, tensors: readonly TensorSpec[], bufferOf: readonly number[]): Offset[] {
  return tensors.map((t, i) => {
    const nameOff = b.createString(t.name);
    const shapeOff = int32Vector(b, t.shape);
    b.startObject(6);
    b.addFieldOffset(0, shapeOff, 0);
    b.addFieldInt8(1, t.type, 0);
    b.addFieldInt32(2, bufferOf[i]!, 0);
    b.addFieldOffset(3, nameOff, 0);
    return b.endObject();
  });
}

/** The operator code tables, one per (operator, version), and the operator tables that index them. */
function writeOperators(b: Builder, ops: readonly OpSpec[]): { codeTables: Offset[]; opTables: Offset[] } {
  // OperatorCode: deprecated_builtin_code:0 (byte) custom_code:1 version:2 builtin_code:3 (int).
  // Both codes are written: runtimes before TF 2.4 read field 0, later ones the larger of the two.
  const codeKey = (o: OpSpec): string => `${o.op}/${o.version}`;
  const codes = [...new Map(ops.map((o) => [codeKey(o), o])).values()];
  const codeTables = codes.map((o) => {
    b.startObject(4);
    b.addFieldInt8(0, Math.min(BuiltinOp[o.op], 127), 0);
    b.addFieldInt32(2, o.version, 1);
    b.addFieldInt32(3, BuiltinOp[o.op], 0);
    return b.endObject();
  });
  const codeIndex = new Map(codes.map((o, i) => [codeKey(o), i]));

  // Operator: opcode_index:0 inputs:1 outputs:2 builtin_options_type:3 builtin_options:4
  const opTables = ops.map((o) => {
    const optOff = o.options ? o.options.write(b) : 0;
    const insOff = int32Vector(b, o.inputs);
    const outsOff = int32Vector(b, o.outputs);
    b.startObject(5);
    b.addFieldInt32(0, codeIndex.get(codeKey(o))!, 0);
    b.addFieldOffset(1, insOff, 0);
    b.addFieldOffset(2, outsOff, 0);
    if (o.options) {
      b.addFieldInt8(3, o.options.tag, 0);
      b.addFieldOffset(4, optOff, 0);
    }
    return b.endObject();
  });
  return { codeTables, opTables };
}

/** Encodes the graph as a one-subgraph model; `inputs` and `outputs` are tensor indices. */
export function serialize(g: GraphWriter, name: string, inputs: readonly number[], outputs: readonly number[]): Uint8Array {
  const constBytes = g.tensors.reduce((s, t) => s + (t.data?.byteLength ?? 0) + 16, 0);
  const b = new Builder(constBytes + 64 * 1024 + g.tensors.length * 128);
  const { bufferOf, bufferTables } = writeBuffers(b, g.tensors);
  const tensorTables = writeTensors(b, g.tensors, bufferOf);
  const { codeTables, opTables } = writeOperators(b, g.ops);

  // SubGraph: tensors:0 inputs:1 outputs:2 operators:3 name:4
  const tensorsVec = offsetVector(b, tensorTables);
  const inputsVec = int32Vector(b, inputs);
  const outputsVec = int32Vector(b, outputs);
  const opsVec = offsetVector(b, opTables);
  const sgName = b.createString(name);
  b.startObject(5);
  b.addFieldOffset(0, tensorsVec, 0);
  b.addFieldOffset(1, inputsVec, 0);
  b.addFieldOffset(2, outputsVec, 0);
  b.addFieldOffset(3, opsVec, 0);
  b.addFieldOffset(4, sgName, 0);
  const subgraph = b.endObject();

  // Model: version:0 operator_codes:1 subgraphs:2 description:3 buffers:4
  const codesVec = offsetVector(b, codeTables);
  const subgraphsVec = offsetVector(b, [subgraph]);
  const description = b.createString('labbench');
  const buffersVec = offsetVector(b, bufferTables);
  b.startObject(5);
  b.addFieldInt32(0, TFLITE_SCHEMA_VERSION, 0);
  b.addFieldOffset(1, codesVec, 0);
  b.addFieldOffset(2, subgraphsVec, 0);
  b.addFieldOffset(3, description, 0);
  b.addFieldOffset(4, buffersVec, 0);
  b.finish(b.endObject(), TFLITE_FILE_IDENTIFIER);
  // A copy that owns its ArrayBuffer: bindings such as node-tflite read `bytes.buffer` whole.
  return b.asUint8Array().slice();
}
