/**
 * A trained IR network's weights in the layouts the project's exporters write: ONNX
 * (buildOnnx: conv OIHW, Gemm weight [out, in] with a flattened map's inputs in CHW order, BN
 * with its statistics) and TFLite (buildTflite: conv OHWI, FULLY_CONNECTED [out, in] in NHWC
 * order, BN folded into a scale and a shift). The exporters draw random values for anything
 * not given; here every constant is given.
 */
import { analyzeNetwork } from '../workloads/analyze.js';
import type { Network } from '../workloads/ir.js';
import { buildOnnx } from '../../native-runners/onnxruntime/artifact.js';
import { buildTflite } from '../../native-runners/android-tflite/tflite-writer.js';
import { BN_EPSILON, type WeightArrays } from '../train/ir-net.js';

function hwioTo(data: Float32Array, [k1, k2, ci, co]: readonly number[], order: 'oihw' | 'ohwi'): Float32Array {
  const out = new Float32Array(data.length);
  for (let h = 0; h < k1!; h++)
    for (let w = 0; w < k2!; w++)
      for (let i = 0; i < ci!; i++)
        for (let o = 0; o < co!; o++) {
          const v = data[((h * k2! + w) * ci! + i) * co! + o]!;
          out[order === 'oihw' ? ((o * ci! + i) * k1! + h) * k2! + w : ((o * k1! + h) * k2! + w) * ci! + i] = v;
        }
  return out;
}

/** [fin, out] (fin in h, w, c order) to [out, fin], with fin in CHW order when `chw` is [C, H, W]. */
function fcTo(data: Float32Array, [fin, out]: readonly number[], chw?: readonly number[]): Float32Array {
  const res = new Float32Array(data.length);
  const [c, h, w] = chw && chw.length === 3 ? chw : [fin!, 1, 1];
  for (let r = 0; r < fin!; r++) {
    // r = (y * W + x) * C + ch  ->  ch * H * W + y * W + x
    const ch = r % c!;
    const pos = Math.floor(r / c!);
    const target = chw ? ch * h! * w! + pos : r;
    for (let o = 0; o < out!; o++) res[o * fin! + target] = data[r * out! + o]!;
  }
  return res;
}

/** The [C, H, W] map an fc flattens, if it reads one (directly or through a flatten layer). */
function flattenedMap(network: Network): Map<string, readonly number[]> {
  const a = analyzeNetwork(network);
  const byName = new Map(a.layers.map((l) => [l.layer.name, l]));
  const out = new Map<string, readonly number[]>();
  for (const l of a.layers) {
    if (l.layer.op !== 'fc') continue;
    const x = l.inputShapes[0]!;
    if (x.length === 3) out.set(l.layer.name, x);
    const src = byName.get(l.layer.inputs[0]!);
    if (src?.layer.op === 'flatten' && src.inputShapes[0]!.length === 3) out.set(l.layer.name, src.inputShapes[0]!);
  }
  return out;
}

export function onnxValues(network: Network, arrays: WeightArrays): Map<string, Float32Array> {
  const maps = flattenedMap(network);
  const v = new Map<string, Float32Array>();
  for (const l of network.layers) {
    const get = (s: string) => arrays.get(`${l.name}.${s}`);
    if (l.op === 'conv') {
      const w = get('weight')!;
      v.set(`${l.name}.weight`, hwioTo(w.data, w.shape, 'oihw'));
    } else if (l.op === 'fc') {
      const w = get('weight')!;
      v.set(`${l.name}.weight`, fcTo(w.data, w.shape, maps.get(l.name)));
    } else if (l.op === 'bn') {
      v.set(`${l.name}.scale`, get('gamma')!.data);
      v.set(`${l.name}.shift`, get('beta')!.data);
      v.set(`${l.name}.mean`, get('mean')!.data);
      v.set(`${l.name}.var`, get('var')!.data);
    }
    const b = (l.op === 'conv' || l.op === 'fc') && get('bias');
    if (b) v.set(`${l.name}.bias`, b.data);
  }
  return v;
}

export function tfliteValues(network: Network, arrays: WeightArrays): Map<string, Float32Array> {
  const v = new Map<string, Float32Array>();
  for (const l of network.layers) {
    const get = (s: string) => arrays.get(`${l.name}.${s}`);
    if (l.op === 'conv') {
      const w = get('weight')!;
      v.set(`${l.name}/weights`, hwioTo(w.data, w.shape, 'ohwi'));
    } else if (l.op === 'fc') {
      const w = get('weight')!;
      v.set(`${l.name}/weights`, fcTo(w.data, w.shape));
    } else if (l.op === 'bn') {
      const gamma = get('gamma')!.data;
      const scale = gamma.map((g, i) => g / Math.sqrt(get('var')!.data[i]! + BN_EPSILON));
      v.set(`${l.name}/scale`, scale);
      v.set(`${l.name}/shift`, get('beta')!.data.map((b, i) => b - get('mean')!.data[i]! * scale[i]!));
    }
    const b = (l.op === 'conv' || l.op === 'fc') && get('bias');
    if (b) v.set(`${l.name}/bias`, b.data);
  }
  return v;
}

export interface ExportedModel {
  readonly onnx: Uint8Array;
  readonly tflite: Uint8Array;
}

export function exportTrained(network: Network, arrays: WeightArrays): ExportedModel {
  return { onnx: buildOnnx(network, { values: onnxValues(network, arrays) }).bytes, tflite: buildTflite(network, { values: tfliteValues(network, arrays) }).bytes };
}
