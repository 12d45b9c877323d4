/**
 * One line of `nvidia-smi --query-gpu=power.draw --format=csv,noheader,nounits -lms N`: the
 * board's power draw in watts as a bare number (`71.23`), or `[N/A]` (the driver has no
 * reading now) or `[Not Supported]` (this board does not report power). Anything else
 * (a header from a format without `noheader`, a unit, a message) is garbled.
 */
export type PowerDrawLine = { readonly watts: number } | { readonly drop: 'n/a' | 'not-supported' | 'garbled' | 'implausible' };

export function parsePowerDrawLine(line: string): PowerDrawLine | undefined {
  const s = line.trim();
  if (s === '') return undefined;
  if (/^\[N\/A\]$/i.test(s)) return { drop: 'n/a' };
  if (/^\[Not Supported\]$/i.test(s)) return { drop: 'not-supported' };
  if (!/^\d+(\.\d+)?$/.test(s)) return { drop: 'garbled' };
  const watts = Number(s);
  // The biggest boards draw about 1 kW; more is no power reading.
  return watts > 2000 ? { drop: 'implausible' } : { watts };
}
