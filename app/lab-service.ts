/**
 * The in-process implementation of LabService: capabilities (devices, profiling, the
 * profiles DB) wired together. The CLI builds one per command; the server keeps one.
 * The DB opens lazily, so `labbench devices` works even where the DB path is unwritable.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { DeviceList } from './api/devices.js';
import type { LutView } from './api/lut.js';
import type { ProfileProgress, ProfileRequest, ProfileResult } from './api/profile.js';
import type { LabService, LutImportResult } from './api/service.js';
import { openProfilesDb, type ProfilesDb } from '../profiles-db/profiles-db.js';
import { exportLut, importLut, lutToCsv, serializeLutFile } from '../profiles-db/lut-file.js';
import { readLutText } from '../profiles-db/importers/read-lut-text.js';
import { describeLocalCpu, detectNvidiaGpus } from './devices/local-host.js';
import { runProfileJob } from './profiling/profile-job.js';

/** `--db`, else `LABBENCH_DB`, else `~/.labbench/profiles.db` (DESIGN.md's contract). */
export function defaultDbPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.LABBENCH_DB || join(homedir(), '.labbench', 'profiles.db');
}

export class LocalLabService implements LabService {
  private db: ProfilesDb | undefined;

  constructor(readonly dbPath: string) {}

  private openDb(): ProfilesDb {
    this.db ??= openProfilesDb(this.dbPath);
    return this.db;
  }

  close(): void {
    this.db?.close();
    this.db = undefined;
  }

  async listDevices(): Promise<DeviceList> {
    const { gpus, note } = await detectNvidiaGpus();
    return { devices: [describeLocalCpu(), ...gpus], notes: note ? [note] : [] };
  }

  profile(req: ProfileRequest, hooks: { onProgress?: (p: ProfileProgress) => void; signal?: AbortSignal } = {}): Promise<ProfileResult> {
    return runProfileJob(this.openDb(), req, hooks);
  }

  async lutShow(device: string): Promise<LutView> {
    return this.openDb().lutView(device);
  }

  async lutExport(device: string, format: 'json' | 'csv'): Promise<string> {
    const file = exportLut(this.openDb(), device);
    return format === 'csv' ? lutToCsv(file) : serializeLutFile(file);
  }

  async lutImport(text: string, sourceName: string, opts: { deviceKey?: string } = {}): Promise<LutImportResult> {
    const file = readLutText(text, sourceName, opts);
    const r = importLut(this.openDb(), file);
    return {
      device: { key: r.device.key, fingerprint_hash: r.device.fingerprint_hash, label: r.device.label },
      inserted: r.inserted,
      replaced: r.replaced,
      kept_local: r.kept_local,
    };
  }
}
