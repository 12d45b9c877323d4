/**
 * Can this user open a serial port for read and write: `access(R_OK|W_OK)` and then an actual
 * open, as the meter does. On EACCES the fix names the port's own group (from its stat) or,
 * where the group has no access, the udev rule that gives it one, with the port's USB vendor
 * and product ids where they can be found; macOS and Bluetooth (`rfcomm`) ports get theirs.
 */
import { constants } from 'node:fs';
import { access, open, readFile, realpath, stat } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { DoctorCheck } from '../api/doctor.js';

export interface PortToCheck {
  readonly path: string;
  readonly vendorId?: string;
  readonly productId?: string;
  readonly manufacturer?: string;
  /** Named with --meter: the user means to use it, so a failure is needed. */
  readonly named: boolean;
}

export const RFCOMM_BIND =
  "pair the meter once ('bluetoothctl', then 'scan on', 'pair XX:XX:XX:XX:XX:XX', PIN 1234 on UM meters), then 'sudo rfcomm bind 0 XX:XX:XX:XX:XX:XX 1' makes /dev/rfcomm0, which connects when opened (bind again after a reboot); 'rfcomm' comes with bluez (Debian: bluez)";

const isRfcomm = (path: string): boolean => /rfcomm\d+$/.test(path);

async function names(file: string, id: number): Promise<{ name?: string; members: string[] }> {
  try {
    for (const line of (await readFile(file, 'utf8')).split('\n')) {
      const f = line.split(':');
      if (Number(f[2]) === id && f[0]) return { name: f[0], members: (f[3] ?? '').split(',').filter(Boolean) };
    }
  } catch {
    // No /etc/group (macOS keeps groups in Directory Services): numbers only.
  }
  return { members: [] };
}

/** The USB vendor and product ids above a tty in sysfs (Linux), where serialport's listing had none. */
async function sysfsIds(real: string): Promise<{ vendorId?: string; productId?: string }> {
  try {
    let dir = await realpath(join('/sys/class/tty', basename(real), 'device'));
    for (let i = 0; i < 5 && dir !== '/'; i++, dir = dirname(dir)) {
      const v = await readFile(join(dir, 'idVendor'), 'utf8').catch(() => undefined);
      if (!v) continue;
      const product = (await readFile(join(dir, 'idProduct'), 'utf8').catch(() => '')).trim();
      return { vendorId: v.trim(), ...(product ? { productId: product } : {}) };
    }
  } catch {
    // Not a USB tty, or no sysfs.
  }
  return {};
}

function modeString(mode: number): string {
  const rwx = (s: number): string => `${mode & (4 << s) ? 'r' : '-'}${mode & (2 << s) ? 'w' : '-'}${mode & (1 << s) ? 'x' : '-'}`;
  return `${rwx(6)}${rwx(3)}${rwx(0)}`;
}

const relogin = (group: string): string => `sudo usermod -aG ${group} $USER, then log out and back in (groups are read at login; 'newgrp ${group}' gives this shell alone the group)`;

/** Why this user may not open the port, and the exact fix. */
async function accessFix(p: PortToCheck, platform: NodeJS.Platform): Promise<{ detail: string; fix: string }> {
  if (platform === 'darwin') {
    return {
      detail: `${p.path} cannot be opened for read and write by this user (EACCES)`,
      fix: "macOS gives serial ports to the user at the console, no group needed: open the /dev/cu.* name (its /dev/tty.* twin waits for carrier detect and hangs), e.g. --meter /dev/cu.usbserial-XXXX:um34c; a Bluetooth meter pairs in System Settings > Bluetooth and appears as /dev/cu.<name>",
    };
  }
  const me = (() => {
    try {
      return userInfo().username;
    } catch {
      return `uid ${process.getuid?.() ?? '?'}`;
    }
  })();
  let st;
  let real = p.path;
  try {
    real = await realpath(p.path);
    st = await stat(p.path);
  } catch (e) {
    return { detail: `${p.path}: a folder on the way to it is not searchable by ${me} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, fix: `let ${me} through the folders above it (chmod o+x on each), or point --meter at a path ${me} can reach` };
  }
  const mode = st.mode & 0o777;
  const group = await names('/etc/group', st.gid);
  const owner = await names('/etc/passwd', st.uid);
  const gname = group.name ?? String(st.gid);
  const groups = process.getgroups?.() ?? [];
  const shown = `${p.path}${real !== p.path ? ` (${real})` : ''} is ${modeString(mode)} ${owner.name ?? st.uid}:${gname}`;
  const detail = `${shown}: ${me} (uid ${process.getuid?.() ?? '?'}, groups ${groups.join(',') || 'none'}) cannot open it for read and write (EACCES)`;
  if ((mode & 0o060) === 0o060 && st.gid !== 0) {
    if (group.members.includes(me) && !groups.includes(st.gid)) return { detail, fix: `${me} is in ${gname} already, but this session started before that: log out and back in (or 'newgrp ${gname}')` };
    return { detail, fix: relogin(gname) };
  }
  const ids = p.vendorId ? { vendorId: p.vendorId, productId: p.productId } : await sysfsIds(real);
  const rule = `SUBSYSTEM=="tty", ATTRS{idVendor}=="${ids.vendorId ?? 'XXXX'}", ATTRS{idProduct}=="${ids.productId ?? 'YYYY'}", MODE="0660", GROUP="dialout"`;
  const where = ids.vendorId ? '' : ` (the meter's ids: udevadm info -a -n ${p.path} | grep -m2 -E 'idVendor|idProduct')`;
  const udev = `its group ${gname} may not read it, so a group alone does not help: a udev rule gives it one. Put this line in /etc/udev/rules.d/99-labbench-meters.rules${where}: ${rule}; then 'sudo udevadm control --reload-rules && sudo udevadm trigger', replug the meter, and ${relogin('dialout')}`;
  const pty = real.startsWith('/dev/pts/')
    ? `This is a pseudo-terminal (an emulator's end of a socat pair), not a USB device: no udev rule applies; have socat make it readable (pty,link=...,perm=0660,group=dialout) and ${relogin('dialout')}. For a USB meter, `
    : '';
  return { detail, fix: `${pty}${udev}` };
}

function openErrorFix(p: PortToCheck, code: string | undefined): string {
  if (isRfcomm(p.path) && (code === 'EIO' || code === 'EHOSTDOWN' || code === 'ECONNREFUSED' || code === 'ETIMEDOUT')) return `the Bluetooth meter did not connect: is it on, in range, and not connected to a phone app? Re-bind if needed: ${RFCOMM_BIND}`;
  if (code === 'EBUSY') return "another program holds it (a serial monitor, ModemManager: 'sudo systemctl stop ModemManager'); close it and check again";
  return 'replug the meter and check again';
}

/** The check of one port, and whether a meter may be read from it. */
export async function checkPort(p: PortToCheck, platform: NodeJS.Platform = process.platform): Promise<{ check: DoctorCheck; readable: boolean }> {
  const subject = `${p.path}${p.manufacturer ? ` (${p.manufacturer})` : ''}`;
  const base = { id: 'serial.access', subject, needed: p.named } as const;
  const bt = isRfcomm(p.path) ? '; Bluetooth SPP (rfcomm), as UM meters pair' : '';
  // A port nobody named may be anything (a GPS, a console): its trouble is a warning.
  const bad = p.named ? ('fail' as const) : ('warn' as const);
  try {
    await access(p.path, constants.R_OK | constants.W_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      const fix = isRfcomm(p.path)
        ? `no rfcomm binding: ${RFCOMM_BIND}`
        : `is the meter plugged in (a data cable)? 'labbench devices' lists serial ports: USB meters show as /dev/ttyUSB* or /dev/ttyACM* on Linux, /dev/cu.* on macOS, COMn on Windows`;
      return { readable: false, check: { ...base, status: bad, detail: `${p.path} does not exist`, fix } };
    }
    if (code === 'EACCES' || code === 'EPERM') return { readable: false, check: { ...base, status: bad, ...(await accessFix(p, platform)) } };
    return { readable: false, check: { ...base, status: bad, detail: `${p.path}: ${code ?? (e as Error).message}`, fix: openErrorFix(p, code) } };
  }
  try {
    const fh = await open(p.path, constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK);
    await fh.close();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') return { readable: false, check: { ...base, status: bad, ...(await accessFix(p, platform)) } };
    return { readable: false, check: { ...base, status: bad, detail: `${p.path} passes access() but open failed: ${code ?? (e as Error).message}${bt}`, fix: openErrorFix(p, code) } };
  }
  const ids = p.vendorId ? `, USB ${p.vendorId}:${p.productId ?? '?'}` : '';
  const mac = platform === 'darwin' && /^\/dev\/tty\./.test(p.path) ? { status: 'warn' as const, fix: `open ${p.path.replace('/dev/tty.', '/dev/cu.')} instead: the tty.* name waits for carrier detect` } : undefined;
  return { readable: true, check: { ...base, status: mac?.status ?? 'ok', detail: `opens for read and write${ids}${bt}`, ...(mac ? { fix: mac.fix } : {}) } };
}
