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
import type { PhoneDeviceInfo } from './api/devices.js';
import { connectPhone, createAdbClient, listPhones } from './devices/adb/adb-shell.js';
import { describePhone } from './devices/adb/phone-info.js';
import { runProfileJob } from './profiling/profile-job.js';
import { defaultCanaryEvery, openTarget } from './profiling/targets/index.js';
import { LabbenchError } from './api/errors.js';

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
    const notes = note ? [note] : [];
    const phones: PhoneDeviceInfo[] = [];
    const client = createAdbClient();
    try {
      for (const p of await listPhones(client)) phones.push(await describePhone(client, p.id, p.type));
    } catch (e) {
      notes.push(`no phones: ${(e as Error).message}`);
    }
    return { devices: [describeLocalCpu(), ...gpus, ...phones], notes };
  }

  async connectPhone(hostPort: string): Promise<PhoneDeviceInfo> {
    const client = createAdbClient();
    const serial = await connectPhone(client, hostPort);
    // adb answers "connected to" before the phone is listed as a device: give it a moment.
    for (let i = 0; i < 20; i++) {
      const p = (await listPhones(client)).find((d) => d.id === serial || d.id === hostPort);
      if (p?.type === 'device') return describePhone(client, p.id, p.type);
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new LabbenchError('DEVICE_UNAVAILABLE', `${hostPort}: adb connected but the phone never became ready`);
  }

  async profile(req: ProfileRequest, hooks: { onProgress?: (p: ProfileProgress) => void; onWarning?: (m: string) => void; signal?: AbortSignal } = {}): Promise<ProfileResult> {
    validateRequest(req);
    const target = await openTarget(req);
    const job = {
      resolution: req.resolution ?? null,
      batch: req.batch ?? 1,
      canaryEvery: req.canaryEvery ?? defaultCanaryEvery(req.device),
      canaryDrift: req.canaryDrift ?? 0.05,
    };
    return runProfileJob(this.openDb(), target, req, job, hooks);
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

/** Checks a request's numbers at the door, so every front end rejects the same things. */
function validateRequest(req: ProfileRequest): void {
  const ints: [string, number | undefined, number][] = [
    ['runs', req.runs, 1],
    ['max-runs', req.maxRuns, 1],
    ['warmup', req.warmup, 0],
    ['threads', req.threads, 1],
    ['batch', req.batch, 1],
    ['resolution', req.resolution, 1],
    ['canary-every', req.canaryEvery, 0],
    ['inner-runs', req.innerRuns, 1],
  ];
  for (const [name, v, min] of ints) {
    if (v !== undefined && (!Number.isInteger(v) || v < min)) throw new LabbenchError('BAD_INPUT', `--${name} must be a whole number >= ${min}, got ${v}`);
  }
  if (req.maxRuns !== undefined && req.runs !== undefined && req.maxRuns < req.runs) {
    throw new LabbenchError('BAD_INPUT', `--max-runs (${req.maxRuns}) is below --runs (${req.runs})`);
  }
  if (req.coreMask !== undefined && !/^[0-9a-fA-F]{1,16}$/.test(req.coreMask)) throw new LabbenchError('BAD_INPUT', `--cores must be a hex core mask like f0, got '${req.coreMask}'`);
}
