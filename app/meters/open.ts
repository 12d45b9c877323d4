/**
 * `openMeter`: a spec (`/dev/ttyUSB0:um34c`, or a parsed `MeterSpec`) to an opened
 * `PowerMeter`, with the registry of kinds: one line each, the kind's session over the port.
 */
import type { Duplex } from 'node:stream';
import { AndroidBatteryMeter, parseAndroidBatterySpec } from './android-battery/meter.js';
import { AndroidRailsMeter, parseAndroidRailsSpec } from './android-rails/meter.js';
import { NvidiaSmiMeter, parseNvidiaSmiSpec } from './nvidia-smi/meter.js';
import type { DuplexMeter } from './duplex-meter.js';
import { LineMeter } from './line/meter.js';
import type { PowerMeter } from './meter.js';
import { Ppk2Meter } from './ppk2/meter.js';
import { SerialMeter, type SerialMeterOptions } from './serial-meter.js';
import { parseMeterSpec, sourceMeterKind, type MeterSpec } from './spec.js';
import { UmMeter } from './um/meter.js';

export type OpenMeterOptions = SerialMeterOptions;

/** The protocol session of each kind over an open port. */
export function meterSession(port: Duplex, spec: MeterSpec): DuplexMeter {
  switch (spec.kind) {
    case 'um24c':
    case 'um25c':
    case 'um34c':
      return new UmMeter(port, spec.pollHz !== undefined ? { pollHz: spec.pollHz } : {});
    case 'ppk2':
      return new Ppk2Meter(port, { volts: spec.volts, rateHz: spec.rateHz, spikeFilter: spec.spikeFilter, path: spec.path });
    case 'line':
      return new LineMeter(port, { columns: spec.columns, ...(spec.volts !== undefined ? { volts: spec.volts } : {}) });
  }
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
 * Any `--meter` spec to a meter, not yet started: the sources that are no serial port
 * (SERIAL:battery, SERIAL:rails, GPU:nvidia-smi) by their own parsers, else a serial meter,
 * opened. BAD_INPUT for a malformed spec.
 */
export async function openAnyMeter(spec: string, opts: OpenMeterOptions = {}): Promise<PowerMeter> {
  switch (sourceMeterKind(spec)) {
    case 'battery': {
      const b = parseAndroidBatterySpec(spec);
      return new AndroidBatteryMeter(b.serial, b.pollHz);
    }
    case 'rails':
      return new AndroidRailsMeter(parseAndroidRailsSpec(spec));
    case 'nvidia-smi':
      return new NvidiaSmiMeter(parseNvidiaSmiSpec(spec));
    case undefined:
      return openMeter(spec, opts);
  }
}
