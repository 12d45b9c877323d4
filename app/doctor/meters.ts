/**
 * Which meter is on a port: a spec with a type is read as that kind; a bare port is tried
 * kind by kind, passive first (a line meter streams unasked), then the UM request byte, then
 * the PPK2's commands, until one kind's frames parse. Each try is a short `readMeter`.
 */
import type { DoctorCheck } from '../api/doctor.js';
import { LabbenchError } from '../api/errors.js';
import { readMeter } from '../meters/read.js';
import { METER_KINDS, parseMeterSpec, sourceMeterKind, type MeterKind, type MeterSpec } from '../meters/spec.js';

/** A `--meter` argument: a typed spec, a source (SERIAL:battery, GPU:nvidia-smi), or a bare port to probe. */
export type MeterArg = { readonly kind: 'spec'; readonly text: string; readonly spec: MeterSpec } | { readonly kind: 'source'; readonly text: string } | { readonly kind: 'port'; readonly path: string };

/** BAD_INPUT for a malformed spec: a colon after the path's last slash names a type. */
export function parseMeterArg(text: string): MeterArg {
  const t = text.trim();
  if (!t) throw new LabbenchError('BAD_INPUT', '--meter needs PORT or PORT:TYPE');
  if (sourceMeterKind(t)) return { kind: 'source', text: t };
  if (!t.slice(t.lastIndexOf('/') + 1).includes(':')) return { kind: 'port', path: t };
  return { kind: 'spec', text: t, spec: parseMeterSpec(t) };
}

/** Probe order: the passive kind first; one UM kind stands for all three (the frame's model id says which). */
const PROBES: readonly MeterKind[] = ['line', 'um34c', 'ppk2'];

function describe(r: Awaited<ReturnType<typeof readMeter>>): string {
  return `${r.n} readings in ${r.seconds} s, mean ${r.mean_w.toFixed(3)} W${r.stats.device ? `, the meter says it is ${r.stats.device}` : ''}`;
}

export async function checkMeter(arg: MeterArg, seconds: number, signal?: AbortSignal): Promise<DoctorCheck> {
  const hooks = { keepSamples: false, ...(signal ? { signal } : {}) };
  if (arg.kind !== 'port') {
    const subject = arg.text;
    try {
      const r = await readMeter(arg.kind === 'spec' ? { ...arg.spec, reconnect: false } : arg.text, seconds, hooks);
      return { id: 'meter.read', subject, status: 'ok', needed: true, detail: describe(r) };
    } catch (e) {
      if (e instanceof LabbenchError && e.code === 'CANCELED') throw e;
      const path = arg.kind === 'spec' ? arg.spec.path : undefined;
      return {
        id: 'meter.read',
        subject,
        status: 'fail',
        needed: true,
        detail: (e as Error).message,
        fix: path ? `is it the meter named, powered, and (UM over Bluetooth) not connected to its phone app? 'labbench doctor --meter ${path}' tries each kind and says whose frames parse` : 'check the source it names (the phone listed, nvidia-smi present)',
      };
    }
  }
  const tried: string[] = [];
  for (const kind of PROBES) {
    try {
      const r = await readMeter(parseMeterSpec(`${arg.path}:${kind},reconnect=0`), seconds, hooks);
      const named = r.stats.device && /^UM(24|25|34)C$/i.test(r.stats.device) ? r.stats.device.toLowerCase() : kind;
      return { id: 'meter.detect', subject: arg.path, status: 'ok', needed: true, detail: `${named}'s frames parse: ${describe(r)}; use --meter ${arg.path}:${named}` };
    } catch (e) {
      if (e instanceof LabbenchError && e.code === 'CANCELED') throw e;
      tried.push(`${kind}: ${(e as Error).message}`);
    }
  }
  return {
    id: 'meter.detect',
    subject: arg.path,
    status: 'fail',
    needed: true,
    detail: `no kind's frames parse (${tried.join('; ')})`,
    fix: `check the meter is on and wired (UM meters: 9600 baud, not paired with their phone app; PPK2: the data port, ttyACM*; line meters: their own baud, e.g. --meter ${arg.path}:line,baud=115200), then read it as its kind: one of ${METER_KINDS.join(', ')}`,
  };
}
