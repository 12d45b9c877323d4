/**
 * The run a profiling job measures, held by the job until it ends, so that a second job with
 * the same device, workload and settings is refused (RUN_IN_USE) rather than writing into the
 * run beside it; a run left by a killed job is taken over, with a warning.
 */
import type { NewRun, ProfilesDb, RunOwner, RunRecord } from '../../profiles-db/profiles-db.js';
import type { ProfilingTarget } from './target.js';

export async function claimRun(db: ProfilesDb, target: ProfilingTarget, run: NewRun, fresh: boolean, owner: RunOwner, onWarning?: (m: string) => void): Promise<RunRecord> {
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
  return opened.run;
}

/** Lets go of the run; a failure is left alone (the next job takes a dead owner's run over). */
export function releaseRun(db: ProfilesDb, runId: number, owner: RunOwner): void {
  try {
    db.releaseRun(runId, owner.token);
  } catch {
    // The DB failed: the job's own error says so.
  }
}
