/**
 * LUT keys of the Single-Path NAS space's blocks. One function for both the blocks this
 * bench measures and the published Pixel 1 table it imports, so the two line up row by row.
 */
import type { Shape } from './ir.js';

export interface MbconvSpec {
  /**
   * Position in the space. Layers of one stage share a configuration, but the published
   * table measured each position on its own (their figures differ), so the key keeps it.
   */
  readonly layer: number;
  readonly kernel: number;
  readonly expansion: number;
  readonly stride: number;
  readonly cin: number;
  readonly cout: number;
  /** Input feature map [C, H, W]. */
  readonly input: Shape;
  readonly residual: boolean;
  readonly batch: number;
}

export function mbconvKey(s: MbconvSpec): string {
  const n = s.batch === 1 ? '' : ` n${s.batch}`;
  return `mbconv L${s.layer} k${s.kernel} e${s.expansion} s${s.stride} o${s.cout}${s.residual ? ' res' : ''} in=${s.input.join('x')}${n}`;
}

export function spnasFixedKey(part: 'stem' | 'head', input: Shape, batch: number): string {
  return `spnas-${part} in=${input.join('x')}${batch === 1 ? '' : ` n${batch}`}`;
}

export function spnasSkipKey(layer: number, input: Shape, batch: number): string {
  return `spnas-skip L${layer} in=${input.join('x')}${batch === 1 ? '' : ` n${batch}`}`;
}
