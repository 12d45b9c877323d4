/**
 * Reads back the parts of a .tflite flatbuffer that labbench relies on: the schema version,
 * operator codes, tensors (name, shape, type, buffer) and operators (code, inputs, outputs,
 * options tag), with the field numbers of tensorflow/lite/schema/schema.fbs. It checks an
 * artifact independently of the writer's own bookkeeping and names a model's operators the
 * way benchmark_model will. It is not a verifier: a malformed file may read as garbage.
 */
import { ByteBuffer } from 'flatbuffers';
import { LabbenchError } from '../../app/api/errors.js';
import { BuiltinOp, type BuiltinOpName } from './tflite-schema.js';

export interface TfliteTensorInfo {
  readonly name: string;
  readonly shape: readonly number[];
  /** TensorType code: 0 FLOAT32, 2 INT32. */
  readonly type: number;
  readonly buffer: number;
}

export interface TfliteOperatorInfo {
  /** The BuiltinOperator name, or `#<code>` for one labbench does not write. */
  readonly op: BuiltinOpName | `#${number}`;
  readonly version: number;
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
  /** BuiltinOptions union tag (0: none). */
  readonly optionsType: number;
}

export interface TfliteModelInfo {
  readonly identifier: string;
  readonly version: number;
  readonly description: string;
  readonly tensors: readonly TfliteTensorInfo[];
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
  readonly operators: readonly TfliteOperatorInfo[];
  /** Byte length of each buffer's data (buffer 0 is the empty sentinel). */
  readonly bufferSizes: readonly number[];
  /** Byte offset of each non-empty buffer's data in the file (for alignment checks). */
  readonly bufferOffsets: readonly number[];
}

const NAMES = new Map<number, BuiltinOpName>(Object.entries(BuiltinOp).map(([k, v]) => [v, k as BuiltinOpName]));

class Table {
  constructor(
    readonly bb: ByteBuffer,
    readonly pos: number,
  ) {}
  private field(i: number): number {
    return this.bb.__offset(this.pos, 4 + 2 * i);
  }
  int(i: number, def: number, size: 1 | 4 = 4): number {
    const o = this.field(i);
    if (!o) return def;
    return size === 1 ? this.bb.readInt8(this.pos + o) : this.bb.readInt32(this.pos + o);
  }
  string(i: number): string {
    const o = this.field(i);
    return o ? String(this.bb.__string(this.pos + o)) : '';
  }
  /** Start and length of a vector field (length 0 when absent). */
  vector(i: number): { start: number; length: number } {
    const o = this.field(i);
    if (!o) return { start: 0, length: 0 };
    return { start: this.bb.__vector(this.pos + o), length: this.bb.__vector_len(this.pos + o) };
  }
  ints(i: number): number[] {
    const { start, length } = this.vector(i);
    return Array.from({ length }, (_, k) => this.bb.readInt32(start + 4 * k));
  }
  tables(i: number): Table[] {
    const { start, length } = this.vector(i);
    return Array.from({ length }, (_, k) => new Table(this.bb, this.bb.__indirect(start + 4 * k)));
  }
}

export function readTflite(bytes: Uint8Array): TfliteModelInfo {
  const bb = new ByteBuffer(bytes);
  if (bytes.length < 8) throw new LabbenchError('PARSE_FAILED', `not a .tflite file: ${bytes.length} bytes`);
  const identifier = bb.getBufferIdentifier();
  const model = new Table(bb, bb.readInt32(0));
  const codes = model.tables(1).map((c) => {
    const code = Math.max(c.int(0, 0, 1), c.int(3, 0));
    return { op: NAMES.get(code) ?? (`#${code}` as const), version: c.int(2, 1) };
  });
  const subgraphs = model.tables(2);
  if (subgraphs.length !== 1) throw new LabbenchError('PARSE_FAILED', `expected one subgraph, found ${subgraphs.length}`);
  const sg = subgraphs[0]!;
  const tensors = sg.tables(0).map((t) => ({ name: t.string(3), shape: t.ints(0), type: t.int(1, 0, 1), buffer: t.int(2, 0) }));
  const operators = sg.tables(3).map((o) => {
    const code = codes[o.int(0, 0)];
    if (!code) throw new LabbenchError('PARSE_FAILED', `operator refers to a missing operator code ${o.int(0, 0)}`);
    return { ...code, inputs: o.ints(1), outputs: o.ints(2), optionsType: o.int(3, 0, 1) };
  });
  const buffers = model.tables(4).map((b) => b.vector(0));
  return {
    identifier,
    version: model.int(0, 0),
    description: model.string(3),
    tensors,
    inputs: sg.ints(1),
    outputs: sg.ints(2),
    operators,
    bufferSizes: buffers.map((b) => b.length),
    bufferOffsets: buffers.map((b) => b.start),
  };
}
