/**
 * A progress bar on stderr (stdout stays clean for `--json`). On a terminal it redraws one
 * line; elsewhere (CI logs, a pipe) it prints a line per step, and a line from inside a step
 * (`partial`: a training epoch under way) at most every `logEverySeconds`, so logs move
 * without filling up.
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

/** `done` may be fractional (epochs of a training under way): two decimals then. */
export function renderBar(p: ProfileProgress, width = 24): string {
  const frac = p.total ? Math.min(1, p.done / p.total) : 1;
  const filled = Math.round(frac * width);
  const eta = p.eta_s === undefined ? (p.phase === 'done' ? '' : ' eta --') : ` eta ${formatDuration(p.eta_s)}`;
  const cur = p.current ? ` ${p.current}` : '';
  const done = Number.isInteger(p.done) ? String(p.done) : p.done.toFixed(2);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${p.total}${eta}${cur}`;
}

export class ProgressBar {
  private lastLen = 0;
  private lastLineAt = 0;
  private partialSinceStep = false;
  private readonly logEveryMs: number;

  constructor(
    private readonly out: NodeJS.WriteStream = process.stderr,
    opts: { readonly logEverySeconds?: number; readonly now?: () => number } = {},
  ) {
    this.logEveryMs = (opts.logEverySeconds ?? 10) * 1000;
    this.now = opts.now ?? (() => performance.now());
  }

  private readonly now: () => number;

  update(p: ProfileProgress, opts: { readonly partial?: boolean } = {}): void {
    const line = renderBar(p);
    if (this.out.isTTY) {
      const cols = this.out.columns || 100;
      const shown = line.slice(0, cols - 1);
      this.out.write(`\r${shown}${' '.repeat(Math.max(0, this.lastLen - shown.length))}`);
      this.lastLen = shown.length;
      if (p.phase === 'done') this.out.write('\n');
      return;
    }
    const now = this.now();
    if (opts.partial) {
      // The first line inside a step at once, then one every logEverySeconds.
      if (this.partialSinceStep && now - this.lastLineAt < this.logEveryMs) return;
      this.partialSinceStep = true;
    } else {
      this.partialSinceStep = false;
    }
    this.lastLineAt = now;
    this.out.write(`${line}\n`);
  }
}
