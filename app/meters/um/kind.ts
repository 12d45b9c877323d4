/** RuiDeng UM24C / UM25C / UM34C over their Bluetooth-serial or USB-serial port. */
import type { CommonSpec, SerialMeterDescriptor } from '../kind.js';
import { UmMeter } from './meter.js';

export interface UmSpec extends CommonSpec {
  readonly kind: 'um24c' | 'um25c' | 'um34c';
  /** Cap on requests per second; undefined: as fast as the meter answers. */
  readonly pollHz?: number;
}

export const umKind: SerialMeterDescriptor<UmSpec['kind'], UmSpec> = {
  transport: 'serial',
  kinds: ['um24c', 'um25c', 'um34c'],
  summary: 'RuiDeng UM24C/UM25C/UM34C USB meters (poll=HZ caps the request rate)',
  defaults: { baudRate: 9600, silenceMs: 1500 },
  keys: ['poll'],
  parse: (kind, common, o) => {
    const poll = o.get('poll');
    return { ...common, kind, ...(poll !== undefined ? { pollHz: o.num('poll', poll, 0.01, 50) } : {}) };
  },
  format: (spec) => (spec.pollHz !== undefined ? [`poll=${spec.pollHz}`] : []),
  session: (port, spec) => new UmMeter(port, spec.pollHz !== undefined ? { pollHz: spec.pollHz } : {}),
};
