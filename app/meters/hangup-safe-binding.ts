/**
 * serialport's own binding with one fix: on Linux and macOS a read that returns 0 bytes means
 * the other end hung up (a USB meter unplugged, a Bluetooth SPP link dropped, a pty's master
 * closed), but bindings-cpp 13's `unixRead` retries such a read at once, forever: an async
 * loop that eats a core and memory until the process dies, and the port never reports the
 * disconnect (serialport/bindings-cpp issue #162; the fix, PR #164, was not merged). Measured
 * here: a pty slave read after socat exits returns 0 every time. This binding reads the same
 * way but turns a 0-byte read into a disconnect error, so the stream closes with
 * `disconnected: true` and SerialMeter can report DEVICE_UNAVAILABLE and reconnect.
 * Windows ports are left as they are.
 */
import { read as fsRead } from 'node:fs';
import { SerialPort } from 'serialport';

type Binding = typeof SerialPort.binding;
type OpenOptions = Parameters<Binding['open']>[0];
type BindingPort = Awaited<ReturnType<Binding['open']>>;

/** The parts of bindings-cpp's LinuxPortBinding / DarwinPortBinding the read needs. */
interface UnixPort {
  readonly fd: number | null;
  readonly isOpen: boolean;
  readonly poller: { once(event: 'readable', cb: (err?: Error | null) => void): unknown };
  read(buffer: Buffer, offset: number, length: number): Promise<{ bytesRead: number; buffer: Buffer }>;
}

function isUnixPort(p: unknown): p is UnixPort {
  const u = p as Partial<UnixPort> | null;
  return !!u && 'fd' in u && typeof u.poller?.once === 'function' && typeof u.read === 'function';
}

const canceled = (): Error => Object.assign(new Error('Port is not open'), { canceled: true });

function readOnce(fd: number, buffer: Buffer, offset: number, length: number): Promise<number> {
  return new Promise((resolve, reject) => fsRead(fd, buffer, offset, length, null, (err, n) => (err ? reject(err) : resolve(n))));
}

async function readUntilData(port: UnixPort, buffer: Buffer, offset: number, length: number): Promise<{ bytesRead: number; buffer: Buffer }> {
  for (;;) {
    if (!port.isOpen || port.fd === null) throw canceled();
    try {
      const bytesRead = await readOnce(port.fd, buffer, offset, length);
      if (bytesRead === 0) {
        throw Object.assign(new Error('the port hung up (read returned 0 bytes)'), { disconnect: true });
      }
      return { bytesRead, buffer };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EAGAIN' && code !== 'EWOULDBLOCK' && code !== 'EINTR') throw err;
      if (!port.isOpen) throw canceled();
      await new Promise<void>((resolve, reject) => port.poller.once('readable', (e) => (e ? reject(e) : resolve())));
    }
  }
}

/** Pass as `binding` to serialport's SerialPort (its options spread over the default binding). */
export const hangupSafeBinding = {
  list: (): ReturnType<Binding['list']> => SerialPort.binding.list(),
  async open(options: OpenOptions): Promise<BindingPort> {
    // The detected binding is a union of the three platforms' types; this one opens its own options.
    const binding = SerialPort.binding as { open(o: OpenOptions): Promise<BindingPort> };
    const port = await binding.open(options);
    if (isUnixPort(port)) {
      const unix = port;
      (port as UnixPort).read = (buffer, offset, length) => readUntilData(unix, buffer, offset, length);
    }
    return port;
  },
};

/** A SerialPort (not yet open) on `path` that reports hang-ups as disconnects. */
export function hangupSafeSerialPort(path: string, baudRate: number): SerialPort {
  // `binding` is left out of SerialPort's option type but honoured: its options spread last.
  const options = { path, baudRate, autoOpen: false, binding: hangupSafeBinding };
  return new SerialPort(options);
}
