// ADB transport framing, device side: the 24-byte message header (six little-endian
// uint32: command, arg0, arg1, data length, data check, magic) and a decoder that cuts a
// TCP byte stream into messages. Pure: no sockets here (see device-server.ts).

/** Command words read little-endian from their ASCII spelling ('CNXN' = 0x4e584e43). */
export const A_CNXN = 0x4e584e43;
export const A_AUTH = 0x48545541;
export const A_OPEN = 0x4e45504f;
export const A_OKAY = 0x59414b4f;
export const A_CLSE = 0x45534c43;
export const A_WRTE = 0x45545257;
export const A_STLS = 0x534c5453;

/** Protocol version adb 29 speaks: data_check may be 0 and is not verified. */
export const A_VERSION = 0x01000001;
export const MAX_PAYLOAD = 1024 * 1024;
export const HEADER_BYTES = 24;

export interface AdbMessage {
  command: number;
  arg0: number;
  arg1: number;
  data: Buffer;
}

export function commandName(command: number): string {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(command >>> 0, 0);
  return /^[A-Z]{4}$/.test(b.toString('latin1')) ? b.toString('latin1') : `0x${(command >>> 0).toString(16)}`;
}

function checksum(data: Buffer): number {
  let sum = 0;
  for (const byte of data) sum = (sum + byte) >>> 0;
  return sum;
}

export function encodeMessage(command: number, arg0: number, arg1: number, data: Buffer = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt32LE(command >>> 0, 0);
  header.writeUInt32LE(arg0 >>> 0, 4);
  header.writeUInt32LE(arg1 >>> 0, 8);
  header.writeUInt32LE(data.length, 12);
  header.writeUInt32LE(checksum(data), 16);
  header.writeUInt32LE((command ^ 0xffffffff) >>> 0, 20);
  return Buffer.concat([header, data]);
}

/** Thrown for a header whose magic is not command ^ 0xffffffff, or an absurd length. */
export class AdbFramingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AdbFramingError';
  }
}

/** Accumulates bytes and yields whole messages; throws AdbFramingError on a bad header. */
export class MessageDecoder {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): AdbMessage[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: AdbMessage[] = [];
    while (this.buf.length >= HEADER_BYTES) {
      const command = this.buf.readUInt32LE(0);
      const length = this.buf.readUInt32LE(12);
      const magic = this.buf.readUInt32LE(20);
      if (magic !== (command ^ 0xffffffff) >>> 0) {
        throw new AdbFramingError(`bad magic 0x${magic.toString(16)} for command ${commandName(command)}`);
      }
      if (length > MAX_PAYLOAD * 4) throw new AdbFramingError(`payload of ${length} bytes is too large`);
      if (this.buf.length < HEADER_BYTES + length) break;
      out.push({
        command,
        arg0: this.buf.readUInt32LE(4),
        arg1: this.buf.readUInt32LE(8),
        data: Buffer.from(this.buf.subarray(HEADER_BYTES, HEADER_BYTES + length)),
      });
      this.buf = this.buf.subarray(HEADER_BYTES + length);
    }
    return out;
  }
}
