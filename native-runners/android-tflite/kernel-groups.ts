/**
 * Kernels of a .tflite network on a phone: one per operator the runtime runs, a clamp that
 * XNNPACK fuses into its producer (the producer's only reader) joining the producer's kernel.
 * `plannedGroups` gives them from the artifact alone, for predicting a network never run;
 * a profile gives them as map-rows.ts's groups, which follow the same rule where XNNPACK
 * timed its nodes one by one.
 */
import type { TfliteArtifact } from './tflite-writer.js';

export interface OpGroup {
  /** Operator indices, ascending. */
  readonly ops: readonly number[];
  /** IR layers the operators implement, in operator order. */
  readonly layers: readonly string[];
}

const CLAMPS: ReadonlySet<string> = new Set(['RELU', 'RELU6']);

export function plannedGroups(a: Pick<TfliteArtifact, 'opTypes' | 'opInputs' | 'opOutputs' | 'opKernelLayers'>): OpGroup[] {
  const readers = new Map<string, number>();
  for (const ins of a.opInputs) for (const t of ins) readers.set(t, (readers.get(t) ?? 0) + 1);
  const producer = new Map(a.opOutputs.map((t, i) => [t, i]));
  const groupOf: number[] = [];
  const groups: { ops: number[]; layers: string[] }[] = [];
  a.opTypes.forEach((type, i) => {
    const input = a.opInputs[i]?.[0];
    const p = input === undefined ? undefined : producer.get(input);
    if (CLAMPS.has(type) && p !== undefined && a.opInputs[i]!.length === 1 && readers.get(input!) === 1) {
      const g = groups[groupOf[p]!]!;
      g.ops.push(i);
      g.layers.push(...a.opKernelLayers[i]!.filter((l) => !g.layers.includes(l)));
      groupOf[i] = groupOf[p]!;
      return;
    }
    groupOf[i] = groups.push({ ops: [i], layers: [...a.opKernelLayers[i]!] }) - 1;
  });
  return groups;
}

/** What tells kernels apart on a phone beside their layers: the operators that run them. */
export const groupVariant = (opTypes: readonly string[], ops: readonly number[]): string => ops.map((i) => opTypes[i]).join('+');

/** Operators that move data rather than compute a layer (a conv's PAD, an fc's flattening RESHAPE): their kernels are `data`, whatever layer they serve. */
const DATA_OPS: ReadonlySet<string> = new Set(['PAD', 'RESHAPE', 'TRANSPOSE', 'CONCATENATION', 'SPLIT', 'SLICE', 'STRIDED_SLICE', 'SQUEEZE']);

/** The kernel kind a group's first operator imposes, where it is not the layer's own (undefined: the layer decides). */
export function groupKind(opTypes: readonly string[], ops: readonly number[]): 'data' | undefined {
  return DATA_OPS.has(opTypes[ops[0]!] ?? '') ? 'data' : undefined;
}
