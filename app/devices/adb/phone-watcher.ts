/**
 * Phones appearing and leaving, live. adbkit's trackDevices reports USB phones at once, but
 * the adb server does not report a TCP phone (`adb connect`) going offline, so the server's
 * list is also polled; a phone whose state is no longer `device` counts as gone. Both feed
 * one diff against the last known set, so an event is reported once whichever saw it first.
 */
import { listPhones, type AdbClient } from './adb-shell.js';

export interface PhoneChange {
  readonly type: 'added' | 'removed';
  readonly id: string;
  /** adb's state for the phone (`device`, `offline`, ...). */
  readonly state: string;
}

export function watchPhones(client: AdbClient, onChange: (c: PhoneChange) => void, opts: { intervalMs?: number; signal?: AbortSignal } = {}): () => void {
  const usable = new Map<string, string>();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const poll = async (): Promise<void> => {
    try {
      const now = new Map((await listPhones(client)).map((p) => [p.id, p.type]));
      for (const [id, state] of now) if (state === 'device' && !usable.has(id)) {
        usable.set(id, state);
        onChange({ type: 'added', id, state });
      }
      for (const id of [...usable.keys()]) {
        const state = now.get(id);
        if (state !== 'device') {
          usable.delete(id);
          onChange({ type: 'removed', id, state: state ?? 'gone' });
        }
      }
    } catch {
      // No adb server right now: every known phone is gone until it answers again.
      for (const id of [...usable.keys()]) {
        usable.delete(id);
        onChange({ type: 'removed', id, state: 'gone' });
      }
    }
    if (!stopped) timer = setTimeout(() => void poll(), opts.intervalMs ?? 500);
  };
  void poll();
  // Tracking makes USB plug events immediate; each event just triggers a poll's diff.
  let tracker: { end(): void; on(ev: string, cb: () => void): void } | undefined;
  client
    .trackDevices()
    .then((t: { end(): void; on(ev: string, cb: () => void): void }) => {
      if (stopped) return t.end();
      tracker = t;
      t.on('changeSet', () => void poll());
      t.on('error', () => undefined);
    })
    .catch(() => undefined);
  const stop = (): void => {
    stopped = true;
    if (timer) clearTimeout(timer);
    tracker?.end();
  };
  opts.signal?.addEventListener('abort', stop, { once: true });
  return stop;
}
