/**
 * `labbench doctor`: every check of the rig, in the order a new user meets the problems
 * (runtimes on this host, the adb server, each phone, each serial port, each meter), as one
 * typed report. Checks only look: nothing is pushed, installed or started; only probing a bare
 * `--meter PORT` writes to it (each kind's request bytes).
 */
import type { CheckStatus, DoctorCheck, DoctorReport, DoctorRequest } from '../api/doctor.js';
import { listSerialPortsDetailed } from '../meters/list-ports.js';
import { checkAdbServer } from './adb.js';
import { checkMeter, parseMeterArg } from './meters.js';
import { checkPhones } from './phones.js';
import { checkRuntimes } from './runtimes.js';
import { checkPort, type PortToCheck } from './serial.js';

export { parseMeterArg } from './meters.js';

const DEFAULT_METER_SECONDS = 1.2;

export async function runDoctor(req: DoctorRequest = {}, opts: { signal?: AbortSignal } = {}): Promise<DoctorReport> {
  // Bad meter specs first, before anything is opened (the numbers were checked by DoctorRequestSchema at the service's door).
  const meters = (req.meters ?? []).map(parseMeterArg);
  const seconds = req.meterSeconds ?? DEFAULT_METER_SECONDS;

  const checks: DoctorCheck[] = [...(await checkRuntimes())];

  const adb = await checkAdbServer();
  checks.push(adb.check);
  // A fix's adb commands name the server unless it is the default one (labbench's -H/-P reach it through its environment, not the user's shell's).
  const adbCmd = adb.server.source === 'default' ? 'adb' : `adb -H ${adb.server.host} -P ${adb.server.port}`;
  if (adb.client) checks.push(...(await checkPhones(adb.client, { adb: adbCmd, ...(req.coolBelowC !== undefined ? { coolBelowC: req.coolBelowC } : {}), ...(req.benchmarkBinary ? { benchmarkBinary: req.benchmarkBinary } : {}) })));

  const listed = await listSerialPortsDetailed();
  const ports = new Map<string, PortToCheck>();
  for (const p of listed.ports) ports.set(p.path, { path: p.path, named: false, ...(p.vendorId ? { vendorId: p.vendorId } : {}), ...(p.productId ? { productId: p.productId } : {}), ...(p.manufacturer ? { manufacturer: p.manufacturer } : {}) });
  for (const m of meters) {
    const path = m.kind === 'spec' ? m.spec.path : m.kind === 'port' ? m.path : undefined;
    if (path) ports.set(path, { ...(ports.get(path) ?? { path }), named: true });
  }
  if (!ports.size) checks.push({ id: 'serial.access', subject: 'serial ports', status: 'skip', needed: false, detail: `no serial port found (/dev/ttyUSB*, /dev/ttyACM*, /dev/rfcomm*)${listed.note ? `; ${listed.note}` : ''}` });
  const readable = new Set<string>();
  for (const p of ports.values()) {
    const r = await checkPort(p);
    checks.push(r.check);
    if (r.readable) readable.add(p.path);
  }

  for (const m of meters) {
    const path = m.kind === 'spec' ? m.spec.path : m.kind === 'port' ? m.path : undefined;
    if (path !== undefined && !readable.has(path)) {
      checks.push({ id: m.kind === 'port' ? 'meter.detect' : 'meter.read', subject: m.kind === 'port' ? m.path : m.text, status: 'skip', needed: true, detail: `not read: ${path} cannot be opened (see its serial.access check)` });
      continue;
    }
    checks.push(await checkMeter(m, seconds, opts.signal));
  }

  const counts: Record<CheckStatus, number> = { ok: 0, warn: 0, fail: 0, skip: 0 };
  for (const c of checks) counts[c.status]++;
  return { checks, ok: !checks.some((c) => c.needed && c.status === 'fail'), counts };
}
