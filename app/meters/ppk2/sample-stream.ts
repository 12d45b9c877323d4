/**
 * PPK2 words to averaged current, pure and incremental: the counter check, the conversion,
 * the spike filter and averaging into output windows.
 *
 * Counter: each word carries a 6-bit counter that steps by one per sample. Words whose counter
 * breaks the sequence are held until the stream decides: a later held word that continues
 * the old sequence means the ones before it were corrupted (dropped as `garbled`; each still
 * used a 10 us slot); three held words in a row that form a new sequence mean samples were
 * lost in between (counted as `lost`, modulo 64: a gap of 64 samples or more reads short).
 * Three, not two, because a burst that corrupts neighbouring words alike would otherwise
 * pass for a gap. Eight undecided words in a row mean the stream is misaligned: they are
 * dropped and `onResync` asks the framing to skip a byte. Words with range > 4 are dropped
 * as `range`. Dropped and lost samples are never averaged in: a window averages the good
 * samples it got (`n` of them).
 */
import {
  PPK2_COUNTER_MODULO,
  SpikeFilter,
  ppk2Amps,
  type Ppk2Modifiers,
} from './decode.js';

export interface Ppk2Window {
  /** Mean current of the window's good samples, A. */
  readonly amps: number;
  /** Good samples averaged. */
  readonly n: number;
  /** Slots (10 us sample periods since start) covered: [firstSlot, endSlot). */
  readonly firstSlot: number;
  readonly endSlot: number;
}

export interface Ppk2SampleStreamOptions {
  readonly modifiers: Ppk2Modifiers;
  /** Regulator voltage, V, for the calibration's S term. */
  readonly vddVolts: number;
  /** Samples per output window (100 for 1 kHz out of 100 kHz). */
  readonly windowSlots: number;
  readonly spikeFilter: boolean;
  readonly onWindow: (w: Ppk2Window) => void;
  readonly onDrop: (reason: 'garbled' | 'lost' | 'range', n: number) => void;
  readonly onResync?: () => void;
}

const counterOf = (w: number): number => (w >>> 18) & 0x3f;
const MOD = PPK2_COUNTER_MODULO - 1;
const RESYNC_AFTER = 8;

export class Ppk2SampleStream {
  /** Slot index of the next sample. */
  private slot = 0;
  private expected: number | undefined;
  /** Words held while the counter sequence is in doubt. */
  private held: number[] = [];
  private readonly filter = new SpikeFilter();
  private winStart = 0;
  private sum = 0;
  private n = 0;

  constructor(private readonly o: Ppk2SampleStreamOptions) {}

  /** Slots consumed so far (good, dropped and lost samples): device time is slot x 10 us. */
  get nextSlot(): number {
    return this.slot;
  }

  push(words: ArrayLike<number>): void {
    for (let k = 0; k < words.length; k++) {
      const w = words[k]!;
      if (this.held.length === 0 && (this.expected === undefined || counterOf(w) === this.expected)) {
        this.accept(w);
        continue;
      }
      const e = this.expected!;
      const held = this.held;
      held.push(w);
      const j = held.length - 1;
      if (counterOf(w) === ((e + j) & MOD)) {
        // The old sequence goes on: the held words before this one were corrupted.
        this.garbled(j);
        this.held = [];
        this.accept(w);
      } else if (j >= 2 && counterOf(held[j - 1]!) === ((counterOf(held[j - 2]!) + 1) & MOD) && counterOf(w) === ((counterOf(held[j - 1]!) + 1) & MOD)) {
        // A new sequence: samples were lost before held[j - 2].
        const r = j - 2;
        this.garbled(r);
        const lost = (counterOf(held[r]!) - ((e + r) & MOD)) & MOD;
        this.o.onDrop('lost', lost);
        this.slot += lost;
        this.held = [];
        for (let i = r; i <= j; i++) this.accept(held[i]!);
      } else if (held.length >= RESYNC_AFTER) {
        this.garbled(held.length);
        this.held = [];
        this.expected = undefined;
        this.o.onResync?.();
      }
    }
  }

  /** Emits the window in progress (at stop). */
  flush(): void {
    if (this.n > 0) {
      this.o.onWindow({ amps: this.sum / this.n, n: this.n, firstSlot: this.winStart, endSlot: this.winStart + this.o.windowSlots });
    }
    this.sum = 0;
    this.n = 0;
  }

  private accept(w: number): void {
    const c = counterOf(w);
    this.expected = (c + 1) & MOD;
    const slot = this.slot++;
    const range = (w >>> 14) & 0x7;
    if (range > 4) {
      this.o.onDrop('range', 1);
      return;
    }
    let amps = ppk2Amps(this.o.modifiers, range, w & 0x3fff, this.o.vddVolts);
    if (this.o.spikeFilter) amps = this.filter.apply(amps, range);
    if (slot >= this.winStart + this.o.windowSlots) {
      this.flush();
      this.winStart = slot - (slot % this.o.windowSlots);
    }
    this.sum += amps;
    this.n++;
  }

  /** `n` corrupted words: dropped, each used a slot. */
  private garbled(n: number): void {
    if (n <= 0) return;
    this.o.onDrop('garbled', n);
    this.slot += n;
  }
}
