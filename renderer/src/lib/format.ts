/** Numbers and times as the pages show them. */

export function ms(v: number | undefined | null, digits = 3): string {
  if (v === undefined || v === null || !Number.isFinite(v)) return '–';
  return v >= 100 ? v.toFixed(1) : v.toPrecision(digits);
}

export function num(v: number | undefined | null, digits = 2): string {
  if (v === undefined || v === null || !Number.isFinite(v)) return '–';
  return v.toFixed(digits);
}

export function duration(s: number | undefined): string {
  if (s === undefined || !Number.isFinite(s)) return '–';
  if (s < 60) return `${Math.round(s)} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${Math.round(s % 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function when(iso: string | undefined): string {
  if (!iso) return '–';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

/** A file the user saves: a Blob behind a short-lived link (no data: URL, which the CSP would need). */
export function download(text: string, filename: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Blue (fast) to red (slow) on a log scale between lo and hi. */
export function heat(v: number, lo: number, hi: number): string {
  const f = hi > lo ? Math.min(1, Math.max(0, Math.log(v / lo) / Math.log(hi / lo))) : 0.5;
  const hue = 220 - 220 * f;
  return `hsl(${hue.toFixed(0)} 70% ${(88 - 30 * f).toFixed(0)}%)`;
}
