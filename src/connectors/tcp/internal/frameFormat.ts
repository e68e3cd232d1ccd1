/**
 * Length headers of TCP frames: checking the format, reading and writing
 * the header.
 *
 * @module
 * @internal
 */
import { constants as bufferConstants } from "node:buffer";

/** @internal A checked frame format. */
export interface CheckedFrameFormat {
  readonly headerLength: 1 | 2 | 4 | 8;
  readonly littleEndian: boolean;
}

/** @internal Default most bytes of one payload: 16 MiB. */
export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;

/** @internal Largest payload length a header of each size can hold. */
export function maxLengthFor(headerLength: 1 | 2 | 4 | 8): number {
  switch (headerLength) {
    case 1:
      return 0xff;
    case 2:
      return 0xffff;
    case 4:
      return 0xffff_ffff;
    case 8:
      return Number.MAX_SAFE_INTEGER;
  }
}

/**
 * @internal Check `headerLength` and `endian`; a message describing the
 * first problem, or the checked format.
 */
export function checkFrameFormat(options: { headerLength?: unknown; endian?: unknown }): CheckedFrameFormat | string {
  const { headerLength = 4, endian = "big" } = options;
  if (headerLength !== 1 && headerLength !== 2 && headerLength !== 4 && headerLength !== 8) {
    return `headerLength must be 1, 2, 4 or 8; got ${String(headerLength)}`;
  }
  if (endian !== "big" && endian !== "little") {
    return `endian must be "big" or "little"; got ${JSON.stringify(endian)}`;
  }
  return { headerLength, littleEndian: endian === "little" };
}

/** @internal Check `maxFrameBytes`; a message, or the value. */
export function checkMaxFrameBytes(value: unknown): number | string {
  const max = value ?? DEFAULT_MAX_FRAME_BYTES;
  if (typeof max !== "number" || !Number.isInteger(max) || max < 0 || max > bufferConstants.MAX_LENGTH) {
    return `maxFrameBytes must be an integer from 0 to ${bufferConstants.MAX_LENGTH}; got ${String(max)}`;
  }
  return max;
}

/**
 * @internal The payload length in the header at `buf[offset..]`; a BigInt
 * only for an 8-byte header whose value does not fit a safe integer.
 */
export function readLength(buf: Buffer, offset: number, format: CheckedFrameFormat): number | bigint {
  const le = format.littleEndian;
  switch (format.headerLength) {
    case 1:
      return buf.readUInt8(offset);
    case 2:
      return le ? buf.readUInt16LE(offset) : buf.readUInt16BE(offset);
    case 4:
      return le ? buf.readUInt32LE(offset) : buf.readUInt32BE(offset);
    case 8: {
      const big = le ? buf.readBigUInt64LE(offset) : buf.readBigUInt64BE(offset);
      return big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
    }
  }
}

/** @internal Write the header for a `length`-byte payload at `buf[offset..]` (length already checked). */
export function writeLength(buf: Buffer, offset: number, length: number, format: CheckedFrameFormat): void {
  const le = format.littleEndian;
  switch (format.headerLength) {
    case 1:
      buf.writeUInt8(length, offset);
      return;
    case 2:
      if (le) buf.writeUInt16LE(length, offset);
      else buf.writeUInt16BE(length, offset);
      return;
    case 4:
      if (le) buf.writeUInt32LE(length, offset);
      else buf.writeUInt32BE(length, offset);
      return;
    case 8:
      if (le) buf.writeBigUInt64LE(BigInt(length), offset);
      else buf.writeBigUInt64BE(BigInt(length), offset);
      return;
  }
}

/**
 * @internal Concatenate `payloads` as frames into one new Buffer. Throws a
 * RangeError naming `who` for a payload too long for the header.
 */
export function encodeFrames(payloads: readonly Uint8Array[], format: CheckedFrameFormat, who: string): Buffer {
  const h = format.headerLength;
  const max = maxLengthFor(h);
  let total = 0;
  for (let i = 0; i < payloads.length; i++) {
    const n = payloads[i].length;
    if (n > max) {
      throw new RangeError(`${who}: a payload of ${n} bytes does not fit a ${h}-byte length header (at most ${max})`);
    }
    total += h + n;
  }
  const out = Buffer.allocUnsafe(total);
  let pos = 0;
  for (let i = 0; i < payloads.length; i++) {
    const p = payloads[i];
    writeLength(out, pos, p.length, format);
    pos += h;
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}
