/** A microcontroller (INA219/INA226 and the like) that prints one reading a line. */
import type { CommonSpec, SerialMeterDescriptor } from '../kind.js';
import { DEFAULT_LINE_LAYOUT, parseLineColumns, type LineColumn } from './decode.js';
import { LineMeter } from './meter.js';

export interface LineSpec extends CommonSpec {
  readonly kind: 'line';
  readonly layout: string;
  readonly columns: readonly LineColumn[];
  /** Fixed supply voltage for layouts without a voltage column. */
  readonly volts?: number;
}

export const lineKind: SerialMeterDescriptor<'line', LineSpec> = {
  transport: 'serial',
  kinds: ['line'],
  summary: 'line meters: one reading a line, CSV (cols=LAYOUT such as ms+mv+ma, v=VOLTS)',
  defaults: { baudRate: 115200, silenceMs: 1000 },
  keys: ['cols', 'v'],
  parse: (kind, common, o) => {
    const v = o.get('v');
    const volts = v !== undefined ? o.num('v', v, 0, 60) : undefined;
    const layout = o.get('cols') ?? DEFAULT_LINE_LAYOUT;
    let columns: LineColumn[];
    try {
      columns = parseLineColumns(layout, volts !== undefined);
    } catch (err) {
      throw o.bad(err instanceof Error ? err.message : String(err));
    }
    return { ...common, kind, layout, columns, ...(volts !== undefined ? { volts } : {}) };
  },
  format: (spec) => [...(spec.layout !== DEFAULT_LINE_LAYOUT ? [`cols=${spec.layout}`] : []), ...(spec.volts !== undefined ? [`v=${spec.volts}`] : [])],
  session: (port, spec) => new LineMeter(port, { columns: spec.columns, ...(spec.volts !== undefined ? { volts: spec.volts } : {}) }),
};
