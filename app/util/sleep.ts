/** Timers as promises: one that a cancel ends with an error, one that it merely cuts short. */
import { LabbenchError } from '../api/errors.js';

/** Resolves after `ms`; rejects with CANCELED when `signal` aborts (a job's wait that must stop the job). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const canceled = (): void => reject(new LabbenchError('CANCELED', 'cancelled'));
    if (signal?.aborted) return canceled();
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', abort);
      resolve();
    }, ms);
    function abort(): void {
      clearTimeout(t);
      canceled();
    }
    signal?.addEventListener('abort', abort, { once: true });
  });
}

/** Resolves after `ms`, or at once when `signal` aborts (a pause whose caller checks the signal itself). */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
