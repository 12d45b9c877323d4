/**
 * A trained network on disk: `LBNET1\n`, a little-endian u32 header length, a JSON header
 * (the IR network, what it was trained on, and where each named array lies), then the
 * float32 arrays back to back. `--model FILE` reads these; zoo names are cached as these.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { LabbenchError } from '../api/errors.js';
import { analyzeNetwork } from '../workloads/analyze.js';
import type { Network } from '../workloads/ir.js';
import type { WeightArrays } from './ir-net.js';

const MAGIC = 'LBNET1\n';

export interface ModelMeta {
  readonly data: string;
  readonly epochs: number;
  readonly limit?: number;
  readonly seed: number;
  readonly test_accuracy: number;
}

interface Header {
  readonly format: 'labbench-net';
  readonly network: Network;
  readonly meta: ModelMeta;
  readonly tensors: readonly { name: string; shape: number[]; offset: number; length: number }[];
}

export function saveModelFile(path: string, network: Network, arrays: WeightArrays, meta: ModelMeta): void {
  let offset = 0;
  const tensors = [...arrays].map(([name, a]) => {
    const t = { name, shape: [...a.shape], offset, length: a.data.length };
    offset += a.data.length;
    return t;
  });
  const header = Buffer.from(JSON.stringify({ format: 'labbench-net', network, meta, tensors } satisfies Header));
  const body = new Float32Array(offset);
  for (const t of tensors) body.set(arrays.get(t.name)!.data, t.offset);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(header.length);
  mkdirSync(dirname(path), { recursive: true });
  // Written beside the target and renamed: a crash never leaves half a model under its name.
  const tmp = `${path}.partial-${process.pid}`;
  writeFileSync(tmp, Buffer.concat([Buffer.from(MAGIC), len, header, Buffer.from(body.buffer)]));
  renameSync(tmp, path);
}

export function loadModelFile(path: string): { network: Network; arrays: WeightArrays; meta: ModelMeta } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new LabbenchError('BAD_INPUT', `${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (bytes.subarray(0, MAGIC.length).toString() !== MAGIC) throw new LabbenchError('BAD_INPUT', `${path} is not a labbench model file (written by 'labbench prune|quantize --save' or the zoo cache)`);
  const hlen = bytes.readUInt32LE(MAGIC.length);
  const start = MAGIC.length + 4;
  let header: Header;
  try {
    header = JSON.parse(bytes.subarray(start, start + hlen).toString()) as Header;
  } catch {
    throw new LabbenchError('BAD_INPUT', `${path}: the model header is not valid JSON`);
  }
  analyzeNetwork(header.network);
  const body = bytes.subarray(start + hlen);
  const floats = new Float32Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength));
  const arrays: WeightArrays = new Map();
  for (const t of header.tensors) {
    if (t.offset + t.length > floats.length) throw new LabbenchError('BAD_INPUT', `${path}: truncated (${t.name} lies past the end)`);
    arrays.set(t.name, { shape: t.shape, data: floats.slice(t.offset, t.offset + t.length) });
  }
  return { network: header.network, arrays, meta: header.meta };
}
