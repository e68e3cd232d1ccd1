/**
 * A batch of outgoing Kafka messages as one byte array and back: how the
 * transactional `KafkaSink` keeps an epoch's output in the recovery store
 * until its transaction is known committed. One array per batch (not an
 * object per message) keeps the snapshot cheap to encode, to store and to
 * check with any `StateSerde` that round-trips a `Uint8Array`.
 *
 * Layout, little-endian: `u32` topic count, each topic `str`; `u32` message
 * count; each message: `u32` topic index, `i32` partition (-1: none), `f64`
 * timestamp (NaN: none), key `payload`, value `payload`, `u32` header count,
 * each header: name `str`, value `payload`. A `str` is `u32` byte length and
 * UTF-8; a `payload` is a `u8` tag (0 null, 1 string, 2 bytes) and, unless
 * null, `u32` byte length and the bytes.
 *
 * @module
 * @internal
 */
import type { IHeaders, Message } from "kafkajs";

/** @internal A message and the topic it goes to. */
export interface OutgoingMessage {
  readonly topic: string;
  readonly message: Message;
}

const NULL = 0;
const STRING = 1;
const BYTES = 2;

type Payload = Buffer | string | null | undefined;

function payloadSize(x: Payload): number {
  if (x == null) return 1;
  return 5 + (typeof x === "string" ? Buffer.byteLength(x) : x.length);
}

function headerValues(v: IHeaders[string]): (Buffer | string)[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

/** @internal Encode `messages` (in order) as one byte array. */
export function encodeMessages(messages: readonly OutgoingMessage[]): Uint8Array {
  const topics = new Map<string, number>();
  let size = 8;
  for (const { topic, message: m } of messages) {
    if (!topics.has(topic)) {
      topics.set(topic, topics.size);
      size += 4 + Buffer.byteLength(topic);
    }
    size += 4 + 4 + 8 + payloadSize(m.key) + payloadSize(m.value) + 4;
    if (m.headers !== undefined) {
      for (const name in m.headers) {
        const nameSize = 4 + Buffer.byteLength(name);
        for (const v of headerValues(m.headers[name])) size += nameSize + payloadSize(v);
      }
    }
  }
  const buf = Buffer.allocUnsafe(size);
  let at = 0;
  const str = (s: string): void => {
    const n = buf.write(s, at + 4);
    buf.writeUInt32LE(n, at);
    at += 4 + n;
  };
  const payload = (x: Payload): void => {
    if (x == null) {
      buf[at++] = NULL;
    } else if (typeof x === "string") {
      buf[at++] = STRING;
      str(x);
    } else {
      buf[at++] = BYTES;
      buf.writeUInt32LE(x.length, at);
      buf.set(x, at + 4);
      at += 4 + x.length;
    }
  };
  buf.writeUInt32LE(topics.size, at);
  at += 4;
  for (const topic of topics.keys()) str(topic);
  buf.writeUInt32LE(messages.length, at);
  at += 4;
  for (const { topic, message: m } of messages) {
    buf.writeUInt32LE(topics.get(topic)!, at);
    buf.writeInt32LE(m.partition ?? -1, at + 4);
    buf.writeDoubleLE(m.timestamp === undefined ? NaN : Number(m.timestamp), at + 8);
    at += 16;
    payload(m.key);
    payload(m.value);
    const countAt = at;
    at += 4;
    let headers = 0;
    if (m.headers !== undefined) {
      for (const name in m.headers) {
        for (const v of headerValues(m.headers[name])) {
          str(name);
          payload(v);
          headers++;
        }
      }
    }
    buf.writeUInt32LE(headers, countAt);
  }
  if (at !== size) throw new Error(`internal error: encoded ${at} bytes of ${size}`);
  return buf;
}

/**
 * @internal Decode what {@link encodeMessages} made. Byte payloads are views
 * of `bytes` (no copy).
 *
 * @throws Error when `bytes` is not such an encoding.
 */
export function decodeMessages(bytes: Uint8Array): OutgoingMessage[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  const need = (n: number): void => {
    if (at + n > buf.length) throw new Error(`truncated message batch (${buf.length} bytes, needed ${at + n})`);
  };
  const u32 = (): number => {
    need(4);
    const v = buf.readUInt32LE(at);
    at += 4;
    return v;
  };
  const str = (): string => {
    const n = u32();
    need(n);
    const s = buf.toString("utf8", at, at + n);
    at += n;
    return s;
  };
  const payload = (): Buffer | string | null => {
    need(1);
    const tag = buf[at++];
    if (tag === NULL) return null;
    if (tag === STRING) return str();
    if (tag !== BYTES) throw new Error(`bad payload tag ${tag} at byte ${at - 1}`);
    const n = u32();
    need(n);
    const b = buf.subarray(at, at + n);
    at += n;
    return b;
  };
  const topics: string[] = [];
  for (let i = u32(); i > 0; i--) topics.push(str());
  const count = u32();
  const out: OutgoingMessage[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const topic = topics[u32()];
    if (topic === undefined) throw new Error(`bad topic index in message ${i}`);
    need(12);
    const partition = buf.readInt32LE(at);
    const timestamp = buf.readDoubleLE(at + 4);
    at += 12;
    const message: Message = { key: payload(), value: payload() };
    if (partition >= 0) message.partition = partition;
    if (!Number.isNaN(timestamp)) message.timestamp = String(timestamp);
    const headerCount = u32();
    if (headerCount > 0) {
      const headers: IHeaders = {};
      for (let h = 0; h < headerCount; h++) {
        const name = str();
        const v = payload() ?? "";
        const prev = headers[name];
        headers[name] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
      }
      message.headers = headers;
    }
    out[i] = { topic, message };
  }
  if (at !== buf.length) throw new Error(`message batch has ${buf.length - at} bytes after its ${count} messages`);
  return out;
}
