/**
 * A progress bar on stderr (stdout stays clean for `--json`). On a terminal it redraws one
 * line; elsewhere (CI logs, a pipe) it prints a line per step, so logs stay readable.
 */
import type { ProfileProgress } from '../api/profile.js';

export function formatDuration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const t = Math.max(0, Math.round(s));
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = t % 60;
  return h ? `${h}h${String(m).padStart(2, '0')}m` : m ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
}

export function renderBar(p: ProfileProgress, width = 24): string {
  const frac = p.total ? Math.min(1, p.done / p.total) : 1;
  const filled = Math.round(frac * width);
  const eta = p.eta_s === undefined ? (p.phase === 'done' ? '' : ' eta --') : ` eta ${formatDuration(p.eta_s)}`;
  const cur = p.current ? ` ${p.current}` : '';
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${p.done}/${p.total}${eta}${cur}`;
}

export class ProgressBar {
  private lastLen = 0;
  constructor(private readonly out: NodeJS.WriteStream = process.stderr) {}

  update(p: ProfileProgress): void {
    const line = renderBar(p);
    if (this.out.isTTY) {
      const cols = this.out.columns || 100;
      const shown = line.slice(0, cols - 1);
      this.out.write(`\r${shown}${' '.repeat(Math.max(0, this.lastLen - shown.length))}`);
      this.lastLen = shown.length;
      if (p.phase === 'done') this.out.write('\n');
    } else {
      this.out.write(`${line}\n`);
    }
  }
}
