/**
 * `labbench profile --device A,B`: a rack profiled at once. Each device is its own job, the
 * service's one `profile` call as for a single device (and as the UI starts one job per
 * device), all running together; one failing leaves the others going. Progress lines and
 * the outcome name each device. Not a scheduler: devices are never queued or retried here.
 */
import { LabbenchError, exitCodeFor, serializeError, type SerializedError } from '../api/errors.js';
import type { ProfileProgress, ProfileRequest, ProfileResult } from '../api/profile.js';
import type { LabService } from '../api/service.js';
import { isLocalDevice } from '../../native-runners/index.js';
import { renderBar } from './progress-bar.js';

export type DeviceOutcome = { readonly device: string; readonly status: 'done'; readonly result: ProfileResult } | { readonly device: string; readonly status: 'failed' | 'canceled'; readonly error: SerializedError; readonly exit: number };

/** `A,B,C` to device ids: blanks dropped; a device named twice is refused (two jobs on one device distort each other). */
export function parseDeviceList(v: string): string[] {
  const ids = v.split(',').map((d) => d.trim()).filter(Boolean);
  if (ids.length === 0) throw new LabbenchError('BAD_INPUT', `--device names no device: '${v}'`);
  const twice = ids.filter((d, i) => ids.indexOf(d) !== i);
  if (twice.length) throw new LabbenchError('BAD_INPUT', `--device names ${twice[0]} twice: one job per device`);
  return ids;
}

/** Why a request for several devices cannot run as given, or undefined. */
export function multiDeviceProblem(devices: readonly string[], req: Omit<ProfileRequest, 'device'>): string | undefined {
  if (devices.length < 2) return undefined;
  if (req.meter) return `--meter measures one device: profile ${devices.join(', ')} without it, or each with its own command`;
  const local = devices.filter(isLocalDevice);
  // This host's CPU and GPU jobs share the host's cores and memory bus: together they time each other.
  if (local.length > 1) return `${local.join(' and ')} are both this machine: profile them one after the other`;
  return undefined;
}

export interface ProfileDevicesHooks {
  readonly onProgress: (device: string, p: ProfileProgress) => void;
  readonly onWarning: (device: string, message: string) => void;
  readonly signal?: AbortSignal;
}

/** One job per device, concurrently; resolves when every job has ended, with each one's outcome in the order given. */
export async function profileDevices(service: Pick<LabService, 'profile'>, devices: readonly string[], req: Omit<ProfileRequest, 'device'>, hooks: ProfileDevicesHooks): Promise<DeviceOutcome[]> {
  const problem = multiDeviceProblem(devices, req);
  if (problem) throw new LabbenchError('BAD_INPUT', problem);
  const jobs = devices.map((device) =>
    service.profile(
      { ...req, device },
      { onProgress: (p) => hooks.onProgress(device, p), onWarning: (m) => hooks.onWarning(device, m), ...(hooks.signal ? { signal: hooks.signal } : {}) },
    ),
  );
  const settled = await Promise.allSettled(jobs);
  return settled.map((s, i): DeviceOutcome => {
    const device = devices[i]!;
    if (s.status === 'fulfilled') return { device, status: 'done', result: s.value };
    const exit = exitCodeFor(s.reason);
    return { device, status: exit === 130 ? 'canceled' : 'failed', error: serializeError(s.reason), exit };
  });
}

/** 0 when every device is done; else the failures' common status (2 all bad input, 130 all cancelled), else 1. */
export function exitStatus(outcomes: readonly DeviceOutcome[]): number {
  const codes = new Set(outcomes.flatMap((o) => (o.status === 'done' ? [] : [o.exit])));
  if (codes.size === 0) return 0;
  return codes.size === 1 ? [...codes][0]! : 1;
}

/** One line per device that did not finish, for stderr; empty when all did. */
export function failureLines(outcomes: readonly DeviceOutcome[]): string[] {
  const failed = outcomes.filter((o): o is Extract<DeviceOutcome, { error: SerializedError }> => o.status !== 'done');
  if (failed.length === 0) return [];
  const done = outcomes.filter((o) => o.status === 'done').map((o) => o.device);
  return [
    ...failed.map((o) => `labbench: ${o.device}: ${o.status}: ${o.error.message}`),
    `labbench: profiled ${done.length ? done.join(', ') : 'no device'}; ${failed.map((o) => `${o.device} ${o.status}`).join(', ')}`,
  ];
}

/**
 * Progress of several jobs as lines (one bar cannot show several): a line per device when its
 * phase or count of units done changes, prefixed with the device.
 */
export function progressLines(write: (line: string) => void): (device: string, p: ProfileProgress) => void {
  const last = new Map<string, string>();
  return (device, p) => {
    const state = `${p.phase} ${p.done}/${p.total}`;
    if (last.get(device) === state) return;
    last.set(device, state);
    write(`[${device}] ${p.phase === 'paused' ? 'paused: ' : ''}${renderBar(p)}\n`);
  };
}
