/**
 * What every zoo builder accepts, and the one place that checks it. A zoo builder's result
 * has always been through shape inference, so a bad resolution fails where it is asked for,
 * not later in an exporter or on a device.
 */
import { analyzeNetwork } from '../analyze.js';
import type { NetworkBuilder } from '../builder.js';
import type { Network } from '../ir.js';
import { InvalidWorkloadError } from '../../api/errors.js';

export interface ZooOptions {
  /** Input height = width in pixels; defaults to the network's native resolution. */
  readonly resolution?: number;
  /** Samples per inference; defaults to 1. */
  readonly batch?: number;
}

export interface ResolvedOptions {
  readonly resolution: number;
  readonly batch: number;
}

function positiveInteger(what: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new InvalidWorkloadError(`${what} must be a positive integer, got ${value}`);
  return value;
}

export function resolveOptions(opts: ZooOptions, nativeResolution: number): ResolvedOptions {
  return {
    resolution: positiveInteger('resolution', opts.resolution ?? nativeResolution),
    batch: positiveInteger('batch', opts.batch ?? 1),
  };
}

/** Builds and validates: throws InvalidWorkloadError when a layer would have no output. */
export function finish(b: NetworkBuilder): Network {
  const network = b.build();
  analyzeNetwork(network);
  return network;
}
