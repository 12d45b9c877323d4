/** Nordic Power Profiler Kit II in ampere-meter mode. */
import type { CommonSpec, SerialMeterDescriptor } from '../kind.js';
import { Ppk2Meter } from './meter.js';

export interface Ppk2Spec extends CommonSpec {
  readonly kind: 'ppk2';
  /** Supply voltage of the device under test, V: ampere-meter mode measures no voltage. */
  readonly volts: number;
  /** Output sample rate, Hz, averaged from the 100 kHz stream. */
  readonly rateHz: number;
  readonly spikeFilter: boolean;
}

export const ppk2Kind: SerialMeterDescriptor<'ppk2', Ppk2Spec> = {
  transport: 'serial',
  kinds: ['ppk2'],
  summary: 'Nordic PPK2, ampere-meter mode (v=VOLTS of the supply, rate=HZ, spike=0|1)',
  defaults: { baudRate: 115200, silenceMs: 500 },
  keys: ['v', 'rate', 'spike'],
  parse: (kind, common, o) => {
    const v = o.get('v');
    const rate = o.get('rate');
    const spike = o.get('spike');
    return {
      ...common,
      kind,
      // The PPK2 measures up to 5 V in ampere-meter mode.
      volts: v !== undefined ? o.num('v', v, 0.8, 5.5) : 5.0,
      rateHz: rate !== undefined ? o.num('rate', rate, 1, 100_000) : 1000,
      spikeFilter: spike !== undefined ? o.flag('spike', spike) : true,
    };
  },
  format: (spec) => [...(spec.volts !== 5.0 ? [`v=${spec.volts}`] : []), ...(spec.rateHz !== 1000 ? [`rate=${spec.rateHz}`] : []), ...(!spec.spikeFilter ? ['spike=0'] : [])],
  session: (port, spec) => new Ppk2Meter(port, { volts: spec.volts, rateHz: spec.rateHz, spikeFilter: spec.spikeFilter, path: spec.path }),
};
