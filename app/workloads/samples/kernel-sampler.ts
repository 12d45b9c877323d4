/**
 * The fit's own training networks: seeded random CNNs assembled from the blocks today's
 * on-device families are made of (plain conv stacks, ResNet basic and bottleneck blocks,
 * grouped convs, inverted residuals with squeeze-and-excitation, depthwise-separable
 * pairs, channel-split shuffle units, dense concatenations, inception branches), at the
 * resolutions and widths those families use. Each one is profiled whole at the runtime's
 * deployed settings: one run yields every kernel's time in place (training rows) and the
 * network's own end-to-end time (a calibration network for the network-level terms).
 *
 * `kernel-sample:SEED:I` names network I of seed SEED. Evaluation networks come from other
 * generators (scripts/eval-set/), never from this one.
 */
import { analyzeNetwork } from '../analyze.js';
import { NetworkBuilder } from '../builder.js';
import type { Network } from '../ir.js';
import { InvalidWorkloadError, LabbenchError } from '../../api/errors.js';
import { mulberry32 } from '../../util/rng.js';

export const KERNEL_SAMPLER_PREFIX = 'kernel-sample';

type Act = 'relu' | 'relu6' | 'hardswish' | 'swish' | 'sigmoid';
export type Block = 'plain' | 'basic' | 'bottleneck' | 'mbconv' | 'dwsep' | 'shuffle' | 'dense' | 'inception';

export interface KernelSamplerOptions {
  /** Largest network drawn, in multiply-accumulates (default 1.2 G). */
  readonly maxMacs?: number;
  /** Smallest network drawn (default none). */
  readonly minMacs?: number;
  /** Input resolutions to draw from (default RESOLUTIONS). */
  readonly resolutions?: readonly number[];
  /** Relative weights of the block kinds (default: all equal); the adaptive fit raises those its error sits in. */
  readonly blockWeights?: Partial<Record<Block, number>>;
  /** Stem widths before the width multiplier (default STEM_WIDTHS). */
  readonly stemWidths?: readonly number[];
  /** Fewest and most stages (default 2-5). */
  readonly stages?: readonly [number, number];
  /** Channel growth of a stage's first block (default GROWTH). */
  readonly growth?: readonly number[];
  /** Smallest map side a stride may make (default 2). */
  readonly minSide?: number;
  /** Chance of a VGG-style head of wide fc layers over the flattened map, where the map is 8x8 or less (default 0.25). */
  readonly wideHead?: number;
  /** Widths of that head's hidden fc layers, drawn near one of these (default WIDE_FC; at most MAX_WIDTH, or the widest given). */
  readonly wideWidths?: readonly number[];
  /** Most weights a network may hold (default none). */
  readonly maxParams?: number;
}

export const BLOCKS: readonly Block[] = ['plain', 'basic', 'bottleneck', 'mbconv', 'dwsep', 'shuffle', 'dense', 'inception'];
const RESOLUTIONS = [32, 48, 56, 64, 96, 112, 128, 160, 192, 224] as const;
/**
 * A `large` sample: a network of 1.5-8 G MACs at the resolutions classifiers ship at, so that
 * the wide 3x3 convs of VGG and ResNet at 160-224 px (0.2-2 G MACs each, past the default
 * cap's reach) are measured rather than extrapolated (docs/decisions/0024-large-samples.md).
 */
export const LARGE = 'large';
const LARGE_OPTIONS: KernelSamplerOptions = { minMacs: 1.5e9, maxMacs: 8e9, resolutions: [160, 192, 224] };
/**
 * A `tiny` sample: deep stages that end on maps of 4x4 down to 1x1, where convs of hundreds of
 * channels (any kernel size, padded all round) and wide fc heads are bound by their weights,
 * as the last stages of classifiers at low resolution are (docs/decisions/0029-tiny-map-samples.md).
 */
export const TINY = 'tiny';
const TINY_OPTIONS: KernelSamplerOptions = {
  resolutions: [32, 48, 64],
  stemWidths: [32, 48, 64, 96],
  // Dense kxk convs (plain, basic, grouped bottleneck) are the ones whose weights bind.
  blockWeights: { plain: 4, basic: 4, bottleneck: 2 },
  stages: [5, 7],
  growth: [1, 1.5, 2],
  minSide: 1,
  wideHead: 0.5,
  // AlexNet's and VGG's heads: 4096-wide fc layers whose weights (64 MB and more) no cache holds.
  wideWidths: [2048, 4096, 4096, 5120],
  maxParams: 8e7,
};
/** Sample families drawn with options of their own; each has its own random stream (salt). */
const FAMILIES = { [LARGE]: LARGE_OPTIONS, [TINY]: TINY_OPTIONS } as const;
type Family = keyof typeof FAMILIES;
const FAMILY_NAMES = Object.keys(FAMILIES) as Family[];
export type Focus = Block | Family;
const STEM_WIDTHS = [16, 24, 32, 48, 64] as const;
const GROWTH = [1, 1.5, 2, 2.5] as const;
const WIDE_FC = [1024, 2048, 4096] as const;
const ACTS: readonly Act[] = ['relu', 'relu', 'relu6', 'hardswish', 'swish'];
const MAX_WIDTH = 2048;
const WIDTH_MULTIPLIERS = [0.25, 0.5, 0.75, 1, 1, 1.5] as const;

class Draw {
  constructor(readonly r: () => number) {}
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.r() * xs.length)]!;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.r() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.r() < p;
  }
  /** A width near `c` (at most `max`): mostly a multiple of 8, one time in five ragged. */
  width(c: number, max = MAX_WIDTH): number {
    const w = Math.min(max, Math.max(4, Math.round(c * Math.exp((this.r() - 0.5) * 0.6))));
    return this.chance(0.2) ? w : Math.max(8, Math.round(w / 8) * 8);
  }
  weighted<T extends string>(xs: readonly T[], w: Partial<Record<T, number>> | undefined): T {
    const ws = xs.map((x) => Math.max(0, w?.[x] ?? 1));
    let u = this.r() * ws.reduce((a, b) => a + b, 0);
    for (let i = 0; i < xs.length; i++) {
      u -= ws[i]!;
      if (u <= 0) return xs[i]!;
    }
    return xs[xs.length - 1]!;
  }
}

/** Builds one random network; `null` when the draw came out outside the MAC or weight bounds (the caller draws again). */
function drawNetwork(d: Draw, name: string, o: KernelSamplerOptions): Network | null {
  const res = d.pick(o.resolutions ?? RESOLUTIONS);
  const b = new NetworkBuilder(name, [3, res, res]);
  const act = (a: Act, base: string): string => {
    if (a === 'relu') return b.relu({ name: `${base}/relu` });
    if (a === 'relu6') return b.relu6({ name: `${base}/relu6` });
    return b.act(a, { name: `${base}/${a}` });
  };
  const convBn = (out: number, k: number, base: string, o2: { stride?: number; groups?: number; from?: string; act?: Act | null } = {}): string => {
    b.conv(out, k, { name: base, stride: o2.stride ?? 1, groups: o2.groups ?? 1, bias: false, ...(o2.from ? { from: o2.from } : {}) });
    const bn = b.bn({ name: `${base}/bn` });
    return o2.act ? act(o2.act, base) : bn;
  };
  // Families ship width multipliers (MobileNet 0.35-1.4, MNASNet 0.5, ShuffleNet 0.5): narrow
  // convs at high resolution, where a runtime's channel blocks are part-empty, are deployed too.
  const mult = d.pick(WIDTH_MULTIPLIERS);
  let c = d.width(d.pick(o.stemWidths ?? STEM_WIDTHS) * mult);
  let side: number = res;
  const stemStride = res >= 96 ? 2 : d.pick([1, 2]);
  convBn(c, d.pick([3, 3, 5, 7]), 'stem', { stride: stemStride, act: d.pick(ACTS) });
  side = Math.ceil(side / stemStride);
  if (res >= 160 && d.chance(0.4)) {
    b.maxpool(3, { stride: 2, pad: 1, name: 'stem/pool' });
    side = Math.ceil(side / 2);
  }
  const [fewest, most] = o.stages ?? [2, 5];
  const stages = d.int(fewest, most);
  const minSide = o.minSide ?? 2;
  let n = 0;
  for (let s = 0; s < stages && side >= minSide; s++) {
    const kind = d.weighted(BLOCKS, o.blockWeights);
    const a = d.pick(ACTS);
    const cout = d.width(c * d.pick(o.growth ?? GROWTH));
    const blocks = d.int(1, 3);
    for (let i = 0; i < blocks; i++) {
      const stride = i === 0 && side >= 2 * minSide && (s > 0 || d.chance(0.5)) ? 2 : 1;
      const base = `b${n++}`;
      c = block(kind, base, c, i === 0 ? cout : c, stride, a);
      side = Math.ceil(side / stride);
    }
  }
  if (d.chance(0.2) && side >= 2) {
    b.avgpool(2, { name: 'head/avgpool' });
  }
  // VGG and AlexNet classify the flattened map with wide fc layers: weights far past the caches.
  const wide = side <= 8 && d.chance(o.wideHead ?? 0.25);
  if (!wide) b.gap({ name: 'head/gap' });
  b.flatten({ name: 'head/flatten' });
  for (let i = 0, hidden = wide ? d.int(1, 2) : d.chance(0.3) ? 1 : 0; i < hidden; i++) {
    b.fc(d.width(d.pick(wide ? (o.wideWidths ?? WIDE_FC) : [256, 512, 1024, 1280]), o.wideWidths ? Math.max(...o.wideWidths) : MAX_WIDTH), { name: `head/fc${i}` });
    b.relu({ name: `head/fc${i}/relu` });
  }
  b.fc(d.pick([10, 100, 1000]), { name: 'head/fc' });
  const net = b.build();
  const { macs, params } = analyzeNetwork(net).total;
  return macs <= (o.maxMacs ?? 1.2e9) && macs >= (o.minMacs ?? 0) && params <= (o.maxParams ?? Infinity) ? net : null;

  /** Appends one block of `kind` and returns its output channels. */
  function block(kind: Block, base: string, cin: number, cout: number, stride: number, a: Act): number {
    const input = b.head;
    switch (kind) {
      case 'plain':
        convBn(cout, d.pick([1, 3, 3, 5, 7]), `${base}/conv`, { stride, act: a });
        return cout;
      case 'basic': {
        const k = d.pick([3, 3, 3, 5, 7]);
        convBn(cout, k, `${base}/conv1`, { stride, act: a });
        const main = convBn(cout, k, `${base}/conv2`);
        const short = stride === 1 && cin === cout ? input : convBn(cout, 1, `${base}/down`, { stride, from: input });
        b.addOf([main, short], { name: `${base}/add` });
        act(a, `${base}/out`);
        return cout;
      }
      case 'bottleneck': {
        // Grouped (ResNeXt, RegNet): the width is a whole number of groups, so that narrow and
        // ragged widths do not thin out the grouped convs.
        const gw = d.pick([0, 8, 16, 24, 32, 48]);
        const drawn = d.width(cout / d.pick([2, 4]));
        const mid = gw > 0 ? Math.max(2, Math.round(drawn / gw)) * gw : drawn;
        const groups = gw > 0 ? mid / gw : 1;
        convBn(mid, 1, `${base}/reduce`, { act: a });
        convBn(mid, 3, `${base}/conv`, { stride, groups, act: a });
        if (d.chance(0.3)) squeezeExcite(`${base}/se`, mid, 'sigmoid');
        const main = convBn(cout, 1, `${base}/expand`);
        const short = stride === 1 && cin === cout ? input : convBn(cout, 1, `${base}/down`, { stride, from: input });
        b.addOf([main, short], { name: `${base}/add` });
        act('relu', `${base}/out`);
        return cout;
      }
      case 'mbconv': {
        const t = d.pick([1, 3, 4, 6, 6]);
        const k = d.pick([3, 3, 5, 7]);
        const mid = t === 1 ? cin : d.width(cin * t);
        if (t !== 1) convBn(mid, 1, `${base}/expand`, { act: a });
        b.dwconv(k, { name: `${base}/dw`, stride, bias: false });
        b.bn({ name: `${base}/dw/bn` });
        act(a, `${base}/dw`);
        if (d.chance(0.5)) squeezeExcite(`${base}/se`, mid, a === 'hardswish' ? 'hardsigmoid' : 'sigmoid');
        const out = convBn(cout, 1, `${base}/project`);
        if (stride === 1 && cin === cout) b.addOf([input, out], { name: `${base}/add` });
        return cout;
      }
      case 'dwsep':
        b.dwconv(d.pick([3, 3, 5]), { name: `${base}/dw`, stride, bias: false });
        b.bn({ name: `${base}/dw/bn` });
        act(a, `${base}/dw`);
        convBn(cout, 1, `${base}/pw`, { act: a });
        return cout;
      case 'shuffle': {
        const even = cout - (cout % 2);
        const half = even / 2;
        if (stride === 1 && cin === even && cin % 2 === 0) {
          const left = b.slice(0, half, { name: `${base}/left`, from: input });
          b.slice(half, cin, { name: `${base}/right`, from: input });
          convBn(half, 1, `${base}/pw1`, { act: 'relu' });
          b.dwconv(3, { name: `${base}/dw`, bias: false });
          b.bn({ name: `${base}/dw/bn` });
          const right = convBn(half, 1, `${base}/pw2`, { act: 'relu' });
          b.concatOf([left, right], { name: `${base}/cat` });
        } else {
          b.dwconv(3, { name: `${base}/ldw`, stride, bias: false, from: input });
          b.bn({ name: `${base}/ldw/bn` });
          const left = convBn(half, 1, `${base}/lpw`, { act: 'relu' });
          convBn(half, 1, `${base}/pw1`, { act: 'relu', from: input });
          b.dwconv(3, { name: `${base}/dw`, stride, bias: false });
          b.bn({ name: `${base}/dw/bn` });
          const right = convBn(half, 1, `${base}/pw2`, { act: 'relu' });
          b.concatOf([left, right], { name: `${base}/cat` });
        }
        b.shuffle(2, { name: `${base}/shuffle` });
        return even;
      }
      case 'dense': {
        const growth = d.pick([12, 16, 24, 32]);
        let ch = cin;
        let x = input;
        for (let j = 0; j < d.int(2, 4); j++) {
          b.bn({ name: `${base}/l${j}/bn1`, from: x });
          b.relu({ name: `${base}/l${j}/relu1` });
          b.conv(4 * growth, 1, { name: `${base}/l${j}/conv1`, bias: false, pad: 0 });
          convBn(growth, 3, `${base}/l${j}/conv2`, { act: 'relu' });
          x = b.concatOf([x, b.head], { name: `${base}/l${j}/cat` });
          ch += growth;
        }
        if (stride === 2) {
          convBn(d.width(ch / 2), 1, `${base}/trans`, { act: 'relu' });
          b.avgpool(2, { name: `${base}/trans/pool` });
          return analyzeOut();
        }
        return ch;
      }
      case 'inception': {
        const w = d.width(cout / 4);
        const p1 = convBn(w, 1, `${base}/b1`, { stride, act: 'relu', from: input });
        convBn(w, 1, `${base}/b2a`, { act: 'relu', from: input });
        const p2 = convBn(w, 3, `${base}/b2b`, { stride, act: 'relu' });
        convBn(Math.max(8, Math.round(w / 2)), 1, `${base}/b3a`, { act: 'relu', from: input });
        const p3 = convBn(w, 5, `${base}/b3b`, { stride, act: 'relu' });
        b.maxpool(3, { stride, pad: 1, name: `${base}/b4pool`, from: input });
        const p4 = convBn(w, 1, `${base}/b4`, { act: 'relu' });
        b.concatOf([p1, p2, p3, p4], { name: `${base}/cat` });
        return analyzeOut();
      }
    }
  }

  function squeezeExcite(base: string, ch: number, gate: 'sigmoid' | 'hardsigmoid'): void {
    const x = b.head;
    b.gap({ name: `${base}/pool` });
    b.conv(Math.max(8, d.width(ch / 4)), 1, { name: `${base}/fc1`, pad: 0 });
    b.relu({ name: `${base}/fc1/relu` });
    b.conv(ch, 1, { name: `${base}/fc2`, pad: 0 });
    const g = b.act(gate, { name: `${base}/gate` });
    b.mulOf([x, g], { name: `${base}/scale` });
  }

  /** Channels of the builder's current head. */
  function analyzeOut(): number {
    return analyzeNetwork(b.build()).outputShape[0]!;
  }
}

/** Network `index` of seed `seed`: the same network on every machine; `focus` weights one block kind, or draws a `large` or `tiny` one. */
export function kernelSampleNetwork(seed: number, index: number, focus?: Focus): Network {
  const family = FAMILY_NAMES.find((f) => f === focus);
  const block = BLOCKS.find((b) => b === focus);
  const salt = family ? BLOCKS.length + 1 + FAMILY_NAMES.indexOf(family) : block ? BLOCKS.indexOf(block) + 1 : 0;
  const d = new Draw(mulberry32((seed * 0x9e3779b1 + index * 0x85ebca6b + salt * 0xc2b2ae35) >>> 0));
  const name = `${KERNEL_SAMPLER_PREFIX}:${seed}:${index}${focus ? `:${focus}` : ''}`;
  const o: KernelSamplerOptions = family ? FAMILIES[family] : block ? { blockWeights: { [block]: BLOCKS.length } } : {};
  const tries = family ? 400 : 50;
  for (let t = 0; t < tries; t++) {
    let net: Network | null;
    try {
      net = drawNetwork(d, name, o);
    } catch (e) {
      // A draw that shrank the map to nothing (a stride too many): draw again.
      if (e instanceof InvalidWorkloadError) continue;
      throw e;
    }
    if (net) return net;
  }
  throw new Error(`${name}: no network within the MAC and weight bounds in ${tries} draws`);
}

/** `kernel-sample:SEED:I[:BLOCK|:FAMILY]` -> its parts, or undefined for another name. */
export function parseKernelSample(name: string): { seed: number; index: number; focus?: Focus } | undefined {
  if (!name.startsWith(`${KERNEL_SAMPLER_PREFIX}:`)) return undefined;
  const [, seed, index, focus, ...rest] = name.split(':');
  const s = Number(seed);
  const i = Number(index);
  const f = FAMILY_NAMES.find((x) => x === focus) ?? BLOCKS.find((x) => x === focus);
  if (!Number.isInteger(s) || !Number.isInteger(i) || i < 0 || (focus !== undefined && !f) || rest.length) {
    throw new LabbenchError('BAD_INPUT', `${name}: expected ${KERNEL_SAMPLER_PREFIX}:SEED:INDEX[:BLOCK] with BLOCK one of ${BLOCKS.join(', ')}, or :${FAMILY_NAMES.join(' or :')}`);
  }
  return { seed: s, index: i, ...(f ? { focus: f } : {}) };
}
