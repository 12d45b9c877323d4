/**
 * The ONNX protobuf as the importer reads it: message types, int64 and tensor decoding, and
 * node attributes. Nothing here knows the IR.
 */
import onnxProto from 'onnx-proto';

export const { onnx } = onnxProto;
export type ModelProto = onnxProto.onnx.ModelProto;
export type NodeProto = onnxProto.onnx.INodeProto;
export type TensorProto = onnxProto.onnx.ITensorProto;
export type AttributeProto = onnxProto.onnx.IAttributeProto;
export type ValueInfoProto = onnxProto.onnx.IValueInfoProto;

/** protobufjs decodes int64 as `Long` where the `long` package is present, else as number. */
type Int64 = number | { toNumber(): number } | null | undefined;
export const num = (v: Int64): number => (v === null || v === undefined ? 0 : typeof v === 'number' ? v : v.toNumber());
export const numel = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

/** One line, however odd a name in the file is. */
export const oneLine = (s: string): string => s.replace(/[\r\n\t]+/g, ' ');

/** Constants larger than this are never read: weights matter only by their shapes. */
export const MAX_CONSTANT_ELEMENTS = 1 << 20;

const T = onnx.TensorProto.DataType;
const INTEGER_TYPES: ReadonlySet<number> = new Set([T.INT64, T.INT32, T.INT16, T.INT8, T.UINT8, T.UINT16, T.UINT32, T.UINT64, T.BOOL]);

/** Integer element types divide with truncation; float ones do not. */
export const isIntegerType = (dataType: number | null | undefined): boolean => INTEGER_TYPES.has(dataType ?? 0);

export function readTensor(t: TensorProto, fail: (why: string) => never): number[] {
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) fail(`tensor '${t.name ?? ''}' is stored outside the model file`);
  const n = numel((t.dims ?? []).map(num));
  if (n > MAX_CONSTANT_ELEMENTS) fail(`tensor '${t.name ?? ''}' is too large to read as a constant`);
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

// ---- nodes and their attributes -----------------------------------------------------

/** The node's name for messages: its own, else its first output's. */
export const label = (node: NodeProto): string => node.name || node.output?.[0] || '?';

/** The operator, with its domain when that is not the default one. */
export const opName = (node: NodeProto): string => (node.domain && node.domain !== 'ai.onnx' ? `${node.domain}.${node.opType ?? ''}` : (node.opType ?? ''));

export const isDefaultDomain = (node: NodeProto): boolean => !node.domain || node.domain === 'ai.onnx';

export function attr(node: NodeProto, name: string): AttributeProto | undefined {
  return (node.attribute ?? []).find((a) => a.name === name);
}
export function intAttr(node: NodeProto, name: string, def: number): number {
  const a = attr(node, name);
  return a ? num(a.i) : def;
}
export function intsAttr(node: NodeProto, name: string): number[] | undefined {
  const a = attr(node, name);
  return a ? (a.ints ?? []).map(num) : undefined;
}
export function floatAttr(node: NodeProto, name: string, def: number): number {
  const a = attr(node, name);
  return a ? (a.f ?? 0) : def;
}
export function floatsAttr(node: NodeProto, name: string): number[] | undefined {
  const a = attr(node, name);
  return a ? [...(a.floats ?? [])] : undefined;
}
export function strAttr(node: NodeProto, name: string, def: string): string {
  const a = attr(node, name);
  return a?.s ? new TextDecoder().decode(a.s) : def;
}
