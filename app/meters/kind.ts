/**
 * What a meter kind is to the bench: one descriptor in the kind's folder (`<kind>/kind.ts`),
 * listed once in `app/meters/index.ts`. A serial kind says how its `--meter PORT:TYPE,KEY=VALUE`
 * options parse and print and which protocol session runs over the open port; a source kind
 * (a phone over adb, nvidia-smi) parses its own spec and builds its meter.
 */
import type { Duplex } from 'node:stream';
import { LabbenchError } from '../api/errors.js';
import type { DuplexMeter } from './duplex-meter.js';
import type { PowerMeter } from './meter.js';

/** Options every serial meter takes. */
export interface CommonSpec {
  readonly path: string;
  readonly baudRate: number;
  /** No reading for this long (ms) makes the meter `silent` and reports an error. */
  readonly silenceMs: number;
  /** Reopen the port after it goes away. */
  readonly reconnect: boolean;
}

/** A serial spec's kind-specific options, with checked readers for them. */
export interface SpecOptions {
  get(key: string): string | undefined;
  num(key: string, value: string, min: number, max: number): number;
  flag(key: string, value: string): boolean;
  /** A BAD_INPUT error about this spec. */
  bad(why: string): LabbenchError;
}

export interface SerialMeterDescriptor<K extends string = string, S extends CommonSpec & { readonly kind: K } = CommonSpec & { readonly kind: K }> {
  readonly transport: 'serial';
  /** The TYPE names this descriptor answers to (one protocol may serve several models). */
  readonly kinds: readonly K[];
  /** One line for help texts and the UI. */
  readonly summary: string;
  readonly defaults: { readonly baudRate: number; readonly silenceMs: number };
  /** Option keys of its own, beside baud, silence and reconnect. */
  readonly keys: readonly string[];
  parse(kind: K, common: CommonSpec, o: SpecOptions): S;
  /** Its own options back as KEY=VALUE, defaults left out. */
  format(spec: S): string[];
  session(port: Duplex, spec: S): DuplexMeter;
}

export interface SourceMeterDescriptor<K extends string = string> {
  readonly transport: 'source';
  readonly kinds: readonly [K];
  readonly summary: string;
  /** The spec's form, e.g. `SERIAL:battery[,poll=HZ]`. */
  readonly usage: string;
  /** Parses the spec (BAD_INPUT if malformed) into a meter, not yet started. */
  open(spec: string): PowerMeter;
}
