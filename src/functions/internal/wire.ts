/**
 * StateFun's wire format in bytes: the request-reply messages, the six
 * primitive wrapper types and the Kafka egress record, over the code that
 * `npm run proto` generates in `./gen/` with `@bufbuild/protobuf`.
 *
 * Everything here either returns the generated message types or plain JS
 * values; the rest of `sluice/functions` imports this file, never `./gen/`
 * or `@bufbuild/protobuf` directly.
 *
 * @module
 * @internal
 */
import { create, fromBinary, toBinary, type DescMessage, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import { KafkaProducerRecordSchema } from "./gen/kafka-egress_pb.js";
import { FromFunctionSchema, ToFunctionSchema, type FromFunction, type ToFunction } from "./gen/request-reply_pb.js";
import {
  BooleanWrapperSchema,
  DoubleWrapperSchema,
  FloatWrapperSchema,
  IntWrapperSchema,
  LongWrapperSchema,
  StringWrapperSchema,
} from "./gen/types_pb.js";

/** Largest finite float32, as a double. */
const FLOAT32_MAX = 3.4028234663852886e38;

function encode<D extends DescMessage>(schema: D, init: MessageInitShape<D>): Uint8Array {
  return toBinary(schema, create(schema, init));
}

function decode<D extends DescMessage>(schema: D, bytes: Uint8Array): MessageShape<D> {
  try {
    return fromBinary(schema, bytes);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    const size = bytes.length === 1 ? "1 byte" : `${bytes.length} bytes`;
    throw new Error(`cannot decode ${schema.typeName} from ${size}: ${reason}`, { cause });
  }
}

/*
 * The six wrapper types are written and read by hand: they are one field
 * each, and every state read and write and most messages go through them, so
 * the library's general path (a writer with a 128-byte buffer, a DataView per
 * read: ~2 µs a value) was most of an embedded function's cost. The bytes are
 * the library's (the golden tests check both ways); a read whose bytes are not
 * the one canonical field (unknown fields, a repeated field, a long varint)
 * falls back to the library.
 */
const EMPTY = new Uint8Array(0);
const f32 = new Float32Array(1);
const f32Bytes = new Uint8Array(f32.buffer);
const f64 = new Float64Array(1);
const f64Bytes = new Uint8Array(f64.buffer);
const utf8Encoder = new TextEncoder();
/** Fatal, like the library: bytes that are not UTF-8 go to its path, which names the message. */
const utf8Decoder = new TextDecoder("utf-8", { fatal: true });
/** Whether this machine stores numbers little-endian (protobuf's fixed-width order). */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** `tag` then `bytes` (4 or 8), in protobuf's little-endian order. */
function fixed(tag: number, bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length + 1);
  out[0] = tag;
  if (LITTLE_ENDIAN) out.set(bytes, 1);
  else for (let i = 0; i < bytes.length; i++) out[1 + i] = bytes[bytes.length - 1 - i];
  return out;
}

/** Copy the `n` little-endian bytes after the tag of `b` into `into`. */
function readFixed(b: Uint8Array, into: Uint8Array): void {
  const n = into.length;
  if (LITTLE_ENDIAN) for (let i = 0; i < n; i++) into[i] = b[1 + i];
  else for (let i = 0; i < n; i++) into[i] = b[n - i];
}

/**
 * Encode a request from the runtime to a remote function.
 *
 * @param msg - A `ToFunction` message, or a plain object of the same shape
 *   (omitted fields take their defaults).
 * @returns The protobuf bytes, fields in field-number order.
 * @internal
 * @example
 * ```ts
 * encodeToFunction({ request: { case: "invocation", value: { target: { namespace: "n", type: "t", id: "1" } } } });
 * ```
 */
export function encodeToFunction(msg: MessageInitShape<typeof ToFunctionSchema>): Uint8Array {
  return encode(ToFunctionSchema, msg);
}

/**
 * Decode a request from the runtime to a remote function.
 *
 * @param bytes - What {@link encodeToFunction} (or StateFun) produced.
 * @returns The message; `request.case` is `undefined` for an empty request.
 * @throws Error naming the message type when `bytes` is not valid protobuf.
 * @internal
 */
export function decodeToFunction(bytes: Uint8Array): ToFunction {
  return decode(ToFunctionSchema, bytes);
}

/**
 * Encode a remote function's reply.
 *
 * @param msg - A `FromFunction` message or a plain object of the same shape;
 *   int64 fields (`delayInMs`, `expireAfterMillis`) are `bigint`.
 * @returns The protobuf bytes, fields in field-number order.
 * @internal
 */
export function encodeFromFunction(msg: MessageInitShape<typeof FromFunctionSchema>): Uint8Array {
  return encode(FromFunctionSchema, msg);
}

/**
 * Decode a remote function's reply.
 *
 * @param bytes - The body of the function's HTTP response.
 * @returns The message: `response.case` is `"invocationResult"`,
 *   `"incompleteInvocationContext"` or `undefined` (an empty reply).
 * @throws Error naming the message type when `bytes` is not valid protobuf.
 * @internal
 * @example
 * ```ts
 * const reply = decodeFromFunction(body);
 * if (reply.response.case === "invocationResult") reply.response.value.stateMutations; // typed
 * ```
 */
export function decodeFromFunction(bytes: Uint8Array): FromFunction {
  return decode(FromFunctionSchema, bytes);
}

/**
 * Encode an `io.statefun.types/string` value (a `StringWrapper`).
 *
 * @param s - Any string; lone surrogates become U+FFFD.
 * @returns The bytes; empty for `""`.
 * @internal
 * @example
 * ```ts
 * encodeString("hi"); // Uint8Array [0x0a, 0x02, 0x68, 0x69]
 * ```
 */
export function encodeString(s: string): Uint8Array {
  if (s.length === 0) return EMPTY;
  const text = utf8Encoder.encode(s);
  let len = text.length;
  let head = 2;
  for (let v = len; v >= 0x80; v >>>= 7) head++;
  const out = new Uint8Array(head + len);
  out[0] = 0x0a;
  let i = 1;
  for (; len >= 0x80; len >>>= 7) out[i++] = (len & 0x7f) | 0x80;
  out[i] = len;
  out.set(text, head);
  return out;
}

/**
 * Decode an `io.statefun.types/string` value.
 *
 * @param b - A `StringWrapper`'s bytes; empty bytes are `""`.
 * @returns The string.
 * @throws Error naming the message type when `b` is not valid protobuf.
 * @internal
 */
export function decodeString(b: Uint8Array): string {
  if (b.length === 0) return "";
  if (b[0] === 0x0a) {
    let len = 0;
    let i = 1;
    for (let shift = 0; i < b.length && i < 5; shift += 7) {
      const byte = b[i++];
      len |= (byte & 0x7f) << shift;
      if (byte < 0x80) {
        if (i + len === b.length) {
          try {
            return utf8Decoder.decode(b.subarray(i));
          } catch {
            // Not UTF-8: the library's error below.
          }
        }
        break;
      }
    }
  }
  return decode(StringWrapperSchema, b).value;
}

/**
 * Encode an `io.statefun.types/int` value (an `IntWrapper`: sfixed32, so
 * always 5 bytes unless 0).
 *
 * @param n - An integer in `[-2**31, 2**31)`.
 * @returns The bytes; empty for `0`.
 * @throws RangeError naming `n` when it is not such an integer.
 * @internal
 * @example
 * ```ts
 * encodeInt(-1); // Uint8Array [0x0d, 0xff, 0xff, 0xff, 0xff]
 * ```
 */
export function encodeInt(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < -0x80000000 || n > 0x7fffffff) {
    throw new RangeError(`io.statefun.types/int value ${n} is not a 32-bit signed integer`);
  }
  if (n === 0) return EMPTY;
  // Assigned one by one: an array literal costs three times as much.
  const out = new Uint8Array(5);
  out[0] = 0x0d;
  out[1] = n;
  out[2] = n >>> 8;
  out[3] = n >>> 16;
  out[4] = n >>> 24;
  return out;
}

/**
 * Decode an `io.statefun.types/int` value.
 *
 * @param b - An `IntWrapper`'s bytes; empty bytes are `0`.
 * @returns An integer in `[-2**31, 2**31)`.
 * @throws Error naming the message type when `b` is not valid protobuf.
 * @internal
 */
export function decodeInt(b: Uint8Array): number {
  if (b.length === 0) return 0;
  if (b.length === 5 && b[0] === 0x0d) return b[1] | (b[2] << 8) | (b[3] << 16) | (b[4] << 24);
  return decode(IntWrapperSchema, b).value;
}

/**
 * Encode an `io.statefun.types/long` value (a `LongWrapper`: sfixed64) from
 * a JS number.
 *
 * @param n - A safe integer (`Number.isSafeInteger`), so that it is exact.
 * @returns The bytes; empty for `0`.
 * @throws RangeError naming `n` when it is not a safe integer.
 * @internal
 * @example
 * ```ts
 * encodeLong(-1); // Uint8Array [0x09, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]
 * encodeLong(2 ** 53); // throws RangeError
 * ```
 */
export function encodeLong(n: number): Uint8Array {
  if (!Number.isSafeInteger(n)) {
    throw new RangeError(`io.statefun.types/long value ${n} is not a safe integer: it must be an integer in [-(2**53 - 1), 2**53 - 1]`);
  }
  if (n === 0) return EMPTY;
  const hi = Math.floor(n / 0x100000000);
  const lo = n - hi * 0x100000000;
  const out = new Uint8Array(9);
  out[0] = 0x09;
  out[1] = lo;
  out[2] = lo >>> 8;
  out[3] = lo >>> 16;
  out[4] = lo >>> 24;
  out[5] = hi;
  out[6] = hi >>> 8;
  out[7] = hi >>> 16;
  out[8] = hi >>> 24;
  return out;
}

/**
 * Decode an `io.statefun.types/long` value to a JS number.
 *
 * @param b - A `LongWrapper`'s bytes; empty bytes are `0`.
 * @returns A safe integer.
 * @throws RangeError naming the value when it is outside the safe integers
 *   (a JS number would not hold it exactly).
 * @throws Error naming the message type when `b` is not valid protobuf.
 * @internal
 */
export function decodeLong(b: Uint8Array): number {
  if (b.length === 0) return 0;
  if (b.length === 9 && b[0] === 0x09) {
    const lo = (b[1] | (b[2] << 8) | (b[3] << 16) | (b[4] << 24)) >>> 0;
    const hi = b[5] | (b[6] << 8) | (b[7] << 16) | (b[8] << 24);
    // Exact while |hi| < 2**21; beyond, the library's bigint path says which value it was.
    if (hi >= -0x200000 && hi < 0x200000) {
      const n = hi * 0x100000000 + lo;
      if (Number.isSafeInteger(n)) return n;
    }
  }
  const value = decode(LongWrapperSchema, b).value;
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new RangeError(`io.statefun.types/long value ${value} is not a safe integer: a JS number cannot hold it exactly`);
  }
  return Number(value);
}

/**
 * Encode an `io.statefun.types/float` value (a `FloatWrapper`: 32 bits).
 *
 * @param x - A number; it is rounded to the nearest float32 (`Math.fround`).
 *   `NaN` and the infinities are kept.
 * @returns The bytes; empty for `0`. `-0` is written, so it round-trips
 *   (StateFun's Python SDK on protobuf 3.20 writes nothing for `-0`, which
 *   then reads back as `0`).
 * @throws RangeError naming `x` when it is finite but beyond float32's range.
 * @internal
 */
export function encodeFloat(x: number): Uint8Array {
  if (Number.isFinite(x) && Math.abs(x) > FLOAT32_MAX) {
    throw new RangeError(`io.statefun.types/float value ${x} is beyond the float32 range (±${FLOAT32_MAX})`);
  }
  if (Object.is(x, 0)) return EMPTY;
  f32[0] = x;
  return fixed(0x0d, f32Bytes);
}

/**
 * Decode an `io.statefun.types/float` value.
 *
 * @param b - A `FloatWrapper`'s bytes; empty bytes are `0`.
 * @returns The float32 as a number: `encodeFloat(0.1)` decodes to
 *   `0.10000000149011612`.
 * @throws Error naming the message type when `b` is not valid protobuf.
 * @internal
 */
export function decodeFloat(b: Uint8Array): number {
  if (b.length === 0) return 0;
  if (b.length === 5 && b[0] === 0x0d) {
    readFixed(b, f32Bytes);
    return f32[0];
  }
  return decode(FloatWrapperSchema, b).value;
}

/**
 * Encode an `io.statefun.types/double` value (a `DoubleWrapper`).
 *
 * @param x - Any number.
 * @returns The bytes; empty for `0`. `-0` is written, as for
 *   {@link encodeFloat}.
 * @internal
 */
export function encodeDouble(x: number): Uint8Array {
  if (Object.is(x, 0)) return EMPTY;
  f64[0] = x;
  return fixed(0x09, f64Bytes);
}

/**
 * Decode an `io.statefun.types/double` value.
 *
 * @param b - A `DoubleWrapper`'s bytes; empty bytes are `0`.
 * @returns The number.
 * @throws Error naming the message type when `b` is not valid protobuf.
 * @internal
 */
export function decodeDouble(b: Uint8Array): number {
  if (b.length === 0) return 0;
  if (b.length === 9 && b[0] === 0x09) {
    readFixed(b, f64Bytes);
    return f64[0];
  }
  return decode(DoubleWrapperSchema, b).value;
}

/**
 * Encode an `io.statefun.types/bool` value (a `BooleanWrapper`).
 *
 * @param v - The boolean.
 * @returns The bytes: `[0x08, 0x01]` for `true`, empty for `false`.
 * @internal
 */
export function encodeBool(v: boolean): Uint8Array {
  if (!v) return EMPTY;
  const out = new Uint8Array(2);
  out[0] = 0x08;
  out[1] = 0x01;
  return out;
}

/**
 * Decode an `io.statefun.types/bool` value.
 *
 * @param b - A `BooleanWrapper`'s bytes; empty bytes are `false`.
 * @returns The boolean.
 * @throws Error naming the message type when `b` is not valid protobuf.
 * @internal
 */
export function decodeBool(b: Uint8Array): boolean {
  if (b.length === 0) return false;
  if (b.length === 2 && b[0] === 0x08 && b[1] < 0x80) return b[1] !== 0;
  return decode(BooleanWrapperSchema, b).value;
}

/**
 * A record for StateFun's Kafka egress, as plain JS values.
 *
 * @internal
 */
export interface KafkaEgressRecord {
  /** The topic to produce to. */
  topic: string;
  /** The record key; absent and `""` are the same on the wire (no key). */
  key?: string;
  /** The record value. */
  value: Uint8Array;
}

/**
 * Encode a Kafka egress record (a `KafkaProducerRecord`), the bytes of a
 * `TypedValue` with typename
 * `type.googleapis.com/io.statefun.sdk.egress.KafkaProducerRecord`.
 *
 * @param record - The topic, optional key and value.
 * @returns The protobuf bytes.
 * @internal
 * @example
 * ```ts
 * encodeKafkaProducerRecord({ topic: "out", key: "u1", value: encodeString("hi") });
 * ```
 */
export function encodeKafkaProducerRecord(record: KafkaEgressRecord): Uint8Array {
  return encode(KafkaProducerRecordSchema, { topic: record.topic, key: record.key ?? "", valueBytes: record.value });
}

/**
 * Decode a Kafka egress record.
 *
 * @param b - A `KafkaProducerRecord`'s bytes.
 * @returns The record; `key` is absent when the wire key is empty.
 * @throws Error naming the message type when `b` is not valid protobuf.
 * @internal
 */
export function decodeKafkaProducerRecord(b: Uint8Array): KafkaEgressRecord {
  const m = decode(KafkaProducerRecordSchema, b);
  return m.key === "" ? { topic: m.topic, value: m.valueBytes } : { topic: m.topic, key: m.key, value: m.valueBytes };
}
