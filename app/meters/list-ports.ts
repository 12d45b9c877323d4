/**
 * Serial ports a meter may be on. serialport's `SerialPort.list()` needs udev's `udevadm` on
 * Linux and fails without it (`spawn udevadm ENOENT`); then, and in any case, `/dev/ttyUSB*`
 * (USB serial bridges: UM meters' USB versions), `/dev/ttyACM*` (USB CDC: PPK2, most
 * microcontrollers) and `/dev/rfcomm*` (Bluetooth SPP: UM meters) are read directly. Ptys
 * (emulators) never show up: open those by path.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { SerialPort } from 'serialport';

export interface SerialPortEntry {
  readonly path: string;
  readonly manufacturer?: string;
  readonly vendorId?: string;
  readonly productId?: string;
  readonly serialNumber?: string;
  /** How it was found, or what it probably is. */
  readonly note?: string;
}

export interface ListSerialPortsOptions {
  /** Defaults to `SerialPort.list`. */
  readonly list?: () => Promise<readonly { path: string; manufacturer?: string | undefined; vendorId?: string | undefined; productId?: string | undefined; serialNumber?: string | undefined }[]>;
  /** Defaults to `/dev`. */
  readonly devDir?: string;
}

const DEV_PATTERN = /^(ttyUSB\d+|ttyACM\d+|rfcomm\d+)$/;

function guess(e: { path: string; vendorId?: string | undefined; productId?: string | undefined }): string | undefined {
  if (e.vendorId?.toLowerCase() === '1915') return 'Nordic USB CDC (a PPK2 is 1915:c00a)';
  if (/rfcomm/.test(e.path)) return 'Bluetooth SPP (UM24C/UM25C/UM34C talk over this)';
  return undefined;
}

/** Ports and, when something went wrong, a note saying what. Never throws. */
export async function listSerialPortsDetailed(opts: ListSerialPortsOptions = {}): Promise<{ ports: SerialPortEntry[]; note?: string }> {
  const byPath = new Map<string, SerialPortEntry>();
  let note: string | undefined;
  try {
    for (const p of await (opts.list ?? (() => SerialPort.list()))()) {
      const hint = guess(p);
      byPath.set(p.path, {
        path: p.path,
        ...(p.manufacturer ? { manufacturer: p.manufacturer } : {}),
        ...(p.vendorId ? { vendorId: p.vendorId } : {}),
        ...(p.productId ? { productId: p.productId } : {}),
        ...(p.serialNumber ? { serialNumber: p.serialNumber } : {}),
        ...(hint ? { note: hint } : {}),
      });
    }
  } catch (err) {
    note = `SerialPort.list() failed (${err instanceof Error ? err.message : String(err)}); ports were read from /dev instead`;
  }
  const devDir = opts.devDir ?? '/dev';
  try {
    for (const name of (await readdir(devDir)).sort()) {
      if (!DEV_PATTERN.test(name)) continue;
      const path = join(devDir, name);
      if (byPath.has(path)) continue;
      const hint = guess({ path });
      byPath.set(path, { path, note: [`found in ${devDir}`, hint].filter(Boolean).join('; ') });
    }
  } catch {
    // No /dev (Windows): SerialPort.list() is all there is.
  }
  return { ports: [...byPath.values()], ...(note ? { note } : {}) };
}

/** Ports as a list; when `SerialPort.list()` failed, entries found in /dev carry the note. */
export async function listSerialPorts(opts: ListSerialPortsOptions = {}): Promise<SerialPortEntry[]> {
  const { ports, note } = await listSerialPortsDetailed(opts);
  if (!note) return ports;
  return ports.map((p) => (p.note?.startsWith('found in') ? { ...p, note: `${p.note}; ${note}` } : p));
}
