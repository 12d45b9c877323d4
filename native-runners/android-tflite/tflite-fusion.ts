/**
 * Which IR layers become one TFLite operator, as TFLite's converter fuses them: a BN folded
 * into the conv/fc before it, a relu/relu6 fused as its producer's activation, equal channel
 * slices of one tensor written as one SPLIT. `planGroups` returns the groups in IR order;
 * tflite-emit.ts writes each group's operators. Without `fuse`, every layer is its own group.
 */
import type { AnalyzedLayer } from '../../app/workloads/analyze.js';
import type { SliceLayer } from '../../app/workloads/ir.js';

/**
 * The IR layers one operator (plus its helpers) writes: a layer alone, or a head layer with
 * what the converter fuses into it (a BN folded into its weights, a RELU/RELU6 as its
 * fused activation), or slices of one tensor written as one SPLIT.
 */
export interface Group {
  readonly head: AnalyzedLayer;
  /** Every IR layer of the group, in IR order. */
  readonly layers: string[];
  /** The last layer so far: the group's output tensor is named after it. */
  tail: string;
  bn?: AnalyzedLayer;
  act?: 'relu' | 'relu6';
  /** The slice layers of a SPLIT, in channel order. */
  split?: AnalyzedLayer[];
}

const FOLDS_BN = new Set(['conv', 'dwconv', 'pwconv', 'fc']);
const TAKES_ACTIVATION = new Set(['conv', 'dwconv', 'pwconv', 'fc', 'add', 'maxpool', 'avgpool']);

/**
 * Groups layers as TFLite's converter fuses them (or one group per layer without `fuse`):
 * a BN whose input is a conv/dwconv/pwconv/fc read by nothing else is folded into it, and a
 * relu/relu6 whose input is such a group's output (or a 2-input add's, or a pool's) read by
 * nothing else becomes its fused activation. Slices that cut one tensor's channels into
 * equal parts, all of them, become one SPLIT (tf.split / torch.chunk in a converted model).
 */
export function planGroups(layers: readonly AnalyzedLayer[], fuse: boolean): Group[] {
  const readers = new Map<string, number>();
  for (const a of layers) for (const n of a.layer.inputs) readers.set(n, (readers.get(n) ?? 0) + 1);
  const groupOf = new Map<string, Group>();
  const groups: Group[] = [];
  const splits = fuse ? splitSets(layers) : new Map<string, AnalyzedLayer[]>();
  for (const a of layers) {
    const l = a.layer;
    const src = l.inputs.length === 1 ? groupOf.get(l.inputs[0]!) : undefined;
    if (fuse && src && src.tail === l.inputs[0] && readers.get(src.tail) === 1 && !src.act && !src.split) {
      const head = src.head.layer;
      const fold = l.op === 'bn' && !src.bn && FOLDS_BN.has(head.op);
      const activation = (l.op === 'relu' || l.op === 'relu6') && TAKES_ACTIVATION.has(head.op) && head.inputs.length <= 2;
      if (fold || activation) {
        if (fold) src.bn = a;
        else src.act = l.op as 'relu' | 'relu6';
        src.layers.push(l.name);
        src.tail = l.name;
        groupOf.set(l.name, src);
        continue;
      }
    }
    const split = splits.get(l.name);
    if (split && split[0] !== a) {
      // A later slice of a SPLIT, written with the first one.
      groupOf.get(l.name)!.layers.push(l.name);
      continue;
    }
    const byChannel = split && [...split].sort((x, y) => (x.layer as SliceLayer).start - (y.layer as SliceLayer).start);
    const g: Group = { head: a, layers: [l.name], tail: l.name, ...(byChannel ? { split: byChannel } : {}) };
    for (const s of split ?? [a]) groupOf.set(s.layer.name, g);
    groups.push(g);
  }
  return groups;
}

/** Slice layer name -> all the slices of its input, where they cut every channel into k >= 2 equal parts. */
function splitSets(layers: readonly AnalyzedLayer[]): Map<string, AnalyzedLayer[]> {
  const byInput = new Map<string, AnalyzedLayer[]>();
  for (const a of layers) if (a.layer.op === 'slice') byInput.set(a.layer.inputs[0]!, [...(byInput.get(a.layer.inputs[0]!) ?? []), a]);
  const out = new Map<string, AnalyzedLayer[]>();
  for (const slices of byInput.values()) {
    const k = slices.length;
    const c = slices[0]!.inputShapes[0]![0]!;
    if (k < 2 || c % k !== 0) continue;
    const starts = new Set(slices.map((s) => (s.layer as SliceLayer).start));
    const even = slices.every((s) => {
      const { start, end } = s.layer as SliceLayer;
      return start % (c / k) === 0 && end - start === c / k;
    });
    if (even && starts.size === k) for (const s of slices) out.set(s.layer.name, slices);
  }
  return out;
}
