/**
 * `openMeter`: a spec (`/dev/ttyUSB0:um34c`, or a parsed `MeterSpec`) to an opened
 * `PowerMeter`, through the kinds' descriptors (app/meters/index.ts).
 */
import type { Duplex } from 'node:stream';
import type { DuplexMeter } from './duplex-meter.js';
import type { PowerMeter } from './meter.js';
import { SerialMeter, type SerialMeterOptions } from './serial-meter.js';
import { parseMeterSpec, serialMeterKind, sourceMeterDescriptor, type MeterSpec } from './spec.js';

export type OpenMeterOptions = SerialMeterOptions;

/** The protocol session of the spec's kind over an open port. */
export function meterSession(port: Duplex, spec: MeterSpec): DuplexMeter {
  return serialMeterKind(spec.kind).session(port, spec);
}

/**
 * Parses the spec (BAD_INPUT if malformed) and opens its port at the kind's baud rate
 * (DEVICE_UNAVAILABLE if it cannot). Call `start()` to begin readings and `close()` after.
 */
export async function openMeter(spec: string | MeterSpec, opts: OpenMeterOptions = {}): Promise<PowerMeter> {
  const parsed = typeof spec === 'string' ? parseMeterSpec(spec) : spec;
  const meter = new SerialMeter(parsed, (port) => meterSession(port, parsed), opts);
  await meter.open();
  return meter;
}

/**
 * Any `--meter` spec to a meter, not yet started: a source kind (no serial port) by its own
 * descriptor, else a serial meter, opened. BAD_INPUT for a malformed spec.
 */
export async function openAnyMeter(spec: string, opts: OpenMeterOptions = {}): Promise<PowerMeter> {
  const source = sourceMeterDescriptor(spec);
  return source ? source.open(spec) : openMeter(spec, opts);
}
