/**
 * A LUT as CSV for spreadsheets and pandas (RFC 4180: CRLF line ends, fields with a comma,
 * quote, line break or edge whitespace are quoted, quotes doubled). One row per entry; the
 * configuration is a JSON string in the last column. Export only: the JSON file is the
 * exchange format, since CSV carries neither the device nor a checksum. Every row carries
 * the emulated mark (`true` / `false`) and, for an imported row, when it was imported.
 */
import type { LutRecord } from '../app/api/lut.js';
import { canonicalJson } from './canonical-json.js';

export const LUT_CSV_HEADER = ['key', 'op', 'n', 'median_ms', 'ci_low_ms', 'ci_high_ms', 'mad_ms', 'min_ms', 'max_ms', 'measured_at', 'emulated', 'imported_at', 'config'] as const;

export function csvField(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

export function lutToCsv(file: { readonly entries: readonly LutRecord[] }): string {
  const rows = file.entries.map((e) =>
    [e.key, e.op, String(e.n), String(e.median_ms), String(e.ci_low_ms), String(e.ci_high_ms), String(e.mad_ms), String(e.min_ms), String(e.max_ms), e.measured_at, String(e.emulated), e.imported_at ?? '', canonicalJson(e.config)]
      .map(csvField)
      .join(','),
  );
  return [LUT_CSV_HEADER.join(','), ...rows].map((line) => `${line}\r\n`).join('');
}
