/**
 * Checkpoints of named variables: a small JSON header (names, shapes, caller's metadata) and
 * the float32 values after it, written to a temporary file and renamed over the old one, so
 * that a process killed mid-write leaves the previous checkpoint whole. A file that is cut
 * short, edited, or was written for another network is refused with a reason, never loaded
 * halfway.
 *
 * Layout: 8 bytes magic "LBCKPT01", uint32 LE header length, header JSON (UTF-8), padding to
 * 4 bytes, then each tensor's values in header order, float32 LE.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { LabbenchError } from '../api/errors.js';

const MAGIC = 'LBCKPT01';

export type CheckpointMeta = Readonly<Record<string, unknown>>;

interface Header {
  readonly tensors: readonly { name: string; shape: number[] }[];
  readonly meta: CheckpointMeta;
}

const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

export function saveCheckpoint(path: string, named: readonly (readonly [string, tf.Variable])[], meta: CheckpointMeta = {}): void {
  const header: Header = { tensors: named.map(([name, v]) => ({ name, shape: [...v.shape] })), meta };
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const pad = (4 - ((8 + 4 + headerBytes.length) % 4)) % 4;
  const prefix = Buffer.alloc(8 + 4 + headerBytes.length + pad);
  prefix.write(MAGIC, 0, 'ascii');
  prefix.writeUInt32LE(headerBytes.length, 8);
  headerBytes.copy(prefix, 12);
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, prefix);
    for (const [, v] of named) {
      const values = v.dataSync() as Float32Array;
      writeSync(fd, new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/** Assigns every named variable from the file and returns the metadata saved with it. */
export function loadCheckpoint(path: string, named: readonly (readonly [string, tf.Variable])[]): CheckpointMeta {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new LabbenchError('BAD_INPUT', `cannot read checkpoint ${path}: ${(e as Error).message}`);
  }
  const bad = (why: string): LabbenchError => new LabbenchError('BAD_INPUT', `${path}: not a usable checkpoint (${why})`);
  if (buf.length < 12 || buf.toString('ascii', 0, 8) !== MAGIC) throw bad('no labbench checkpoint header');
  const headerLen = buf.readUInt32LE(8);
  if (12 + headerLen > buf.length) throw bad('the header is cut short');
  let header: Header;
  try {
    header = JSON.parse(buf.toString('utf8', 12, 12 + headerLen)) as Header;
  } catch {
    throw bad('the header is not JSON');
  }
  if (!Array.isArray(header.tensors)) throw bad('the header lists no tensors');
  let offset = 12 + headerLen;
  offset += (4 - (offset % 4)) % 4;
  const byName = new Map<string, { shape: number[]; offset: number }>();
  for (const t of header.tensors) {
    byName.set(t.name, { shape: t.shape, offset });
    offset += sizeOf(t.shape) * 4;
  }
  if (offset !== buf.length) throw bad(`${buf.length} bytes where the header describes ${offset}`);
  // Check everything before assigning anything: a mismatch leaves the model as it was.
  const plan = named.map(([name, v]) => {
    const t = byName.get(name);
    if (!t) throw bad(`it has no tensor '${name}': written for another network?`);
    if (t.shape.length !== v.shape.length || t.shape.some((d, i) => d !== v.shape[i])) throw bad(`'${name}' is [${t.shape}] in the file, [${v.shape}] here`);
    return { v, t };
  });
  const aligned = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength).slice().buffer;
  for (const { v, t } of plan) {
    v.assign(tf.tensor(new Float32Array(aligned, t.offset, sizeOf(t.shape)), t.shape));
  }
  return header.meta ?? {};
}
