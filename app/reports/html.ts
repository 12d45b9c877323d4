/**
 * The page every report is: one HTML file with its style inline and a Content-Security-Policy
 * that forbids fetching anything, so it opens the same from a lab notebook, a pull request or
 * an air-gapped laptop. All text that reaches it goes through `esc` (device labels come from
 * phones, workload names from users).
 */
import { writeFileAtomic } from '../cli/files.js';
import { resolve } from 'node:path';
import { LabbenchError } from '../api/errors.js';

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text or an attribute value, safe inside HTML and SVG. */
export function esc(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** A number as a person reads it: 3 significant digits, no exponent for everyday sizes. */
export function num(v: number | undefined, digits = 3): string {
  if (v === undefined || !Number.isFinite(v)) return '-';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e6 || a < 1e-3) return v.toExponential(digits - 1);
  return String(Number(v.toPrecision(digits)));
}

export function pct(v: number | undefined): string {
  return v === undefined || !Number.isFinite(v) ? '-' : `${v.toFixed(1)}%`;
}

/** A table; cells are escaped here. `numeric` columns are right-aligned. */
export function table(head: readonly string[], rows: readonly (readonly (string | number)[])[], opts: { numeric?: readonly number[]; cls?: string } = {}): string {
  const right = new Set(opts.numeric ?? []);
  const td = (c: string | number, i: number, tag: 'td' | 'th'): string => `<${tag}${right.has(i) ? ' class="num"' : ''}>${esc(c)}</${tag}>`;
  return `<table${opts.cls ? ` class="${esc(opts.cls)}"` : ''}><thead><tr>${head.map((h, i) => td(h, i, 'th')).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c, i) => td(c, i, 'td')).join('')}</tr>`).join('')}</tbody></table>`;
}

export interface DeviceMark {
  readonly label: string;
  readonly key: string;
  readonly emulated: boolean;
}

/** The banner of a report on an emulated device: first thing on the page, not dismissable. */
export function emulatedBanner(d: DeviceMark): string {
  return d.emulated
    ? `<div class="emulated" role="alert" data-emulated="true"><strong>EMULATED</strong> — ${esc(d.label)} (${esc(d.key)}) is an emulated device: these figures were not measured on real hardware.</div>`
    : '';
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1100px;padding:0 16px;color:#1d2330;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #dde2ea;padding-bottom:4px}h3{font-size:15px;margin:18px 0 6px}
.meta{color:#5a6475;margin:0 0 12px}.note{color:#5a6475;font-size:13px}
.emulated{background:#fff1d6;border:2px solid #c77700;color:#6b3d00;padding:10px 14px;margin:12px 0;font-size:15px;border-radius:4px}
.emulated strong{letter-spacing:.06em}
table{border-collapse:collapse;margin:8px 0 12px;font-size:13px}th,td{padding:3px 10px;border-bottom:1px solid #e6e9ef;text-align:left;vertical-align:top}
th{background:#f4f6f9;font-weight:600}.num{text-align:right;font-variant-numeric:tabular-nums}
figure.chart{margin:12px 0 18px}figure.chart figcaption{font-weight:600;margin-bottom:4px}
svg{font:11px system-ui,sans-serif;overflow:visible}svg .axis-label{font-size:12px;fill:#1d2330}svg .tick text{fill:#5a6475}
svg .tick line,svg .frame{stroke:#c9d0db}svg .grid{stroke:#eef1f5}
.legend{display:flex;flex-wrap:wrap;gap:4px 16px;font-size:12px;margin-top:2px}.legend i{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:5px;vertical-align:-2px}
footer{margin-top:32px;color:#8a93a3;font-size:12px}
`;

/** A whole report page. `body` is HTML built from escaped parts. */
export function htmlPage(o: { title: string; subtitle?: string; device?: DeviceMark; body: string; generatedAt?: Date }): string {
  const emulated = o.device?.emulated ? 'EMULATED · ' : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(emulated + o.title)}</title><style>${CSS}</style></head>
<body>
<h1>${esc(o.title)}</h1>
${o.subtitle ? `<p class="meta">${esc(o.subtitle)}</p>` : ''}
${o.device ? emulatedBanner(o.device) : ''}
${o.body}
<footer>labbench report, generated ${esc((o.generatedAt ?? new Date()).toISOString())}. Self-contained: it loads nothing from anywhere.</footer>
</body></html>
`;
}

/**
 * Writes the report beside its target and renames it into place, so a crash never leaves half
 * a file under its name. Returns the absolute path and the size.
 */
export function writeReportFile(path: string, html: string): { path: string; bytes: number } {
  const abs = resolve(path);
  try {
    writeFileAtomic(abs, html);
  } catch (e) {
    throw new LabbenchError('BAD_INPUT', `--html ${path}: cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return { path: abs, bytes: Buffer.byteLength(html) };
}
