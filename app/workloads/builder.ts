/**
 * A small fluent builder for the IR, so zoo networks read like their papers' tables.
 * Each method appends one layer fed by `from` (default: the last layer added) and returns
 * the new layer's name. Names are `${prefix}${op}${n}` unless given.
 */
import { NETWORK_INPUT, type Layer, type LayerSpec, type Network, type Padding, type Shape } from './ir.js';

type Opts = { name?: string; from?: string; block?: string };
type ConvOpts = Opts & { stride?: number; pad?: Padding; groups?: number; bias?: boolean };
type PoolOpts = Opts & { stride?: number; pad?: Padding };
type WiredSpec = LayerSpec & { inputs?: readonly string[] };

export class NetworkBuilder {
  private readonly layers: Layer[] = [];
  private last = NETWORK_INPUT;
  private readonly counts = new Map<string, number>();
  /** Block tag applied to layers added while set (see `inBlock`). */
  private block: string | undefined;

  constructor(
    readonly name: string,
    readonly input: Shape,
    readonly batch = 1,
  ) {}

  /** The name of the most recently added layer (or `input`). */
  get head(): string {
    return this.last;
  }

  /** Adds the layers that `fn` builds under one block tag, e.g. a residual block. */
  inBlock<T>(block: string, fn: () => T): T {
    const prev = this.block;
    this.block = block;
    try {
      return fn();
    } finally {
      this.block = prev;
    }
  }

  private add(partial: WiredSpec, o: Opts): string {
    const op = partial.op;
    const n = (this.counts.get(op) ?? 0) + 1;
    this.counts.set(op, n);
    const name = o.name ?? `${op}${n}`;
    const block = o.block ?? this.block;
    const layer = { ...partial, name, inputs: partial.inputs ?? [o.from ?? this.last], ...(block ? { block } : {}) } as Layer;
    this.layers.push(layer);
    this.last = name;
    return name;
  }

  conv(out: number, kernel: number, o: ConvOpts = {}): string {
    const pad = o.pad ?? Math.floor(kernel / 2);
    return this.add({ op: 'conv', out, kernel, stride: o.stride ?? 1, pad, groups: o.groups ?? 1, bias: o.bias ?? true }, o);
  }
  dwconv(kernel: number, o: ConvOpts = {}): string {
    return this.add({ op: 'dwconv', kernel, stride: o.stride ?? 1, pad: o.pad ?? Math.floor(kernel / 2), bias: o.bias ?? false }, o);
  }
  pwconv(out: number, o: ConvOpts = {}): string {
    return this.add({ op: 'pwconv', out, bias: o.bias ?? false }, o);
  }
  maxpool(kernel: number, o: PoolOpts = {}): string {
    return this.add({ op: 'maxpool', kernel, stride: o.stride ?? kernel, pad: o.pad ?? 0 }, o);
  }
  avgpool(kernel: number, o: PoolOpts = {}): string {
    return this.add({ op: 'avgpool', kernel, stride: o.stride ?? kernel, pad: o.pad ?? 0 }, o);
  }
  gap(o: Opts = {}): string {
    return this.add({ op: 'gap' }, o);
  }
  fc(out: number, o: Opts & { bias?: boolean } = {}): string {
    return this.add({ op: 'fc', out, bias: o.bias ?? true }, o);
  }
  bn(o: Opts = {}): string {
    return this.add({ op: 'bn' }, o);
  }
  relu(o: Opts = {}): string {
    return this.add({ op: 'relu' }, o);
  }
  relu6(o: Opts = {}): string {
    return this.add({ op: 'relu6' }, o);
  }
  act(op: 'sigmoid' | 'hardsigmoid' | 'hardswish' | 'swish', o: Opts = {}): string {
    return this.add({ op }, o);
  }
  mulOf(inputs: readonly [string, string], o: Opts = {}): string {
    return this.add({ op: 'mul', inputs }, o);
  }
  slice(start: number, end: number, o: Opts = {}): string {
    return this.add({ op: 'slice', start, end }, o);
  }
  shuffle(groups: number, o: Opts = {}): string {
    return this.add({ op: 'shuffle', groups }, o);
  }
  resize(scale: number, mode: 'nearest' | 'linear' = 'nearest', o: Opts = {}): string {
    return this.add({ op: 'resize', scale, mode }, o);
  }
  addOf(inputs: readonly string[], o: Opts = {}): string {
    return this.add({ op: 'add', inputs }, o);
  }
  concatOf(inputs: readonly string[], o: Opts = {}): string {
    return this.add({ op: 'concat', inputs }, o);
  }
  flatten(o: Opts = {}): string {
    return this.add({ op: 'flatten' }, o);
  }
  softmax(o: Opts = {}): string {
    return this.add({ op: 'softmax' }, o);
  }

  build(): Network {
    return { name: this.name, input: this.input, batch: this.batch, layers: [...this.layers] };
  }
}
