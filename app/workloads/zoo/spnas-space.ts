/**
 * The Single-Path NAS search space (Stamoulis et al. 2019; shared/data/README.md): a
 * MnasNet-like backbone at 224x224 with 22 searchable MBConv layers, each one of four
 * (kernel, expansion) options or, where the layer has a residual, a skip. The fixed parts
 * follow the authors' TensorFlow code (enyac-group/single-path-nas): a 3x3/2 conv stem to
 * 32 channels, a 1x1 conv head to 1280, global average pool, fc 1000; convs without bias and
 * with 'same' padding, each followed by BN.
 *
 * Activations are ReLU, not ReLU6: that is what the authors' supernet and the runtime-model
 * networks behind the Pixel 1 LUT use (`tf.nn.relu`); both fuse into the conv on TFLite.
 *
 * The authors' runtime model in fact fixed layer 0 (k3, expansion 1, no expand conv) and
 * layer 21 (k3, expansion 6), counting them in its 19.6 ms constant; their LUT still has
 * four (nearly equal) entries for each, so here they are searchable like the rest.
 */
import { NetworkBuilder } from '../builder.js';
import type { Network } from '../ir.js';
import { InvalidWorkloadError } from '../../api/errors.js';
import { invertedResidual } from './inverted-residual.js';
import { finish, resolveOptions, type ZooOptions } from './options.js';

export interface SpnasLayer {
  readonly index: number;
  readonly cin: number;
  readonly cout: number;
  readonly stride: number;
  /** Input height = width at 224x224; other resolutions scale it. */
  readonly inputResolution: number;
  /** Stride 1 and cin === cout: the block adds its input, and the layer may be skipped. */
  readonly residual: boolean;
}

export interface SpnasOption {
  readonly kernel: 3 | 5;
  readonly expansion: 3 | 6;
}

export type SpnasChoice = { kernel: 3 | 5; expansion: 3 | 6 } | 'skip';

/** In the authors' superkernel order, which the LUT's option keys "0".."3" follow. */
export const SPNAS_OPTIONS: readonly SpnasOption[] = [
  { kernel: 3, expansion: 3 },
  { kernel: 3, expansion: 6 },
  { kernel: 5, expansion: 3 },
  { kernel: 5, expansion: 6 },
];

const NATIVE = 224;
/** Every stride-2 step halves exactly only when the input is a multiple of 2^5. */
const TOTAL_STRIDE = 32;
const STEM_OUT = 32;
const HEAD_IN = 320;
const ACT = 'relu';

/** The README's block table: repeats, first stride, in -> out channels. */
const BLOCKS: readonly (readonly [repeats: number, stride: number, cin: number, cout: number])[] = [
  [1, 1, 32, 16],
  [4, 2, 16, 24],
  [4, 2, 24, 40],
  [4, 2, 40, 80],
  [4, 1, 80, 96],
  [4, 2, 96, 192],
  [1, 1, 192, 320],
];

function tableLayers(): SpnasLayer[] {
  const layers: SpnasLayer[] = [];
  let size = NATIVE / 2;
  for (const [repeats, firstStride, blockIn, cout] of BLOCKS) {
    for (let i = 0; i < repeats; i++) {
      const stride = i === 0 ? firstStride : 1;
      const cin = i === 0 ? blockIn : cout;
      layers.push({ index: layers.length, cin, cout, stride, inputResolution: size, residual: stride === 1 && cin === cout });
      size /= stride;
    }
  }
  return layers;
}

export const SPNAS_LAYERS: readonly SpnasLayer[] = tableLayers();

function spnasOptions(opts: ZooOptions): { batch: number; scale: (size: number) => number } {
  const { resolution, batch } = resolveOptions(opts, NATIVE);
  if (resolution % TOTAL_STRIDE !== 0) {
    throw new InvalidWorkloadError(`spnas-space needs a resolution that is a multiple of ${TOTAL_STRIDE} (five stride-2 steps), got ${resolution}`);
  }
  return { batch, scale: (size) => (size * resolution) / NATIVE };
}

function layerAt(index: number): SpnasLayer {
  const layer = SPNAS_LAYERS[index];
  if (!Number.isInteger(index) || !layer) throw new InvalidWorkloadError(`spnas-space has layers 0..${SPNAS_LAYERS.length - 1}, got ${index}`);
  return layer;
}

function optionOf(option: number | SpnasOption): SpnasOption {
  const o = typeof option === 'number' ? SPNAS_OPTIONS[option] : SPNAS_OPTIONS.find((x) => x.kernel === option.kernel && x.expansion === option.expansion);
  if (!o) throw new InvalidWorkloadError(`not a spnas-space option: ${JSON.stringify(option)} (kernel 3 or 5, expansion 3 or 6, or index 0..3)`);
  return o;
}

export function spnasBlockName(index: number, o: SpnasOption): string {
  return `L${index}-k${o.kernel}e${o.expansion}`;
}

function addLayer(b: NetworkBuilder, layer: SpnasLayer, o: SpnasOption): void {
  invertedResidual(b, {
    name: spnasBlockName(layer.index, o),
    cin: layer.cin,
    cout: layer.cout,
    expansion: o.expansion,
    kernel: o.kernel,
    stride: layer.stride,
    act: ACT,
    pad: 'same',
  });
}

function addStem(b: NetworkBuilder): void {
  b.inBlock('stem', () => {
    b.conv(STEM_OUT, 3, { stride: 2, pad: 'same', bias: false, name: 'stem' });
    b.bn({ name: 'stem_bn' });
    b.relu({ name: 'stem_relu' });
  });
}

function addHead(b: NetworkBuilder): void {
  b.inBlock('head', () => {
    b.pwconv(1280, { name: 'head' });
    b.bn({ name: 'head_bn' });
    b.relu({ name: 'head_relu' });
    b.gap({ name: 'pool' });
    b.flatten({ name: 'flatten' });
    b.fc(1000, { name: 'fc' });
    b.softmax({ name: 'prob' });
  });
}

/** One MBConv layer of the space on its own, fed by that layer's input shape. */
export function spnasBlock(layerIndex: number, option: number | SpnasOption, opts: ZooOptions = {}): Network {
  const layer = layerAt(layerIndex);
  const o = optionOf(option);
  const { batch, scale } = spnasOptions(opts);
  const r = scale(layer.inputResolution);
  const b = new NetworkBuilder(`spnas-${spnasBlockName(layerIndex, o)}`, [layer.cin, r, r], batch);
  addLayer(b, layer, o);
  return finish(b);
}

/** The fixed parts, as networks of their own so that they can be profiled. */
export function spnasStemHead(opts: ZooOptions = {}): { stem: Network; head: Network } {
  const { batch, scale } = spnasOptions(opts);
  const r = scale(NATIVE);
  const stem = new NetworkBuilder('spnas-stem', [3, r, r], batch);
  addStem(stem);
  const h = scale(NATIVE / TOTAL_STRIDE);
  const head = new NetworkBuilder('spnas-head', [HEAD_IN, h, h], batch);
  addHead(head);
  return { stem: finish(stem), head: finish(head) };
}

/** A whole network of the space: one choice per layer, 'skip' meaning identity. */
export function spnasNetwork(choices: readonly SpnasChoice[], opts: ZooOptions = {}): Network {
  if (choices.length !== SPNAS_LAYERS.length) {
    throw new InvalidWorkloadError(`spnas-space needs ${SPNAS_LAYERS.length} layer choices, got ${choices.length}`);
  }
  const { batch, scale } = spnasOptions(opts);
  const r = scale(NATIVE);
  const b = new NetworkBuilder('spnas-space', [3, r, r], batch);
  addStem(b);
  SPNAS_LAYERS.forEach((layer, i) => {
    const choice = choices[i]!;
    if (choice !== 'skip') {
      addLayer(b, layer, optionOf(choice));
    } else if (!layer.residual) {
      throw new InvalidWorkloadError(`spnas-space layer ${i} (${layer.cin}->${layer.cout}, stride ${layer.stride}) changes shape and cannot be skipped`);
    }
  });
  addHead(b);
  return finish(b);
}

/** The reference architecture: every layer kernel 3, expansion 6 (MobileNetV2-like). */
export function spnasSpace(opts: ZooOptions = {}): Network {
  return spnasNetwork(
    SPNAS_LAYERS.map(() => ({ kernel: 3, expansion: 6 })),
    opts,
  );
}

export default spnasSpace;
