/**
 * The run a profiling job measures, held by the job until it ends, so that a second job with
 * the same device, workload and settings is refused (RUN_IN_USE) rather than writing into the
 * run beside it; a run left by a killed job is taken over, with a warning.
 */
import { newRunOwner, type NewRun, type ProfilesDb, type RunRecord } from '../../profiles-db/profiles-db.js';
import type { ProfilingTarget } from '../../native-runners/target.js';

export interface ClaimedRun {
  readonly run: RunRecord;
  /**
   * Runs the job's measuring on the run. A failure is kept with the run, which stays incomplete
   * and resumable, and is thrown on. Either way the run is let go (a failure to let go is left
   * alone: the next job takes a dead owner's run over), then `closeMeter` and the target close.
   */
  measure<T>(body: () => Promise<T>, closeMeter: () => Promise<void> | undefined): Promise<T>;
}

export async function claimRun(db: ProfilesDb, target: ProfilingTarget, run: NewRun, fresh: boolean, onWarning?: (m: string) => void): Promise<ClaimedRun> {
  const owner = newRunOwner();
  let opened;
  try {
    opened = db.openRun(run, { fresh, owner });
  } catch (e) {
    // Refused before measuring: the job's finally never runs, so the target is closed here.
    await target.close?.();
    throw e;
  }
  const was = opened.tookOverFrom;
  if (was) onWarning?.(`run ${opened.run.id} was held by pid ${was.pid} on ${was.host}, which is gone (killed?); resuming it`);
  const id = opened.run.id;
  return {
    run: opened.run,
    measure: async (body, closeMeter) => {
      try {
        return await body();
      } catch (e) {
        db.failRun(id, e instanceof Error ? e.message : String(e));
        throw e;
      } finally {
        try {
          db.releaseRun(id, owner.token);
        } catch {
          // The DB failed: the job's own error says so.
        }
        await closeMeter();
        await target.close?.();
      }
    },
  };
}
