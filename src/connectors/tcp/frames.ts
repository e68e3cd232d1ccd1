/**
 * Length-prefixed frames: {@link FrameDecoder} and {@link encodeFrame}, the
 * wire format of `TcpSource` and `TcpSink`.
 *
 * @module
 */
import { ConnectorError } from "../../errors.js";
import { checkFrameFormat, checkMaxFrameBytes, encodeFrames, readLength, type CheckedFrameFormat } from "./internal/frameFormat.js";

/**
 * How frames are laid out on the wire: each frame is a length header of
 * `headerLength` bytes, an unsigned integer in `endian` byte order counting
 * the payload bytes only (not the header), then the payload. This is
 * Wallaroo's `@decoder(header_length, length_fmt)` framing; the defaults are
 * Wallaroo's (`header_length=4`, `length_fmt=">I"`).
 *
 * @category Connectors
 * @example
 * ```ts
 * const format: FrameFormat = { headerLength: 2, endian: "little" };
 * encodeFrame(Buffer.from("hi"), format); // <Buffer 02 00 68 69>
 * ```
 */
export interface FrameFormat {
  /** Bytes of the length header: `1`, `2`, `4` or `8`. Default `4`. */
  headerLength?: 1 | 2 | 4 | 8;
  /** Byte order of the length header. Default `"big"` (network order). */
  endian?: "big" | "little";
}

/**
 * Options of {@link FrameDecoder}.
 *
 * @category Connectors
 * @example
 * ```ts
 * // 2-byte little-endian lengths, payloads of at most 1 KiB.
 * const options: FrameDecoderOptions = { headerLength: 2, endian: "little", maxFrameBytes: 1024 };
 * new FrameDecoder(options);
 * ```
 */
export interface FrameDecoderOptions extends FrameFormat {
  /**
   * Largest payload accepted, in bytes; a header announcing more is an
   * error (it would otherwise make the decoder buffer that much). Default
   * 16 MiB.
   */
  maxFrameBytes?: number;
}

/**
 * Splits a byte stream into the payloads of length-prefixed frames (see
 * {@link FrameFormat}), whatever the chunking: a frame split over several
 * chunks is reassembled, a chunk holding several frames yields them all.
 * Pure: no I/O, one decoder per connection.
 *
 * Payloads are views of the received bytes when a frame lies in one chunk
 * (no copy) and fresh Buffers otherwise; the decoder never writes to them
 * again. 8-byte headers are read as BigInt and must fit
 * `Number.MAX_SAFE_INTEGER`.
 *
 * A header announcing more than `maxFrameBytes` is an error from which the
 * stream cannot recover (the next frame boundary is unknown): `push` throws,
 * and so does every later `push`. Drop the connection.
 *
 * @category Connectors
 * @example
 * ```ts
 * const decoder = new FrameDecoder({ headerLength: 2 });
 * decoder.push(Buffer.from([0, 3, 0x61])); // [] (1 of 3 payload bytes so far)
 * decoder.midFrame; // true
 * decoder.push(Buffer.from([0x62, 0x63, 0, 1, 0x7a])); // [<Buffer 61 62 63>, <Buffer 7a>]
 * decoder.midFrame; // false
 * ```
 */
export class FrameDecoder {
  /** Largest payload accepted, in bytes. */
  readonly maxFrameBytes: number;
  private readonly format: CheckedFrameFormat;
  /** Received bytes not yet returned, in order. */
  private chunks: Buffer[] = [];
  /** Total length of `chunks`. */
  private size = 0;
  /** Payload length of the frame whose header was read; `-1` while reading a header. */
  private need = -1;
  private failure: ConnectorError | undefined;

  /**
   * @param options - Header size, byte order and `maxFrameBytes`; see
   *   {@link FrameDecoderOptions}.
   * @throws RangeError if an option is invalid.
   */
  constructor(options: FrameDecoderOptions = {}) {
    const format = checkFrameFormat(options);
    if (typeof format === "string") throw new RangeError(`FrameDecoder ${format}`);
    const max = checkMaxFrameBytes(options.maxFrameBytes);
    if (typeof max === "string") throw new RangeError(`FrameDecoder ${max}`);
    this.format = format;
    this.maxFrameBytes = max;
  }

  /**
   * Whether bytes of an incomplete frame (header or payload) are buffered:
   * a connection closing now would cut a frame.
   */
  get midFrame(): boolean {
    return this.need >= 0 || this.size > 0;
  }

  /** Bytes of the incomplete frame received so far, its header included. */
  get pendingBytes(): number {
    return this.size + (this.need >= 0 ? this.format.headerLength : 0);
  }

  /**
   * Feed received bytes; get the payloads of the frames they complete.
   *
   * @param chunk - The next bytes of the stream (kept by reference, not copied; do not modify it).
   * @param out - Where to append the payloads (default: a new array). If
   *   `push` throws, `out` still holds the frames completed before the bad
   *   header.
   * @returns `out`, with the payloads of the completed frames appended, in order.
   * @throws {@link sluice!ConnectorError | ConnectorError} if a header announces more than
   *   `maxFrameBytes` (or more than `Number.MAX_SAFE_INTEGER`), now or in an earlier call.
   */
  push(chunk: Uint8Array, out: Buffer[] = []): Buffer[] {
    if (this.failure !== undefined) throw this.failure;
    if (chunk.length > 0) {
      this.chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
      this.size += chunk.length;
    }
    const h = this.format.headerLength;
    while (true) {
      if (this.need < 0) {
        if (this.size < h) break;
        const length = readLength(this.take(h), 0, this.format);
        if (typeof length === "bigint" || length > this.maxFrameBytes) {
          this.failure = new ConnectorError(
            `frame of ${length} bytes is larger than maxFrameBytes (${this.maxFrameBytes})` +
              (typeof length === "bigint" ? " and than Number.MAX_SAFE_INTEGER" : ""),
          );
          this.chunks = [];
          this.size = 0;
          throw this.failure;
        }
        this.need = length;
      }
      if (this.size < this.need) break;
      out.push(this.take(this.need));
      this.need = -1;
    }
    return out;
  }

  /** Remove and return the first `n` buffered bytes (`n <= size`). */
  private take(n: number): Buffer {
    if (n === 0) return Buffer.alloc(0);
    this.size -= n;
    const first = this.chunks[0];
    if (first.length > n) {
      this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    if (first.length === n) {
      this.chunks.shift();
      return first;
    }
    const out = Buffer.allocUnsafe(n);
    let pos = 0;
    while (pos < n) {
      const c = this.chunks[0];
      const k = Math.min(c.length, n - pos);
      c.copy(out, pos, 0, k);
      pos += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    return out;
  }
}

/**
 * Make one frame: a length header (see {@link FrameFormat}) followed by
 * `payload`. For a server receiving from `TcpSink`, or a client feeding
 * `TcpSource`.
 *
 * @param payload - The bytes to frame.
 * @param format - Header size and byte order. Default: 4 bytes, big-endian.
 * @returns A new Buffer holding the header and a copy of the payload.
 * @throws RangeError if the format is invalid or the payload is too long
 *   for the header (more than 255 bytes for a 1-byte header, 65,535 for
 *   2 bytes, 4,294,967,295 for 4 bytes).
 * @throws TypeError if `payload` is not a `Uint8Array` (a `Buffer` is one).
 * @category Connectors
 * @example
 * ```ts
 * encodeFrame(Buffer.from("hi")); // <Buffer 00 00 00 02 68 69>
 * encodeFrame(Buffer.from("hi"), { headerLength: 1 }); // <Buffer 02 68 69>
 * ```
 */
export function encodeFrame(payload: Uint8Array, format: FrameFormat = {}): Buffer {
  const checked = checkFrameFormat(format);
  if (typeof checked === "string") throw new RangeError(`encodeFrame ${checked}`);
  if (!(payload instanceof Uint8Array)) throw new TypeError("encodeFrame payload must be a Buffer or Uint8Array");
  return encodeFrames([payload], checked, "encodeFrame");
}
