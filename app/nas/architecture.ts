/**
 * Architectures of the Single-Path NAS space as the search sees them: one choice per layer,
 * 0..3 an option in the authors' order (k3e3, k3e6, k5e3, k5e6) and 4 a skip, scored by the
 * compiled device LUT. Also the baselines the search is compared with: uniform networks and
 * random ones that meet the same latency target.
 */
import { LabbenchError } from '../api/errors.js';
import { SKIP, spnasLatency, type SpnasLatencyTable } from '../predict/spnas-lut.js';
import { SPNAS_LAYERS, SPNAS_OPTIONS, type SpnasChoice } from '../workloads/zoo/spnas-space.js';
import { mulberry32 } from '../util/rng.js';

export type Architecture = readonly number[];

export function choiceName(c: number): string {
  if (c === SKIP) return 'skip';
  const o = SPNAS_OPTIONS[c];
  if (!o) throw new Error(`not a spnas choice: ${c}`);
  return `k${o.kernel}e${o.expansion}`;
}

export function parseChoice(name: string): number {
  if (name === 'skip') return SKIP;
  const i = SPNAS_OPTIONS.findIndex((o) => `k${o.kernel}e${o.expansion}` === name);
  if (i < 0) throw new LabbenchError('BAD_INPUT', `not a spnas-space choice: '${name}' (k3e3, k3e6, k5e3, k5e6 or skip)`);
  return i;
}

export function toSpnasChoices(arch: Architecture): SpnasChoice[] {
  return arch.map((c) => (c === SKIP ? 'skip' : SPNAS_OPTIONS[c]!));
}

/** The choices a layer allows: the four options, and skip where the layer has a residual. */
export function allowedChoices(layer: number): readonly number[] {
  return SPNAS_LAYERS[layer]!.residual ? [0, 1, 2, 3, SKIP] : [0, 1, 2, 3];
}

export function uniformArchitecture(option: number): Architecture {
  return SPNAS_LAYERS.map(() => option);
}

/**
 * Random architectures whose LUT latency lies in [lo, hi] ms, by rejection: each layer's
 * choice uniform over what it allows. The LUT is compiled, so a million draws take a second
 * or so; a band nothing falls in is reported, not looped on forever.
 */
export function randomArchitectures(table: SpnasLatencyTable, count: number, lo: number, hi: number, seed: number): Architecture[] {
  const rand = mulberry32(seed);
  const out: Architecture[] = [];
  const arch = new Array<number>(SPNAS_LAYERS.length).fill(0);
  const maxDraws = 5_000_000;
  for (let draws = 0; out.length < count && draws < maxDraws; draws++) {
    for (let l = 0; l < arch.length; l++) {
      const allowed = allowedChoices(l);
      arch[l] = allowed[Math.floor(rand() * allowed.length)]!;
    }
    const ms = spnasLatency(table, arch);
    if (ms >= lo && ms <= hi) out.push([...arch]);
  }
  if (out.length < count) throw new LabbenchError('BAD_INPUT', `no random architecture of the space has a latency in [${lo.toFixed(1)}, ${hi.toFixed(1)}] ms on this LUT`);
  return out;
}

/**
 * Brings an architecture into the latency band [lo, hi] ms with the fewest, cheapest
 * changes: over the target, the step that saves the most latency per unit of lost
 * preference is taken first (a layer moved to a cheaper choice); under the band, the step
 * that adds the most preference per ms. `preference(layer, choice)` is the search's own
 * view of how much a layer wants a choice (its threshold margins), so the repair follows
 * what was learned rather than undoing it. Returns the architecture unchanged when it is
 * already in the band.
 */
export function fitToBand(
  table: SpnasLatencyTable,
  start: Architecture,
  lo: number,
  hi: number,
  preference: (layer: number, choice: number) => number,
): Architecture {
  const arch = [...start];
  let ms = spnasLatency(table, arch);
  for (let guard = 0; guard < 1000 && (ms > hi || ms < lo); guard++) {
    const down = ms > hi;
    let best: { layer: number; choice: number; score: number; delta: number } | undefined;
    for (let l = 0; l < arch.length; l++) {
      const cur = arch[l]!;
      for (const c of allowedChoices(l)) {
        if (c === cur) continue;
        arch[l] = c;
        const delta = spnasLatency(table, arch) - ms;
        arch[l] = cur;
        if (down ? delta >= 0 : delta <= 0) continue;
        const lost = preference(l, cur) - preference(l, c);
        // Going down: saved ms per preference lost; going up: preference gained per ms added,
        // but never past the upper end of the band.
        const score = down ? -delta / Math.max(lost, 1e-6) : ms + delta > hi ? -Infinity : -lost / delta;
        if (!best || score > best.score) best = { layer: l, choice: c, score, delta };
      }
    }
    if (!best || best.score === -Infinity) break;
    arch[best.layer] = best.choice;
    ms += best.delta;
  }
  if (ms > hi) throw new LabbenchError('BAD_INPUT', `no architecture of the space is as fast as ${hi.toFixed(1)} ms on this LUT (the fastest is ${ms.toFixed(1)} ms)`);
  return arch;
}
