/**
 * A writer killed with SIGKILL (profiles-db/runs.test.ts spawns it): opens the DB given as
 * argv[2], starts a run, records two units, then dies inside the transaction of a third
 * (reading the third unit's third sample kills the process), with nothing marked.
 */
import { openProfilesDb } from '../profiles-db.js';
import { cpuFingerprint, SETTINGS, statsOf, unit } from './helpers.js';

const path = process.argv[2];
if (!path) throw new Error('usage: killed-writer.ts DB_PATH');
const db = openProfilesDb(path);
const device = db.upsertDevice({ key: 'local', label: 'Test CPU', fingerprint: cpuFingerprint(), origin: 'measured' });
const run = db.startRun({ deviceId: device.id, workload: 'killed-net', settings: { ...SETTINGS } });
for (const i of [1, 2]) db.recordUnit(run.id, unit(i), [1, 2, 3], statsOf([1, 2, 3]));

const dying = [1, 2, 3, 4];
Object.defineProperty(dying, 2, {
  get(): number {
    process.kill(process.pid, 'SIGKILL');
    return 3;
  },
});
db.recordUnit(run.id, unit(3), dying, statsOf([1, 2, 3, 4]));
throw new Error('still alive after SIGKILL');
